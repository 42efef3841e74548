"""Quarantine over HTTP: list, inspect, correct, release, reject — with an audit trail.

Same operations and rules as ``doorstep quarantine``; errors are problem+json
(404 unknown id, 409 not held any more, 422 still invalid on release).

Only operators (and admins) read or change quarantine: records hold raw shop payloads with
customers' personal data, and releasing a corrected tracking scan can complete an order.
The actor of each change is the credential's; every change lands in the record's own audit
trail and in the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.quarantine_store import (
    NoHandler,
    ProfileChanged,
    ProfileNotKept,
    QuarantineError,
    QuarantineRecord,
    RecordNotFound,
    RecordNotHeld,
    StillInvalid,
)
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import correlation_id
from doorstep.entrypoints.api.params import PathRowId
from doorstep.entrypoints.api.problems import problem
from doorstep.entrypoints.api.routers.webhooks import quarantine_store
from doorstep.schemas.strict import BIGINT_MAX, CleanLine, CleanText, Note
from doorstep.services.audit import AuditEntry

OPERATOR = require(Role.OPERATOR)
router = APIRouter(dependencies=[Depends(OPERATOR)])


# A corrected payload replaces a webhook body, so it may be as large as one.
MAX_PAYLOAD_CHARS = 5_000_000


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payload: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PAYLOAD_CHARS),
                       CleanText] = Field(description="The corrected payload, as text.")
    note: Note | None = None


class Release(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None
    profile: Literal["held", "current"] | None = None
    """Only when the record's profile changed since it was held: map with the copy it was
    held under, or with the profile as it is now (without it such a release is a 409)."""


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[Note, StringConstraints(min_length=1)] = Field(
        description="Why (required).")


def _summary(r: QuarantineRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "source": r.source,
        "kind": r.kind,
        "record_key": r.record_key,
        "status": r.status,
        "reasons": [x.to_dict() for x in r.reasons],
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
    }


def _detail(r: QuarantineRecord) -> dict[str, Any]:
    return {
        **_summary(r),
        "payload": r.payload,
        "corrected_payload": r.corrected_payload,
        "audit": [
            {"action": a.action, "actor": a.actor, "note": a.note, "at": a.at.isoformat()}
            for a in r.audit
        ],
    }


def _error(exc: Exception) -> JSONResponse:
    if isinstance(exc, RecordNotFound):
        return problem(404, "Not found", str(exc))
    if isinstance(exc, RecordNotHeld):
        return problem(409, "Conflict", str(exc), current_status=exc.current)
    if isinstance(exc, StillInvalid):
        return problem(422, "Still invalid", str(exc), reasons=[r.to_dict() for r in exc.reasons])
    if isinstance(exc, ProfileChanged):
        return problem(409, "Profile changed", str(exc), field="profile",
                       profile=exc.name, held_sha256=exc.held_sha256,
                       current_sha256=exc.current_sha256)
    if isinstance(exc, ProfileNotKept):
        return problem(409, "Profile not kept", str(exc), field="profile")
    if isinstance(exc, NoHandler):
        return problem(503, "Service unavailable", str(exc))
    return problem(400, "Rejected", str(exc))


@router.get("/v1/quarantine", summary="List quarantined records")
async def list_records(
    request: Request,
    status: Literal["held", "released", "rejected", "all"] = "held",
    source: Annotated[str, Query(max_length=64), CleanLine] | None = None,
    kind: Literal["order", "tracking"] | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=BIGINT_MAX),
) -> dict[str, Any]:
    """Records oldest first, filtered by status (default held), source and kind."""
    store = quarantine_store(request)
    records = await run_in_threadpool(
        store.list, None if status == "all" else status, source, kind, limit=limit, offset=offset
    )
    return {"items": [_summary(r) for r in records], "limit": limit, "offset": offset}


@router.get("/v1/quarantine/{record_id}", summary="One quarantined record with its audit trail")
async def get_record(record_id: PathRowId, request: Request) -> Response:
    try:
        record = await run_in_threadpool(quarantine_store(request).get, record_id)
    except QuarantineError as exc:
        return _error(exc)
    return JSONResponse(_detail(record))


@router.put("/v1/quarantine/{record_id}/payload", summary="Store a corrected payload")
async def correct_record(record_id: PathRowId, body: Correction, request: Request,
                         principal: Principal = Depends(OPERATOR)) -> Response:
    """The original payload is kept; release validates the correction."""
    store = quarantine_store(request)
    try:
        await run_in_threadpool(store.correct, record_id, body.payload, principal.actor,
                                body.note)
        record = await run_in_threadpool(store.get, record_id)
    except QuarantineError as exc:
        return _error(exc)
    await _audit(request, principal, "quarantine.correct", record_id, body.note)
    return JSONResponse(_detail(record))


@router.post("/v1/quarantine/{record_id}/release", summary="Re-validate and release")
async def release_record(record_id: PathRowId, request: Request, body: Release | None = None,
                         principal: Principal = Depends(OPERATOR)) -> Response:
    """Hands the record to intake (orders) or the timeline (tracking) if it now passes."""
    body = body or Release()
    store = quarantine_store(request)
    try:
        record = await run_in_threadpool(lambda: store.release(
            record_id, principal.actor, body.note, profile=body.profile))
    except QuarantineError as exc:
        return _error(exc)
    await _audit(request, principal, "quarantine.release", record_id, body.note)
    return JSONResponse(_detail(record))


@router.post("/v1/quarantine/{record_id}/reject", summary="Reject for good")
async def reject_record(record_id: PathRowId, body: Rejection, request: Request,
                        principal: Principal = Depends(OPERATOR)) -> Response:
    store = quarantine_store(request)
    try:
        await run_in_threadpool(store.reject, record_id, principal.actor, body.note)
        record = await run_in_threadpool(store.get, record_id)
    except QuarantineError as exc:
        return _error(exc)
    await _audit(request, principal, "quarantine.reject", record_id, body.note)
    return JSONResponse(_detail(record))


async def _audit(request: Request, principal: Principal, action: str, record_id: int,
                 note: str | None) -> None:
    """The quarantine store keeps its own trail per record; the audit log gets a line too
    (when the app has the audit table — the full app always does)."""
    sink = getattr(request.app.state, "audit_sink", None)
    if sink is None:
        return
    entry = AuditEntry(actor=principal.actor, action=action, object_type="quarantine",
                       object_id=str(record_id), correlation_id=correlation_id(request),
                       detail={"note": note} if note else {})
    await run_in_threadpool(sink, entry)
