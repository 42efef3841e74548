"""Per-source import summary printed after every import and webhook batch.

Nothing may be dropped quietly, so every record ends up in exactly one of the
three counters; the summary is how an operator sees that.
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

    @property
    def total(self) -> int:
        """Every record read from the source."""
        return self.accepted + self.quarantined + self.duplicates

    def merge(self, other: ImportSummary) -> ImportSummary:
        """Add another summary of the same source (e.g. from a second file)."""
        if other.source != self.source:
            raise ValueError(f"cannot merge summaries of {self.source!r} and {other.source!r}")
        return ImportSummary(
            self.source,
            self.accepted + other.accepted,
            self.quarantined + other.quarantined,
            self.duplicates + other.duplicates,
        )
