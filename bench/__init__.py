"""Benchmarks: page and query timings at demo scales, the load test, the import benchmark."""
