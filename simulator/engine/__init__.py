"""The SimPy model: missions under the treaty's timeline, fleets, weather, one flight at a time
over each observed party, routes through a small service (nominal, or geometric from
``simulator.geo``). Missions and the world talk through :mod:`simulator.engine.context`.

May import ``simulator.treaty``, ``simulator.geo`` and ``simulator.errors``; nothing above it.
"""

from simulator.engine.config import EngineConfig
from simulator.engine.records import COVERAGE_COLUMNS, MISSION_COLUMNS, STATUSES, MissionRecord
from simulator.engine.world import ReplicationResult, distributions_for, run_replication

__all__ = [
    "COVERAGE_COLUMNS",
    "MISSION_COLUMNS",
    "STATUSES",
    "EngineConfig",
    "MissionRecord",
    "ReplicationResult",
    "distributions_for",
    "run_replication",
]
