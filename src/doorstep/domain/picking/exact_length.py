"""Exact tour *lengths* only: the aisle DP of :mod:`exact` tuned for batching's many questions.

Batching asks for thousands of tour lengths and never for the walk, so this variant keeps
no trace, numbers the states once (transitions become list look-ups instead of hashing
tuples) and needs of each sub-aisle only what its six walking options cost.  A single
block — Ratliff & Rosenthal's six reachable states — runs as straight-line code generated
from the same transition tables.  The transitions and the arithmetic are those of
:func:`exact.shortest_tour`, so the length is the same to the last bit (a test checks it on
random one- to three-block instances).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache, lru_cache
from threading import Lock
from typing import cast

from doorstep.domain.picking.exact import State, apply_vertical, continue_right, right_choices

_INF = float("inf")

_KINDS = ((0, 0, False), (1, 1, True), (2, 2, True), (2, 0, False), (0, 2, False), (2, 2, False))
_ids: dict[State, int] = {}
_states: list[State] = []
_vertical: list[list[int]] = []  # per state id: (block * 6 + kind) -> next state id, -1 unknown
_horizontal: dict[tuple[int, bool], list[tuple[int, int]]] = {}  # -> [(next id, edges used)]
_closed: list[bool] = []  # one component, no odd node


_numbering = Lock()  # the API routes in a thread pool: two threads may meet a new state


def _sid(state: State) -> int:
    sid = _ids.get(state)
    if sid is not None:
        return sid
    with _numbering:
        sid = _ids.get(state)
        if sid is None:
            labels = {lab for par, lab in state if par}
            _vertical.append([-1] * (6 * max(len(state) - 1, 1)))
            _closed.append(len(labels) == 1 and not any(par == 1 for par, _ in state))
            _states.append(state)
            sid = _ids[state] = len(_states) - 1
        return sid


def _step_vertical(sid: int, block: int, kind: int) -> int:
    below, above, connects = _KINDS[kind]
    nxt = _sid(apply_vertical(_states[sid], block, below, above, connects))
    _vertical[sid][6 * block + kind] = nxt
    return nxt


def _step_horizontal(sid: int, depot: bool) -> list[tuple[int, int]]:
    state = _states[sid]
    out = []
    for ms in right_choices(state, 0 if depot else None):
        new = continue_right(state, ms)
        if new is not None:
            out.append((_sid(new), sum(ms)))
    _horizontal[(sid, depot)] = out
    return out


SubAisleCosts = tuple[float, float, float, float | None]


def subaisle_costs(lo: float, hi: float, picks: Sequence[float]) -> SubAisleCosts:
    """What :func:`exact.subaisle_options` charges for the pick-dependent walks of one sub-aisle.

    Returns (length, from-below, from-above, both-ends or None for a single pick height),
    computed with the same expressions so lengths agree to the last bit.
    """
    both = None
    if len(picks) >= 2:
        split, widest = 1, picks[1] - picks[0]  # the first largest gap, as max() finds it
        for i in range(2, len(picks)):
            gap = picks[i] - picks[i - 1]
            if gap > widest:
                split, widest = i, gap
        both = 2 * ((picks[split - 1] - lo) + (hi - picks[split]))
    return (hi - lo, 2 * (picks[-1] - lo), 2 * (hi - picks[0]), both)


_KIND_SETS = ((1, 2, 3, 4, 5), (1, 2, 3, 4), (0, 1, 2), (0,))  # picks ≥2 / 1 / none / virtual


@cache
def _single_block_programme() -> tuple[
    int,
    dict[tuple[int, ...], list[tuple[int, int, int]]],
    dict[bool, list[tuple[int, int, int]]],
    dict[bool, list[int]],
]:
    """The single-block DP as flat transition lists over Ratliff & Rosenthal's few states.

    Returns (number of states, vertical transitions per set of walking options as
    (from, option, to), horizontal transitions per "depot column" flag as (from, to, edges),
    the finished-tour states per "depot is in the last column" flag).  State 0 is the start.
    """
    start = _sid(((0, 0), (0, 0)))
    todo, seen = [start], {start}
    while todo:
        sid = todo.pop()
        nexts = [_step_vertical(sid, 0, kind) for kind in range(6)]
        nexts += [new for depot in (False, True) for new, _ in _step_horizontal(sid, depot)]
        for new in nexts:
            if new not in seen:
                seen.add(new)
                todo.append(new)
    order = sorted(seen, key=lambda sid: (sid != start, sid))
    index = {sid: i for i, sid in enumerate(order)}
    vertical: dict[tuple[int, ...], list[tuple[int, int, int]]] = {
        kinds: [(index[sid], kind, index[_vertical[sid][kind]]) for sid in order for kind in kinds]
        for kinds in _KIND_SETS
    }
    horizontal = {
        depot: [
            (index[sid], index[new], edges)
            for sid in order
            for new, edges in _horizontal[(sid, depot)]
        ]
        for depot in (False, True)
    }
    finished = {
        depot_last: [
            index[sid]
            for sid in order
            if _closed[sid] and (not depot_last or _states[sid][0][0] != 0)
        ]
        for depot_last in (False, True)
    }
    return len(order), vertical, horizontal, finished


Column = tuple[int, tuple[float, ...], float, bool]  # kind set, option costs, dx, depot here


@cache
def _single_block_sweep() -> Callable[[list[Column], bool], float]:
    """The single-block programme written out as straight-line code over its few states.

    The transition lists above become one assignment or comparison each (the same additions
    in the same order, so the same length to the last bit); CPython runs that several times
    faster than a loop over the lists, and batching runs the DP thousands of times.
    """
    n, vertical, horizontal, finished = _single_block_programme()
    c = [f"c{i}" for i in range(n)]
    lines = [
        "def sweep(columns, depot_last):",
        f"    {', '.join(c)} = 0.0{', INF' * (n - 1)}",
        "    for kinds, (e0, e1, e2, e3, e4, e5), dx, depot in columns:",
    ]

    def relax(moves: dict[int, list[str]], indent: str) -> None:
        for new in range(n):
            terms = moves.get(new, [])
            lines.append(f"{indent}n{new} = {terms[0] if terms else 'INF'}")
            for term in terms[1:]:
                lines.extend((f"{indent}t = {term}", f"{indent}if t < n{new}: n{new} = t"))
        lines.append(f"{indent}{', '.join(c)} = {', '.join(f'n{i}' for i in range(n))}")

    for k, kinds in enumerate(_KIND_SETS):
        lines.append(f"        {'if' if k == 0 else 'elif'} kinds == {k}:")
        moves: dict[int, list[str]] = {}
        for old, kind, new in vertical[kinds]:
            moves.setdefault(new, []).append(f"c{old} + e{kind}")
        relax(moves, "            ")
    lines.append("        if dx < 0: break")
    for depot in (True, False):
        lines.append(f"        {'if depot' if depot else 'else'}:")
        moves = {}
        for old, new, edges in horizontal[depot]:
            moves.setdefault(new, []).append(f"c{old} + dx * {edges}")
        relax(moves, "            ")
    for depot_last in (True, False):
        ends = ", ".join([*(f"c{i}" for i in finished[depot_last]), "INF"])
        lines.append(f"    {'if depot_last: ' if depot_last else ''}return min({ends})")
    namespace: dict[str, object] = {"INF": _INF}
    exec("\n".join(lines), namespace)  # the source is built above from the DP's own tables
    return cast(Callable[[list[Column], bool], float], namespace["sweep"])


@lru_cache(maxsize=64)
def _empty_columns(
    xs: tuple[float, ...], is_aisle: tuple[bool, ...], ys: tuple[float, ...], depot_col: int
) -> list[Column]:
    """Every column as the sweep sees it without picks; a tour's columns start from a copy."""
    length = ys[1] - ys[0]
    empty = (0.0, length, 2 * length, 0.0, 0.0, 0.0)
    return [
        (
            2 if real else 3,
            empty,
            xs[col + 1] - xs[col] if col + 1 < len(xs) else -1.0,
            col == depot_col,
        )
        for col, real in enumerate(is_aisle)
    ]


