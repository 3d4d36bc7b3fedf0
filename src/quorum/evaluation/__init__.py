"""Evaluation commands: each scores one stage on a public dataset and prints its figures."""
