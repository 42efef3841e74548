"""Save and load fitted promise models as JSON (never pickle: a model file is data).

The file holds everything prediction needs — distributions, capacity, calibration and the
calendars' holiday dates — so serving never imports ``holidays`` or reads the history.
``format`` is checked on load; an unknown version is refused with a clear message.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from doorstep.domain.promise.calendar import WorkCalendar
from doorstep.domain.promise.load import Capacity
from doorstep.domain.promise.model import Calendars, LevelMap, PromiseConfig, PromiseModel
from doorstep.domain.promise.repromise import PromiseRevision
from doorstep.domain.promise.season import Slowdown
from doorstep.domain.promise.survival import DayDistribution

FORMAT = "doorstep.promise-model/1"


class ModelFileError(ValueError):
    """The model file is missing, unreadable or of another format."""


def _dist(d: DayDistribution) -> dict[str, Any]:
    return {"pmf": [round(p, 10) for p in d.pmf], "n": d.n, "effective_n": round(d.effective_n, 3)}


def model_to_dict(model: PromiseModel) -> dict[str, Any]:
    cfg = model.config
    cals = model.calendars
    return {
        "format": FORMAT,
        "fitted_at": model.fitted_at.isoformat(),
        "training_rows": model.training_rows,
        "config": {
            "timezone": cfg.timezone, "cutoff": cfg.cutoff.isoformat(), "level": cfg.level,
            "half_life_days": cfg.half_life_days, "min_effective_n": cfg.min_effective_n,
            "calibration_days": cfg.calibration_days,
            "calibration_gap_days": cfg.calibration_gap_days,
            "min_calibration_n": cfg.min_calibration_n,
            "load_aware": cfg.load_aware,
            "season_days": cfg.season_days,
            "net_shift_days": cfg.net_shift_days,
        },
        "calendars": {
            "first": cals.first.isoformat(),
            "last": cals.last.isoformat(),
            "warehouse": {
                "name": cals.warehouse.name,
                "weekdays": sorted(cals.warehouse.weekdays),
                "holidays": sorted(d.isoformat() for d in cals.warehouse.holidays),
            },
            "carrier_weekdays": {k: sorted(v) for k, v in sorted(cals.carrier_weekdays.items())},
            "country_holidays": {
                k: sorted(d.isoformat() for d in v)
                for k, v in sorted(cals.country_holidays.items())
            },
        },
        "capacity": {"per_day": model.capacity.per_day, "sd": model.capacity.sd},
        "processing": {k: _dist(v) for k, v in sorted(model.processing.items())},
        "transit": {k: _dist(v) for k, v in sorted(model.transit.items())},
        "calibration": {
            k: {"upper": [round(x, 8) for x in m.upper], "lower": [round(x, 8) for x in m.lower],
                "n": m.n}
            for k, m in sorted(model.calibration.items())
        },
        "slowdown": [{"week_from": date.fromordinal(first).isoformat(), "share": share}
                     for first, share in model.slowdown.weeks],
    }


def model_from_dict(data: dict[str, Any]) -> PromiseModel:
    if data.get("format") != FORMAT:
        raise ModelFileError(f"model: format {data.get('format')!r}, expected {FORMAT!r}")
    try:
        c = data["config"]
        cfg = PromiseConfig(
            timezone=c["timezone"], cutoff=time.fromisoformat(c["cutoff"]), level=c["level"],
            half_life_days=c["half_life_days"], min_effective_n=c["min_effective_n"],
            calibration_days=c["calibration_days"],
            calibration_gap_days=c["calibration_gap_days"],
            min_calibration_n=c["min_calibration_n"],
            load_aware=bool(c.get("load_aware", True)),
            season_days=int(c.get("season_days", PromiseConfig().season_days)),
            net_shift_days=int(c.get("net_shift_days", 0)),  # files from before: off
        )
        k = data["calendars"]
        first, last = date.fromisoformat(k["first"]), date.fromisoformat(k["last"])
        w = k["warehouse"]
        warehouse = WorkCalendar(
            name=w["name"], weekdays=frozenset(w["weekdays"]),
            holidays=frozenset(date.fromisoformat(d) for d in w["holidays"]),
            first=first, last=last,
        )
        cals = Calendars(
            warehouse=warehouse,
            carrier_weekdays={n: frozenset(v) for n, v in k["carrier_weekdays"].items()},
            country_holidays={
                n: frozenset(date.fromisoformat(d) for d in v)
                for n, v in k["country_holidays"].items()
            },
        )

        def dists(section: dict[str, Any]) -> dict[str, DayDistribution]:
            return {
                key: DayDistribution(tuple(v["pmf"]), int(v["n"]), float(v["effective_n"]))
                for key, v in section.items()
            }

        return PromiseModel(
            config=cfg,
            fitted_at=datetime.fromisoformat(data["fitted_at"]),
            calendars=cals,
            processing=dists(data["processing"]),
            transit=dists(data["transit"]),
            capacity=Capacity(per_day=data["capacity"]["per_day"], sd=data["capacity"]["sd"]),
            calibration={
                key: LevelMap(tuple(v["upper"]), tuple(v["lower"]), int(v["n"]))
                for key, v in data["calibration"].items()
            },
            training_rows=int(data.get("training_rows", 0)),
            slowdown=_slowdown(data.get("slowdown", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"model: malformed file ({type(exc).__name__}: {exc})") from exc


def _slowdown(weeks: list[dict[str, Any]]) -> Slowdown:
    """Weeks of last year's slow-down; files written before it existed have none."""
    out = []
    for w in weeks:
        share = float(w["share"])
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"slowdown share {share} for {w['week_from']} is not in [0, 1]")
        out.append((date.fromisoformat(w["week_from"]).toordinal(), share))
    return Slowdown(tuple(out))


def save_model(path: Path, model: PromiseModel) -> None:
    """Write atomically: a reader never sees half a model."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(model_to_dict(model), fh, separators=(",", ":"))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is not a secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_model(path: Path | str) -> PromiseModel:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelFileError(f"model: cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"model: {path} is not JSON ({exc})") from exc
    return model_from_dict(data)


def revision_to_dict(rev: PromiseRevision) -> dict[str, Any]:
    """The payload for an order-timeline event (``promise.revised``)."""
    w = rev.window
    return {
        "promise_id": rev.promise_id,
        "revision_no": rev.revision_no,
        "computed_at": rev.computed_at.isoformat(),
        "cause": rev.cause,
        "promised_date": w.promised_date.isoformat(),
        "earliest_date": w.earliest_date.isoformat(),
        "latest_date": w.latest_date.isoformat(),
        "level": w.level,
        "final": rev.final,
    }
