"""Carrier cut-off times: the last moment a parcel can be handed over for today's pick-up.

Local wall-clock times at the warehouse; a merchant's contract may differ, so these are
defaults a caller can override.  An unknown carrier gets the earliest common cut-off, the
conservative choice.
"""

from __future__ import annotations

from datetime import time

DEFAULT_CUTOFFS: dict[str, time] = {
    "dhl": time(18, 0),
    "dpd": time(17, 0),
    "gls": time(17, 0),
    "ups": time(18, 30),
    "hermes": time(16, 0),
}
FALLBACK_CUTOFF = time(16, 0)


def cutoff_for(carrier: str, overrides: dict[str, time] | None = None) -> time:
    table = {**DEFAULT_CUTOFFS, **(overrides or {})}
    return table.get(carrier, FALLBACK_CUTOFF)
