"""Secrets doorstep issues to the sources that cannot hold an API key.

Shop platforms and carriers push to doorstep's webhooks; they authenticate by signing the
raw body — ``X-Doorstep-Signature: base64(HMAC-SHA256(secret, body))``, the scheme the
supplier webhook uses too — or, for carriers whose push settings take only a URL, by the
secret as ``?token=`` in that URL.  Shopify and WooCommerce sign with their own secret
(settings ``shopify_webhook_secret`` / ``woocommerce_webhook_secret``).

Sources are named ``shop:<profile>``, ``carrier:<profile>`` and ``supplier:<profile>``
(despatch advices).  A source may have several active secrets at once, so a secret is
rotated without a gap::

    doorstep sources secret --carrier gls        # a second secret, both valid
    (configure the carrier with the new one)
    doorstep sources revoke --carrier gls        # all but the newest stop working

The secret itself is stored (an HMAC can only be checked by someone who knows the key), so
the database is as sensitive as the settings file; see SECURITY.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update

from doorstep.adapters.db.identity_tables import source_secrets
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.services.events import utcnow

SECRET_MARKER = "dss_"
SecretLookup = Callable[[str], list[str]]
"""``source -> its active secrets``, newest first."""
KINDS = ("shop", "carrier", "supplier")


@dataclass(frozen=True, slots=True)
class SourceSecret:
    id: int
    source: str
    hint: str  # the first characters, to tell secrets apart in listings
    created_at: datetime
    revoked_at: datetime | None


def source_name(kind: str, profile: str) -> str:
    if kind not in KINDS:
        raise InvalidValue("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    return f"{kind}:{profile}"


def issue(conn: Connection, source: str, *, created_by: str,
          now: datetime | None = None) -> str:
    """A new random secret for ``source`` (earlier ones stay valid until revoked)."""
    secret = SECRET_MARKER + secrets.token_urlsafe(32)
    conn.execute(insert(source_secrets).values(source=source, secret=secret,
                                               created_at=now or utcnow(),
                                               created_by=created_by, revoked_at=None))
    return secret


def active(conn: Connection, source: str) -> list[str]:
    rows = conn.execute(select(source_secrets.c.secret)
                        .where(source_secrets.c.source == source,
                               source_secrets.c.revoked_at.is_(None))
                        .order_by(source_secrets.c.id.desc())).all()
    return [r.secret for r in rows]


def listing(conn: Connection) -> list[SourceSecret]:
    rows = conn.execute(select(source_secrets).order_by(source_secrets.c.source,
                                                        source_secrets.c.id)).all()
    return [SourceSecret(id=r.id, source=r.source, hint=r.secret[:8] + "…",
                         created_at=r.created_at, revoked_at=r.revoked_at) for r in rows]


def revoke(conn: Connection, source: str, *, keep_newest: bool = True,
           now: datetime | None = None) -> int:
    """Revoke the source's active secrets — all but the newest unless ``keep_newest`` is
    false; returns how many stopped working."""
    ids = [r.id for r in conn.execute(
        select(source_secrets.c.id).where(source_secrets.c.source == source,
                                          source_secrets.c.revoked_at.is_(None))
        .order_by(source_secrets.c.id.desc()))]
    if not ids:
        raise NotFound("source secret", source)
    doomed = ids[1:] if keep_newest else ids
    if doomed:
        conn.execute(update(source_secrets).where(source_secrets.c.id.in_(doomed))
                     .values(revoked_at=now or utcnow()))
    return len(doomed)


def engine_secrets(engine: Engine) -> SecretLookup:
    """A lookup ``source -> active secrets`` reading the database on each call (webhooks
    are infrequent next to intake, and a revoked secret must stop at once)."""

    def lookup(source: str) -> list[str]:
        with engine.connect() as conn:
            return active(conn, source)

    return lookup

