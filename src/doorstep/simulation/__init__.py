"""Peak simulation: a SimPy model of the whole operation, driven by a scenario.

``simulate(scenario)`` runs the in-memory operation (the picking domain's own wave
planning) with the scenario's staff and returns a :class:`RunResult`; ``report`` turns it
into tables, SVG charts and an HTML page; ``plan`` searches the smallest added staff that
keeps a target share of promises; ``live`` drives the real services on a simulated clock.
"""

from doorstep.simulation.runner import simulate, site_for
from doorstep.simulation.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "simulate", "site_for"]
