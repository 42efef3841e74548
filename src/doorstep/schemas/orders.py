"""The canonical order: the one shape every sales channel is mapped onto.

The intake API accepts exactly this body, and every importer (Shopify, WooCommerce,
Shopware, Magento, CSV) produces it, so an imported order and an API order go through the
same idempotent intake.  Money is ``Decimal``; quantities are whole units of the product's
base unit; times are timezone-aware.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from doorstep.schemas.strict import CleanLine, SaneDatetime

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                 CleanLine]
AwareDatetime = SaneDatetime | None


Line200 = Annotated[str, StringConstraints(max_length=200), CleanLine]
Line100 = Annotated[str, StringConstraints(max_length=100), CleanLine]
OrderNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), CleanLine
]


class Address(BaseModel):
    """A postal address; ``country`` is ISO 3166-1 alpha-2."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    company: Line200 | None = None
    line1: Text
    line2: Line200 | None = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), CleanLine]
    city: Text
    region: Line100 | None = None
    country: CountryCode
    phone: Annotated[str, StringConstraints(max_length=50), CleanLine] | None = None


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    email: Annotated[str, StringConstraints(max_length=254), CleanLine] | None = None
    external_id: Line100 | None = None


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
                   CleanLine]
    quantity: int = Field(gt=0, le=100_000)
    unit_price: Decimal = Field(ge=0, max_digits=12, decimal_places=4)
    name: Line200 | None = None


class OrderIn(BaseModel):
    """An order as a shop hands it over at checkout."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), CleanLine
    ]
    channel: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,39}$")] = "api"
    order_number: OrderNumber | None = Field(
        default=None,
        description="the number the customer knows from the shop (Shopify '#1001', "
                    "WooCommerce 'number'); without it the customer sees external_id")
    placed_at: AwareDatetime = None
    currency: CurrencyCode = "EUR"
    customer: Customer
    shipping_address: Address
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    carrier_service: Annotated[str, StringConstraints(max_length=64), CleanLine] | None = Field(
        default=None, description="requested service, e.g. 'dhl:paket'"
    )
    shipping_price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=4)
    priority: int = Field(default=0, ge=0, le=9, description="0 normal … 9 most urgent")
