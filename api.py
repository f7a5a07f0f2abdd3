"""HTTP entry point: ``uvicorn api:app`` from the repository root (``revierlotse serve`` does the same).

The app itself is built in :mod:`assistant.doors.http.app`.
"""

from __future__ import annotations

from assistant.doors.http.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    # ``app`` is built on first access, so importing this module reads no settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
