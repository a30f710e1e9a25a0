"""Benchmarks, run by hand (`make bench`); results are written to docs/benchmarks.md."""
