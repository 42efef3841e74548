"""Quarantine: where a record that cannot be trusted waits, with its reasons and payload.

Nothing is dropped quietly and nothing is "fixed" behind an operator's back.  A record
moves through one small state machine, every step written to ``quarantine_audit``::

        hold()                 release()  (re-validates, then hands over)
   ──────────────► held ─────────────────────────► released
                   │  ▲
        correct()  └──┘        reject()
                   held ─────────────────────────► rejected

``released`` and ``rejected`` are final.  Re-validation and hand-over are injected per
``kind`` ('order' | 'tracking') so the store knows nothing about profiles or intake: the
order import registers intake as the hand-over, the tracking-ingest use case the order
timeline.  A held record names the profile it was mapped with by content hash, and the
store keeps that profile's text (``quarantine_profiles``, once per hash): a release maps
with the same profile, or — when the profile changed since — is refused until the person
releasing chooses the kept copy or the current profile.  The store works on doorstep's one
unit of work (``adapters.db.uow``): ``hold(..., conn=conn)`` joins the caller's
transaction, so an import stores its good records and holds its bad ones in one commit.
Errors belong to the domain's error tree (``RecordNotHeld`` is an ``InvalidTransition``,
``RecordNotFound`` a ``NotFound``).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite

from doorstep import clock
from doorstep.adapters.db.quarantine_tables import (
    KINDS,
    STATUSES,
    quarantine_audit,
    quarantine_profiles,
    quarantine_records,
)
from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import DomainError, InvalidTransition, NotFound
from doorstep.domain.harmonise.profile_copy import ProfileCopy
from doorstep.domain.harmonise.reasons import Reason

Kind = Literal["order", "tracking"]
Status = Literal["held", "released", "rejected"]
ProfileChoice = Literal["held", "current"]
"""Which profile a release maps with when the record's profile changed since it was held."""


class QuarantineError(DomainError):
    """Base of the quarantine's errors; the message says which record and why."""


class RecordNotFound(QuarantineError, NotFound):
    """No quarantined record has this id."""

    def __init__(self, record_id: int) -> None:
        NotFound.__init__(self, "quarantined record", str(record_id))


class RecordNotHeld(QuarantineError, InvalidTransition):
    """The record is not ``held`` any more (already released or rejected)."""

    def __init__(self, record_id: int, current: str, target: str) -> None:
        InvalidTransition.__init__(self, str(record_id), current, target,
                                   subject="quarantined record")


class StillInvalid(QuarantineError):
    """Re-validation found reasons; the record stays held with the new reasons."""

    def __init__(self, record_id: int, reasons: Sequence[Reason]) -> None:
        self.record_id = record_id
        self.reasons = list(reasons)
        codes = ", ".join(f"{r.code.value} ({r.field})" for r in reasons)
        super().__init__(f"record {record_id} still fails validation: {codes}")


class ProfileChanged(QuarantineError):
    """The record's profile changed since it was held: the release must say which to use."""

    def __init__(self, record_id: int, name: str, held: str, current: str | None) -> None:
        self.record_id, self.name = record_id, name
        self.held_sha256, self.current_sha256 = held, current
        now = (f"is now sha256 {current[:12]}" if current
               else "is no longer found (or no longer loads)")
        DomainError.__init__(
            self, f"record {record_id} was held under profile {name!r} sha256 {held[:12]}, "
                  f"which {now}: release it with profile 'held' (the copy it was held under) "
                  "or 'current' (the profile as it is now)")


class ProfileNotKept(QuarantineError):
    """The copy of the profile a record was held under was not kept (held before copies
    were kept): it can only be released with the current profile."""

    def __init__(self, record_id: int, name: str, held: str) -> None:
        DomainError.__init__(
            self, f"record {record_id}: the copy of profile {name!r} sha256 {held[:12]} it was "
                  "held under was not kept; release it with profile 'current'")


