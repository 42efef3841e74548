"""The customer's e-mails: multipart text + HTML, German or English, overridable templates.

Templates live in ``templates/email/<kind>.txt`` and ``<kind>.html`` (both extend
``base.txt`` / ``base.html``; the sentences are in ``_texts.j2`` and the catalogues).  A
merchant overrides any of them by putting a file with the same path under the folder of the
``notify_templates_dir`` setting, e.g. ``mytemplates/email/shipped.html``; anything not
overridden comes from doorstep.  ``check_templates`` renders every kind in every language
with sample data at start-up, so a broken override stops ``serve``/``worker`` with the file
and line instead of failing on a customer's message at night.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)

from doorstep.entrypoints.web import i18n
from doorstep.entrypoints.web.rendering import TEMPLATE_DIR
from doorstep.entrypoints.web.tracking_texts import TEMPLATE_GLOBALS
from doorstep.services.notify_settings import KINDS, NotifySettings


class EmailTemplateError(ValueError):
    """An e-mail template does not render; the message names the template and line."""


@cache
def email_environment(override_dir: str = "") -> Environment:
    loaders = [FileSystemLoader(override_dir)] if override_dir else []
    env = Environment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(TEMPLATE_DIR)]),
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
        trim_blocks=False, lstrip_blocks=True)
    i18n.install_in(env)
    env.globals.update(TEMPLATE_GLOBALS)
    return env


def _window(data: Any, fmt: Mapping[str, Any]) -> str:
    if not isinstance(data, dict) or "earliest" not in data:
        return ""
    return str(fmt["format_interval"](date.fromisoformat(data["earliest"]),
                                      date.fromisoformat(data["latest"])))


def render_email(kind: str, data: Mapping[str, Any], *, language: str, timezone: str,
                 tracking_url: str, shop_name: str, override_dir: str = ""
                 ) -> tuple[str, str, str]:
    """``(subject, text, html)`` of one message."""
    env = email_environment(override_dir)
    fmt = i18n.date_formatters(language, timezone)
    with i18n.use_language(language):
        known = dict.fromkeys(SAMPLE)  # every field a template may use, present or not
        context = {"kind": kind, "d": {**known, **data}, "lang": language,
                   "tracking_url": tracking_url, "shop_name": shop_name,
                   "window": _window(data.get("window"), fmt),
                   "original": _window(data.get("original"), fmt), **fmt}
        text_template = env.get_template(f"email/{kind}.txt")
        html_template = env.get_template(f"email/{kind}.html")
        # the text template's first line is the subject (block "subject" in base.txt)
        subject, _newline, text = text_template.render(context).lstrip().partition("\n")
        html = html_template.render(context)
    return " ".join(subject.split()), _tidy(text), html


def _tidy(text: str) -> str:
    """At most one empty line in a row (templates leave some behind)."""
    out: list[str] = []
    for line in text.splitlines():
        if line.strip() or (out and out[-1].strip()):
            out.append(line.rstrip())
    return "\n".join(out).strip() + "\n"


def compose(row: Mapping[str, Any], *, settings: NotifySettings, timezone: str,
            base_url: str, override_dir: str = "") -> EmailMessage:
    """The e-mail for a ``notifications`` row (Message-ID from the row, never new)."""
    data = dict(row["data"])
    shop = settings.for_channel(str(data.get("channel") or ""))
    shop_name = parseaddr(shop.sender)[0] or shop.sender
    subject, text, html = render_email(
        str(row["kind"]), data, language=str(row["language"]), timezone=timezone,
        tracking_url=f"{base_url.rstrip('/')}/track/{data['token']}", shop_name=shop_name,
        override_dir=override_dir)
    message = EmailMessage()
    message["From"] = shop.sender
    message["To"] = str(row["recipient"])
    if shop.reply_to:
        message["Reply-To"] = shop.reply_to
    message["Subject"] = subject
    message["Message-ID"] = str(row["message_id"])
    message["Date"] = formatdate(localtime=False)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = str(row["language"])
    message["X-Doorstep-Notification"] = f"{row['kind']} {data.get('order_number', '')}"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


SAMPLE = {"order_number": "#1001", "external_id": "450789469", "channel": "sample",
          "customer_name": "Ada Lovelace", "token": "sample-token", "carrier": "DHL",
          "carrier_key": "dhl", "tracking_number": "00340434161094042557",
          "carrier_url": "https://www.dhl.de/", "place": "Berlin", "reason": "exception:address",
          "window": {"earliest": "2026-12-01", "latest": "2026-12-03"},
          "original": {"earliest": "2026-11-30", "latest": "2026-12-01"}}


@cache  # once per process and folder: every app a test suite creates would render them again
def check_templates(override_dir: str = "", timezone: str = "Europe/Berlin") -> None:
    """Render every kind in every language with sample data; raise naming what broke."""
    if override_dir and not Path(override_dir).is_dir():
        raise EmailTemplateError(f"notify_templates_dir {override_dir!r} is not a folder")
    for language in i18n.LANGUAGES:
        for kind in KINDS:
            try:
                subject, text, _html = render_email(
                    kind, {**SAMPLE, "kind": kind}, language=language, timezone=timezone,
                    tracking_url="https://example.invalid/track/x", shop_name="Sample shop",
                    override_dir=override_dir)
            except TemplateSyntaxError as exc:
                raise EmailTemplateError(
                    f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
            except TemplateError as exc:
                raise EmailTemplateError(f"e-mail {kind!r} ({language}): "
                                         f"{type(exc).__name__}: {exc}") from exc
            if not subject or not text.strip():
                raise EmailTemplateError(f"e-mail {kind!r} ({language}): empty subject or text")
