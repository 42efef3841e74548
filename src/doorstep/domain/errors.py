"""The domain's error tree: every rule violation is a typed error naming what broke.

    DomainError
    ├── InvalidValue          a field has a value the rules reject (names the field)
    ├── InvalidTransition     an order (pick task, quarantine record …) cannot move from its
    │                         state to the requested one
    ├── InsufficientStock     a stock change would make on-hand or reserved negative
    └── NotFound              a referenced order, product, location … does not exist
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of all business-rule violations."""


class InvalidValue(DomainError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidTransition(DomainError):
    """A state machine refused a move; ``subject`` says whose (an order by default)."""

    def __init__(self, key: str, current: str, target: str, *, subject: str = "order") -> None:
        super().__init__(f"{subject} {key} cannot go from {current!r} to {target!r}")
        self.subject = subject
        self.key = key
        self.current = current
        self.target = target


class InsufficientStock(DomainError):
    def __init__(self, sku: str, location: str, wanted: int, available: int) -> None:
        super().__init__(
            f"sku {sku} at {location}: wanted {wanted}, only {available} available"
        )
        self.sku = sku
        self.location = location
        self.wanted = wanted
        self.available = available


class NotFound(DomainError):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key
