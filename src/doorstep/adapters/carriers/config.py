"""Carrier accounts from a TOML file of their own (``DOORSTEP_CARRIERS_FILE``), one table each::

    [dhl]                      # doorstep's carrier name: dhl, dpd, gls, ups
    username = "…"             # the karrio connector's credential fields, as its docs name them
    password = "…"
    client_id = "…"
    client_secret = "…"
    test_mode = true

The file holds secrets: it is read once at start-up, never logged, and a carrier without a
table prints doorstep's own label instead.  An unknown carrier or a blank secret stops
start-up with the table's name (not its values).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from doorstep.domain.packing.labelling import CarrierGateway
from doorstep.settings import SettingsError


def load_carrier_gateways(path: str) -> dict[str, CarrierGateway]:
    if not path:
        return {}
    from doorstep.adapters.carriers.karrio_gateway import CARRIERS, KarrioGateway

    file = Path(path)
    try:
        tables: dict[str, Any] = tomllib.loads(file.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"setting 'carriers_file': cannot read {file}: "
                            f"{type(exc).__name__}") from None
    gateways: dict[str, CarrierGateway] = {}
    for carrier, credentials in tables.items():
        if carrier not in CARRIERS or not isinstance(credentials, dict):
            raise SettingsError(f"carriers file {file}: [{carrier}] is not one of "
                                f"{sorted(CARRIERS)}")
        blank = [k for k, v in credentials.items() if isinstance(v, str) and not v.strip()]
        if blank:
            raise SettingsError(f"carriers file {file}: [{carrier}] has blank "
                                f"{', '.join(sorted(blank))}")
        gateways[carrier] = KarrioGateway(carrier, credentials)
    return gateways
