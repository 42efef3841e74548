"""/metrics shows the order book and intake outcomes in Prometheus' text format."""

from __future__ import annotations

import re

from order_builders import api_client, order
from sqlalchemy import Engine


def sample(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} ([0-9.e+-]+)$", text, flags=re.M)
    assert match, f"{name}{labels} not in metrics"
    return float(match.group(1))


def test_metrics_count_accepted_orders_and_show_the_backlog(stocked: Engine) -> None:
    """After two posts of one order: one received order, one accepted, one replayed more."""
    body = order("M1", ("PEN", 1)).model_dump(mode="json")
    with api_client(stocked) as client:
        before = client.get("/metrics").text
        accepted_before = sample(before, "doorstep_intake_orders_total",
                                 '{outcome="accepted"}') \
            if 'doorstep_intake_orders_total{outcome="accepted"}' in before \
            else 0.0
        for _ in range(2):
            r = client.post("/v1/orders", json=body, headers={"Idempotency-Key": "m-1"})
            assert r.status_code == 201
        text = client.get("/metrics").text
    assert sample(text, "doorstep_orders", '{status="received"}') == 1
    assert sample(text, "doorstep_intake_orders_total", '{outcome="accepted"}') \
        == accepted_before + 1
    assert sample(text, "doorstep_outbox_pending") >= 1  # allocation waits for the worker
    assert sample(text, "doorstep_outbox_lag_seconds") >= 0
