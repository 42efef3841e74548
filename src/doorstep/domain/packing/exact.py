"""Does a small set of items fit a carton?  An exhaustive search that answers yes or no.

Any packing can be pushed towards the carton's origin until every item touches a wall or
another item on each axis ("normal patterns", Herz 1972; Christofides & Whitlock 1977).  In
such a packing each coordinate is 0 or the far face of another item, and the items that an
item rests against can always be placed before it.  So trying every order of the items,
every orientation, and only the corner coordinates of the items already placed, finds a
packing whenever one exists.  That is exponential: ``fits`` is used for small orders only
(``EXACT_MAX_ITEMS``) and stops after ``node_budget`` positions tried with ``None`` ("could
not settle it") — about 20 ms — so it never stalls a packing station.
"""

from __future__ import annotations

from doorstep.domain.packing.geometry import Dims, Item, Placement, orientations

EXACT_MAX_ITEMS = 6


class _Budget:
    def __init__(self, nodes: int) -> None:
        self.left = nodes


def _free(x: int, y: int, z: int, d: Dims, inner: Dims, placed: list[Placement]) -> bool:
    if x + d[0] > inner[0] or y + d[1] > inner[1] or z + d[2] > inner[2]:
        return False
    return all(not (x < p.x + p.dx and p.x < x + d[0] and y < p.y + p.dy and p.y < y + d[1]
                    and z < p.z + p.dz and p.z < z + d[2]) for p in placed)


def _search(inner: Dims, remaining: list[Item], placed: list[Placement],
            budget: _Budget) -> list[Placement] | None:
    if not remaining:
        return list(placed)
    xs = {0} | {p.x + p.dx for p in placed}
    ys = {0} | {p.y + p.dy for p in placed}
    zs = {0} | {p.z + p.dz for p in placed}
    tried: set[Dims] = set()
    for index, item in enumerate(remaining):
        if item.dims in tried:  # identical units: trying one of them is trying all
            continue
        tried.add(item.dims)
        rest = remaining[:index] + remaining[index + 1:]
        for d in orientations(item.dims):
            for z in sorted(zs):
                for y in sorted(ys):
                    for x in sorted(xs):
                        budget.left -= 1
                        if budget.left < 0:
                            raise TimeoutError
                        if not _free(x, y, z, d, inner, placed):
                            continue
                        placed.append(Placement(item, x, y, z, d[0], d[1], d[2]))
                        found = _search(inner, rest, placed, budget)
                        placed.pop()
                        if found is not None:
                            return found
    return None


def fits(inner: Dims, items: list[Item], *,
         node_budget: int = 20_000) -> list[Placement] | bool | None:
    """A packing if one exists, ``False`` if provably none, ``None`` if the budget ran out."""
    if sum(it.volume for it in items) > inner[0] * inner[1] * inner[2]:
        return False
    box = sorted(inner)
    for it in items:
        if any(a > b for a, b in zip(sorted(it.dims), box, strict=True)):
            return False
    try:
        found = _search(inner, sorted(items, key=lambda it: it.volume, reverse=True), [],
                        _Budget(node_budget))
    except TimeoutError:
        return None
    return False if found is None else found
