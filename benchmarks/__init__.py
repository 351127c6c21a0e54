"""Benchmarks: run each with `python -m benchmarks.<name>`; never part of the test suite."""
