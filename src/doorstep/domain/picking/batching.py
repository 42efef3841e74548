"""Order batching: group orders into cart tours so the pickers walk less.

A batch is one tour of one cart; its cost is the (exact) tour through all its locations, so
batching and routing optimise the same thing.  Methods:

* ``single``   one order per tour — the baseline with no batching at all.
* ``fcfs``     fill carts in arrival order (first come, first served).
* ``seed``     seed = the unassigned order with the longest own tour; then keep adding the
               order whose addition lengthens the tour least while the cart has room
               (De Koster, Van der Poort & Wolters 1999).
* ``savings``  Clarke & Wright: start with one batch per order; repeatedly merge the two
               batches whose merge saves the most walking and still fits the cart,
               recomputing savings after every merge.

``seed`` and ``savings`` are followed by a local search (move one order to another batch,
or swap two orders between batches, while total walking drops).  Capacity is a number of
totes and optionally a volume and a weight; an order that cannot fit an empty cart is an
error, never silently left out.

Speed (docs/picking.md): tour lengths are memoised per location set; savings are kept in a
heap under upper bounds and routed only when they reach the top; the local search routes a
candidate only when the known tours — and, given ``monotone`` / ``lower_bound``, bounds —
leave room for a gain.  None of this changes a plan.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

BATCH_METHODS = ("single", "fcfs", "seed", "savings")
_INF = float("inf")


class BatchingError(ValueError):
    """Orders cannot be batched as asked (an order larger than the cart, bad method)."""


@dataclass(frozen=True, slots=True)
class PickOrder:
    """What batching needs to know about an order: where its lines are and its size."""

    id: str
    locations: tuple[str, ...]
    totes: int = 1
    volume: float = 0.0
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class Cart:
    """A picking cart's capacity; ``None`` means that dimension is not limited."""

    totes: int = 8
    volume: float | None = None
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    orders: tuple[str, ...]
    distance: float


@dataclass(frozen=True)
class BatchPlan:
    method: str
    batches: tuple[Batch, ...]

    @property
    def distance(self) -> float:
        return sum(b.distance for b in self.batches)

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "total_distance": round(self.distance, 3),
            "batches": [
                {"orders": list(b.orders), "distance": round(b.distance, 3)} for b in self.batches
            ],
        }


@dataclass
class TourCost:
    """Tour length of a set of locations, memoised (batching asks for the same sets often).

    ``monotone`` promises that adding locations never shortens a tour — true of every exact
    router (a shortest tour through more stops cannot be shorter), not of every heuristic.
    ``lower_bound`` is a cheap function never above ``route_length``.  With either, the
    searches skip candidates that the known tours and bounds already rule out.
    """

    route_length: Callable[[Sequence[str]], float]
    cache: dict[frozenset[str], float] = field(default_factory=dict)
    monotone: bool = False
    lower_bound: Callable[[Sequence[str]], float] | None = None
    bounds: dict[frozenset[str], float] = field(default_factory=dict)
    calls: int = 0  # how often the router actually ran (for tests and benchmarks)

    def __call__(self, orders: Iterable[PickOrder]) -> float:
        locs = frozenset().union(*(o.locations for o in orders))
        found = self.cache.get(locs)
        if found is None:
            self.calls += 1
            found = self.cache[locs] = self.route_length(sorted(locs))
        return found

    def bound(self, orders: Iterable[PickOrder]) -> float:
        """The tour length if known, else the lower bound (0 without one)."""
        locs = frozenset().union(*(o.locations for o in orders))
        found = self.cache.get(locs)
        if found is None:
            found = self.bounds.get(locs)
        if found is None:
            found = 0.0 if self.lower_bound is None else self.lower_bound(list(locs))
            self.bounds[locs] = found
        return found


def fits(orders: Sequence[PickOrder], cart: Cart) -> bool:
    if sum(o.totes for o in orders) > cart.totes:
        return False
    if cart.volume is not None and sum(o.volume for o in orders) > cart.volume + 1e-9:
        return False
    return cart.weight is None or sum(o.weight for o in orders) <= cart.weight + 1e-9


def _check(orders: Sequence[PickOrder], cart: Cart) -> None:
    ids = [o.id for o in orders]
    if len(set(ids)) != len(ids):
        raise BatchingError("order ids must be unique")
    for o in orders:
        if not fits([o], cart):
            raise BatchingError(f"order {o.id} alone exceeds the cart capacity {cart}")


