"""gridwatch: a work-safety supervision dashboard (安全生产监管驾驶舱) over a DuckDB warehouse."""

__version__ = "0.1.0"
