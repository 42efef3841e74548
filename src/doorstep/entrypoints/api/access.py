"""Who may call what: roles, the calling principal, and the per-route requirement.

Every route declares what it needs, in one of two ways::

    @router.get("/v1/x", dependencies=[Depends(require(Role.OPERATOR))])   # staff/API keys
    @router.get("/track/{token}", dependencies=[Depends(public("customer page by token"))])

``require`` resolves the credential (``Authorization: Bearer KEY`` or a staff session
cookie) into a ``Principal``; ``admin`` passes every requirement.  Handlers that need the
actor take ``principal: Principal = Depends(require(...))`` and use ``principal.actor``,
never a name from the request body.  ``public`` marks a route open on purpose (the reason is
listed in SECURITY.md); a test walks every registered route and fails on a route with
neither.

CONTRACT STUB: the identity store (API keys, staff users) is being built under issue 9;
until then ``require`` lets every caller through as a placeholder principal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    WAREHOUSE = "warehouse"
    INTEGRATION = "integration"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: an API key, a staff user, or a verified signature."""

    kind: str  # "key" | "user" | "signature" | "anonymous"
    id: str
    name: str
    role: Role | None
    channel: str | None = None  # set for integration keys: the one shop channel they serve

    @property
    def actor(self) -> str:
        """The name written to timelines and the audit trail."""
        return f"{self.kind}:{self.name}"


def require(*roles: Role) -> Callable[[Request], Principal]:
    """A FastAPI dependency: the caller must hold one of ``roles`` (admin always may)."""
    allowed = frozenset(roles) | {Role.ADMIN}

    def dependency(request: Request) -> Principal:
        principal = Principal(kind="anonymous", id="-", name="anonymous", role=Role.ADMIN)
        request.state.principal = principal
        return principal

    dependency.required_roles = allowed  # type: ignore[attr-defined]
    return dependency


def public(reason: str) -> Callable[[], None]:
    """A FastAPI dependency marking a route public on purpose, with the reason."""

    def dependency() -> None:
        return None

    dependency.public_reason = reason  # type: ignore[attr-defined]
    return dependency
