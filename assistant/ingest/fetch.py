"""Official sources by URL: download an HTML page or a PDF and keep it in the corpus with a sidecar.

Why store the download itself (``corpus/quellen/NAME.html|.pdf``) and not only
its text: the loaders then read it exactly like any other file — trafilatura
for the main text of a page, pypdf with page numbers for a PDF, so answers can
cite "S. 7" of a guideline.  The sidecar ``NAME.meta.yaml`` records where it
came from (``source_url``), when (``abgerufen_am``, and ``stand`` = that day: the
text *is* the source as of then) and ``inhalt_hash``, a sha256 of the extracted
text.  ``recheck`` compares that hash, not the bytes: pages change their
navigation, tokens and timestamps on every request while the text stays put.

Every failure is a :class:`~assistant.errors.FetchError` with a German message
that names the cause (timeout, redirect loop, TLS, content type, size, 404/410).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import yaml
from pydantic import ValidationError

from assistant.config import Settings
from assistant.domain.documents import DocumentMetadata
from assistant.errors import (
    BadSourceURL,
    DocumentError,
    FetchContentType,
    FetchError,
    FetchRedirects,
    FetchTimeout,
    FetchTLSError,
    FetchTooLarge,
    MetadataError,
    SourceGone,
)
from assistant.ingest.formats.extracted import Extracted
from assistant.ingest.formats.html import load_html
from assistant.ingest.formats.pdf import load_pdf
from assistant.ingest.metadata import SIDECAR_SUFFIX, parse_yaml_block
from assistant.ingest.naming import slugify
from assistant.ingest.uploads import human_size

Kind = Literal["html", "pdf"]
_TYPES: dict[str, Kind] = {"text/html": "html", "application/xhtml+xml": "html", "application/pdf": "pdf"}
# Servers often send PDFs as a generic download; those are accepted when the bytes start like a PDF.
_GENERIC = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/download",
                      "application/x-download", "application/x-pdf", "application/force-download"})
_ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.1"
PREFIX = "quelle-"
MAX_STEM = 90
MIN_TEXT_CHARS = 200  # less is a navigation stub or a page that renders its text with JavaScript
# Fields a fetch may set in the sidecar; the rest (source_url, stand, abgerufen_am, inhalt_hash) it sets itself.
GIVEN_FIELDS = ("title", "type", "region", "land", "programm", "foerdergeber", "foerderart", "zielgruppe",
                "frist", "tags", "quelle_stand", "status", "gueltig_bis")
_write_lock = threading.Lock()


@dataclass(frozen=True)
class Download:
    url: str
    final_url: str
    kind: Kind
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Extraction:
    """The text a loader gets out of a download, its hash and the title it offers."""

    text_hash: str
    title: str | None
    characters: int


@dataclass
class StoredSource:
    """A fetched source on disk; ``previous_hash`` is the text hash before this fetch (None: new)."""

    path: Path
    sidecar: Path
    source_url: str
    final_url: str
    kind: Kind
    size: int
    text_hash: str
    title: str
    fetched_at: dt.datetime
    previous_hash: str | None = None

    @property
    def changed(self) -> bool | None:
        return None if self.previous_hash is None else self.previous_hash != self.text_hash


def check_url(url: str, allowed_hosts: list[str] | None = None) -> str:
    """The URL stripped, or :class:`BadSourceURL` when it is not an absolute http(s) address on an allowed host."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. "http://[::1" – an unbalanced bracket
        parts, host = urlsplit(""), ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise BadSourceURL(
            f"„{url}“ ist keine Web-Adresse. Bitte eine vollständige Adresse mit http:// oder https:// angeben, "
            "z. B. https://www.bafa.de/…/richtlinie.pdf."
        )
    allowed = [h.lower().strip(".") for h in allowed_hosts or [] if h.strip(".")]
    if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
        raise BadSourceURL(
            f"Von „{host}“ werden keine Quellen abgerufen: erlaubt sind nur {', '.join(allowed)} "
            "(REVIERLOTSE_FETCH_ALLOWED_HOSTS)."
        )
    return url


def _check_redirect(allowed_hosts: list[str]):  # noqa: ANN202 - an httpx event hook
    def hook(response: httpx.Response) -> None:
        if response.has_redirect_location:  # checked before httpx follows it
            check_url(str(response.url.join(response.headers["location"])), allowed_hosts)
    return hook


def _kind(content_type: str, head: bytes, url: str) -> Kind:
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _TYPES:
        return _TYPES[mime]
    if mime in _GENERIC and head.startswith(b"%PDF-"):
        return "pdf"
    shown = mime or "ohne Angabe"
    raise FetchContentType(
        f"„{url}“ liefert den Inhaltstyp {shown}. Abrufen lassen sich nur HTML-Seiten und PDF-Dateien; "
        "bitte den Link auf die Programmseite oder das PDF der Richtlinie setzen."
    )


