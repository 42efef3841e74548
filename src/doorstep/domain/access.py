"""Who is calling: roles and the authenticated principal (pure, no I/O).

Roles are coarse on purpose — five of them, each a job a person or a system has::

    admin        everything, including keys, users and source secrets
    operator     runs the order book: orders, stock, waves, quarantine, catalogue
    warehouse    the floor: receipts, picks, packing, hand-over
    integration  one shop channel: places and reads that channel's orders, reads promises
    viewer       reads orders, stock, waves, metrics; changes nothing

``admin`` passes every requirement.  An ``integration`` principal carries the one channel
it serves, and every order look-up it makes is filtered by that channel (a foreign order is
"not found", never "forbidden", so its existence is not revealed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ANONYMOUS", "Principal", "Role"]


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    WAREHOUSE = "warehouse"
    INTEGRATION = "integration"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
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

    @property
    def idempotency_scope(self) -> str:
        """Idempotency keys are remembered per credential, so two clients never collide."""
        return f"{self.kind}:{self.id}"

    def may(self, allowed: frozenset[Role]) -> bool:
        return self.role is not None and (self.role is Role.ADMIN or self.role in allowed)

    def sees_channel(self, channel: str) -> bool:
        """An integration key sees only its own channel; every other role sees all."""
        return self.role is not Role.INTEGRATION or self.channel == channel


ANONYMOUS = Principal(kind="anonymous", id="-", name="anonymous", role=None)
