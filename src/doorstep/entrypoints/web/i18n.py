"""Languages of the pages: message catalogues, the reader's locale, dates in the warehouse's zone.

Catalogues are gettext ``.po`` files, one per area, merged per language at start-up::

    locale/
      de/LC_MESSAGES/base.po        the layout (skip link, language switch, footer)
      de/LC_MESSAGES/tracking.po    the customer's tracking page
      en/LC_MESSAGES/…              the same files in English

A new area adds its own ``<area>.po`` in both languages, so areas built side by side never
edit the same file.  The ``.po`` files are read directly (compiled in memory with Babel), so
a clean clone works without a build step; there are no ``.mo`` files to forget.

Which language a reader gets, first match wins::

    ?lang=de in the URL  ->  the doorstep_lang cookie  ->  Accept-Language  ->  German

``tests/unit/web/test_page_catalogues.py`` extracts every marked text from the templates and this
package and fails when one is missing or empty in either language.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from markupsafe import Markup
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: tuple[str, ...] = ("de", "en")
DEFAULT_LANGUAGE = "de"
LANG_COOKIE = "doorstep_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600

_current: ContextVar[Translations | None] = ContextVar("doorstep_translations", default=None)


def N_(message: str) -> str:
    """Mark a text for extraction where it is defined; translate it where it is shown."""
    return message


@cache
def translations(language: str) -> Translations:
    """All catalogues of ``language`` merged into one (read once per process)."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    merged: Translations | None = None
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalogue)
        buffer.seek(0)
        loaded = Translations(fp=buffer, domain=po_path.stem)
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    return merged if merged is not None else Translations()


