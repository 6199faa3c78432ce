"""What users see: the run's :class:`~simulator.outputs.result.Result`, results folders written
atomically, routes as GeoJSON, the reports (a run's and a comparison's) and every figure.

May import ``simulator.measures``, ``simulator.scenario``, ``simulator.engine``,
``simulator.treaty`` and ``simulator.geo``; nothing above it.
"""
