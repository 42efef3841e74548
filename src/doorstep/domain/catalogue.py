"""Products and warehouse locations.

Location codes read ``ZONE-AA-BBB-L-N``: zone, aisle, bay, level, bin (``P-03-012-2-1``).
Odd bays are on the aisle's left, even bays on its right; the picking layout maps a code to
(aisle, position, side, level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from doorstep.domain.errors import InvalidValue
from doorstep.domain.gs1 import validate_gtin

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_LOCATION = re.compile(
    r"^(?P<zone>[A-Z]{1,3})-(?P<aisle>\d{2})-(?P<bay>\d{3})-(?P<level>\d)-(?P<bin>\d)$"
)

MAX_WEIGHT_G = 70_000  # parcel carriers stop at 31.5 kg; pallets are not parcels
MAX_SIDE_MM = 3_000


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    gtin: str
    name: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int

    def __post_init__(self) -> None:
        if not _SKU.match(self.sku):
            raise InvalidValue("sku", f"{self.sku!r} must be 1–64 letters, digits or ._/-")
        object.__setattr__(self, "gtin", validate_gtin(self.gtin))
        if not self.name.strip():
            raise InvalidValue("name", "must not be empty")
        if not 0 < self.weight_g <= MAX_WEIGHT_G:
            raise InvalidValue("weight_g", f"{self.weight_g} g is outside 1..{MAX_WEIGHT_G}")
        for field in ("length_mm", "width_mm", "height_mm"):
            size = getattr(self, field)
            if not 0 < size <= MAX_SIDE_MM:
                raise InvalidValue(field, f"{size} mm is outside 1..{MAX_SIDE_MM}")

    @property
    def volume_cm3(self) -> float:
        return self.length_mm * self.width_mm * self.height_mm / 1000.0


@dataclass(frozen=True, slots=True)
class LocationCode:
    zone: str
    aisle: int
    bay: int
    level: int
    bin: int

    @classmethod
    def parse(cls, code: str, *, field: str = "location") -> LocationCode:
        match = _LOCATION.match(code)
        if not match:
            raise InvalidValue(field, f"{code!r} is not ZONE-AA-BBB-L-N (e.g. P-03-012-2-1)")
        return cls(
            zone=match["zone"],
            aisle=int(match["aisle"]),
            bay=int(match["bay"]),
            level=int(match["level"]),
            bin=int(match["bin"]),
        )

    def __str__(self) -> str:
        return f"{self.zone}-{self.aisle:02d}-{self.bay:03d}-{self.level}-{self.bin}"
