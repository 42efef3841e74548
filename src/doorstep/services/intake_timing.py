"""The intake histogram the SLO is measured on, and a summary of it for the cockpit.

``doorstep_intake_request_duration_seconds{code="2xx|4xx|5xx"}`` is observed by the API's
``IntakeTiming`` middleware for every ``POST /v1/orders``.  The summary reads this process's
histogram (since start): with several API processes, Prometheus has the whole picture.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Histogram

from doorstep.services.monitoring_rules import INTAKE, LATENCY_BUCKETS

INTAKE_REQUESTS = Histogram(
    INTAKE, "POST /v1/orders: time to answer, by status class", ["code"],
    buckets=LATENCY_BUCKETS)


def latency_summary(threshold_s: float = 0.25) -> dict[str, Any]:
    """Requests, 5xx, share within ``threshold_s`` and bucket-bound p50/p99 (upper bounds)."""
    counts = [0.0] * (len(LATENCY_BUCKETS) + 1)
    errors = 0.0
    total = 0.0
    for metric in INTAKE_REQUESTS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_bucket"):
                le = sample.labels["le"]
                i = len(LATENCY_BUCKETS) if le == "+Inf" else LATENCY_BUCKETS.index(float(le))
                counts[i] += sample.value
            elif sample.name.endswith("_count"):
                total += sample.value
                if sample.labels.get("code") == "5xx":
                    errors += sample.value

    def quantile(q: float) -> float | None:
        if total == 0:
            return None
        for bound, cumulative in zip(LATENCY_BUCKETS, counts, strict=False):
            if cumulative >= q * total:
                return bound
        return None  # beyond the largest bucket

    within = counts[LATENCY_BUCKETS.index(threshold_s)] if threshold_s in LATENCY_BUCKETS \
        else None
    return {"requests": int(total), "errors_5xx": int(errors),
            "within_objective": None if not total or within is None else round(within / total, 4),
            "p50_le_s": quantile(0.5), "p99_le_s": quantile(0.99)}
