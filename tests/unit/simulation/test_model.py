"""The SimPy model of the operation: staff, bursts and the wave policy change what it finds."""

from __future__ import annotations

from datetime import datetime

from simulation_helpers import scenario_data

from doorstep.domain.promise.model import PromiseModel
from doorstep.simulation.arrivals import generate, hourly_rates, location_codes
from doorstep.simulation.operation import MemoryOperation
from doorstep.simulation.report import first_bottleneck, summary
from doorstep.simulation.runner import simulate, site_for
from doorstep.simulation.scenario import parse_scenario

SHORT_OF_PACKERS = {"intake": {"orders_per_day": 900},
                    "warehouse": {"totes": 400, "pack_stations": 6},
                    "shifts": [{"days": "Mon-Fri", "start": "06:00", "end": "20:00",
                                "release": 1, "pick": 4, "pack": 1, "handover": 1}]}


def test_a_crew_that_keeps_up_leaves_no_bottleneck(promise_model: PromiseModel) -> None:
    """300 orders a day against a day shift that can do far more: nothing breaks, the
    evening backlog is only the orders that came in after the last pick-up."""
    result = simulate(parse_scenario(scenario_data()), model=promise_model)
    assert result.orders > 400
    assert first_bottleneck(result) is None
    assert result.kept_share > 0.9
    assert sum(p.missed for p in result.pickups) < 0.1 * result.orders


def test_too_few_packers_is_found_and_more_packers_fix_it(promise_model: PromiseModel) -> None:
    """One packer for 900 orders a day: pack breaks first; two more packers per shift ship
    more, shrink the backlog and miss fewer cut-offs."""
    scenario = parse_scenario(scenario_data(**SHORT_OF_PACKERS))
    short = simulate(scenario, model=promise_model)
    neck = first_bottleneck(short)
    assert neck is not None and neck.station == "pack"
    assert neck.hour < 48
    helped = simulate(scenario, model=promise_model, added={"pack": 2})
    assert helped.samples["backlog"][-1] < short.samples["backlog"][-1]
    assert helped.shipped > short.shipped
    assert helped.mean_days_promised <= short.mean_days_promised  # less backlog at checkout
    assert sum(p.missed for p in helped.pickups) < sum(p.missed for p in short.pickups)


def test_a_launch_burst_breaks_the_operation_in_the_burst(promise_model: PromiseModel) -> None:
    """Ten times the orders from 10:00 for two hours: the first bottleneck is that day,
    not before the burst."""
    data = scenario_data(intake={"orders_per_day": 400, "bursts": [
        {"start": "2024-11-06T10:00", "hours": 2, "factor": 10}]})
    scenario = parse_scenario(data)
    rates = hourly_rates(scenario)
    assert rates[24 + 10] / rates[24 + 9] > 5
    neck = first_bottleneck(simulate(scenario, model=promise_model))
    assert neck is not None
    assert 24 + 10 <= neck.hour < 48


def test_the_same_seed_gives_the_same_run_and_another_seed_another(
        promise_model: PromiseModel) -> None:
    scenario = parse_scenario(scenario_data())
    a = summary(simulate(scenario, model=promise_model))
    b = summary(simulate(scenario, model=promise_model))
    c = summary(simulate(scenario.with_seed(99), model=promise_model))
    assert a == b
    assert a["orders"] != c["orders"]


def test_waves_are_planned_by_the_picking_domains_policy() -> None:
    """The in-memory operation releases what ``plan_wave`` decides: one tour per order
    with ``single`` batching, carts filled with ``fcfs``."""
    jobs = {}
    for method in ("single", "fcfs"):
        scenario = parse_scenario(scenario_data(policy={"batching": method}))
        site = site_for(scenario)
        op = MemoryOperation(site, scenario.policy)
        now = datetime(2024, 11, 5, 12, tzinfo=scenario.zone)
        for order in list(generate(scenario, location_codes(site.layout)))[:40]:
            op.accept(order, now)
        jobs[method] = op.release(now, 24)
    assert [len(j.orders) for j in jobs["single"]] == [1] * 24
    assert sum(len(j.orders) for j in jobs["fcfs"]) == 24
    assert len(jobs["fcfs"]) == 3  # carts of eight totes
    assert sum(j.distance_m for j in jobs["fcfs"]) < sum(j.distance_m for j in jobs["single"])
