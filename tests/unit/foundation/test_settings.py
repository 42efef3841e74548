"""Settings from environment and TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings


def test_the_default_database_is_a_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    """With no configuration, doorstep uses sqlite:///doorstep.db."""
    assert load_settings({}, tmp_path / "none.toml").database_url == DEFAULT_DATABASE_URL


def test_the_environment_overrides_the_toml_file(tmp_path: Path) -> None:
    """DOORSTEP_PORT beats port in doorstep.toml, which beats the default."""
    cfg = tmp_path / "doorstep.toml"
    cfg.write_text('[doorstep]\nport = 9000\nhost = "0.0.0.0"\n')
    s = load_settings({"DOORSTEP_PORT": "9100"}, cfg)
    assert (s.port, s.host) == (9100, "0.0.0.0")


def test_an_unknown_or_unreadable_setting_is_named(tmp_path: Path) -> None:
    """A typo in the file and a non-number port are errors that name the setting."""
    cfg = tmp_path / "doorstep.toml"
    cfg.write_text("[doorstep]\nprot = 1\n")
    with pytest.raises(SettingsError, match="prot"):
        load_settings({}, cfg)
    with pytest.raises(SettingsError, match="DOORSTEP_PORT"):
        load_settings({"DOORSTEP_PORT": "eighty"}, tmp_path / "none.toml")


def test_boolean_settings_read_common_spellings() -> None:
    """0/1, true/false, yes/no all work for switches."""
    assert load_settings({"DOORSTEP_EMBEDDED_WORKER": "no"}, Path("/nonexistent")) \
        .embedded_worker is False
    assert load_settings({"DOORSTEP_BENCH_ENDPOINTS": "1"}, Path("/nonexistent")) \
        .bench_endpoints is True


def test_limits_are_settings_and_nonsense_limits_are_named(tmp_path: Path) -> None:
    """DOORSTEP_MAX_BODY_BYTES and rate limits come from the environment; a rate limit that
    the limits library cannot read, or a body limit of 0, stop start-up naming the setting."""
    s = load_settings({"DOORSTEP_MAX_BODY_BYTES": "2048",
                       "DOORSTEP_RATE_LIMIT_PER_ADDRESS": "5/second;100/minute"},
                      tmp_path / "none.toml")
    assert (s.max_body_bytes, s.rate_limit_per_address) == (2048, "5/second;100/minute")
    assert load_settings({"DOORSTEP_RATE_LIMIT_PER_KEY": ""},
                         tmp_path / "none.toml").rate_limit_per_key == ""  # off
    with pytest.raises(SettingsError, match="rate_limit_per_key"):
        load_settings({"DOORSTEP_RATE_LIMIT_PER_KEY": "lots"}, tmp_path / "none.toml")
    with pytest.raises(SettingsError, match="max_body_bytes"):
        load_settings({"DOORSTEP_MAX_BODY_BYTES": "0"}, tmp_path / "none.toml")


@pytest.mark.parametrize(("link", "reason"), [
    ("shop.example/orders/{reference}", "must start with https://"),
    ("https://shop.example/track/{token}", "unknown field {token}"),
    ("https://shop.example/orders/{reference", "label_tracking_url"),
])
def test_a_label_link_that_could_not_be_filled_in_is_refused_at_start_up(
        link: str, reason: str) -> None:
    with pytest.raises(SettingsError, match="label_tracking_url") as refused:
        Settings(label_tracking_url=link)
    assert reason in str(refused.value)


def test_a_label_link_with_the_reference_and_the_sscc_is_accepted() -> None:
    link = "https://shop.example/account/orders/{reference}?parcel={sscc}"
    assert Settings(label_tracking_url=link).label_tracking_url == link
