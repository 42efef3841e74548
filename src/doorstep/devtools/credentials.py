"""Credentials for tests, benchmarks and tools that drive the API.

Two ways, matching the two kinds of app a test builds::

    # the full app on a migrated database: real keys in the api_keys table
    token = issue_key(engine, Role.ADMIN)
    client.headers.update(bearer(token))

    # a bare FastAPI app with one router and no identity tables: fixed tokens in memory
    tokens = install_memory_identities(app)          # one token per role
    client = TestClient(app, headers=bearer(tokens[Role.ADMIN]))

The integration principal of the memory store serves channel ``api``, the channel an order
gets when its body names none.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.domain.access import Principal, Role
from doorstep.services import api_keys
from doorstep.services.identities import MemoryIdentities

__all__ = [
    "TEST_CHANNEL",
    "bearer",
    "install_memory_identities",
    "issue_key",
    "memory_client",
    "memory_tokens",
]

TEST_CHANNEL = "api"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issue_key(engine: Engine, role: Role = Role.ADMIN, *, name: str | None = None,
              channel: str | None = None) -> str:
    """Create a real API key in ``engine``'s database and return its secret."""
    if role is Role.INTEGRATION and channel is None:
        channel = TEST_CHANNEL
    with transaction(engine, write=True) as conn:
        _, secret = api_keys.create_key(conn, name=name or f"test-{role}", role=role,
                                        channel=channel, created_by="test")
    return secret


def memory_tokens() -> dict[Role, Principal]:
    return {role: Principal(kind="key", id=f"key_test_{role}", name=f"test-{role}", role=role,
                            channel=TEST_CHANNEL if role is Role.INTEGRATION else None)
            for role in Role}


def install_memory_identities(app: FastAPI) -> dict[Role, str]:
    """Give ``app`` fixed tokens, one per role; returns role → token."""
    principals = memory_tokens()
    tokens = {role: f"{api_keys.KEY_MARKER}test{role}" for role in Role}
    app.state.identities = MemoryIdentities({tokens[r]: principals[r] for r in Role})
    return tokens


def memory_client(app: FastAPI, role: Role = Role.ADMIN, **options: Any) -> TestClient:
    """A ``TestClient`` on a bare ``app`` that calls as ``role`` (fixed in-memory tokens)."""
    tokens = install_memory_identities(app)
    return TestClient(app, headers=bearer(tokens[role]), **options)
