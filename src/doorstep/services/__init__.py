"""Use cases: each takes a unit of work; side effects leave through the outbox after commit."""
