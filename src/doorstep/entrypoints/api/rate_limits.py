"""Rate limits per credential and per client address, with the ``limits`` library.

A request carrying a credential (``Authorization`` header, or a cookie whose name contains
``session``: a staff member's browser) counts against that credential
(``rate_limit_per_key``, keyed by a hash so no key is kept in memory); every other request
counts against its client address (``rate_limit_per_address``).  Over the limit the answer
is 429 problem+json with ``Retry-After`` (whole seconds until the window frees a slot) and
the route is never reached.  Limits use the sliding-window-counter strategy (constant memory
and time per request, about half the cost of an exact moving window), so a burst at a window
boundary cannot double the rate.

Storage is ``rate_limit_storage``: ``memory://`` (default) counts per process — several API
processes each allow the full rate; point them at one ``redis://…`` to share the count.
Every 401 answered to a request that carried a credential counts against
``rate_limit_failed_auth`` for its address; once that is used up the address gets 429 for
anything until the window frees a slot, so guessing keys — or sending a new made-up key with
each request to dodge the per-address limit — stays slow.  (Requests without a credential
are bounded by the per-address limit already.)  An empty limit string switches that limit
off.  Behind a reverse proxy the client address is the proxy's unless uvicorn trusts its
forwarded headers (``--forwarded-allow-ips``).
"""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.entrypoints.api.request_guard import send_problem
from doorstep.settings import Settings


class SweepingMemoryStorage(MemoryStorage):
    """``memory://`` without a thread per expiry pass.

    ``limits``' memory storage drops expired counters on a ``threading.Timer`` of 10 ms that
    it starts again on every hit once the last one has run: under load that is a new thread
    about every 10 ms, and ``Thread.start`` blocks the event loop until the new thread has
    been scheduled.  Expired counters are already ignored when read, so the pass only frees
    memory; here it runs inline, in the thread that hits, at most once a second.
    """

    SWEEP_EVERY_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()  # the one timer the base class starts
        self._next_sweep = time.monotonic() + self.SWEEP_EVERY_S

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base's private hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY_S
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def limiter_storage(uri: str) -> Storage:
    """The storage for ``rate_limit_storage``: ``memory://`` is swept inline (above)."""
    if uri.strip() in ("memory://", "memory:///"):
        return SweepingMemoryStorage()
    storage = storage_from_string(uri)
    if not isinstance(storage, Storage):  # an asyncio storage ("async+redis://…")
        raise ValueError(f"rate_limit_storage: {uri!r} is not a synchronous storage")
    return storage


def _parse(text: str) -> list[RateLimitItem]:
    return parse_many(text) if text.strip() else []


def _credential(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The caller's credential: an Authorization header, else a session cookie."""
    for name, value in headers:
        if name == b"authorization":
            return value
    for name, value in headers:
        if name == b"cookie":
            for part in value.split(b";"):
                key, _, token = part.strip().partition(b"=")
                if b"session" in key.lower() and token:
                    return key + b"=" + token
    return None


class RateLimits:
    """ASGI middleware: 429 when the caller's key or address has used up its limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.per_key = _parse(settings.rate_limit_per_key)
        self.per_address = _parse(settings.rate_limit_per_address)
        self.failed_auth = _parse(settings.rate_limit_failed_auth)
        self.limiter = SlidingWindowCounterRateLimiter(
            limiter_storage(settings.rate_limit_storage))
        # Addresses this process has answered 401 with a credential: only they pay for the
        # failed-authentication check (a set, cleared when large; the storage holds the truth).
        self._failing: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = "addr:" + (client[0] if client else "unknown")
        credential = _credential(scope["headers"])
        if credential is not None:
            who, limits = "key:" + hashlib.sha256(credential).hexdigest()[:24], self.per_key
        else:
            who, limits = address, self.per_address
        failed = "failed:" + address
        if address in self._failing:  # an address that keeps guessing keys waits
            for item in self.failed_auth:
                if not self.limiter.test(item, failed):
                    await self._refuse(send, item, failed)
                    return
        for item in limits:
            if not self.limiter.hit(item, who):
                await self._refuse(send, item, who)
                return
        if credential is None or not self.failed_auth:
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                if len(self._failing) > 10_000:
                    self._failing.clear()
                self._failing.add(address)
                for item in self.failed_auth:
                    self.limiter.hit(item, failed)
            await send(message)

        await self.app(scope, receive, counting_send)

    async def _refuse(self, send: Send, item: RateLimitItem, who: str) -> None:
        reset, _remaining = self.limiter.get_window_stats(item, who)
        wait = max(1, math.ceil(reset - time.time()))
        kind = ("credential" if who.startswith("key:") else
                "client address after failed authentications" if who.startswith("failed:")
                else "client address")
        await send_problem(send, 429, f"rate limit of {item} per {kind} reached; retry in "
                           f"{wait} s", [(b"retry-after", str(wait).encode())])
