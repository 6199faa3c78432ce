"""openskies: a discrete-event simulator of the Treaty on Open Skies.

The public API::

    import simulator
    scenario = simulator.load_scenario("scenarios/baseline-2019.toml")   # or a dict
    result = simulator.run(scenario, replications=4, seed=1)            # a Result
    result.missions, result.quotas, result.coverage, result.access      # DataFrames
    result.save("results/baseline")
    results = simulator.compare({"2019": "scenarios/baseline-2019.toml", ...})
    runs = simulator.sweep("baseline-2019", {"rules.nato_practice": [True, False]})
    indices = simulator.sensitivity("baseline-2019", {"operations.planning.use_share": (0.6, 1.0)})
"""

from simulator.version import __version__

__all__ = ["Result", "Scenario", "__version__", "compare", "load_result", "load_scenario", "run",
           "sensitivity", "sweep"]


def __getattr__(name: str):
    # Imported lazily so that `openskies registry` and `--help` start fast.
    if name in ("run", "compare", "sweep", "sensitivity"):
        from simulator import api

        return getattr(api, name)
    if name in ("load_scenario", "Scenario"):
        from simulator.scenario import load

        return getattr(load, name)
    if name in ("Result", "load_result"):
        from simulator.outputs import result

        return getattr(result, name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
