"""The one error a profile raises, located as ``file:line: key.path: what is wrong``.

A merchant fixes their own profile from this message alone, so every mistake found in a
profile — by the loader, by a mapper that needs fields of a kind, by the pipeline — names
the file and the line of the key concerned.  A key the profile lacks is reported at the
line of the nearest key that encloses it (line 1 for the top level).  Only a file that does
not exist or cannot be read has no line to name.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["KeyLines", "ProfileError", "located"]

KeyLines = dict[tuple[str, ...], int]
"""A profile's key paths (``("fields", "status", "path")``) to their line in its file."""


class ProfileError(ValueError):
    """A profile file is invalid; the message names the file, line and key."""


def located(path: Path | str, lines: KeyLines, keys: tuple[str, ...], message: str) -> ProfileError:
    """``path:line: key.path: message`` for the key ``keys`` (or its nearest parent)."""
    line = None
    probe = keys
    while probe and line is None:
        line = lines.get(probe)
        probe = probe[:-1]
    dotted = ".".join(keys) if keys else "(top level)"
    return ProfileError(f"{path}:{line or 1}: {dotted}: {message}")
