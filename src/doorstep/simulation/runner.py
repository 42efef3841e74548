"""One simulation run from a scenario: layout, wave site, orders, promises, the model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from doorstep.adapters.layout_file import load_layout
from doorstep.domain.picking.layout import Layout
from doorstep.domain.promise.model import PromiseModel
from doorstep.services.waves import WaveSite
from doorstep.simulation.arrivals import generate, location_codes
from doorstep.simulation.model import PeakModel, Progress, RunResult
from doorstep.simulation.operation import MemoryOperation
from doorstep.simulation.promises import PromiseDesk, model_for
from doorstep.simulation.scenario import Scenario, ScenarioError

DEMO_LAYOUT = Path(__file__).resolve().parent.parent / "demo" / "warehouse.yaml"


def layout_for(scenario: Scenario) -> Layout:
    name = scenario.warehouse.layout
    if name == "demo":
        return load_layout(DEMO_LAYOUT)
    path = Path(name)
    if not path.is_absolute() and scenario.source:
        path = Path(scenario.source).parent / path
    if not path.is_file():
        raise ScenarioError(f"warehouse.layout: no layout file {path}")
    return load_layout(path)


def site_for(scenario: Scenario, layout: Layout | None = None, *,
             warehouse: str = "SIM") -> WaveSite:
    return WaveSite(warehouse=warehouse, layout=layout or layout_for(scenario),
                    timezone=scenario.timezone, country=scenario.country,
                    cutoffs=dict(scenario.pickups))


def simulate(scenario: Scenario, *, added: Mapping[str, int] | None = None,
             model: PromiseModel | None = None, model_source: str = "",
             progress: Progress | None = None) -> RunResult:
    """Run the scenario through the in-memory operation; ``added`` staff per station.

    The promise engine reads the scenario's planned staff (what the shop has told it), and
    ``added`` staff change only the floor: a what-if asks how many of today's promises the
    extra people would keep.  (Telling the engine too would shorten the promises instead —
    ``mean_days_promised`` — and keep the kept share where calibration puts it.)
    """
    site = site_for(scenario)
    if model is None:
        model, model_source = model_for(scenario)
    desk = PromiseDesk(model, scenario)  # promises read the planned staff, not the what-if
    sim = PeakModel(scenario, MemoryOperation(site, scenario.policy), site, promises=desk,
                    added=dict(added or {}), progress=progress)
    result = sim.run(generate(scenario, location_codes(site.layout)))
    result.promise_source = model_source
    return result
