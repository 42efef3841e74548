"""Both chart kinds draw the same labelled value grid, and both scenario-file readers
(the whole scenario, the staffing plan alone) name the file in every error."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from doorstep.simulation.charts import bar_chart, line_chart
from doorstep.simulation.scenario import ScenarioError, load_scenario, load_staff_plan


def grid(svg: str) -> list[str]:
    """The labels of the horizontal grid lines, bottom to top."""
    return re.findall(r'stroke="#ddd"/><text [^>]*text-anchor="end">([^<]*)</text>', svg)


def test_line_and_bar_charts_label_the_same_ticks() -> None:
    series = {"orders": [3.0, 12.0, 7.5]}
    drawn = grid(line_chart("t", ["a", "b", "c"], series))
    assert drawn == grid(bar_chart("t", ["a", "b", "c"], series))
    assert drawn == ["0", "2.5", "5", "7.5", "10", "12"]  # 12.5 is shown rounded


@pytest.mark.parametrize("load", [load_scenario, load_staff_plan])
@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "cannot read"),
        ("shifts = [", "not valid TOML"),
        ('[scenario]\n[[shifts]]\ndays = "Mon-Fry"\nstart = "06:00"\nend = "14:00"\n', ""),
    ],
)
def test_each_reader_names_the_file(
    tmp_path: Path, load: Callable[[Path], object], text: str | None, says: str
) -> None:
    path = tmp_path / "plan.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load(path)
    assert str(error.value).startswith(f"{path}: ") and says in str(error.value)
