"""Electronic end-of-day manifests: karrio has the API, none of our four connectors fills it.

karrio's core offers ``Manifest.create`` (``Mapper.create_manifest_request``), but in the
installed release the DHL Parcel DE, DPD, GLS and UPS connectors inherit the base method,
which raises ``MethodNotSupportedError``; so doorstep's manifest is its own PDF.  This test
fails the day a connector brings its own manifest call — the moment to wire it up.
"""

from __future__ import annotations

import importlib

import pytest
from karrio.api.mapper import Mapper as BaseMapper
from karrio.core.errors import MethodNotSupportedError

CONNECTORS = ("dhl_parcel_de", "dpd", "gls", "ups")


@pytest.mark.parametrize("connector", CONNECTORS)
def test_the_connector_has_no_manifest_call_of_its_own(connector: str) -> None:
    mapper = importlib.import_module(f"karrio.mappers.{connector}.mapper").Mapper
    assert mapper.create_manifest_request is BaseMapper.create_manifest_request


def test_the_base_manifest_call_refuses_as_not_supported() -> None:
    class Settings:
        carrier_name = "dpd"

    mapper = BaseMapper.__new__(BaseMapper)
    mapper.settings = Settings()  # type: ignore[assignment]
    with pytest.raises(MethodNotSupportedError):
        mapper.create_manifest_request(None)  # type: ignore[arg-type]
