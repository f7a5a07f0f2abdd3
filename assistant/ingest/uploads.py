"""Uploaded files → safely named files (plus optional metadata sidecar) in the upload folder.

Every door that accepts files (the API, the staff page through it) uses these rules.

The upload folder lives inside the corpus folder (``corpus/uploads`` by default),
so a full re-index picks uploads up again and nothing uploaded is lost.  Files
are written under a hidden temporary name first (the indexer skips hidden
files) and renamed into place, so a concurrent re-index never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from pydantic import ValidationError

from assistant.domain.doctypes import allowed_types
from assistant.domain.documents import DocumentMetadata
from assistant.errors import (
    FileTooLarge,
    MetadataError,
    UnsupportedFileType,
    UploadError,
)
from assistant.ingest.files import SKIPPED_NAMES
from assistant.ingest.load import SUPPORTED_SUFFIXES
from assistant.ingest.metadata import sidecar_path
from assistant.ingest.upload_journal import UploadJournal
from assistant.text.clean import has_surrogates, scrub_surrogates

_MAX_NAME_BYTES = 150
_UNSAFE = re.compile(r'[<>:"|?*\\/]')
_METADATA_FIELDS = ("title", "type", "region", "land", "programm", "source_url", "stand", "foerdergeber",
                    "foerderart", "zielgruppe", "frist", "tags")
_LIST_FIELDS = {"region", "land", "programm", "zielgruppe", "tags"}
_name_lock = threading.Lock()
MAX_METADATA_CHARS = 16_000
MAX_METADATA_FIELDS = 50
MAX_METADATA_LIST = 100
_TOO_DEEP = (
    "Das Feld 'metadata' ist zu tief verschachtelt: jedes Feld darf nur Text, eine Zahl, true/false "
    "oder eine einfache Liste davon enthalten, z. B. {\"region\": [\"Lausitz\"]}."
)


def safe_filename(raw: str | None) -> str:
    """A plain file name for a client-supplied one: no folders, no hidden files, NFC, no control chars.

    ``../../etc/passwd.md`` → ``passwd.md``; ``.env.md`` → ``env.md``; an empty result → ``upload``.
    """
    # Browsers (WHATWG multipart) send " CR LF in file names as %22 %0D %0A.
    name = re.sub(r"%0[dDaA]", " ", (raw or "").replace("%22", '"'))
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # control, format (bidi), …
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name or name.startswith("."):
        name = "upload"
    stem, suffix = _split(name)
    while len((stem + suffix).encode("utf-8")) > _MAX_NAME_BYTES and stem:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "upload") + suffix


def _split(name: str) -> tuple[str, str]:
    path = Path(name)
    suffix = path.suffix if len(path.suffix) <= 10 else ""
    return (name[: -len(suffix)] if suffix else name), suffix


def check_suffix(name: str, original: str | None) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(ohne Endung)"
        raise UnsupportedFileType(
            f"„{original or name}“: Dateityp {shown} wird nicht unterstützt. "
            f"Möglich sind: {', '.join(SUPPORTED_SUFFIXES)}. Es wurde nichts gespeichert."
        )


def human_size(n: int) -> str:
    """German size text: 1536 → "1,5 KB", 20971520 → "20,0 MB"."""
    value, unit = (n / 1048576, "MB") if n >= 1048576 else (n / 1024, "KB")
    return f"{value:.1f}".replace(".", ",") + " " + unit


def check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLarge(
            f"„{name}“ ist {human_size(size)} groß; erlaubt sind höchstens {human_size(max_bytes)} pro Datei. "
            "Es wurde nichts gespeichert. Bitte die Datei verkleinern oder aufteilen."
        )


def parse_metadata(metadata_json: str | None, fields: dict[str, list[str]]) -> dict[str, Any] | None:
    """Metadata for the sidecar from a JSON object and/or single form fields (fields win).

    The JSON is what a client sends, so it is held to the shape a sidecar has: an object
    of at most ``MAX_METADATA_FIELDS`` fields, each text, a number, true/false or a flat
    list of those.  Deeper nesting (which made json and pydantic recurse), oversized
    input and lone UTF-16 surrogates (which cannot be stored as UTF-8) are refused with
    a German message before anything is written.
    """
    data: dict[str, Any] = {}
    if metadata_json and metadata_json.strip():
        data.update(_metadata_object(metadata_json))
    for key in _METADATA_FIELDS:
        values = [v for v in fields.get(key, []) if v.strip()]
        if values:
            data[key] = values if key in _LIST_FIELDS else values[-1]
    if not data:
        return None
    try:
        validated = DocumentMetadata.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'metadata'}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise MetadataError(
            f"Die Metadaten sind ungültig ({problems}). Erlaubte Dokumenttypen: {allowed_types()}; "
            "'stand' als JJJJ-MM-TT."
        ) from None
    given = validated.model_dump(mode="json", exclude_unset=True)
    return {k: v for k, v in given.items() if v not in (None, [], "")}


def _metadata_object(text: str) -> dict[str, Any]:
    if len(text) > MAX_METADATA_CHARS:
        raise UploadError(
            f"Das Feld 'metadata' ist mit {len(text)} Zeichen zu lang (höchstens {MAX_METADATA_CHARS}). "
            "Bitte nur die Metadatenfelder (title, type, region, land, …) senden."
        )
    try:
        loaded = json.loads(text)
    except RecursionError:
        raise UploadError(_TOO_DEEP) from None
    except ValueError:
        raise UploadError("Das Feld 'metadata' ist kein gültiges JSON. Bitte ein JSON-Objekt senden.") from None
    if not isinstance(loaded, dict):
        raise UploadError("Das Feld 'metadata' muss ein JSON-Objekt sein, z. B. {\"type\": \"projekt\"}.")
    if len(loaded) > MAX_METADATA_FIELDS:
        raise UploadError(f"Das Feld 'metadata' hat {len(loaded)} Felder; erlaubt sind höchstens {MAX_METADATA_FIELDS}.")
    for key, value in loaded.items():
        shown = scrub_surrogates(key)[:60]
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and len(value) > MAX_METADATA_LIST:
            raise UploadError(f"Das Metadatenfeld „{shown}“ hat mehr als {MAX_METADATA_LIST} Einträge.")
        if not all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
            raise UploadError(_TOO_DEEP.replace("Das Feld 'metadata'", f"Das Metadatenfeld „{shown}“"))
        texts = [key, *(v for v in values if isinstance(v, str))]
        if any(has_surrogates(t) for t in texts):
            raise UploadError(
                f"Das Metadatenfeld „{shown}“ enthält ein ungültiges Zeichen (ein einzelnes UTF-16-Ersatzzeichen "
                "wie \\ud800, das kein Text ist). Bitte den Wert korrigieren."
            )
    return loaded


@dataclass
class StoredFile:
    path: Path
    original_name: str | None
    sidecar: Path | None = None

    def delete(self) -> None:
        for p in (self.path, self.sidecar):
            if p is not None:
                p.unlink(missing_ok=True)


def _taken_stems(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {_split(p.name)[0].casefold() for p in folder.iterdir()}


@dataclass(frozen=True)
class IncomingFile:
    """A file a door received: its safe name, the name the client sent, and its bytes."""

    name: str
    original_name: str | None
    data: BinaryIO


def store_files(
    folder: Path, files: list[IncomingFile], metadata: dict[str, Any] | None, journal: UploadJournal | None = None
) -> list[StoredFile]:
    """Write the files into ``folder``; collisions get ``-2``, ``-3``, …

    Names collide by *stem* (case-insensitive), because ``foo.pdf`` and ``foo.docx``
    would share the sidecar ``foo.meta.yaml``.  With a ``journal`` each file is
    recorded as pending *before* it appears under its name, so a crash from then on
    leaves a pending upload, never an unknown file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stored: list[StoredFile] = []
    journaled: list[str] = []
    tmp: Path | None = None
    current: StoredFile | None = None  # the file being placed (its sidecar may exist already)
    try:
        for incoming in files:
            tmp = folder / f".upload-{secrets.token_hex(8)}.part"
            with open(tmp, "xb") as out:
                while block := incoming.data.read(1 << 20):
                    out.write(block)
            with _name_lock:
                target = _free_name(folder, incoming.name)
                current = StoredFile(target, incoming.original_name, sidecar_path(target) if metadata else None)
                if current.sidecar is not None:
                    current.sidecar.write_text(
                        yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False), encoding="utf-8"
                    )
                if journal is not None:
                    journal.add_pending(target.name, incoming.original_name)
                    journaled.append(target.name)
                os.replace(tmp, target)
            tmp = None
            stored.append(current)
            current = None
    except BaseException:
        for s in [*stored, *([current] if current is not None else [])]:
            s.delete()
        if journal is not None and journaled:
            journal.forget(journaled)
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return stored


def _free_name(folder: Path, name: str) -> Path:
    stem, suffix = _split(name)
    taken = _taken_stems(folder)
    candidate, n = stem, 1
    while candidate.casefold() in taken or (candidate + suffix).lower() in SKIPPED_NAMES:
        n += 1
        candidate = f"{stem}-{n}"
    return folder / (candidate + suffix)


def is_inside(path: str | Path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