def _fcfs(orders: Sequence[PickOrder], cart: Cart) -> list[list[PickOrder]]:
    batches: list[list[PickOrder]] = []
    for o in orders:
        if batches and fits([*batches[-1], o], cart):
            batches[-1].append(o)
        else:
            batches.append([o])
    return batches


def _seed(orders: Sequence[PickOrder], cart: Cart, cost: TourCost) -> list[list[PickOrder]]:
    left = list(orders)
    batches: list[list[PickOrder]] = []
    while left:
        seed = max(left, key=lambda o: cost([o]))
        left.remove(seed)
        batch = [seed]
        while True:
            base = cost(batch)
            options = [o for o in left if fits([*batch, o], cart)]
            if not options:
                break
            best = min(options, key=lambda o: cost([*batch, o]) - base)
            batch.append(best)
            left.remove(best)
        batches.append(batch)
    return batches


def _savings(orders: Sequence[PickOrder], cart: Cart, cost: TourCost) -> list[list[PickOrder]]:
    """Clarke & Wright, evaluated lazily.

    The merge taken is always the feasible pair with the largest saving (ties: lowest batch
    numbers), exactly as if every saving were computed.  A heap holds each pair under an
    upper bound of its saving until it reaches the top, and only then under a tighter one:
    first the shorter of the two tours (a monotone cost never merges below the longer one),
    then the two tours minus the merged tour's lower bound, then the exact saving.  Most
    pairs never get past the first, free stage; few are ever routed.
    """
    batches: list[list[PickOrder]] = [[o] for o in orders]
    heap: list[tuple[float, int, int, int]] = []  # (-bound, i, j, stage: 0, 1 or 2 = exact)

    def pair(i: int, j: int) -> None:
        if fits([*batches[i], *batches[j]], cart):
            bound = min(cost(batches[i]), cost(batches[j])) if cost.monotone else _INF
            heapq.heappush(heap, (-bound, i, j, 0))

    for i in range(len(batches)):
        for j in range(i + 1, len(batches)):
            pair(i, j)
    alive = set(range(len(batches)))
    while heap:
        neg, i, j, stage = heapq.heappop(heap)
        if i not in alive or j not in alive:
            continue
        if stage < 2:
            both = cost(batches[i]) + cost(batches[j])
            merged = [*batches[i], *batches[j]]
            if stage == 0 and cost.lower_bound is not None:
                heapq.heappush(heap, (max(neg, cost.bound(merged) - both), i, j, 1))
            else:
                heapq.heappush(heap, (cost(merged) - both, i, j, 2))
            continue
        if -neg <= 1e-9:
            break
        batches.append([*batches[i], *batches[j]])
        alive -= {i, j}
        new = len(batches) - 1
        for other in sorted(alive):
            pair(other, new)
        alive.add(new)
    return [batches[i] for i in sorted(alive)]