def _single_block_length(
    xs: tuple[float, ...],
    is_aisle: tuple[bool, ...],
    ys: tuple[float, ...],
    depot_col: int,
    heights: Mapping[tuple[int, int], Collection[float]],
    first: int,
    last: int,
) -> float:
    lo, hi = ys[0], ys[1]
    length = hi - lo
    columns = _empty_columns(xs, is_aisle, ys, depot_col)[first : last + 1]
    for (col, _), hs in heights.items():
        if len(hs) > 1:
            _, below, above, both = subaisle_costs(lo, hi, sorted(set(hs)))
        else:
            (y,) = hs
            below, above, both = 2 * (y - lo), 2 * (hi - y), None
        _, _, dx, depot = columns[col - first]
        if both is None:
            columns[col - first] = (1, (0.0, length, 2 * length, below, above, 0.0), dx, depot)
        else:
            columns[col - first] = (0, (0.0, length, 2 * length, below, above, both), dx, depot)
    kinds, extra, _, depot = columns[-1]
    columns[-1] = (kinds, extra, -1.0, depot)  # the sweep ends here
    return _single_block_sweep()(columns, last == depot_col)


def shortest_length(
    xs: tuple[float, ...],
    is_aisle: tuple[bool, ...],
    ys: tuple[float, ...],
    depot_col: int,
    heights: Mapping[tuple[int, int], Collection[float]],
) -> float:
    """Length of the shortest tour; ``heights`` maps (column, block) to its pick heights."""
    if not heights:
        return 0.0
    first, last = min(min(heights)[0], depot_col), max(max(heights)[0], depot_col)
    if len(ys) == 2:
        return _single_block_length(xs, is_aisle, ys, depot_col, heights, first, last)
    picked = {
        (col, block): subaisle_costs(ys[block], ys[block + 1], sorted(set(hs)))
        for (col, block), hs in heights.items()
    }
    blocks = len(ys) - 1
    costs: dict[int, float] = {_sid(tuple((0, 0) for _ in ys)): 0.0}
    for col in range(first, last + 1):
        for block in range(blocks):
            pc = picked.get((col, block))
            opts: list[tuple[int, float]]
            if pc is not None:
                length = pc[0]
                opts = [(1, length), (2, 2 * length), (3, pc[1]), (4, pc[2])]
                if pc[3] is not None:
                    opts.append((5, pc[3]))
            elif is_aisle[col]:
                length = ys[block + 1] - ys[block]
                opts = [(0, 0.0), (1, length), (2, 2 * length)]
            else:
                opts = [(0, 0.0)]
            nxt: dict[int, float] = {}
            base = 6 * block
            for sid, cost in costs.items():
                row = _vertical[sid]
                for kind, extra in opts:
                    new = row[base + kind]
                    if new < 0:
                        new = _step_vertical(sid, block, kind)
                    total = cost + extra
                    if total < nxt.get(new, _INF):
                        nxt[new] = total
            costs = nxt
        depot = col == depot_col
        if col == last:
            return min(
                cost
                for sid, cost in costs.items()
                if _closed[sid] and (not depot or _states[sid][0][0] != 0)
            )
        dx = xs[col + 1] - xs[col]
        nxt = {}
        for sid, cost in costs.items():
            moves = _horizontal.get((sid, depot))
            if moves is None:
                moves = _step_horizontal(sid, depot)
            for new, edges in moves:
                total = cost + dx * edges
                if total < nxt.get(new, _INF):
                    nxt[new] = total
        costs = nxt
    raise AssertionError("no tour found: the grid has no feasible closed walk")
