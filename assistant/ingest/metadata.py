"""Front matter and sidecar metadata → :class:`DocumentMetadata` plus warnings.

Where metadata comes from:

* Markdown: a YAML block at the very top, between a ``---`` line and the next
  ``---`` (or ``...``) line.
* Any format (PDF, DOCX, HTML, text, and Markdown too): a sidecar file next to it
  named after the file *stem*: ``foo.pdf`` → ``foo.meta.yaml``.  We chose the stem
  convention because it is what people type; the price is that ``foo.pdf`` and
  ``foo.docx`` in one folder would share ``foo.meta.yaml`` (the loader warns).
  For Markdown, front matter fields win over sidecar fields.

YAML is parsed with PyYAML's SafeLoader (a subclass that leaves dates as
strings, so an impossible date like 2024-13-45 becomes a field error instead of
a crash), and only after two cheap guards: blocks over 64 KB and blocks that use
aliases (``*name``) are refused, because alias expansion ("billion laughs") can
blow up memory and time long before the loader returns.  Unknown fields are
kept (``DocumentMetadata`` allows extras) and reported, since they are usually
typos of known fields.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.domain.doctypes import allowed_types
from assistant.domain.documents import DocumentMetadata
from assistant.domain.provenance import provenance_warnings
from assistant.errors import MetadataError

MAX_METADATA_BYTES = 64 * 1024
SIDECAR_SUFFIX = ".meta.yaml"

_FENCE_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_FENCE_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
_GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
_ID_FORBIDDEN = re.compile(r"[#\s/\\?]")


class _SafeLoaderNoDates(yaml.SafeLoader):
    """SafeLoader without implicit timestamps: dates are validated later, per field."""


_SafeLoaderNoDates.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class FrontMatter:
    """Raw metadata read from one place, before validation."""

    data: dict[str, Any]
    source: str  # human-readable origin for messages: "YAML-Kopf" or "foo.meta.yaml"


@dataclass
class ResolvedMetadata:
    """Validated metadata plus what the loader needs beyond the model."""

    metadata: DocumentMetadata
    doc_id: str | None
    warnings: list[str] = field(default_factory=list)


def sidecar_path(path: Path) -> Path:
    """``dir/foo.pdf`` → ``dir/foo.meta.yaml`` (see module docstring)."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def split_front_matter(text: str, file_name: str) -> tuple[str | None, str, int]:
    """Split Markdown into (yaml_text or None, body, line number where the YAML starts).

    The line number (1-based, in the file) lets YAML errors point at the real line.
    """
    opening = _FENCE_OPEN.match(text)
    if not opening:
        return None, text.lstrip("\ufeff"), 0
    rest = text[opening.end():]
    closing = _FENCE_CLOSE.search(rest)
    if not closing:
        raise MetadataError(
            f"„{file_name}“: Der YAML-Kopf beginnt mit „---“, wird aber nicht mit einer "
            "zweiten „---“-Zeile geschlossen. Bitte die schließende Zeile „---“ ergänzen."
        )
    yaml_text = rest[: closing.start()]
    body = rest[closing.end():].lstrip("\r\n")
    return yaml_text, body, 2


