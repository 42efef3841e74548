"""Peak simulation: a SimPy model of the whole operation, driven by a scenario.

``runner.simulate(scenario)`` runs the in-memory operation (the picking domain's own wave
planning) with the scenario's staff and returns a ``model.RunResult``; ``report`` turns it
into tables, SVG charts and an HTML page; ``plan`` searches the smallest added staff that
keeps a target share of promises; ``live`` drives the real services on a simulated clock
and ``validation`` compares the two.  (Nothing is imported here, so the promise service can
read a staffing plan with ``scenario.load_staff_plan`` without loading the model.)
"""
