"""Load awareness: more backlog never gives an earlier promise, and a long queue is flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.domain.promise.engine import PromiseRequest, make_promise
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.load import BacklogReading, Capacity, loaded_cdf, queue_cdf

CARRIERS = st.sampled_from([("dhl", "paket"), ("dpd", "classic"), ("ups", "standard")])
WHEN = st.integers(min_value=0, max_value=60 * 24 * 60).map(
    lambda m: datetime(2024, 11, 1, tzinfo=UTC) + timedelta(minutes=m)
)


@settings(max_examples=60, deadline=None)
@given(
    when=WHEN,
    carrier=CARRIERS,
    postcode=st.sampled_from(["10115", "80331", "25999", "90402"]),
    b1=st.integers(min_value=0, max_value=3000),
    extra=st.integers(min_value=0, max_value=3000),
)
def test_more_backlog_never_gives_an_earlier_promise(
    small_fit: FitResult, when: datetime, carrier: tuple[str, str], postcode: str, b1: int,
    extra: int,
) -> None:
    """Promised, earliest and latest dates are all non-decreasing in the backlog."""
    req = PromiseRequest(ordered_at=when, carrier=carrier[0], service=carrier[1],
                         dest_country="DE", dest_postcode=postcode)
    low = make_promise(small_fit.model, req, reading=BacklogReading(backlog=b1)).window
    high = make_promise(small_fit.model, req, reading=BacklogReading(backlog=b1 + extra)).window
    assert high.promised_date >= low.promised_date
    assert high.earliest_date >= low.earliest_date
    assert high.latest_date >= low.latest_date


def test_backlog_beyond_capacity_is_flagged_and_widens_the_window(small_fit: FitResult) -> None:
    """Five days of queue: the promise is under load, later and wider than with no queue."""
    model = small_fit.model
    req = PromiseRequest(ordered_at=datetime(2024, 11, 5, 9, tzinfo=UTC), carrier="dhl",
                         service="paket", dest_country="DE", dest_postcode="80331")
    calm = make_promise(model, req, reading=BacklogReading(backlog=0))
    busy = make_promise(
        model, req, reading=BacklogReading(backlog=int(5 * model.capacity.per_day))
    )
    assert not calm.under_load
    assert busy.under_load
    assert busy.window.promised_date > calm.window.promised_date
    width = (busy.window.latest_date - busy.window.earliest_date).days
    assert width >= (calm.window.latest_date - calm.window.earliest_date).days


@given(b=st.integers(min_value=0, max_value=10_000), d=st.integers(min_value=1, max_value=500))
def test_queue_cdf_falls_as_the_backlog_grows(b: int, d: int) -> None:
    """P(shipped within k days) is smaller with a longer queue, for every k."""
    cap = Capacity(per_day=200.0, sd=20.0)
    size = 40
    assert (queue_cdf(b + d, cap, size) <= queue_cdf(b, cap, size) + 1e-12).all()
    assert (loaded_cdf(queue_cdf(0, cap, 5), b + d, cap)[:5]
            <= loaded_cdf(queue_cdf(0, cap, 5), b, cap)[:5] + 1e-12).all()
