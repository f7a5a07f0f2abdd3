"""Fixtures for the HTTP door: the real app over a real small index (no mocks of our code).

``client`` talks to the app in-process through httpx (Starlette's TestClient);
``live_server`` runs uvicorn on a free loopback port for the concurrency and
browser tests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.doors.http.app import create_app
from assistant.service import Assistant

TOKEN = "test-admin-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def make_app(small_assistant, make_settings, embedder):
    """App over the small indexed corpus; keyword overrides go into Settings."""

    def make(**overrides) -> FastAPI:
        values = {"admin_token": TOKEN, "rate_limit_per_minute": 0} | overrides
        settings = make_settings(**values)
        return create_app(settings, Assistant(settings, embedder))

    return make


@pytest.fixture
def client(make_app) -> Iterator[TestClient]:
    with TestClient(make_app()) as c:
        yield c


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread


def start_server(app: FastAPI) -> LiveServer:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)


def stop_server(live: LiveServer) -> None:
    live.server.should_exit = True
    live.thread.join(10)
    live.app.state.door.jobs.wait_all(60)


@pytest.fixture
def live_server(make_app) -> Iterator[LiveServer]:
    live = start_server(make_app())
    try:
        yield live
    finally:
        stop_server(live)
