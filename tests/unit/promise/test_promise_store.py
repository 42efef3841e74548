"""Model files: JSON round trip gives identical promises; foreign files are refused."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from doorstep.adapters.promise_store import ModelFileError, load_model, save_model
from doorstep.domain.promise.engine import PromiseRequest, make_promise
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.load import BacklogReading
from doorstep.domain.promise.season import Slowdown


def test_saved_model_gives_the_same_promises(small_fit: FitResult, tmp_path: Path) -> None:
    """Every request is promised identically by the fitted and the reloaded model."""
    path = tmp_path / "model.json"
    save_model(path, small_fit.model)
    loaded = load_model(path)
    for hours in range(0, 24 * 14, 7):
        req = PromiseRequest(ordered_at=datetime(2024, 10, 1, tzinfo=UTC) + timedelta(hours=hours),
                             carrier="dpd", service="classic", dest_country="AT")
        for backlog in (0, 400):
            reading = BacklogReading(backlog=backlog)
            assert (make_promise(loaded, req, reading=reading).window
                    == make_promise(small_fit.model, req, reading=reading).window)


def test_model_file_is_plain_json_with_a_format_tag(small_fit: FitResult, tmp_path: Path) -> None:
    """The file is JSON (no pickle) and says what it is."""
    path = tmp_path / "model.json"
    save_model(path, small_fit.model)
    assert json.loads(path.read_text())["format"] == "doorstep.promise-model/1"


def test_foreign_or_missing_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    """Wrong format, broken JSON and a missing file each raise ModelFileError."""
    (tmp_path / "other.json").write_text('{"format": "something-else"}')
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ModelFileError, match="format"):
        load_model(tmp_path / "other.json")
    with pytest.raises(ModelFileError, match="not JSON"):
        load_model(tmp_path / "broken.json")
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "missing.json")


def test_a_seasonal_slow_down_survives_the_round_trip(small_fit: FitResult, tmp_path: Path) -> None:
    """The weeks carriers are expected to be slower are saved with their dates and shares."""
    path = tmp_path / "model.json"
    first = datetime(2024, 11, 25, tzinfo=UTC).date().toordinal()
    model = dataclasses.replace(small_fit.model, slowdown=Slowdown(((first, 0.08),)))
    save_model(path, model)
    assert load_model(path).slowdown == Slowdown(((first, 0.08),))
    assert json.loads(path.read_text())["slowdown"] == [{"week_from": "2024-11-25",
                                                         "share": 0.08}]


def test_a_file_without_a_slow_down_loads_and_a_share_above_one_is_refused(
    small_fit: FitResult, tmp_path: Path
) -> None:
    """Model files written before the seasonal slow-down load with none; a broken share
    is named."""
    path = tmp_path / "model.json"
    save_model(path, small_fit.model)
    data = json.loads(path.read_text())
    data.pop("slowdown")
    path.write_text(json.dumps(data))
    assert load_model(path).slowdown == Slowdown()
    data["slowdown"] = [{"week_from": "2024-11-25", "share": 1.7}]
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"slowdown share 1\.7"):
        load_model(path)
