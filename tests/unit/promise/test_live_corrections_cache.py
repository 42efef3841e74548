"""The live correction's cache: one reader of the order book per model and five minutes,
and nobody waits for it once a correction for the model is known."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from doorstep.domain.promise.live import TransitCorrection
from doorstep.services import live_transit
from doorstep.services.live_transit import LiveCorrections

MODEL: Any = SimpleNamespace(fitted_at=datetime(2026, 11, 1, tzinfo=UTC), training_rows=100)
AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class _Reader:
    """Stands in for ``correction_now``: counts its calls, and the second one waits until
    the test lets it finish (a slow read of a large order book)."""

    def __init__(self) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, conn: Any, model: Any, at: datetime, config: Any, *,
                 origin_country: str = "") -> TransitCorrection:
        self.calls += 1
        if self.calls == 2:
            self.entered.set()
            assert self.release.wait(10)
        return TransitCorrection(shifts={"dhl:paket": self.calls}, levels={})


@pytest.fixture()
def reader(monkeypatch: pytest.MonkeyPatch) -> _Reader:
    fake = _Reader()
    monkeypatch.setattr(live_transit, "correction_now", fake)
    return fake


def test_within_five_minutes_the_order_book_is_read_once(reader: _Reader) -> None:
    cache = LiveCorrections()
    first = cache.get(None, MODEL, AT)  # type: ignore[arg-type]
    again = cache.get(None, MODEL, AT + timedelta(minutes=1))  # type: ignore[arg-type]
    assert again is first and reader.calls == 1


def test_while_one_caller_refreshes_the_others_get_the_previous_correction(
        reader: _Reader) -> None:
    cache = LiveCorrections()
    old = cache.get(None, MODEL, AT)  # type: ignore[arg-type]
    later = AT + timedelta(minutes=6)
    refreshed: list[TransitCorrection] = []
    refresher = threading.Thread(
        target=lambda: refreshed.append(cache.get(None, MODEL, later)))  # type: ignore[arg-type]
    refresher.start()
    assert reader.entered.wait(10)
    assert cache.get(None, MODEL, later) is old  # type: ignore[arg-type]
    assert reader.calls == 2  # the second caller did not read the order book again
    reader.release.set()
    refresher.join(10)
    assert refreshed and refreshed[0] is not old
    assert cache.get(None, MODEL, later) is refreshed[0]  # type: ignore[arg-type]
    assert reader.calls == 2


def test_a_failed_refresh_lets_the_next_caller_try_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def failing(*args: Any, **kwargs: Any) -> TransitCorrection:
        calls.append(1)
        raise RuntimeError("database gone")

    monkeypatch.setattr(live_transit, "correction_now", failing)
    cache = LiveCorrections()
    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.get(None, MODEL, AT)  # type: ignore[arg-type]
    assert len(calls) == 2


def test_a_known_correction_is_answered_without_a_database_connection(
        reader: _Reader) -> None:
    from doorstep.services.live_transit import LiveCorrectionSource

    class NoEngine:
        def connect(self) -> Any:
            raise AssertionError("the cache should have answered")

    source = LiveCorrectionSource(NoEngine(), LiveCorrections())  # type: ignore[arg-type]
    assert source.corrections.peek(MODEL, AT) is None
    first = source.corrections.get(None, MODEL, AT)  # type: ignore[arg-type]
    assert source.correction(MODEL, AT + timedelta(minutes=2)) is first
