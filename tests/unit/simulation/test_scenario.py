"""Scenario files: every mistake is reported with the field that holds it."""

from __future__ import annotations

from pathlib import Path

import pytest
from simulation_helpers import scenario_data

from doorstep.simulation.scenario import ScenarioError, load_scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "peak"


@pytest.mark.parametrize(("change", "field"), [
    ({"intake": {"bursts": [{"start": "2024-11-05T10:00", "hours": 2, "factor": -1}]}},
     "intake.bursts[0].factor: must be > 0"),
    ({"intake": {"hourly": [1, 2, 3]}}, "intake.hourly: needs 24 numbers"),
    ({"policy": {"batching": "magic"}}, "policy.batching: 'magic' is not one of"),
    ({"shifts": [{"days": "Mon-Fry", "start": "06:00", "end": "14:00"}]}, "shifts[0].days:"),
    ({"shifts": [{"days": "Mon", "start": "6 Uhr", "end": "14:00"}]},
     "shifts[0].start: '6 Uhr' is not a time"),
    ({"shifts": [{"days": "Mon", "start": "06:00", "end": "14:00", "pick": -1}]},
     "shifts[0]: shift early"),
    ({"shifts": []}, "shifts: at least one"),
    ({"warehouse": {"totes": 0}}, "warehouse.totes: must be > 0"),
    ({"orders": {"services": {"dhl": 1}}}, "orders.services: 'dhl' must be carrier:service"),
    ({"scenario": {"timezone": "Mars/Olympus"}}, "scenario.timezone: unknown time zone"),
    ({"policy": {"wave_every": 10}}, "policy.wave_every: unknown key"),
    ({"promise": {"level": 1.5}}, "promise.level: must be in [0.5, 1)"),
])
def test_a_bad_field_is_named_with_its_reason(change: dict[str, object], field: str) -> None:
    if "shifts[0]: shift early" in field:
        change["shifts"][0]["name"] = "early"  # type: ignore[index]
        field = "shifts[0]: shift early: pick must be >= 0"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario_data(**change))
    assert field in str(caught.value)


def test_a_missing_scenario_table_is_reported() -> None:
    with pytest.raises(ScenarioError, match=r"scenario: the \[scenario\] table is required"):
        parse_scenario({"shifts": [{"days": "Mon"}]})


def test_the_file_name_leads_the_message(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\nstart = "2024-11-05"\ndays = 0\n[[shifts]]\ndays = "Mon"\n'
                    'start = "06:00"\nend = "14:00"\n')
    with pytest.raises(ScenarioError, match=r"s\.toml: scenario\.days: must be 1\.\.400"):
        load_scenario(path)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_every_example_scenario_loads(name: str) -> None:
    scenario = load_scenario(EXAMPLES / name)
    assert scenario.shifts and scenario.days >= 1