def _first_improving_move(
    batches: list[list[PickOrder]],
    a: int,
    b: int,
    cart: Cart,
    cost: TourCost,
    tries: int,
    single: dict[str, float],
) -> tuple[list[PickOrder], list[PickOrder]] | None:
    """The first move of one order of batch ``a`` that shortens batches ``a`` + ``b``.

    Moves are tried in order: for each order ``o`` of ``a``, relocate it to ``b``, then (for
    ``a < b``, so each pair is tried once) swap it with each order of ``b``.  With a monotone
    cost a candidate is routed only if cached tours leave room for an improvement: moving
    ``o`` cannot pay unless ``a`` without ``o`` is shorter than ``a``; a swap cannot pay
    unless the remainders (or the newcomers alone) do.  With a lower bound, neither pays
    unless the new batches' bounds leave room.  Only then is the router asked.
    """
    ba, bb = batches[a], batches[b]
    cost_b = cost(bb)
    limit = cost(ba) + cost_b - 1e-9
    monotone, bounded = cost.monotone, cost.lower_bound is not None
    sized = cart.volume is not None or cart.weight is not None  # else totes decide alone
    totes_a, totes_b = sum(x.totes for x in ba), sum(x.totes for x in bb)
    rest_b: dict[int, tuple[list[PickOrder], float]] = {}
    for o in ba[:tries]:
        rest = [x for x in ba if x is not o]
        moved = [*bb, o]
        can_move = totes_b + o.totes <= cart.totes and fits(moved, cart)
        stays = cost(rest) if rest and (monotone or can_move) else 0.0
        pays = can_move and not (monotone and stays + cost_b >= limit)
        pays = pays and not (bounded and stays + cost.bound(moved) >= limit)
        if pays and stays + cost(moved) < limit:
            return rest, moved
        if a > b:
            continue
        for k, p in enumerate(bb):
            if totes_a - o.totes + p.totes > cart.totes or totes_b - p.totes + o.totes > cart.totes:
                continue  # the cheap part of fits() first: most swaps fail on totes
            if k not in rest_b:
                others = [x for x in bb if x is not p]
                rest_b[k] = (others, cost(others) if others and monotone else 0.0)
            others, others_cost = rest_b[k]
            new_a, new_b = [*rest, p], [*others, o]
            if sized and not (fits(new_a, cart) and fits(new_b, cart)):
                continue
            low_a = low_b = 0.0
            if monotone:  # each new batch is at least its remainder, and its newcomer alone
                low_a, low_b = max(stays, single[p.id]), max(others_cost, single[o.id])
                if low_a + low_b >= limit:
                    continue
            if bounded:
                low_a = max(low_a, cost.bound(new_a))
                if low_a + low_b >= limit:
                    continue
                low_b = max(low_b, cost.bound(new_b))
                if low_a + low_b >= limit:
                    continue
            cost_a = cost(new_a)
            if cost_a + low_b < limit and cost_a + cost(new_b) < limit:
                return new_a, new_b
    return None


def improve(
    batches: list[list[PickOrder]], cart: Cart, cost: TourCost, max_rounds: int = 20
) -> list[list[PickOrder]]:
    """Local search: relocate or swap single orders while the total distance drops.

    First improvement: every ordered pair of batches is examined in turn and its first
    improving move taken at once.  Once a round has moved something, the remaining pairs of
    that round only try the first order of their batch (a cheap sweep; the next round looks
    at everything again).  Rounds repeat until one finds no improving move — a full scan —
    or ``max_rounds`` is reached (a safety net: every move strictly shortens the plan).
    Trying every order after a move instead gave slightly longer plans (30 random waves of
    40 orders: +0.3 % for savings, +0.04 % for seed) and more routing.
    """
    batches = [list(b) for b in batches]
    single = {o.id: cost([o]) for b in batches for o in b} if cost.monotone else {}
    for _ in range(max_rounds):
        changed = False
        for a in range(len(batches)):
            for b in range(len(batches)):
                if a == b or not batches[a]:
                    continue
                tries = 1 if changed else len(batches[a])
                move = _first_improving_move(batches, a, b, cart, cost, tries, single)
                if move is not None:
                    batches[a], batches[b] = move
                    changed = True
        batches = [b for b in batches if b]
        if not changed:
            break
    return batches


def plan_batches(
    orders: Sequence[PickOrder],
    cart: Cart,
    route_length: Callable[[Sequence[str]], float],
    *,
    method: str = "savings",
    local_search: bool = True,
    monotone: bool = False,
    lower_bound: Callable[[Sequence[str]], float] | None = None,
) -> BatchPlan:
    """Group ``orders`` into cart tours by ``method`` (one of :data:`BATCH_METHODS`).

    Pass ``monotone=True`` when ``route_length`` never shortens as locations are added —
    true of the exact routers — and ``lower_bound`` (e.g. ``routing.tour_length_bound`` on
    the same layout; it never exceeds any router's tour) to let savings and the local search
    skip candidates that cannot win.  The plan is the same, found with far fewer routes.
    """
    if method not in BATCH_METHODS:
        raise BatchingError(f"batching method {method!r} is unknown; choose {BATCH_METHODS}")
    _check(orders, cart)
    cost = TourCost(route_length, monotone=monotone, lower_bound=lower_bound)
    if method == "single":
        groups = [[o] for o in orders]
    elif method == "fcfs":
        groups = _fcfs(orders, cart)
    else:
        groups = _seed(orders, cart, cost) if method == "seed" else _savings(orders, cart, cost)
        if local_search:
            groups = improve(groups, cart, cost)
    name = f"{method}+local-search" if method in ("seed", "savings") and local_search else method
    return BatchPlan(name, tuple(Batch(tuple(o.id for o in g), cost(g)) for g in groups if g))
