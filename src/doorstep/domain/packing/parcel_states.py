"""A parcel's life at the packing bench, as data.

    planned ──weigh ok──► checked ──label──► labelled ──hand over──► handed_over
       │                    ▲  ▲                │
       └──weigh off──► held ┘  └─────void───────┘
                        │ ▲
                        └─┘ weigh again / accept with a note (→ checked)

Only a *checked* parcel gets a label: a parcel whose weight is off is never labelled blindly.
"""

from __future__ import annotations

from enum import StrEnum

from doorstep.domain.errors import DomainError


class ParcelStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CHECKED = "checked"
    LABELLED = "labelled"
    HANDED_OVER = "handed_over"


P = ParcelStatus
STEPS: dict[str, tuple[frozenset[ParcelStatus], ParcelStatus | None]] = {
    # step: (states it may start from, state it leads to; None = decided by the step)
    "weigh": (frozenset({P.PLANNED, P.HELD, P.CHECKED}), None),
    "accept": (frozenset({P.HELD}), P.CHECKED),
    "label": (frozenset({P.CHECKED}), P.LABELLED),
    "void": (frozenset({P.LABELLED}), P.CHECKED),
    "hand_over": (frozenset({P.LABELLED}), P.HANDED_OVER),
}


class ParcelStepRefused(DomainError):
    """A step the parcel's state does not allow; names both."""

    def __init__(self, parcel: str, status: str, step: str) -> None:
        allowed = ", ".join(sorted(STEPS[step][0]))
        super().__init__(f"parcel {parcel} is {status}: cannot {step.replace('_', ' ')} "
                         f"(only from {allowed})")
        self.parcel = parcel
        self.status = status
        self.step = step


def check_step(parcel: str, status: str, step: str) -> None:
    if status not in STEPS[step][0]:
        raise ParcelStepRefused(parcel, status, step)
