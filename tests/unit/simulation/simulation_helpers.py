"""A small scenario (two weekdays, a few hundred orders) for fast simulation tests."""

from __future__ import annotations

from typing import Any


def scenario_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scenario": {"name": "test", "start": "2024-11-05", "days": 2, "seed": 3},
        "intake": {"orders_per_day": 300},
        "warehouse": {"totes": 80, "pack_stations": 2},
        "policy": {"batching": "fcfs", "routing": "s-shape"},
        "shifts": [{"days": "Mon-Fri", "start": "06:00", "end": "20:00", "release": 1,
                    "pick": 2, "pack": 1, "handover": 1}],
    }
    for key, value in over.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data
