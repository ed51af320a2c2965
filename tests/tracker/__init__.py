"""Tests of the pure tracking core: states, correlation, the reducer and its models."""
