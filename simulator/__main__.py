"""``python -m simulator`` runs the ``openskies`` command line."""

import sys

from simulator.cli.main import main

sys.exit(main())