class NoHandler(QuarantineError):
    """No validator/hand-over is registered for the record's kind."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    action: str
    actor: str
    note: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """One held (or formerly held) record, with its audit trail when fetched by id."""

    id: int
    source: str
    kind: str
    record_key: str
    reasons: list[Reason]
    payload: str
    corrected_payload: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    audit: list[AuditEntry] = field(default_factory=list)
    profile_sha256: str | None = None
    """Content hash of the profile (named by ``source``) the record was held under."""
    release_profile: ProfileCopy | None = None
    """Set by ``release`` for its hooks: the kept copy to map with, or None for the
    profile of that name as it is now."""

    @property
    def effective_payload(self) -> str:
        """What release validates and hands over: the correction if any, else the original."""
        return self.payload if self.corrected_payload is None else self.corrected_payload


Validator = Callable[[QuarantineRecord], Sequence[Reason]]
"""Re-validates a record's effective payload; returns the reasons it still fails (or none)."""
Handover = Callable[[QuarantineRecord], None]
"""Delivers a released record to where it belongs (order intake, order timeline)."""


def _now() -> datetime:
    return clock.utcnow()


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone=True columns; we only ever store UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _reasons_from_json(raw: Any) -> list[Reason]:
    data = json.loads(raw) if isinstance(raw, str) else raw
    return [Reason.from_dict(item) for item in data]