def parse_yaml_block(yaml_text: str, *, source: str, first_line: int = 1) -> dict[str, Any]:
    """Parse a metadata block safely; ``first_line`` is the file line of the block's line 1."""
    if len(yaml_text.encode("utf-8")) > MAX_METADATA_BYTES:
        raise MetadataError(
            f"{source}: Die Metadaten sind größer als 64 KB und werden aus Sicherheitsgründen "
            "nicht gelesen. Bitte nur die Felder title, type, region, land, stand, source_url … eintragen."
        )
    try:
        for event in yaml.parse(yaml_text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + first_line if event.start_mark else first_line
                raise MetadataError(
                    f"{source}: Die Metadaten verwenden YAML-Verweise (Alias „*…“, Zeile {line}). "
                    "Das ist aus Sicherheitsgründen nicht erlaubt. Bitte die Werte direkt ausschreiben."
                )
        data = yaml.load(yaml_text, Loader=_SafeLoaderNoDates)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        problem = exc.problem or exc.context or "Syntaxfehler"
        raise MetadataError(
            f"{source}: Die Metadaten (YAML) sind in Zeile {line} fehlerhaft ({problem}). "
            "Bitte die Syntax prüfen: „feld: wert“ mit Doppelpunkt und Leerzeichen, "
            "gleichmäßige Einrückung, Texte mit „:“ in Anführungszeichen."
        ) from None
    except yaml.YAMLError as exc:
        raise MetadataError(
            f"{source}: Die Metadaten (YAML) sind fehlerhaft ({exc}). Bitte die Syntax prüfen."
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MetadataError(
            f"{source}: Die Metadaten müssen aus Feldern der Form „feld: wert“ bestehen, "
            f"gefunden wurde aber {type(data).__name__}. Bitte als YAML-Zuordnung schreiben."
        )
    return {str(k).strip(): v for k, v in data.items()}


def read_sidecar(path: Path) -> tuple[FrontMatter | None, bytes]:
    """Read ``foo.meta.yaml`` for ``foo.*`` if present: (parsed data or None, raw bytes for the hash)."""
    side = sidecar_path(path)
    if not side.is_file():
        return None, b""
    if side.stat().st_size > MAX_METADATA_BYTES:
        raise MetadataError(
            f"„{side.name}“ ist größer als 64 KB und wird aus Sicherheitsgründen nicht gelesen. "
            "Bitte nur die Metadaten-Felder eintragen."
        )
    raw = side.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MetadataError(f"„{side.name}“ ist nicht UTF-8-kodiert. Bitte als UTF-8 speichern.") from None
    return FrontMatter(parse_yaml_block(text, source=f"„{side.name}“"), f"„{side.name}“"), raw


DATE_FIELDS = ("stand", "quelle_stand", "gueltig_bis")  # abgerufen_am is a date-time, parsed by the model


def _prepare(data: dict[str, Any]) -> dict[str, Any]:
    """Accept what humans write: German dates (01.05.2024) and datetimes in the date fields."""
    out = dict(data)
    for name in DATE_FIELDS:
        value = out.get(name)
        if isinstance(value, dt.datetime):
            out[name] = value.date()
        elif isinstance(value, str):
            m = _GERMAN_DATE.match(value)
            try:
                if m:
                    day, month, year = (int(g) for g in m.groups())
                    out[name] = dt.date(year, month, day)
                else:
                    out[name] = dt.datetime.fromisoformat(value.strip()).date()
            except ValueError:
                pass  # leave it to the validator, which names the field
    return out


def _validation_message(exc: ValidationError, data: dict[str, Any], source: str) -> str:
    err = exc.errors()[0]
    name = str(err["loc"][0]) if err.get("loc") else "?"
    value = data.get(name)
    if name in DATE_FIELDS:
        return (
            f"{source}: Feld „{name}“ enthält kein gültiges Datum ({value!r}). "
            "Bitte als JJJJ-MM-TT (z. B. 2024-05-31) oder TT.MM.JJJJ angeben."
        )
    if name == "status":
        return (
            f"{source}: Feld „status“ hat den unbekannten Wert {value!r}. "
            "Erlaubt sind: offen, geschlossen, ausgelaufen."
        )
    if name == "type":
        return (
            f"{source}: Feld „type“ hat den unbekannten Wert {value!r}. "
            f"Erlaubt sind: {allowed_types()}."
        )
    return f"{source}: Feld „{name}“ ist ungültig ({value!r}: {err.get('msg', '')}). Bitte den Wert korrigieren."


def resolve_metadata(
    sources: list[FrontMatter],
    *,
    title_hint: str | None,
    title_hint_origin: str,
    fallback_title: str,
    no_metadata_note: str,
    today: dt.date | None = None,
) -> ResolvedMetadata:
    """Merge metadata sources (later ones win), validate, and fill defaults with warnings.

    ``title_hint`` is what the format offers (first heading, PDF title …) and
    ``title_hint_origin`` says where it came from, e.g. "der ersten Überschrift".
    ``no_metadata_note`` opens the warnings when there was no metadata at all,
    e.g. "Kein YAML-Kopf".  Provenance problems (start-page link, no ``stand`` …) are
    warnings too, judged on ``today`` (default: the system date).
    """
    merged: dict[str, Any] = {}
    for src in sources:
        merged.update(src.data)
    where = " und ".join(s.source for s in sources) if sources else ""
    warnings: list[str] = []

    raw_id = merged.pop("id", None)
    doc_id: str | None = None
    if raw_id is not None:
        doc_id = str(raw_id).strip()
        if not doc_id or _ID_FORBIDDEN.search(doc_id):
            raise MetadataError(
                f"{where}: Feld „id“ ({raw_id!r}) darf nicht leer sein und keine Leerzeichen, "
                "„#“, „/“, „\\“ oder „?“ enthalten. Bitte z. B. „stark-richtlinie-2024“ verwenden."
            )

    data = _prepare(merged)
    try:
        metadata = DocumentMetadata(**data)
    except ValidationError as exc:
        raise MetadataError(_validation_message(exc, data, where or "Metadaten")) from None
    except TypeError as exc:  # e.g. a non-string key reaching the model
        raise MetadataError(f"{where}: Metadaten ungültig ({exc}). Bitte die Felder prüfen.") from None

    missing_note = no_metadata_note if not sources else f"Kein Titel in {where}"
    if not metadata.title:
        if title_hint and title_hint.strip():
            metadata.title = title_hint.strip()
            warnings.append(f"{missing_note}: Titel aus {title_hint_origin} übernommen")
        else:
            metadata.title = fallback_title
            warnings.append(f"{missing_note}: Titel aus dem Dateinamen übernommen")
    if "type" not in merged:
        prefix = no_metadata_note if not sources else f"Kein Typ in {where}"
        warnings.append(f"{prefix}: Typ „dokument“ angenommen")

    known = set(DocumentMetadata.model_fields)
    unknown = sorted(k for k in merged if k not in known)
    if unknown:
        warnings.append(f"Unbekannte Felder in {where} übernommen (Tippfehler?): {', '.join(unknown)}")
    warnings.extend(provenance_warnings(metadata, today or dt.date.today()))
    return ResolvedMetadata(metadata=metadata, doc_id=doc_id, warnings=warnings)
