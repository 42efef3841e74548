"""Plausibility checks for a mapped shop order, run after schema validation.

Schema validation says a value has the right *type*; these checks say whether it can be
*true*: a country that exists, a postcode in that country's format, weights and sizes a
parcel can have, a timestamp that is not in the future, and an order number that does not
come back with different content.  Pure functions over plain data, so the same rules run
in the importer, the webhook and on release from quarantine.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from doorstep.domain.harmonise.reasons import Reason, ReasonCode

# ISO 3166-1 alpha-2, officially assigned codes (249).  Kept here rather than pulled from a
# package so the domain stays dependency-free; the list changes a few times per decade.
ISO_3166_ALPHA2 = frozenset(
    re.findall(
        r"[A-Z]{2}",
        """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """,
    )
)

# Postcode formats as the national posts publish them (upper-cased input, inner spaces
# as written).  A country missing here is not checked beyond "present if required".
POSTCODE_FORMATS: Mapping[str, re.Pattern[str]] = {
    code: re.compile(pattern)
    for code, pattern in {
        "DE": r"\d{5}",
        "AT": r"[1-9]\d{3}",
        "CH": r"[1-9]\d{3}",
        "LI": r"94(8[5-9]|9[0-8])",
        "NL": r"[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}",
        "BE": r"[1-9]\d{3}",
        "LU": r"\d{4}",
        "FR": r"(0[1-9]|[1-8]\d|9[0-8])\d{3}",
        "MC": r"980\d{2}",
        "IT": r"\d{5}",
        "ES": r"(0[1-9]|[1-4]\d|5[0-2])\d{3}",
        "PT": r"[1-9]\d{3}-\d{3}",
        "PL": r"\d{2}-\d{3}",
        "CZ": r"[1-7]\d{2} ?\d{2}",
        "SK": r"[089]\d{2} ?\d{2}",
        "HU": r"[1-9]\d{3}",
        "SI": r"[1-9]\d{3}",
        "HR": r"[1-5]\d{4}",
        "RO": r"\d{6}",
        "BG": r"[1-9]\d{3}",
        "GR": r"[1-8]\d{2} ?\d{2}",
        "DK": r"[1-9]\d{3}",
        "SE": r"[1-9]\d{2} ?\d{2}",
        "NO": r"\d{4}",
        "FI": r"\d{5}",
        "EE": r"\d{5}",
        "LV": r"LV-\d{4}",
        "LT": r"(LT-)?\d{5}",
        "IE": r"([AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}",
        "GB": (
            r"GIR ?0AA"
            r"|[A-PR-UWYZ]([0-9][0-9A-HJKMNPR-Y]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?)"
            r" ?[0-9][ABD-HJLNP-UW-Z]{2}"
        ),
        "US": r"\d{5}(-\d{4})?",
        "CA": r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d",
        "MX": r"\d{5}",
        "BR": r"\d{5}-?\d{3}",
        "AU": r"\d{4}",
        "NZ": r"\d{4}",
        "JP": r"\d{3}-?\d{4}",
        "CN": r"\d{6}",
        "IN": r"[1-9]\d{5}",
        "TR": r"(0[1-9]|[1-7]\d|8[01])\d{3}",
    }.items()
}

# Countries whose addresses have no postcode (or where it is optional in practice).
POSTCODE_OPTIONAL = frozenset(
    re.findall(
        r"[A-Z]{2}",
        "AE AG AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD GH GM GN GQ GY HK IE"
        " KI KM KN KP LY ML MO MR MW NR NU QA RW SB SC SL SO SR SS ST SY TD TG TK TL TO TT TV UG VU"
        " YE ZW",
    )
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """Ranges outside which a value is implausible rather than merely unusual."""

    max_unit_weight_g: int = 1_000_000
    """One unit heavier than a tonne is not a parcel order."""
    max_dimension_mm: int = 6_000
    """Longer than a freight pallet lane: a unit mistake (cm read as mm) or a typo."""
    max_future_skew: timedelta = timedelta(minutes=15)
    """Clock skew tolerated between a shop and us before a timestamp counts as future."""
    earliest_order: datetime = datetime(1995, 1, 1, tzinfo=UTC)
    """Before online shops existed: an epoch-zero or a year typo."""


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, kw_only=True, slots=True)
class LineMeasures:
    """Weight and size of one order line's unit, in grams and millimetres, when the shop sent them.

    ``None`` means the shop sent nothing; 0 grams is Shopify's "no weight" for virtual items
    and is allowed, a negative or huge value is not.
    """

    weight_g: float | None = None
    dimensions_mm: tuple[float, ...] = ()


def check_country(country: str, field: str = "shipping_address.country") -> list[Reason]:
    """The country must be an assigned ISO 3166-1 alpha-2 code (upper case)."""
    if country in ISO_3166_ALPHA2:
        return []
    return [
        Reason(
            ReasonCode.invalid_country,
            field,
            f"{country!r} is not an ISO 3166-1 alpha-2 country code",
        )
    ]


def check_postcode(
    country: str, postcode: str | None, field: str = "shipping_address.postcode"
) -> list[Reason]:
    """The postcode must be present where the country uses postcodes, and match its format."""
    value = (postcode or "").strip().upper()
    if not value:
        if country in POSTCODE_OPTIONAL or country not in ISO_3166_ALPHA2:
            return []
        return [Reason(ReasonCode.missing_field, field, f"a postcode is required for {country}")]
    pattern = POSTCODE_FORMATS.get(country)
    if pattern is None or pattern.fullmatch(value):
        return []
    return [
        Reason(
            ReasonCode.invalid_postcode,
            field,
            f"{postcode!r} is not a valid postcode for {country}",
        )
    ]


def check_measures(
    measures: Sequence[LineMeasures], limits: Limits = DEFAULT_LIMITS
) -> list[Reason]:
    """Every line's unit weight and dimensions must lie in the plausible range."""
    reasons: list[Reason] = []
    for index, line in enumerate(measures):
        weight = line.weight_g
        if weight is not None and not 0 <= weight <= limits.max_unit_weight_g:
            reasons.append(
                Reason(
                    ReasonCode.weight_out_of_range,
                    f"lines[{index}].weight",
                    f"{weight:g} g is outside 0..{limits.max_unit_weight_g} g",
                )
            )
        for axis, size in enumerate(line.dimensions_mm):
            if not 0 < size <= limits.max_dimension_mm:
                reasons.append(
                    Reason(
                        ReasonCode.size_out_of_range,
                        f"lines[{index}].dimensions[{axis}]",
                        f"{size:g} mm is outside 1..{limits.max_dimension_mm} mm",
                    )
                )
    return reasons


