"""Benchmarks of the integration (see each script's docstring); run them as scripts."""
