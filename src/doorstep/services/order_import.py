"""Import shop orders: map, validate, then intake or quarantine — never drop.

Every record read from a source ends in exactly one place::

    raw payload ──► split into records ──► map (profile) ──► schema ──► plausibility
                         │ cannot parse          │ reasons        │ reasons   │ reasons
                         ▼                       ▼                ▼           ▼
                     quarantine ◄────────────────┴────────────────┴───────────┘
                                                                   │ clean
                                                                   ▼
                                 intake (idempotent on "{channel}:{external_id}")
                                   ├─ new            → accepted
                                   ├─ same content   → duplicate
                                   └─ other content  → quarantine
                                                       (same_order_different_content)

Intake is injected (``IntakePort``) so tests can replace it; the CLI and API adapt
``doorstep.services.intake.accept_order`` through :func:`engine_intake`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine

from doorstep.adapters.importers.order_mapping import (
    MappedOrder,
    OrderMapper,
    load_order_mapper,
)
from doorstep.adapters.importers.profile_engine import (
    ProfileError,
    load_profile,
    load_profile_copy,
)
from doorstep.adapters.importers.tracking_quarantine import tracking_release_hooks
from doorstep.adapters.quarantine_store import (
    QuarantineRecord,
    QuarantineStore,
    StillInvalid,
)
from doorstep.domain.harmonise.order_checks import check_order, check_same_order, content_hash
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.domain.harmonise.summary import ImportSummary
from doorstep.schemas.orders import OrderIn
from doorstep.services.intake import DuplicateOrder, IdempotencyConflict, accept_order
from doorstep.services.tracking_ingest import release_sink
from doorstep.services.tracking_memory import shipment_lookup


class IntakeOutcome(StrEnum):
    accepted = "accepted"
    duplicate = "duplicate"
    conflict = "conflict"


@dataclass(frozen=True, slots=True)
class IntakeResponse:
    """What intake did with one order: a new order, a replay, or a conflicting re-send."""

    outcome: IntakeOutcome
    order_id: str | None = None
    message: str = ""


IntakePort = Callable[[OrderIn, str], IntakeResponse]
"""``(order, idempotency_key) -> IntakeResponse``; must be idempotent on the key."""


class Decision(StrEnum):
    accepted = "accepted"
    duplicate = "duplicate"
    quarantined = "quarantined"


@dataclass(frozen=True, slots=True)
class OrderResult:
    """The fate of one record, for the summary, the webhook response and the logs."""

    decision: Decision
    record_key: str
    order_id: str | None = None
    quarantine_id: int | None = None
    reasons: tuple[Reason, ...] = ()


@dataclass(slots=True)
class ImportReport:
    summary: ImportSummary
    results: list[OrderResult] = field(default_factory=list)


def idempotency_key(order: OrderIn) -> str:
    """The key intake deduplicates on: the shop's own order id within its channel."""
    return f"{order.channel}:{order.external_id}"


def validate_mapped(mapped: MappedOrder, now: datetime) -> list[Reason]:
    """Mapping/schema reasons plus the domain's plausibility checks."""
    reasons = list(mapped.reasons)
    order = mapped.order
    if order is None:
        return reasons
    address = order.shipping_address
    reasons += check_order(
        country=address.country,
        postcode=address.postcode,
        placed_at=order.placed_at,
        measures=mapped.measures,
        now=now,
    )
    return reasons


