"""The ``openskies`` command line: the argument parser and one module per command.

The top room: may import anything, and nothing imports it (``python -m simulator`` runs
:func:`simulator.cli.main.main`).
"""
