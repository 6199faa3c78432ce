"""Many runs: replications over any executor (a process pool or Dask), one seed each from
``numpy.random.SeedSequence``, and checkpoints that let an interrupted ensemble resume; and
experiments over many variants of a scenario (sweeps, SALib sensitivity designs).

May import every room below it (``outputs``, ``measures``, ``scenario``, ``engine``, ``treaty``,
``geo``); only ``simulator.api`` and ``simulator.cli`` import it.
"""
