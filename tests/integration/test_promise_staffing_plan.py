"""The live promise reads the staffing plan file: capacity per day from its shifts, zero on
closed days, re-read when the file changes."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from doorstep.adapters.promise_store import save_model
from doorstep.bootstrap import make_engine
from doorstep.domain.promise.fit import fit_model
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.services.order_promises import LiveBacklog, ModelCache, PlanCache
from doorstep.services.promise_service import build_calendars

PLAN = """
closed = ["2024-11-08"]

[rates]
pick_s_per_line = 30
pick_s_per_batch = 1
pick_m_per_order = 1
lines_per_order = 1
pack_s_per_order = 60
handover_s_per_parcel = 1

[[shifts]]
days = "Mon-Fri"
start = "06:00"
end = "14:00"
pick = {pick}
pack = 2
handover = 1
"""


def test_the_checkout_reading_carries_the_planned_capacity_per_day(migrated_sqlite_url: str,
                                                                    tmp_path: Path) -> None:
    cals = build_calendars(country="DE", subdiv=None, first_year=2023, last_year=2026,
                           dest_countries=DEST_COUNTRIES)
    rows = realistic_history(SyntheticConfig(start=date(2024, 6, 1), days=120,
                                             orders_per_day=30.0, seed=3), cals)
    save_model(tmp_path / "model.json", fit_model(rows, calendars=cals).model)
    plan_file = tmp_path / "staff.toml"
    plan_file.write_text(PLAN.format(pick=2))
    engine = make_engine(migrated_sqlite_url)
    source = LiveBacklog(engine, ModelCache(str(tmp_path / "model.json")),
                         PlanCache(str(plan_file)))
    at = datetime(2024, 11, 4, 9, tzinfo=UTC)  # a Monday
    reading = source.reading(at)
    assert reading.plan is not None
    per_day = reading.plan.per_day
    monday, friday, saturday = (date(2024, 11, 4) + timedelta(days=d) for d in (0, 4, 5))
    assert per_day[monday.toordinal()] == 2 * 8 * 3600 / 60  # pick (2 × 30 s) = pack (60 s)
    assert per_day[friday.toordinal()] == 0.0  # closed
    assert per_day[saturday.toordinal()] == 0.0  # no shift
    plan_file.write_text(PLAN.format(pick=1))
    os.utime(plan_file, (1, 1))  # a new modification time, as an edit would leave
    fewer = source.reading(at).plan
    assert fewer is not None
    # one picker: 30 s a line + 1 m walked + a cart's set-up shared by eight orders
    assert fewer.per_day[monday.toordinal()] == 8 * 3600 / (30 + 1 + 1 / 8)
