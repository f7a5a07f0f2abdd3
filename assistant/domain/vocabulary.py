"""Domain word lists and the gazetteer, read from YAML files an editor can change.

The packaged files live in ``assistant/domain/data/``.  A deployment can point
``REVIERLOTSE_DOMAIN_DATA_DIR`` at a folder of its own: a file there with the same
name replaces the packaged one (e.g. a gazetteer with more towns), so the lists can
grow without a release.  Files are read once per process.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConfigurationError

OVERRIDE_ENV = "REVIERLOTSE_DOMAIN_DATA_DIR"


@functools.cache
def load(name: str) -> Any:
    """The parsed YAML file ``name`` (e.g. "places.yaml"): the override folder's copy, else the packaged one."""
    override = os.environ.get(OVERRIDE_ENV)
    if override and (Path(override) / name).is_file():
        path = Path(override) / name
        text = path.read_text(encoding="utf-8")
    else:
        path = Path(str(resources.files("assistant.domain") / "data" / name))
        text = path.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"Die Datendatei {path} ist kein gültiges YAML: {exc}") from exc


def words(name: str, key: str) -> tuple[str, ...]:
    """A whitespace-separated word list (or a YAML list) under ``key`` of data file ``name``."""
    value = load(name)[key]
    if isinstance(value, str):
        return tuple(value.split())
    return tuple(str(v) for v in value)
