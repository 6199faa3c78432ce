"""Scenarios: the file format's schema, loading (``extends``, ``--set``), cross-field checks, the
assumptions a scenario runs under, TOML out, and assembly into the engine's inputs.

May import ``simulator.engine``, ``simulator.treaty`` and ``simulator.geo``; nothing above it.
Start at :func:`simulator.scenario.load.load_scenario`; every key is described in the models of
:mod:`simulator.scenario.schema` and in ``docs/scenarios.md``, which is generated from them.
"""
