"""Per-source import summary printed after every import and webhook batch.

Nothing may be dropped quietly, so every record ends up in exactly one of the
counters; the summary is how an operator sees that.  For tracking, the first three count
events, and ``no_events`` counts shipment records that produced none (each named in a
warning with the paths that matched nothing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ImportSummary:
    """Counts for one source (profile) in one import run."""

    source: str
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    no_events: int = 0

    @property
    def total(self) -> int:
        """Everything read from the source, each in exactly one counter."""
        return self.accepted + self.quarantined + self.duplicates + self.no_events

    def merge(self, other: ImportSummary) -> ImportSummary:
        """Add another summary of the same source (e.g. from a second file)."""
        if other.source != self.source:
            raise ValueError(f"cannot merge summaries of {self.source!r} and {other.source!r}")
        return ImportSummary(
            self.source,
            self.accepted + other.accepted,
            self.quarantined + other.quarantined,
            self.duplicates + other.duplicates,
            self.no_events + other.no_events,
        )
