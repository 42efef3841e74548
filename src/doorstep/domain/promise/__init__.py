"""Delivery promises: short, kept, and honest about their uncertainty.

    history rows ──► fit (Kaplan–Meier per segment, recency-weighted) ──► PromiseModel
                          │                                                   │
                 calibration (PIT on recent weeks)                 make_promise(request, backlog)
                                                                              │
                       order events ──► repromise.revise ──► PromiseTimeline (original + revisions)

Public API: ``fit_model``, ``make_promise``, ``PromiseRequest``, ``BacklogReading``,
``open_timeline``, ``revise``, ``PromiseEvent``.
"""

from doorstep.domain.promise.engine import DeliveryWindow, Promise, PromiseRequest, make_promise
from doorstep.domain.promise.fit import FitResult, fit_model
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.load import BacklogReading, Capacity
from doorstep.domain.promise.model import PromiseConfig, PromiseModel
from doorstep.domain.promise.repromise import (
    EventKind,
    PromiseEvent,
    PromiseRevision,
    PromiseTimeline,
    open_timeline,
    revise,
)

__all__ = [
    "BacklogReading",
    "Capacity",
    "DeliveryWindow",
    "EventKind",
    "FitResult",
    "HistoryRow",
    "Promise",
    "PromiseConfig",
    "PromiseEvent",
    "PromiseModel",
    "PromiseRequest",
    "PromiseRevision",
    "PromiseTimeline",
    "fit_model",
    "make_promise",
    "open_timeline",
    "revise",
]
