"""Quorum: a news-intelligence desk that publishes what independent sources agree on."""

__version__ = "0.1.0"
