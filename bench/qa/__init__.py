"""Benchmark of the qa package against reference implementations (python -m bench.qa)."""
