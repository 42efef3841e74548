"""A profile exactly as a record was mapped with it, so a release can map it the same way.

A quarantined record names its profile by name and by the SHA-256 of the file's text; the
text itself is kept once per hash beside the quarantine.  Release compares that hash with
the profile's current one: the same, and nothing needs saying; different, and the person
releasing chooses the copy it was held under or the profile as it is now.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True, slots=True)
class ProfileCopy:
    """Name, file name (its suffix says YAML or TOML), text and the text's SHA-256."""

    name: str
    file_name: str
    text: str
    sha256: str

    @classmethod
    def of(cls, name: str, file_name: str, text: str) -> ProfileCopy:
        return cls(name, PurePath(file_name).name, text, sha256_of(text))


def sha256_of(text: str) -> str:
    """The content hash a profile is named by (of its UTF-8 bytes, as read from the file)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
