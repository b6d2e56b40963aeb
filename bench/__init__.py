"""Benchmarks of the hub against its targets; run ``python bench/run.py`` (``make bench``)."""