def _status_error(status: int, url: str) -> FetchError:
    if status in (404, 410):
        gone = "gibt es nicht (mehr)" if status == 404 else "wurde entfernt"
        return SourceGone(
            f"Die Seite „{url}“ {gone} (HTTP {status}). Bitte die aktuelle Adresse auf der Website des "
            "Fördergebers suchen."
        )
    if status in (401, 403):
        return FetchError(
            f"Der Server verweigert den Zugriff auf „{url}“ (HTTP {status}). Die Quelle ist nicht öffentlich."
        )
    if status >= 500:
        return FetchError(f"Der Server von „{url}“ meldet einen Fehler (HTTP {status}). Bitte später erneut versuchen.")
    return FetchError(f"„{url}“ konnte nicht abgerufen werden (HTTP {status}). Bitte die Adresse prüfen.")


def _read(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise FetchTooLarge(
            f"„{url}“ ist {human_size(int(length))} groß; abgerufen werden höchstens {human_size(max_bytes)} "
            "(REVIERLOTSE_FETCH_MAX_MB). Bitte die Datei prüfen oder die Grenze erhöhen."
        )
    body = bytearray()
    for block in response.iter_bytes():
        body += block
        if len(body) > max_bytes:
            raise FetchTooLarge(
                f"„{url}“ ist größer als {human_size(max_bytes)}; der Abruf wurde abgebrochen "
                "(REVIERLOTSE_FETCH_MAX_MB). Bitte die Datei prüfen oder die Grenze erhöhen."
            )
    return bytes(body)


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    return any(marker in text for marker in ("CERTIFICATE_VERIFY_FAILED", "SSL", "TLS", "certificate"))


def download(url: str, settings: Settings) -> Download:
    """GET ``url`` with the configured user agent, timeout, redirect and size limits."""
    url = check_url(url, settings.fetch_allowed_hosts)
    timeout = settings.fetch_timeout_s
    headers = {"User-Agent": settings.fetch_user_agent, "Accept": _ACCEPT}
    hooks = {"response": [_check_redirect(settings.fetch_allowed_hosts)]} if settings.fetch_allowed_hosts else {}
    try:
        with httpx.Client(
            follow_redirects=True, max_redirects=settings.fetch_max_redirects, timeout=timeout, headers=headers,
            event_hooks=hooks,
        ) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise _status_error(response.status_code, url)
            content_type = response.headers.get("content-type", "")
            mime = content_type.split(";", 1)[0].strip().lower()
            if mime not in _TYPES and mime not in _GENERIC:
                _kind(content_type, b"", url)  # raises with the type named, before reading the body
            content = _read(response, url, int(settings.fetch_max_mb * 1024 * 1024))
            final_url = str(response.url)
    except httpx.TooManyRedirects:
        raise FetchRedirects(
            f"„{url}“ leitet mehr als {settings.fetch_max_redirects}-mal weiter, vermutlich im Kreis "
            "(Weiterleitungsschleife). Bitte die Adresse im Browser öffnen und die endgültige Adresse verwenden."
        ) from None
    except httpx.TimeoutException:
        raise FetchTimeout(
            f"„{url}“ hat nicht innerhalb von {timeout:g} Sekunden geantwortet (Zeitüberschreitung). "
            "Bitte später erneut versuchen oder REVIERLOTSE_FETCH_TIMEOUT_S erhöhen."
        ) from None
    except (httpx.InvalidURL, UnicodeError):
        raise BadSourceURL(f"„{url}“ ist keine gültige Web-Adresse. Bitte die Adresse prüfen.") from None
    except httpx.UnsupportedProtocol:
        raise BadSourceURL(f"„{url}“ leitet auf eine Adresse weiter, die weder http noch https ist.") from None
    except httpx.ConnectError as exc:
        if _is_tls(exc):
            raise FetchTLSError(
                f"Die sichere Verbindung zu „{url}“ ist gescheitert (TLS/Zertifikat: {exc}). Die Quelle wird "
                "so nicht übernommen; bitte die Adresse prüfen oder den Betreiber informieren."
            ) from None
        raise FetchError(
            f"„{url}“ ist nicht erreichbar ({exc}). Bitte die Adresse und die Internetverbindung prüfen."
        ) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"Der Abruf von „{url}“ ist gescheitert ({type(exc).__name__}: {exc}).") from None
    if not content:
        raise FetchError(f"„{url}“ lieferte eine leere Antwort. Bitte die Adresse prüfen.")
    return Download(url, final_url, _kind(content_type, content[:5], url), content_type, content)


