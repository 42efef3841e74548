"""The canonical order: the one shape every sales channel is mapped onto.

The intake API accepts exactly this body, and every importer (Shopify, WooCommerce,
Shopware, Magento, CSV) produces it, so an imported order and an API order go through the
same idempotent intake.  Money is ``Decimal``; quantities are whole units of the product's
base unit; times are timezone-aware.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("timestamp must carry a time zone (e.g. 2026-11-23T10:00:00+01:00)")
    return value


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AwareDatetime = Annotated[datetime | None, AfterValidator(_aware)]


class Address(BaseModel):
    """A postal address; ``country`` is ISO 3166-1 alpha-2."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    company: str | None = Field(default=None, max_length=200)
    line1: Text
    line2: str | None = Field(default=None, max_length=200)
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
    city: Text
    region: str | None = Field(default=None, max_length=100)
    country: CountryCode
    phone: str | None = Field(default=None, max_length=50)


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    email: str | None = Field(default=None, max_length=254)
    external_id: str | None = Field(default=None, max_length=100)


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    quantity: int = Field(gt=0, le=100_000)
    unit_price: Decimal = Field(ge=0, max_digits=12, decimal_places=4)
    name: str | None = Field(default=None, max_length=200)


class OrderIn(BaseModel):
    """An order as a shop hands it over at checkout."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    channel: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,39}$")] = "api"
    placed_at: AwareDatetime = None
    currency: CurrencyCode = "EUR"
    customer: Customer
    shipping_address: Address
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    carrier_service: str | None = Field(
        default=None, max_length=64, description="requested service, e.g. 'dhl:paket'"
    )
    shipping_price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=4)
    priority: int = Field(default=0, ge=0, le=9, description="0 normal … 9 most urgent")
