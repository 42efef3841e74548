"""The mapping-profile engine: declarative files in, canonical field values out.

A profile (YAML or TOML, schema in ``docs/profiles.md``) says where each field of a
source's payload lives, which vocabulary translates its codes, which units and date
formats it uses and what a missing value defaults to — so that a merchant adds a
source without writing Python.  Profiles are compiled once (paths, patterns, date
parsers, vocabularies) and cached, so mapping a record costs dictionary look-ups.

Public API::

    load_profile("gls")                     built-in profile by name
    load_profile("./my-carrier.yaml")       a merchant's own file
    load_profile("acme", user_dir=DIR)      a merchant's profile by name (DOORSTEP_PROFILES_DIR)
    profile.extract(payload, context)       -> Extraction (records, source errors)
    builtin_profiles("tracking")            names shipped with doorstep

Built-in profiles live in ``profiles/{orders,tracking}/<name>.yaml`` inside the
package.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from doorstep.adapters.importers.dates import DateError, DateParser
from doorstep.adapters.importers.documents import CsvDocument, DocumentError, parse_document
from doorstep.adapters.importers.fields import FieldSpec, Issue, Vocabulary
from doorstep.adapters.importers.paths import CompiledPath, compile_path
from doorstep.adapters.importers.profile_loader import (
    ProfileError,
    build_profile,
    parse_profile_text,
    read_profile_text,
)
from doorstep.adapters.importers.profile_model import (
    CollectionSpec,
    ErrorRule,
    ExtractedItem,
    ExtractedRecord,
    Extraction,
    Profile,
    SourceError,
    fragment_text,
)
from doorstep.adapters.importers.units import UnitError, to_grams, to_millimetres
from doorstep.domain.harmonise.profile_copy import ProfileCopy, sha256_of

__all__ = [
    "PROFILES_DIR",
    "CollectionSpec",
    "CompiledPath",
    "CsvDocument",
    "DateError",
    "DateParser",
    "DocumentError",
    "ErrorRule",
    "ExtractedItem",
    "ExtractedRecord",
    "Extraction",
    "FieldSpec",
    "Issue",
    "Profile",
    "ProfileError",
    "SourceError",
    "UnitError",
    "Vocabulary",
    "builtin_profiles",
    "compile_path",
    "fragment_text",
    "load_profile",
    "load_profile_copy",
    "parse_document",
    "profile_names",
    "to_grams",
    "to_millimetres",
]

PROFILES_DIR = Path(__file__).parent / "profiles"
_KINDS = ("tracking", "orders", "asn")
_SUFFIXES = (".yaml", ".yml", ".toml")


def builtin_profiles(kind: str | None = None) -> list[str]:
    """Names of the profiles shipped with doorstep (optionally of one ``kind``)."""
    names: set[str] = set()
    for sub in (kind,) if kind else _KINDS:
        folder = PROFILES_DIR / sub
        if folder.is_dir():
            names.update(p.stem for p in folder.iterdir() if p.suffix in _SUFFIXES)
    return sorted(names)


def _user_files(user_dir: str | Path | None, kind: str | None) -> dict[str, Path]:
    """Profile files in a user's profiles folder: ``DIR/<kind>/NAME.yaml`` or ``DIR/NAME.yaml``
    (a flat file counts for ``kind`` when it declares that kind)."""
    if not user_dir:
        return {}
    root = Path(user_dir)
    found: dict[str, Path] = {}
    for sub in (kind,) if kind else _KINDS:
        folder = root / sub
        if folder.is_dir():
            found.update({p.stem: p for p in sorted(folder.iterdir()) if p.suffix in _SUFFIXES})
    if root.is_dir():
        for path in sorted(root.iterdir()):
            if path.suffix not in _SUFFIXES or path.stem in found:
                continue
            try:
                declared: str | None = _load_cached(path.resolve(),
                                                    path.stat().st_mtime_ns).kind
            except ProfileError:
                declared = kind  # listed, so that loading it names its mistake
            if kind is None or declared == kind:
                found[path.stem] = path
    return found


def profile_names(kind: str | None = None, user_dir: str | Path | None = None) -> list[str]:
    """Every profile name a user may pass: the built-in ones and those in ``user_dir``
    (``DOORSTEP_PROFILES_DIR``), which the webhooks, imports and releases all accept."""
    return sorted(set(builtin_profiles(kind)) | set(_user_files(user_dir, kind)))


def _resolve(name_or_path: str | Path, kind: str | None, user_dir: str | Path | None) -> Path:
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix.lower() in _SUFFIXES or "/" in text or "\\" in text:
        if not candidate.is_file():
            raise ProfileError(f"{candidate}: profile file not found")
        return candidate
    mine = _user_files(user_dir, kind).get(text)
    if mine is not None:  # a user's profile of a built-in name replaces it, on purpose
        return mine
    for sub in (kind,) if kind else _KINDS:
        for suffix in _SUFFIXES:
            builtin = PROFILES_DIR / sub / f"{text}{suffix}"
            if builtin.is_file():
                return builtin
    known = ", ".join(profile_names(kind, user_dir)) or "none"
    where = f" or in {user_dir}" if user_dir else " (set DOORSTEP_PROFILES_DIR for your own)"
    raise ProfileError(f"{text}: no profile of that name built in{where} (known: {known}); "
                       "pass a path to use your own file")


def load_profile(name_or_path: str | Path, kind: str | None = None, *,
                 user_dir: str | Path | None = None) -> Profile:
    """Load and compile a profile by name (a user's in ``user_dir`` first, then the
    built-in ones) or by file path; cached per file and modification time.

    Raises :class:`ProfileError` naming the file, line and key of any mistake, or
    when the profile's ``kind`` differs from the requested ``kind``.
    """
    path = _resolve(name_or_path, kind, user_dir).resolve()
    profile = _load_cached(path, path.stat().st_mtime_ns)
    if kind is not None and profile.kind != kind:
        raise profile.error(("kind",), f"is {profile.kind!r}, expected a {kind!r} profile")
    asked = str(name_or_path)
    if asked == path.stem and profile.name != asked and Path(asked).suffix == "":
        # Records are held under the profile's name and released by loading that name
        # again: a profile found by a file name it does not declare could never be found.
        raise profile.error(("name",), f"is {profile.name!r}, but this profile is found by "
                            f"its file name {asked!r}; records held under it are released "
                            "by name, so the two must be the same")
    return profile


@lru_cache(maxsize=64)
def _load_cached(path: Path, mtime_ns: int) -> Profile:
    del mtime_ns  # part of the cache key only: an edited file is reloaded
    return _compiled(read_profile_text(path), path)


def _compiled(text: str, path: Path) -> Profile:
    data, lines = parse_profile_text(text, path)
    profile = build_profile(data, path, lines)
    profile.text, profile.sha256 = text, sha256_of(text)
    return profile


def load_profile_copy(copy: ProfileCopy, kind: str | None = None) -> Profile:
    """The profile a record was held under, compiled from its kept text; its messages name
    it ``NAME@SHA256-PREFIX.yaml`` (there is no file of it any more)."""
    profile = _copy_cached(copy)
    if kind is not None and profile.kind != kind:
        raise profile.error(("kind",), f"is {profile.kind!r}, expected a {kind!r} profile")
    return profile


@lru_cache(maxsize=64)
def _copy_cached(copy: ProfileCopy) -> Profile:
    suffix = Path(copy.file_name).suffix or ".yaml"
    return _compiled(copy.text, Path(f"{copy.name}@{copy.sha256[:12]}{suffix}"))
