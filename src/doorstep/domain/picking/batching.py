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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

BATCH_METHODS = ("single", "fcfs", "seed", "savings")


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
    """Tour length of a set of locations, memoised (batching asks for the same sets often)."""

    route_length: Callable[[Sequence[str]], float]
    cache: dict[frozenset[str], float] = field(default_factory=dict)

    def __call__(self, orders: Iterable[PickOrder]) -> float:
        locs = frozenset(loc for o in orders for loc in o.locations)
        if locs not in self.cache:
            self.cache[locs] = self.route_length(sorted(locs))
        return self.cache[locs]


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
    batches: list[list[PickOrder]] = [[o] for o in orders]
    saving: dict[tuple[int, int], float] = {}

    def pair(i: int, j: int) -> None:
        if fits([*batches[i], *batches[j]], cart):
            saving[(i, j)] = cost(batches[i]) + cost(batches[j]) - cost([*batches[i], *batches[j]])

    for i in range(len(batches)):
        for j in range(i + 1, len(batches)):
            pair(i, j)
    alive = set(range(len(batches)))
    while saving:
        (i, j), gain = max(saving.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
        if gain <= 1e-9:
            break
        batches.append([*batches[i], *batches[j]])
        alive -= {i, j}
        saving = {p: s for p, s in saving.items() if not {i, j} & set(p)}
        new = len(batches) - 1
        for other in sorted(alive):
            pair(other, new)
        alive.add(new)
    return [batches[i] for i in sorted(alive)]


def improve(
    batches: list[list[PickOrder]], cart: Cart, cost: TourCost, max_rounds: int = 20
) -> list[list[PickOrder]]:
    """Local search: relocate or swap single orders while the total distance drops."""
    batches = [list(b) for b in batches]
    for _ in range(max_rounds):
        changed = False
        for a in range(len(batches)):
            for b in range(len(batches)):
                if a == b or not batches[a]:
                    continue
                before = cost(batches[a]) + cost(batches[b])
                for o in list(batches[a]):
                    rest = [x for x in batches[a] if x is not o]
                    if fits([*batches[b], o], cart):
                        after = (cost(rest) if rest else 0.0) + cost([*batches[b], o])
                        if after < before - 1e-9:
                            batches[a], batches[b] = rest, [*batches[b], o]
                            changed = True
                            break
                    for p in batches[b] if a < b else []:
                        new_a, new_b = [*rest, p], [x for x in batches[b] if x is not p] + [o]
                        if fits(new_a, cart) and fits(new_b, cart):
                            after = cost(new_a) + cost(new_b)
                            if after < before - 1e-9:
                                batches[a], batches[b] = new_a, new_b
                                changed = True
                                break
                    if changed:
                        break
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
) -> BatchPlan:
    """Group ``orders`` into cart tours by ``method`` (one of :data:`BATCH_METHODS`)."""
    if method not in BATCH_METHODS:
        raise BatchingError(f"batching method {method!r} is unknown; choose {BATCH_METHODS}")
    _check(orders, cart)
    cost = TourCost(route_length)
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
