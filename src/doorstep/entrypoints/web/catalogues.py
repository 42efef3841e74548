"""Which texts the pages use, and which of them a language's catalogues lack.

Texts are found the way ``pybabel extract`` finds them: ``{% trans %}``, ``_()``, ``gettext``,
``ngettext``, ``pgettext`` and ``N_()`` in the templates and in this package's Python files.
Run ``python -m doorstep.entrypoints.web.catalogues`` to list what is missing, as ``.po``
entries ready to paste into ``locale/<lang>/LC_MESSAGES/<area>.po``, or with ``--write AREA``
to append them to that area's files (English filled in with the text itself, German left
empty for you to translate — the catalogue test fails until you do).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.pofile import read_po, write_po

from doorstep.entrypoints.web.i18n import LANGUAGES, LOCALE_DIR

WEB_DIR = Path(__file__).parent
METHOD_MAP = [("**/templates/**.html", "jinja2.ext:babel_extract"),
              ("**/templates/**.txt", "jinja2.ext:babel_extract"),
              ("**/templates/**.j2", "jinja2.ext:babel_extract"),
              ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"},
           "**/templates/**.txt": {"extensions": "jinja2.ext.i18n", "trimmed": "false"},
           "**/templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
SHARED_SOURCES = (WEB_DIR.parent.parent / "domain" / "watchlist_texts.py",)
"""Texts defined outside this package but shown on pages (the watchlist's reasons, which the
API gives in English): extracted with the package's own."""


@dataclass(frozen=True)
class Used:
    """One text the code uses: its id (a tuple for plural forms), context and first place."""

    msgid: str | tuple[str, ...]
    context: str | None
    where: str


def used_messages(root: Path = WEB_DIR) -> list[Used]:
    """Every marked text under ``root``, once, in the order first found."""
    seen: dict[tuple[object, object], Used] = {}
    found = [(filename, lineno, message, context) for filename, lineno, message, _c, context
             in extract_from_dir(str(root), method_map=METHOD_MAP, options_map=OPTIONS,
                                 keywords=KEYWORDS)]
    if root == WEB_DIR:
        for source in SHARED_SOURCES:
            found += [(source.name, lineno, message, context) for lineno, message, _c, context
                      in extract_from_file("python", str(source), keywords=KEYWORDS)]
    for filename, lineno, message, context in found:
        key = (message, context)
        if key not in seen:
            seen[key] = Used(message, context, f"{filename}:{lineno}")
    return list(seen.values())


def catalogue_entries(language: str) -> dict[tuple[object, object], list[str]]:
    """``(msgid, context) -> translations`` of all ``.po`` files of ``language``."""
    entries: dict[tuple[object, object], list[str]] = {}
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        for message in catalogue:
            if not message.id:
                continue
            key_id = message.id if isinstance(message.id, str) else tuple(message.id)
            strings = ([message.string] if isinstance(message.string, str)
                       else list(message.string or ()))
            entries[(key_id, message.context)] = strings
    return entries


def missing(language: str, root: Path = WEB_DIR) -> list[Used]:
    """Texts used under ``root`` that ``language`` has no (or an empty) translation for."""
    entries = catalogue_entries(language)
    gaps = []
    for used in used_messages(root):
        strings = entries.get((used.msgid, used.context))
        if not strings or any(not s.strip() for s in strings):
            gaps.append(used)
    return gaps


def _as_po(used: Used) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [f"#: {used.where}"]
    if used.context:
        lines.append(f"msgctxt {quoted(used.context)}")
    if isinstance(used.msgid, tuple):
        lines += [f"msgid {quoted(used.msgid[0])}", f"msgid_plural {quoted(used.msgid[1])}",
                  'msgstr[0] ""', 'msgstr[1] ""']
    else:
        lines += [f"msgid {quoted(used.msgid)}", 'msgstr ""']
    return "\n".join(lines)


def write_missing(area: str, root: Path = WEB_DIR) -> dict[str, int]:
    """Append every used text no catalogue of a language has to ``<area>.po``."""
    added: dict[str, int] = {}
    for language in LANGUAGES:
        entries = catalogue_entries(language)
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{area}.po"
        if path.exists():
            with path.open("rb") as handle:
                catalogue = read_po(handle, locale=language)
        else:
            catalogue = Catalog(locale=language, project="doorstep", fuzzy=False)
        count = 0
        for used in used_messages(root):
            if (used.msgid, used.context) in entries:
                continue
            english = language == "en"
            string: str | tuple[str, ...] = ""
            if isinstance(used.msgid, tuple):
                string = tuple(used.msgid) if english else ("", "")
            elif english:
                string = used.msgid
            where, _colon, line = used.where.rpartition(":")
            catalogue.add(used.msgid, string, locations=[(where, int(line))],
                          context=used.context)
            count += 1
        if count:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalogue, width=100, omit_header=False)
        added[language] = count
    return added


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        print(write_missing(sys.argv[2]))
    status = 0
    for language in LANGUAGES:
        gaps = missing(language)
        if gaps:
            status = 1
            print(f"# {language}: {len(gaps)} text(s) missing")
            print("\n\n".join(_as_po(g) for g in gaps), end="\n\n")
    if status == 0:
        print("every text has a translation in " + ", ".join(LANGUAGES))
    return status


if __name__ == "__main__":
    sys.exit(main())