def gettext(message: str) -> str:
    """``message`` in the language of the page being rendered (English text if none)."""
    current = _current.get()
    return message if current is None else current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    current = _current.get()
    if current is None:
        return singular if n == 1 else plural
    return current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    current = _current.get()
    return message if current is None else str(current.pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    current = _current.get()
    if current is None:
        return singular if n == 1 else plural
    return current.npgettext(context, singular, plural, n)


_ = gettext


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Translate with ``language`` inside the block (templates and ``_()`` alike)."""
    token = _current.set(translations(language))
    try:
        yield
    finally:
        _current.reset(token)


def supported(language: str | None) -> str | None:
    """``language`` if the pages speak it (``de-AT`` counts as ``de``), else None."""
    if not language:
        return None
    base = language.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header that the pages speak."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _q, _pos, tag in sorted(ranked):
        language = supported(tag)
        if language is not None:
            return language
    return None


def choose_language(request: Request) -> tuple[str, bool]:
    """The reader's language, and whether it was picked just now (so it goes in a cookie)."""
    picked = supported(request.query_params.get("lang"))
    if picked is not None:
        return picked, True
    remembered = supported(request.cookies.get(LANG_COOKIE))
    if remembered is not None:
        return remembered, False
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE, False


# Dates for English readers follow British usage (24-hour clock, "Tuesday 1 December"):
# the warehouse and most of its customers are in Europe.
FORMAT_LOCALES = {"en": "en_GB"}


@cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(FORMAT_LOCALES.get(language, language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


@cache
def zone(name: str) -> tzinfo:
    return ZoneInfo(name)


Formatter = Callable[..., str]

_FIELD = re.compile(r"'[^']*'|EEEE|EEE|MMMM|MMM|MM|M|dd|d|HH|mm|yyyy|yy|y|[A-Za-z]")
_FAST_FIELDS = frozenset({"EEEE", "EEE", "MMMM", "MMM", "MM", "M", "dd", "d", "HH", "mm",
                          "yyyy", "y"})


@cache
def _compiled(pattern: str) -> tuple[tuple[bool, str], ...] | None:
    """The pattern as (is_field, text) parts, or None if it uses fields not handled here."""
    parts: list[tuple[bool, str]] = []
    position = 0
    for match in _FIELD.finditer(pattern):
        if match.start() > position:
            parts.append((False, pattern[position:match.start()]))
        token = match.group()
        if token.startswith("'"):
            parts.append((False, token[1:-1] or "'"))
        elif token in _FAST_FIELDS:
            parts.append((True, token))
        else:
            return None
        position = match.end()
    if position < len(pattern):
        parts.append((False, pattern[position:]))
    return tuple(parts)


@cache
def _names(language: str) -> dict[str, dict[int, str]]:
    locale = _locale(language)
    return {"EEEE": dict(babel_dates.get_day_names("wide", locale=locale)),
            "EEE": dict(babel_dates.get_day_names("abbreviated", locale=locale)),
            "MMMM": dict(babel_dates.get_month_names("wide", locale=locale)),
            "MMM": dict(babel_dates.get_month_names("abbreviated", locale=locale))}


@cache
def width_pattern(language: str, format: str) -> str:
    """The CLDR date pattern behind a Babel width (``long`` is ``d. MMMM y`` in German), so
    ``format_date(…, "long")`` can take the fast path too; other formats pass through."""
    for width in ("full", "long", "medium", "short"):
        if format == width:
            return str(babel_dates.get_date_format(width, locale=_locale(language)).pattern)
    return format


def fast_format(value: date | datetime, pattern: str, language: str) -> str | None:
    """Babel's result for the common CLDR fields, several times faster (a page formats a
    dozen dates); None for patterns with other fields, which then go to Babel."""
    parts = _compiled(str(pattern))  # str(): a translated pattern may arrive as Markup
    if parts is None:
        return None
    names = _names(language)
    out = []
    for is_field, part in parts:
        if not is_field:
            out.append(part)
        elif part in ("EEEE", "EEE"):
            out.append(names[part][value.weekday()])
        elif part in ("MMMM", "MMM"):
            out.append(names[part][value.month])
        elif part == "M":
            out.append(str(value.month))
        elif part == "MM":
            out.append(f"{value.month:02d}")
        elif part == "d":
            out.append(str(value.day))
        elif part == "dd":
            out.append(f"{value.day:02d}")
        elif part in ("y", "yyyy"):
            out.append(str(value.year))
        elif isinstance(value, datetime):
            out.append(f"{value.hour:02d}" if part == "HH" else f"{value.minute:02d}")
        else:
            return None
    return "".join(out)


def format_locale(language: str) -> Locale:
    """The Babel locale that formats dates and numbers for readers of ``language``."""
    return _locale(language)


@cache
def number_formatters(language: str) -> dict[str, Formatter]:
    """Jinja filters for numbers in the reader's convention: ``format_number(0.46, 2)`` is
    "0,46" in German and "0.46" in English; ``format_number(1440)`` "1.440" / "1,440"."""
    locale = _locale(language)

    def format_number(value: float | int, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return babel_numbers.format_decimal(value, format=pattern, locale=locale)

    return {"format_number": format_number}


@cache
def date_formatters(language: str, timezone: str) -> dict[str, Formatter]:
    """Jinja filters that show dates and times in ``language`` and the warehouse's zone, and
    numbers and percentages with the language's decimal sign (``format_number``,
    ``format_percent``).

    ``format`` is a Babel width (``short``, ``medium``, ``long``, ``full``) or a CLDR pattern
    such as ``"EEEE d MMMM"``; datetimes are converted to ``timezone`` before formatting.
    Made once per language and zone (the functions keep no state); callers must not
    change the returned mapping.
    """
    locale = _locale(language)
    tz = zone(timezone)

    def format_date(value: date | datetime, format: str = "long") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(tz).date()
        fast = fast_format(value, width_pattern(language, format), language)
        if fast is not None:
            return fast
        return babel_dates.format_date(value, format=format, locale=locale)

    def format_datetime(value: datetime, format: str = "medium") -> str:
        fast = fast_format(value.astimezone(tz), format, language)
        if fast is not None:
            return fast
        return babel_dates.format_datetime(value, format=format, tzinfo=tz, locale=locale)

    def format_time(value: datetime, format: str = "short") -> str:
        return babel_dates.format_time(value, format=format, tzinfo=tz, locale=locale)

    def _day(value: date, pattern: str) -> str:
        return fast_format(value, pattern, language) or babel_dates.format_date(
            value, pattern, locale=locale)

    def format_interval(start: date, end: date) -> str:
        """A window such as "Tuesday 3 – Thursday 5 December" in the reader's words.

        The CLDR patterns are texts of the catalogue (context "date pattern"), because
        Babel's interval formats abbreviate weekdays where customers want them in full.
        """
        with use_language(language):
            whole = pgettext("date pattern", "EEEE d MMMM")
            if start == end:
                return _day(start, whole)
            same_month = (start.year, start.month) == (end.year, end.month)
            first = pgettext("date pattern", "EEEE d") if same_month else whole
            return gettext("%(start)s – %(end)s") % {"start": _day(start, first),
                                                      "end": _day(end, whole)}

    def format_number(value: float | int | None, digits: int | None = None) -> str:
        """A number with the language's decimal sign and grouping ("1.234,5" in German);
        ``digits`` fixes the decimals (None: as many as the value has); "–" for None."""
        if value is None:
            return "–"
        pattern = "#,##0" if digits == 0 else (
            "#,##0." + "0" * digits if digits else "#,##0.###")
        return babel_numbers.format_decimal(value, format=pattern, locale=locale)

    def format_percent(ratio: float | None, digits: int = 1) -> str:
        """A share as a percentage in the language's style ("97,5 %" in German)."""
        if ratio is None:
            return "–"
        pattern = "#,##0." + "0" * digits + " %" if digits else "#,##0 %"
        return babel_numbers.format_percent(ratio, format=pattern, locale=locale)

    return {"format_date": format_date, "format_datetime": format_datetime,
            "format_time": format_time, "format_interval": format_interval,
            "format_number": format_number, "format_percent": format_percent}


def install_in(env: Any) -> None:
    """Give ``env``'s i18n extension our catalogues, with Jinja's "newstyle" semantics.

    Same behaviour as ``install_gettext_callables(..., newstyle=True)`` — the result is
    Markup when autoescaping, and always ``%``-formatted with the keyword variables — but
    calling our functions directly: Jinja's wrappers go through ``Context.call`` twice per
    text (and ``_`` a third time), which was a fifth of the tracking page's render time.
    """
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext,
                                  npgettext=npgettext)

    @pass_context
    def new_gettext(__context: Any, __string: str, **variables: Any) -> str:
        rv = gettext(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    @pass_context
    def new_ngettext(__context: Any, __singular: str, __plural: str, __num: int,
                     **variables: Any) -> str:
        variables.setdefault("num", __num)
        rv = ngettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    @pass_context
    def new_pgettext(__context: Any, __string_ctx: str, __string: str,
                     **variables: Any) -> str:
        variables.setdefault("context", __string_ctx)
        rv = pgettext(__string_ctx, __string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    env.globals.update(gettext=new_gettext, _=new_gettext, ngettext=new_ngettext,
                       pgettext=new_pgettext)
