"""``python -m simulator`` runs the ``openskies`` command line."""

import sys

from simulator.cli import main

sys.exit(main())
