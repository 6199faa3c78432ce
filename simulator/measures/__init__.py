"""Measures of a run, as plain functions of its tables: access, flights by pair, imaged area over
the years, effective coverage under data sharing, the headline table with its satellite
yardstick, the summary, and the checks against the historical record.

May import ``simulator.engine``, ``simulator.treaty`` and ``simulator.geo``; nothing above it.
Functions take any object with the tables of :class:`simulator.measures.tables.RunTables`.
"""
