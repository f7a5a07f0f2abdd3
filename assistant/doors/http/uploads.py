"""Upload limits of the HTTP door: request size while streaming, form parts, the OpenAPI form."""

from __future__ import annotations

from starlette.types import Message, Receive

from assistant.errors import FileTooLarge
from assistant.ingest.load import SUPPORTED_SUFFIXES
from assistant.ingest.uploads import human_size

MAX_FILES_PER_REQUEST = 10


def request_too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"Die Anfrage ist größer als {human_size(limit)}. Bitte weniger oder kleinere Dateien auf einmal "
        "hochladen; es wurde nichts gespeichert."
    )


def limited_receive(receive: Receive, limit: int) -> Receive:
    """Wrap ``receive`` so a body without (or with a lying) Content-Length still stops at ``limit``."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise request_too_large(limit)
        return message

    return wrapped


UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": f"Up to {MAX_FILES_PER_REQUEST} files ({', '.join(SUPPORTED_SUFFIXES)}).",
                        },
                        "metadata": {
                            "type": "string",
                            "description": "Optional JSON object with metadata for all files "
                            "(title, type, region, land, programm, source_url, stand, …); single fields win.",
                        },
                        "title": {"type": "string"},
                        "type": {"type": "string"},
                        "region": {"type": "array", "items": {"type": "string"}},
                        "land": {"type": "array", "items": {"type": "string"}},
                        "programm": {"type": "array", "items": {"type": "string"}},
                        "source_url": {"type": "string"},
                        "stand": {"type": "string", "format": "date"},
                    },
                }
            }
        },
    }
}
