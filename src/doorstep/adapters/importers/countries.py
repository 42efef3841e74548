"""Country names and codes as carriers write them, to ISO 3166-1 alpha-2.

Carriers mix ``DE``, ``DEU``, ``Germany`` and ``Deutschland``; doorstep stores alpha-2.
The table covers the countries European parcel carriers report most; an unlisted
spelling is an ``invalid_country`` finding, never a guess.  Each country also names
the IANA zones it spans, which lets validation check that a timestamp's offset can
occur in the country it was scanned in.
"""

from __future__ import annotations

__all__ = ["COUNTRY_ZONES", "normalise_country"]

# alpha-2: (alpha-3, English name, local name, IANA zones)
_COUNTRIES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "AT": ("AUT", "Austria", "Österreich", ("Europe/Vienna",)),
    "BE": ("BEL", "Belgium", "Belgique", ("Europe/Brussels",)),
    "BG": ("BGR", "Bulgaria", "България", ("Europe/Sofia",)),
    "CH": ("CHE", "Switzerland", "Schweiz", ("Europe/Zurich",)),
    "CN": ("CHN", "China", "中国", ("Asia/Shanghai",)),
    "CZ": ("CZE", "Czechia", "Česko", ("Europe/Prague",)),
    "DE": ("DEU", "Germany", "Deutschland", ("Europe/Berlin",)),
    "DK": ("DNK", "Denmark", "Danmark", ("Europe/Copenhagen",)),
    "EE": ("EST", "Estonia", "Eesti", ("Europe/Tallinn",)),
    "ES": ("ESP", "Spain", "España", ("Europe/Madrid", "Atlantic/Canary")),
    "FI": ("FIN", "Finland", "Suomi", ("Europe/Helsinki",)),
    "FR": ("FRA", "France", "France", ("Europe/Paris",)),
    "GB": ("GBR", "United Kingdom", "Great Britain", ("Europe/London",)),
    "GR": ("GRC", "Greece", "Ελλάδα", ("Europe/Athens",)),
    "HR": ("HRV", "Croatia", "Hrvatska", ("Europe/Zagreb",)),
    "HU": ("HUN", "Hungary", "Magyarország", ("Europe/Budapest",)),
    "IE": ("IRL", "Ireland", "Éire", ("Europe/Dublin",)),
    "IT": ("ITA", "Italy", "Italia", ("Europe/Rome",)),
    "LT": ("LTU", "Lithuania", "Lietuva", ("Europe/Vilnius",)),
    "LU": ("LUX", "Luxembourg", "Luxemburg", ("Europe/Luxembourg",)),
    "LV": ("LVA", "Latvia", "Latvija", ("Europe/Riga",)),
    "NL": ("NLD", "Netherlands", "Nederland", ("Europe/Amsterdam",)),
    "NO": ("NOR", "Norway", "Norge", ("Europe/Oslo",)),
    "PL": ("POL", "Poland", "Polska", ("Europe/Warsaw",)),
    "PT": ("PRT", "Portugal", "Portugal", ("Europe/Lisbon", "Atlantic/Azores")),
    "RO": ("ROU", "Romania", "România", ("Europe/Bucharest",)),
    "SE": ("SWE", "Sweden", "Sverige", ("Europe/Stockholm",)),
    "SI": ("SVN", "Slovenia", "Slovenija", ("Europe/Ljubljana",)),
    "SK": ("SVK", "Slovakia", "Slovensko", ("Europe/Bratislava",)),
    "TR": ("TUR", "Turkey", "Türkiye", ("Europe/Istanbul",)),
    "US": ("USA", "United States", "USA", (
        "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
    )),
    "CA": ("CAN", "Canada", "Canada", (
        "America/St_Johns", "America/Halifax", "America/Toronto", "America/Winnipeg",
        "America/Edmonton", "America/Vancouver",
    )),
    "JP": ("JPN", "Japan", "日本", ("Asia/Tokyo",)),
    "AU": ("AUS", "Australia", "Australia", (
        "Australia/Sydney", "Australia/Adelaide", "Australia/Brisbane", "Australia/Perth",
        "Australia/Darwin",
    )),
}  # fmt: skip

COUNTRY_ZONES: dict[str, tuple[str, ...]] = {code: row[3] for code, row in _COUNTRIES.items()}

_LOOKUP: dict[str, str] = {}
for _code, (_alpha3, _english, _local, _zones) in _COUNTRIES.items():
    for _spelling in (_code, _alpha3, _english, _local):
        _LOOKUP[_spelling.casefold()] = _code
_LOOKUP.update({"uk": "GB", "england": "GB", "holland": "NL", "the netherlands": "NL",
                "belgie": "BE", "belgië": "BE", "united states of america": "US",
                "czech republic": "CZ", "österreich": "AT", "oesterreich": "AT"})  # fmt: skip


def normalise_country(value: str) -> str | None:
    """Return the alpha-2 code for ``value`` or None when the spelling is not known.

    An unlisted two-letter upper-case code is accepted as-is (it is already alpha-2
    shaped); anything longer must be in the table.
    """
    text = value.strip()
    found = _LOOKUP.get(text.casefold())
    if found is not None:
        return found
    if len(text) == 2 and text.isalpha() and text.isupper():
        return text
    return None
