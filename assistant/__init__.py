"""Revierlotse: funding and project advice for the coal-exit regions, over one knowledge base."""

__version__ = "0.1.0"
