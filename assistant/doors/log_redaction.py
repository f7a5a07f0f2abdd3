"""Keep secrets (bot token, webhook secret, API keys) out of every log line.

``install_redaction(secret)``

* holds ``httpx``/``httpcore`` at WARNING: they log every request URL, and the
  Telegram Bot API puts the token into the URL;
* puts a :class:`SecretRedactingFilter` on every handler of the root logger (handler
  filters see records propagated from every logger);
* wraps the log-record factory, so handlers added later (a log shipper, pytest's
  capture) never see the secret either: each record is redacted when it is created,
  its traceback text included.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

REDACTED = "[REDACTED]"
QUIET_LOGGERS = ("httpx", "httpcore")

_secrets: set[str] = set()
_lock = threading.Lock()
_factory_installed = False


def redact_record(record: logging.LogRecord, secret: str) -> None:
    """Replace ``secret`` in the record's message, traceback text and stack info."""
    if not secret:
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is not ours to fix; look at the raw message
        message = str(record.msg)
    if secret in message:
        record.msg = message.replace(secret, REDACTED)
        record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text and secret in record.exc_text:
        record.exc_text = record.exc_text.replace(secret, REDACTED)
    if record.stack_info and secret in record.stack_info:
        record.stack_info = record.stack_info.replace(secret, REDACTED)


class SecretRedactingFilter(logging.Filter):
    """A handler filter that redacts one secret from every record passing the handler."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self.secret)
        return True


def install_redaction(secret: str, quiet: tuple[str, ...] = QUIET_LOGGERS) -> None:
    """Redact ``secret`` from all logging from now on (idempotent)."""
    global _factory_installed
    if not secret:
        return
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretRedactingFilter) and f.secret == secret for f in handler.filters):
            handler.addFilter(SecretRedactingFilter(secret))
    with _lock:
        _secrets.add(secret)
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            for known in tuple(_secrets):
                redact_record(record, known)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


ACCESS_LOGGER = "uvicorn.access"


class QueryStringFilter(logging.Filter):
    """Drop the query string from uvicorn's access log lines.

    uvicorn logs the full URL of every request; a client that puts a token into the
    URL (``/api/stats?token=…``, refused by the API, but logged all the same) or a
    question into ``/api/search?q=…`` would leave it in the log.  The path stays, the
    query becomes ``?[REDACTED]``; the usage log keeps the questions that matter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?" + REDACTED, *args[3:])
        return True


def install_access_log_filter() -> None:
    """Put :class:`QueryStringFilter` on uvicorn's access logger (idempotent)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
        logger.addFilter(QueryStringFilter())
