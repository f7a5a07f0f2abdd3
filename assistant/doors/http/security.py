"""Admin bearer token, per-client rate limit and browser security headers."""

from __future__ import annotations

import hmac
import math
import threading
import time

from fastapi import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.config import Settings
from assistant.errors import AdminDisabled, NotAuthenticated
from assistant.text.plural import count


def check_admin(settings: Settings, request: Request) -> None:
    """Raise unless the request carries the configured admin token.

    No token configured means admin routes are *off* (403), never open.
    """
    configured = settings.admin_token.get_secret_value() if settings.admin_token else ""
    if not configured:
        raise AdminDisabled(
            "Verwaltungsfunktionen sind deaktiviert, weil kein Admin-Token eingerichtet ist. "
            "Bitte REVIERLOTSE_ADMIN_TOKEN setzen und den Dienst neu starten."
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise NotAuthenticated(
            "Für diese Funktion ist eine Anmeldung nötig: bitte den Admin-Token als "
            "'Authorization: Bearer <Token>' mitsenden."
        )
    if not hmac.compare_digest(given.strip().encode("utf-8"), configured.encode("utf-8")):
        raise NotAuthenticated("Der Admin-Token ist falsch. Bitte den Token prüfen.")


class TokenBuckets:
    """One token bucket per client key: ``burst`` tokens, refilled at ``per_minute`` per minute."""

    _MAX_CLIENTS = 10_000

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds until the next token."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self._MAX_CLIENTS:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else 60.0

    def _forget_full(self, now: float) -> None:
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._buckets[key]


class RateLimitMiddleware:
    """429 with a German message when one client sends too many /api/* requests."""

    def __init__(self, app: ASGIApp, per_minute: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is not None and scope["type"] == "http" and scope["path"].startswith("/api/"):
            client = scope.get("client")
            wait = self.buckets.take(client[0] if client else "unknown")
            if wait > 0:
                retry = max(1, math.ceil(wait))
                response = JSONResponse(
                    {
                        "code": "rate_limited",
                        "message": f"Zu viele Anfragen in kurzer Zeit. Bitte in {count(retry, 'Sekunden')} erneut versuchen.",
                    },
                    status_code=429,
                    headers={"Retry-After": str(retry)},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    """nosniff/no-referrer everywhere; a strict CSP on the staff page and its static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        page = path == "/" or path.startswith("/static/")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                if page:
                    headers.append((b"content-security-policy", _PAGE_CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