def _name_for(url: str) -> str:
    """A file stem for a URL: ``quelle-`` + host and the last path parts ("quelle-bafa-de-stark-2-node")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = [p for p in parts.path.split("/") if p][-3:]
    if path:
        path[-1] = re.sub(r"\.(?:html?|pdf|php|jsp|aspx?)$", "", path[-1], flags=re.IGNORECASE)
    slug = slugify(" ".join([host, *path, parts.query]))
    return (PREFIX + slug)[:MAX_STEM].rstrip("-")


def extract(download_: Download) -> Extraction:
    """Run the loader of the format (trafilatura / pypdf) to check the download has text, and hash it."""
    name = Path(urlsplit(download_.final_url).path).name or "seite"
    loader = load_html if download_.kind == "html" else load_pdf
    try:
        extracted: Extracted = loader(download_.content, Path(name))
    except DocumentError as exc:
        raise FetchError(f"Aus „{download_.url}“ ließ sich kein Text gewinnen: {exc.message}") from None
    text = "\n\n".join(" ".join(s.text.split()) for s in extracted.sections if s.text.strip())
    if len(text) < MIN_TEXT_CHARS:
        raise FetchError(
            f"„{download_.url}“ enthält kaum Text ({len(text)} Zeichen) – vermutlich lädt die Seite ihren Inhalt erst "
            "per JavaScript, oder es ist eine Übersichtsseite. Bitte die Seite mit dem Programmtext oder "
            "das PDF abrufen."
        )
    return Extraction("sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest(), extracted.title_hint, len(text))


def check_metadata(given: dict[str, Any] | None) -> dict[str, Any]:
    """The editor's metadata for a fetched source, validated like front matter (German errors)."""
    data = {k: v for k, v in (given or {}).items() if v not in (None, "", [])}
    unknown = sorted(set(data) - set(GIVEN_FIELDS))
    if unknown:
        raise MetadataError(
            f"Unbekannte Metadaten für eine Quelle: {', '.join(unknown)}. Erlaubt sind: {', '.join(GIVEN_FIELDS)}."
        )
    try:
        validated = DocumentMetadata.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise MetadataError(f"Die Metadaten der Quelle sind ungültig ({problems}).") from None
    return validated.model_dump(mode="json", include=set(data))


def read_sidecar_data(sidecar: Path) -> dict[str, Any]:
    """The parsed sidecar of a fetched source ({} when unreadable: recheck reports it)."""
    try:
        return parse_yaml_block(sidecar.read_text(encoding="utf-8"), source=f"„{sidecar.name}“")
    except (OSError, UnicodeDecodeError, DocumentError):
        return {}


def source_files(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(sidecar, its data) of every fetched source in ``folder``, sorted by name."""
    if not folder.is_dir():
        return []
    return [(p, read_sidecar_data(p)) for p in sorted(folder.glob(f"*{SIDECAR_SUFFIX}")) if not p.name.startswith(".")]


def file_for(sidecar: Path) -> Path | None:
    """The downloaded file a sidecar belongs to (``NAME.html`` or ``NAME.pdf``)."""
    stem = sidecar.name[: -len(SIDECAR_SUFFIX)]
    for suffix in (".pdf", ".html"):
        if (candidate := sidecar.with_name(stem + suffix)).is_file():
            return candidate
    return None


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")  # hidden: the indexer skips it
    tmp.write_bytes(data)
    os.replace(tmp, path)


def store(
    download_: Download,
    extraction: Extraction,
    metadata: dict[str, Any],
    folder: Path,
    *,
    now: dt.datetime | None = None,
) -> StoredSource:
    """Write the download and its sidecar into ``folder`` (an earlier fetch of the same URL is replaced)."""
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    folder.mkdir(parents=True, exist_ok=True)
    with _write_lock:
        existing = {data.get("source_url"): (side, data) for side, data in source_files(folder)}
        if download_.url in existing:
            sidecar, old = existing[download_.url]
            stem = sidecar.name[: -len(SIDECAR_SUFFIX)]
            previous_hash = old.get("inhalt_hash")
            kept = {k: v for k, v in old.items() if k in GIVEN_FIELDS}
        else:
            stem, n, previous_hash, kept = _name_for(download_.url), 1, None, {}
            base = stem
            while (folder / f"{stem}{SIDECAR_SUFFIX}").exists() or any(folder.glob(f"{stem}.*")):
                n += 1
                stem = f"{base}-{n}"
            sidecar = folder / f"{stem}{SIDECAR_SUFFIX}"
        path = folder / f"{stem}.{download_.kind}"
        title = metadata.get("title") or kept.get("title") or extraction.title or download_.url
        fields = {"title": title, "type": "dokument"} | kept | metadata | {"title": title}
        fields |= {
            "source_url": download_.url,
            "stand": now.date().isoformat(),
            "abgerufen_am": now.isoformat(),
            "inhalt_hash": extraction.text_hash,
        }
        _replace(sidecar, yaml.safe_dump(fields, allow_unicode=True, sort_keys=False).encode("utf-8"))
        _replace(path, download_.content)
        for other in ("html", "pdf"):  # a page that became a PDF (or back): drop the old file
            if other != download_.kind:
                (folder / f"{stem}.{other}").unlink(missing_ok=True)
    return StoredSource(path, sidecar, download_.url, download_.final_url, download_.kind, len(download_.content),
                        extraction.text_hash, str(title), now, previous_hash)
