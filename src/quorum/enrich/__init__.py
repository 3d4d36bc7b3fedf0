"""Enrichers: entities, sentiment and other per-article annotations."""