class QuarantineStore:
    """Hold, list, inspect, correct, release and reject records, with an audit trail."""

    def __init__(
        self,
        engine: Engine,
        *,
        validators: Mapping[str, Validator] | None = None,
        handovers: Mapping[str, Handover] | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._engine = engine
        self._validators = dict(validators or {})
        self._handovers = dict(handovers or {})
        self._digests: dict[str, Callable[[str], str | None]] = {}
        self._clock = clock

    @contextmanager
    def _unit(self, conn: Connection | None, *, write: bool = True) -> Iterator[Connection]:
        """The caller's transaction when given, else a new one of our own."""
        if conn is not None:
            yield conn
            return
        with transaction(self._engine, write=write) as own:
            yield own

    def register(self, kind: str, *, validator: Validator, handover: Handover,
                 profile_digest: Callable[[str], str | None] | None = None) -> None:
        """Wire re-validation and hand-over for one kind (done once in bootstrap).

        ``profile_digest(name)`` gives the current content hash of the profile a record
        names as its source, so a release can say that the profile changed meanwhile.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self._validators[kind] = validator
        self._handovers[kind] = handover
        if profile_digest is not None:
            self._digests[kind] = profile_digest

    # -- writing ------------------------------------------------------------

    def hold(
        self,
        source: str,
        kind: str,
        record_key: str,
        reasons: Sequence[Reason],
        payload: str,
        *,
        actor: str = "system",
        conn: Connection | None = None,
        profile: ProfileCopy | None = None,
    ) -> int:
        """Store a failing record with its reasons and original payload; return its id.

        ``profile`` is the profile that mapped it: the record names it by hash, and its text
        is kept (once per hash) so that a release can map the record the same way.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if not reasons:
            raise ValueError("a record is only held with at least one reason")
        now = self._clock()
        with self._unit(conn) as session:
            if profile is not None:
                self._keep(session, profile, now)
            record_id = session.execute(
                sa.insert(quarantine_records)
                .values(
                    source=source,
                    kind=kind,
                    record_key=record_key[:200],
                    reasons=[r.to_dict() for r in reasons],
                    payload=payload,
                    profile_sha256=profile.sha256 if profile is not None else None,
                    status="held",
                    created_at=now,
                    updated_at=now,
                )
                .returning(quarantine_records.c.id)
            ).scalar_one()
            codes = ", ".join(sorted({r.code.value for r in reasons}))
            self._audit(session, record_id, "hold", actor, codes, now)
        return int(record_id)

    def correct(self, record_id: int, payload: str, actor: str, note: str | None = None) -> None:
        """Store a corrected payload beside the original (which is never overwritten)."""
        now = self._clock()
        with self._unit(None) as session:
            self._update_held(session, record_id, "corrected", corrected_payload=payload,
                              updated_at=now)
            self._audit(session, record_id, "correct", actor, note, now)

    def release(self, record_id: int, actor: str, note: str | None = None, *,
                profile: ProfileChoice | None = None) -> QuarantineRecord:
        """Re-validate, hand over, then mark released.

        The record is mapped with the profile it was held under.  When that profile changed
        since (or is gone), the release is refused with :class:`ProfileChanged` naming both
        hashes, unless ``profile`` says which to use: ``"held"`` maps with the copy kept at
        hold time, ``"current"`` with the profile as it is now (a corrected vocabulary is
        often why a record is released); the audit entry says which it was.

        The hand-over runs before the status flips: if it fails the record stays held.
        Hand-overs are idempotent (intake is keyed on the shop's order id), so a release
        racing another release can at worst deliver twice to an idempotent sink; only one
        of them wins the held → released update and the other gets ``RecordNotHeld``.
        """
        record = self.get(record_id)
        if record.status != "held":
            raise RecordNotHeld(record_id, record.status, "released")
        validator = self._validators.get(record.kind)
        handover = self._handovers.get(record.kind)
        if validator is None or handover is None:
            raise NoHandler(f"no release handler registered for kind {record.kind!r}")
        current = self.current_profile(record)
        changed = record.profile_sha256 is not None and current != record.profile_sha256
        if changed:
            held = str(record.profile_sha256)
            if profile is None:
                raise ProfileChanged(record_id, record.source, held, current)
            if profile == "held":
                copy = self.kept_profile(held)
                if copy is None:
                    raise ProfileNotKept(record_id, record.source, held)
                record = replace(record, release_profile=copy)
            now_is = f"sha256 {current[:12]}" if current else "no longer found"
            said = (f"profile {record.source!r} changed since the record was held (sha256 "
                    f"{held[:12]} → {now_is}); released with the {profile} profile")
            note = f"{note}; {said}" if note else said
        reasons = list(validator(record))
        now = self._clock()
        if reasons:
            with self._unit(None) as session:
                session.execute(
                    sa.update(quarantine_records)
                    .where(quarantine_records.c.id == record_id)
                    .where(quarantine_records.c.status == "held")
                    .values(reasons=[r.to_dict() for r in reasons], updated_at=now)
                )
                codes = ", ".join(sorted({r.code.value for r in reasons}))
                self._audit(session, record_id, "release_refused", actor, codes, now)
            raise StillInvalid(record_id, reasons)
        handover(record)
        self._finish(record_id, "released", actor, note, now)
        return self.get(record_id)

    def current_profile(self, record: QuarantineRecord) -> str | None:
        """The content hash of the record's profile as it is now (None when it is gone, or
        when no ``profile_digest`` is registered for its kind: then nothing is compared)."""
        digest = self._digests.get(record.kind)
        if digest is None:
            return record.profile_sha256
        return digest(record.source)

    def kept_profile(self, sha256: str) -> ProfileCopy | None:
        """The kept copy of the profile text with this hash, if one was kept."""
        with self._unit(None, write=False) as session:
            row = session.execute(
                sa.select(quarantine_profiles).where(quarantine_profiles.c.sha256 == sha256)
            ).one_or_none()
        if row is None:
            return None
        return ProfileCopy(row.name, row.file_name, row.text, row.sha256)

    def reject(self, record_id: int, actor: str, note: str) -> None:
        """Mark a record as rejected for good; a note saying why is required."""
        if not note.strip():
            raise ValueError("rejecting a record needs a note saying why")
        self._finish(record_id, "rejected", actor, note, self._clock())

    # -- reading -------------------------------------------------------------

    def get(self, record_id: int) -> QuarantineRecord:
        """One record with its full audit trail."""
        with self._unit(None, write=False) as session:
            row = session.execute(
                sa.select(quarantine_records).where(quarantine_records.c.id == record_id)
            ).one_or_none()
            if row is None:
                raise RecordNotFound(record_id)
            audit = session.execute(
                sa.select(quarantine_audit)
                .where(quarantine_audit.c.record_id == record_id)
                .order_by(quarantine_audit.c.id)
            ).all()
        return self._to_record(
            row._mapping,
            [AuditEntry(a.action, a.actor, a.note, _aware(a.at)) for a in audit],
        )

    def list(
        self,
        status: str | None = "held",
        source: str | None = None,
        kind: str | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[QuarantineRecord]:
        """Records, oldest first, filtered by status/source/kind (``None`` = any)."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        query = sa.select(quarantine_records).order_by(quarantine_records.c.id)
        if status is not None:
            query = query.where(quarantine_records.c.status == status)
        if source is not None:
            query = query.where(quarantine_records.c.source == source)
        if kind is not None:
            query = query.where(quarantine_records.c.kind == kind)
        with self._unit(None, write=False) as session:
            rows = session.execute(query.limit(limit).offset(offset)).all()
        return [self._to_record(r._mapping, []) for r in rows]

    def count(self, status: str = "held") -> dict[str, int]:
        """Number of records per source in one status (for metrics and summaries)."""
        query = (
            sa.select(quarantine_records.c.source, sa.func.count())
            .where(quarantine_records.c.status == status)
            .group_by(quarantine_records.c.source)
        )
        with self._unit(None, write=False) as session:
            return {str(src): int(n) for src, n in session.execute(query).all()}

    # -- helpers ---------------------------------------------------------------

    def _finish(
        self, record_id: int, status: str, actor: str, note: str | None, now: datetime
    ) -> None:
        with self._unit(None) as session:
            self._update_held(session, record_id, status, status=status, updated_at=now)
            action = {"released": "release", "rejected": "reject"}[status]
            self._audit(session, record_id, action, actor, note, now)

    def _update_held(self, session: Connection, record_id: int, target: str,
                     **values: Any) -> None:
        """Change a record that is still held, or say what it is instead.

        Writes first: on SQLite a transaction that reads before writing can lose the write
        lock to a concurrent writer (SQLITE_BUSY_SNAPSHOT) instead of waiting.
        """
        result = session.execute(
            sa.update(quarantine_records)
            .where(quarantine_records.c.id == record_id)
            .where(quarantine_records.c.status == "held")
            .values(**values)
        )
        if result.rowcount != 1:
            current = self._status(session, record_id)
            raise RecordNotHeld(record_id, current, target)

    @staticmethod
    def _keep(session: Connection, profile: ProfileCopy, now: datetime) -> None:
        """Keep the profile's text once per hash (a concurrent hold may keep it first)."""
        dialect = postgresql if session.dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(quarantine_profiles).on_conflict_do_nothing().values(
            sha256=profile.sha256, name=profile.name[:64], file_name=profile.file_name[:200],
            text=profile.text, first_held_at=now))

    @staticmethod
    def _status(session: Connection, record_id: int) -> str:
        status = session.execute(
            sa.select(quarantine_records.c.status).where(quarantine_records.c.id == record_id)
        ).scalar_one_or_none()
        if status is None:
            raise RecordNotFound(record_id)
        return str(status)

    @staticmethod
    def _audit(
        session: Connection, record_id: int, action: str, actor: str, note: str | None, at: datetime
    ) -> None:
        session.execute(
            sa.insert(quarantine_audit).values(
                record_id=record_id, action=action, actor=actor, note=note, at=at
            )
        )

    @staticmethod
    def _to_record(row: sa.RowMapping, audit: builtins.list[AuditEntry]) -> QuarantineRecord:
        return QuarantineRecord(
            id=int(row["id"]),
            source=row["source"],
            kind=row["kind"],
            record_key=row["record_key"],
            reasons=_reasons_from_json(row["reasons"]),
            payload=row["payload"],
            corrected_payload=row["corrected_payload"],
            status=row["status"],
            created_at=_aware(row["created_at"]),
            updated_at=_aware(row["updated_at"]),
            audit=audit,
            profile_sha256=row.get("profile_sha256"),
        )
