"""Benchmark of the QA dashboard on PostgreSQL with a million annotations."""