def check_placed_at(
    placed_at: datetime | None, now: datetime, limits: Limits = DEFAULT_LIMITS
) -> list[Reason]:
    """An order cannot be placed in the future or before online shops existed."""
    if placed_at is None:
        return []
    if placed_at > now + limits.max_future_skew:
        return [
            Reason(
                ReasonCode.future_timestamp,
                "placed_at",
                f"{placed_at.isoformat()} is in the future (now {now.isoformat()})",
            )
        ]
    if placed_at < limits.earliest_order:
        return [
            Reason(
                ReasonCode.impossible_date,
                "placed_at",
                f"{placed_at.isoformat()} is before {limits.earliest_order.date().isoformat()}",
            )
        ]
    return []


def check_order(
    *,
    country: str,
    postcode: str | None,
    placed_at: datetime | None,
    measures: Sequence[LineMeasures],
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Reason]:
    """All plausibility checks for one order; empty means plausible."""
    reasons = check_country(country)
    if not reasons:
        reasons += check_postcode(country, postcode)
    reasons += check_placed_at(placed_at, now, limits)
    reasons += check_measures(measures, limits)
    return reasons


def content_hash(order: Mapping[str, Any]) -> str:
    """SHA-256 of the order's canonical JSON (sorted keys, no whitespace).

    Computed over the *canonical* order, not the shop payload, so a shop re-sending the same
    order with a new ``updated_at`` or reordered keys is a duplicate, not a conflict.
    """
    canonical = json.dumps(order, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_same_order(key: str, known_hash: str | None, new_hash: str) -> list[Reason]:
    """An order number seen before must come back with the same content."""
    if known_hash is None or known_hash == new_hash:
        return []
    return [
        Reason(
            ReasonCode.same_order_different_content,
            "external_id",
            f"order {key} was accepted before with different content "
            f"(hash {known_hash[:12]}…, now {new_hash[:12]}…)",
        )
    ]
