"""The wave site from settings: warehouse code, layout file, time zone and country."""

from __future__ import annotations

from pathlib import Path

from doorstep.adapters.layout_file import load_layout
from doorstep.domain.errors import InvalidValue
from doorstep.services.waves import WaveSite
from doorstep.settings import Settings

DEMO_LAYOUT = Path(__file__).resolve().parent.parent / "demo" / "warehouse.yaml"


def site_from_settings(settings: Settings, layout_path: str | None = None) -> WaveSite:
    path = layout_path or settings.layout_path
    if not path:
        raise InvalidValue("layout_path", "no warehouse layout configured "
                           "(set DOORSTEP_LAYOUT_PATH or pass --layout; see docs/picking.md)")
    return WaveSite(warehouse=settings.warehouse, layout=load_layout(path),
                    timezone=settings.timezone, country=settings.country)