class OrderImporter:
    """Runs one profile's records through validation into intake or quarantine."""

    def __init__(
        self,
        mapper: OrderMapper,
        intake: IntakePort,
        store: QuarantineStore,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.mapper = mapper
        self._intake = intake
        self._store = store
        self._clock = clock
        self._seen: dict[str, str] = {}

    @property
    def source(self) -> str:
        return self.mapper.name

    def import_document(self, raw: str | bytes) -> ImportReport:
        """Import every order in one document (a file, stdin or a webhook body)."""
        report = ImportReport(ImportSummary(self.source))
        for result in self._run(raw):
            report.results.append(result)
            if result.decision is Decision.accepted:
                report.summary.accepted += 1
            elif result.decision is Decision.duplicate:
                report.summary.duplicates += 1
            else:
                report.summary.quarantined += 1
        return report

    def _run(self, raw: str | bytes) -> Iterable[OrderResult]:
        for mapped in self.mapper.map_document(raw):
            yield self.process(mapped)

    def process(self, mapped: MappedOrder) -> OrderResult:
        """Decide one mapped record."""
        reasons = validate_mapped(mapped, self._clock())
        order = mapped.order
        if order is not None and not reasons:
            key = idempotency_key(order)
            digest = content_hash(order.model_dump(mode="json"))
            reasons = check_same_order(key, self._seen.get(key), digest)
            if not reasons:
                self._seen[key] = digest
                response = self._intake(order, key)
                if response.outcome is IntakeOutcome.accepted:
                    return OrderResult(Decision.accepted, key, order_id=response.order_id)
                if response.outcome is IntakeOutcome.duplicate:
                    return OrderResult(Decision.duplicate, key, order_id=response.order_id)
                reasons = [
                    Reason(
                        ReasonCode.same_order_different_content,
                        "external_id",
                        response.message or f"order {key} exists with different content",
                    )
                ]
        held = self._store.hold(self.source, "order", mapped.record_key, reasons, mapped.payload,
                                profile=self.mapper.profile.held_copy())
        return OrderResult(
            Decision.quarantined, mapped.record_key, quarantine_id=held, reasons=tuple(reasons)
        )


# -- release from quarantine ----------------------------------------------------------


def order_release_hooks(
    intake: IntakePort,
    *,
    mapper_for: Callable[[str], OrderMapper] = load_order_mapper,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[Callable[[QuarantineRecord], list[Reason]], Callable[[QuarantineRecord], None]]:
    """Validator and hand-over for ``QuarantineStore.register("order", ...)``.

    The record's ``source`` names the profile its payload is written in (or the release
    chose the kept copy it was held under); the corrected payload is re-mapped and
    re-checked exactly like a fresh import.
    """

    def _map(record: QuarantineRecord) -> list[MappedOrder]:
        kept = record.release_profile
        mapper = (OrderMapper(load_profile_copy(kept, "orders")) if kept is not None
                  else mapper_for(record.source))
        return list(mapper.map_document(record.effective_payload, fragment=True))

    def validate(record: QuarantineRecord) -> list[Reason]:
        try:
            mapped = _map(record)
        except ProfileError as exc:
            return [Reason(ReasonCode.schema_invalid, "profile", str(exc))]
        if len(mapped) != 1:
            return [
                Reason(
                    ReasonCode.invalid_value,
                    "payload",
                    f"a released record must hold exactly one order, found {len(mapped)}",
                )
            ]
        return validate_mapped(mapped[0], clock())

    def handover(record: QuarantineRecord) -> None:
        (mapped,) = _map(record)
        assert mapped.order is not None  # validate() ran first and found no reasons
        key = idempotency_key(mapped.order)
        response = intake(mapped.order, key)
        if response.outcome is IntakeOutcome.conflict:
            raise StillInvalid(
                record.id,
                [
                    Reason(
                        ReasonCode.same_order_different_content,
                        "external_id",
                        response.message or f"order {key} exists with different content",
                    )
                ],
            )

    return validate, handover


# -- wiring to doorstep's intake ----------------------------------------------------------


def engine_intake(engine: Engine) -> IntakePort:
    """Adapt ``doorstep.services.intake.accept_order`` to :data:`IntakePort`."""

    def call(order: OrderIn, key: str) -> IntakeResponse:
        try:
            result = accept_order(engine, order, key)
        except (IdempotencyConflict, DuplicateOrder) as exc:
            return IntakeResponse(IntakeOutcome.conflict, getattr(exc, "order_id", None), str(exc))
        outcome = IntakeOutcome.duplicate if result.replayed else IntakeOutcome.accepted
        return IntakeResponse(outcome, result.order_id)

    return call


def build_quarantine_store(engine: Engine, intake: IntakePort | None = None, *,
                           profiles_dir: str | None = None) -> QuarantineStore:
    """A store with release hooks: orders → intake, tracking → the tracking-ingest store step.

    Profiles are found by the name a record was held under — the user's folder
    ``profiles_dir`` (``DOORSTEP_PROFILES_DIR``) first, then the built-in ones; their
    current hash (``profile_digest``) lets a release see that a profile changed since the
    hold, and then map with the kept copy or the current file as asked.  Released tracking
    events are re-validated against the shipments doorstep knows, so a delivery scan held
    for review is released only once its hand-over is recorded.
    """
    store = QuarantineStore(engine)

    def digest_of(kind: str) -> Callable[[str], str | None]:
        def digest(name: str) -> str | None:
            try:
                return load_profile(name, kind, user_dir=profiles_dir).sha256
            except ProfileError:
                return None
        return digest

    if intake is not None:
        validate, handover = order_release_hooks(
            intake, mapper_for=lambda name: load_order_mapper(name, profiles_dir))
        store.register("order", validator=validate, handover=handover,
                       profile_digest=digest_of("orders"))
    t_validate, t_handover = tracking_release_hooks(
        release_sink(engine), shipments=shipment_lookup(engine), profiles_dir=profiles_dir)
    store.register("tracking", validator=t_validate, handover=t_handover,
                   profile_digest=digest_of("tracking"))
    return store
