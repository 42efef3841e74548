"""Location codes, layout files and their error messages."""

from __future__ import annotations

import pytest
from picking_helpers import FIXTURES

from doorstep.adapters.layout_file import (
    LayoutFileError,
    layout_from_document,
    load_layout,
    parse_document,
    picks_from_document,
    read_document,
)
from doorstep.domain.picking import GraphLayout, LayoutError, RectangularLayout


def test_odd_bays_are_on_the_left_and_pairs_share_a_position() -> None:
    """Bays (1, 2) share position 1 on opposite sides; (3, 4) share position 2."""
    layout = RectangularLayout(aisles=5, aisle_length=20, aisle_spacing=3, levels=3)
    a, b, c = (layout.parse(x) for x in ("P-03-001-2-1", "P-03-002-2-1", "P-03-003-1-1"))
    assert (a.side, b.side, a.position, b.position, c.position) == ("left", "right", 1, 1, 2)
    assert (a.aisle, a.level) == (3, 2)
    assert layout.locate("P-03-001-2-1").y == layout.locate("P-03-002-1-1").y


def test_positions_continue_through_the_blocks() -> None:
    """In a two-block layout the first position past a block lies beyond the middle aisle."""
    layout = RectangularLayout(aisles=3, aisle_length=10, aisle_spacing=3, cross_aisles=3)
    last_front = layout.locate(layout.code_for(1, 10))
    first_back = layout.locate(layout.code_for(1, 11))
    assert last_front.y < layout.cross_y(1) < first_back.y


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("P-07-001-1-1", "aisle 7"),
        ("P-01-099-1-1", "bay 99"),
        ("P-01-001-9-1", "level 9"),
        ("P1-001-1-1", "does not match"),
    ],
)
def test_bad_location_codes_say_which_part_is_wrong(code: str, problem: str) -> None:
    """A code outside the layout is rejected with the offending part named."""
    layout = RectangularLayout(aisles=6, aisle_length=20, aisle_spacing=3, levels=2)
    with pytest.raises(LayoutError, match=problem):
        layout.parse(code)


def test_a_layout_may_override_the_location_code_pattern() -> None:
    """A custom pattern with named groups maps other code styles onto slots."""
    layout = RectangularLayout(
        aisles=4,
        aisle_length=10,
        aisle_spacing=3,
        location_pattern=r"^A(?P<aisle>\d+)B(?P<bay>\d+)L(?P<level>\d+)$",
    )
    assert layout.parse("A2B7L1").position == 4


def test_sample_layout_files_load() -> None:
    """The shipped samples load as the kinds they declare."""
    assert isinstance(load_layout(FIXTURES / "warehouse.yaml"), RectangularLayout)
    two = load_layout(FIXTURES / "two-blocks.yaml")
    assert isinstance(two, RectangularLayout) and two.blocks == 2 and two.depot_x == 16.5
    graph = load_layout(FIXTURES / "mezzanine-graph.yaml")
    assert isinstance(graph, GraphLayout) and graph.depot == "dock"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad-aisle-length.yaml", "bad-aisle-length.yaml:4: aisle_length: must be a number"),
        ("bad-unknown-key.yaml", "bad-unknown-key.yaml:5: cross_aisle: unknown key"),
        ("bad-syntax.yaml", "bad-syntax.yaml:3: invalid YAML"),
        ("bad-graph-edge.yaml", "bad-graph-edge.yaml:7: edges[1].to: node 'nowhere'"),
    ],
)
def test_bad_layout_files_name_the_line_and_the_problem(name: str, expected: str) -> None:
    """Every layout error starts with file:line: field."""
    with pytest.raises(LayoutFileError) as err:
        load_layout(FIXTURES / name)
    assert str(err.value).startswith(f"{FIXTURES / name}:")
    assert expected in str(err.value)


def test_json_syntax_errors_keep_the_line() -> None:
    """A broken JSON layout reports JSON's own line number."""
    with pytest.raises(LayoutFileError, match=r"x\.json:3: invalid JSON"):
        parse_document('{\n "aisles": 3,\n "aisle_length": ,\n}', "x.json")


def test_picks_outside_the_layout_are_reported_with_their_line() -> None:
    """A pick the layout cannot place is an error naming its line, never skipped."""
    layout = load_layout(FIXTURES / "warehouse.yaml")
    with pytest.raises(LayoutFileError, match=r"bad-picks.json:3: \[1\]: location 'P-99"):
        picks_from_document(read_document(FIXTURES / "bad-picks.json"), layout)


def test_depot_on_an_aisle_beyond_the_layout_is_rejected() -> None:
    """The depot must stand in front of an existing aisle."""
    text = "aisles: 3\naisle_length: 10\naisle_spacing: 3\ndepot: {aisle: 5}\n"
    with pytest.raises(LayoutFileError, match=r"t.yaml:4: depot.aisle: must be within 1..3"):
        layout_from_document(parse_document(text, "t.yaml"))
