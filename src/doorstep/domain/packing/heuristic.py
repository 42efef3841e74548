"""Packing items into one carton: extreme points with all orientations (Crainic et al. 2008).

Items go in largest first.  Each is tried at every *extreme point* — the corners that the
items already placed project onto the carton's walls and onto each other — in each of its
orientations, and takes the feasible spot that lies lowest, then furthest back, then furthest
left (a stable floor first, the way a packer fills a box).  The three points a placed item
opens are projected back along each axis until they meet a wall or another item, which keeps
gaps behind and beside items usable.  Cost is O(n² · points · 6); for a parcel of ≤ 40 units
that is well under a millisecond each (benchmarks/packing.py).

It is a heuristic: it can miss a packing that exists.  ``exact.fits`` settles small orders.
"""

from __future__ import annotations

from doorstep.domain.packing.geometry import Dims, Item, Placement, orientations


def sort_for_packing(items: list[Item]) -> list[Item]:
    """Largest volume first, then longest side — the usual order for extreme-point packing."""
    return sorted(items, key=lambda it: (it.volume, max(it.dims)), reverse=True)


def _fits_at(x: int, y: int, z: int, d: Dims, inner: Dims, placed: list[Placement]) -> bool:
    if x + d[0] > inner[0] or y + d[1] > inner[1] or z + d[2] > inner[2]:
        return False
    for p in placed:
        if (x < p.x + p.dx and p.x < x + d[0] and y < p.y + p.dy and p.y < y + d[1]
                and z < p.z + p.dz and p.z < z + d[2]):
            return False
    return True


def _project(point: tuple[int, int, int], axis: int,
             placed: list[Placement]) -> tuple[int, int, int]:
    """Slide ``point`` towards the origin along ``axis`` until it meets an item or a wall."""
    coords = list(point)
    stop = 0
    for p in placed:
        lo = (p.x, p.y, p.z)
        size = (p.dx, p.dy, p.dz)
        end = lo[axis] + size[axis]
        if end > coords[axis]:
            continue
        others = [a for a in range(3) if a != axis]
        if all(lo[a] <= coords[a] < lo[a] + size[a] for a in others):
            stop = max(stop, end)
    coords[axis] = stop
    return (coords[0], coords[1], coords[2])


def pack_into(inner: Dims, items: list[Item], *, presorted: bool = False,
              stop_on_miss: bool = True,
              max_load_g: int | None = None) -> tuple[list[Placement], list[Item]]:
    """Place ``items`` into a carton of ``inner`` dims; return (placed, left over).

    With ``stop_on_miss`` the first item that finds no spot ends the attempt (the caller only
    wants to know whether *all* fit); without it, later smaller items are still tried, which
    fills a parcel when an order must be split.  ``max_load_g`` skips items that would make
    the carton heavier than it may be.
    """
    order = items if presorted else sort_for_packing(items)
    placed: list[Placement] = []
    left: list[Item] = []
    points: set[tuple[int, int, int]] = {(0, 0, 0)}
    load = 0
    for item in order:
        best: tuple[tuple[int, int, int], Placement] | None = None
        heavy = max_load_g is not None and load + item.weight_g > max_load_g
        for (x, y, z) in ([] if heavy else points):
            for d in orientations(item.dims):
                if not _fits_at(x, y, z, d, inner, placed):
                    continue
                key = (z, y, x)
                if best is None or key < best[0]:
                    best = (key, Placement(item, x, y, z, d[0], d[1], d[2]))
        if best is None:
            left.append(item)
            if stop_on_miss:
                left.extend(order[len(placed) + len(left):])
                return placed, left
            continue
        new = best[1]
        placed.append(new)
        load += item.weight_g
        points.discard((new.x, new.y, new.z))
        corners = [(new.x + new.dx, new.y, new.z), (new.x, new.y + new.dy, new.z),
                   (new.x, new.y, new.z + new.dz)]
        for corner in corners:
            points.add(corner)
            for axis in range(3):
                if corner[axis] == 0:
                    continue
                points.add(_project(corner, axis, placed))
        points = {pt for pt in points
                  if pt[0] < inner[0] and pt[1] < inner[1] and pt[2] < inner[2]}
    return placed, left
