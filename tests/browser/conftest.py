"""Browser tests: Debian's Chromium driven by Playwright against a real ``doorstep serve``.

What a browser test gets::

    def test_x(live_server, browser_page, check_axe, screenshot):
        page = browser_page(width=375)               # a fresh context; js=False for no-JS
        page.goto(live_server.base_url + "/track")
        screenshot(page, "lookup-375")                # test-artifacts/browser/lookup-375.png
        check_axe(page)                               # no serious or critical violations

``live_server`` is one real server process per test module, on a loopback port, with a
fresh migrated SQLite database (``live_server.database_url``, for seeding through the
services); modules that need other settings override the ``live_server_env`` fixture.

Chromium policy: ``/usr/bin/chromium`` is used.  When it is missing and we run as root it is
installed with apt-get; otherwise the tests skip with the reason — except under ``CI=true``,
where a missing browser is a failure, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from doorstep.devtools.server import ServerProcess

CHROMIUM = Path(os.environ.get("DOORSTEP_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
BAD_IMPACTS = ("serious", "critical")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder carries the ``browser`` marker (``-m "not browser"``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _install_chromium() -> str | None:
    """Install Debian's chromium as root; None on success, else why not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "not running as root, so it cannot be installed here (apt-get install chromium)"
    apt = shutil.which("apt-get")
    if apt is None:
        return "no apt-get on this machine; install Chromium and set DOORSTEP_CHROMIUM"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update"], [apt, "install", "-y", "--no-install-recommends",
                                      "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}"
    return None if CHROMIUM.exists() else f"apt-get installed chromium but {CHROMIUM} is absent"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        reason = _install_chromium()
        if reason is not None:
            message = f"Chromium not found at {CHROMIUM}: {reason}"
            if os.environ.get("CI") == "true":
                pytest.fail(f"{message}; under CI=true the browser tests must run")
            pytest.skip(message)
    return str(CHROMIUM)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """One Chromium per test module.  Not per session: Playwright's sync API keeps an event
    loop running in the main thread while it is open, and every later test that calls
    ``asyncio.run`` (the intake batcher's, the load generator's) then fails with "cannot be
    called from a running event loop" — the browser tests run first in the suite."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                             args=[*args, "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``browser_page(width=1280, js=True, language="de")``: a page in a fresh context."""
    contexts: list[Any] = []

    def open_page(*, width: int = 1280, height: int | None = None, js: bool = True,
                  language: str = "de") -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height or (812 if width < 600 else 900)},
            java_script_enabled=js, locale=language,
            extra_http_headers={"Accept-Language": language})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def live_server_env() -> dict[str, str]:
    """Extra ``DOORSTEP_*`` settings for this module's server (override per module)."""
    return {}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
                live_server_env: dict[str, str]) -> Iterator[ServerProcess]:
    """A real ``doorstep serve`` on a free loopback port over a fresh SQLite database: a copy
    of the session's migrated template (``tests/conftest.py``)."""
    folder = tmp_path_factory.mktemp("browser-server")
    shutil.copy(sqlite_template, folder / "doorstep.db")
    url = f"sqlite:///{folder}/doorstep.db"
    server = ServerProcess(url, log_dir=folder, env={"DOORSTEP_PROMISE_MODEL_PATH": "",
                                                     **live_server_env})
    with server:
        yield server


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page PNG under test-artifacts/browser/ for a reviewer to look at."""

    def take(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [v for v in violations if v.get("impact") in BAD_IMPACTS]


@pytest.fixture
def check_axe() -> Callable[[Any], None]:
    """Fail with a readable list when axe-core finds serious or critical violations."""

    def check(page: Any) -> None:
        bad = axe_violations(page)
        lines = [f"{v['impact']}: {v['id']} – {v['help']} "
                 f"({', '.join(str(n['target']) for n in v['nodes'][:3])})" for v in bad]
        assert not bad, "axe-core found:\n" + "\n".join(lines)

    return check


@pytest.fixture
def staff_page(live_server: ServerProcess, browser_page: Callable[..., Any]
               ) -> Callable[..., Any]:
    """``staff_page(role="operator", **browser_page options)``: a page whose browser has
    logged in through ``/login`` as a fresh staff user of ``role`` (created in the server's
    database), as a person at the warehouse would."""
    import secrets

    from doorstep.adapters.db.uow import transaction
    from doorstep.bootstrap import make_engine
    from doorstep.domain.access import Role
    from doorstep.services import staff

    def open_page(*, role: str = "operator", **options: Any) -> Any:
        username, password = f"staff-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
        engine = make_engine(live_server.database_url, pool_size=1)
        try:
            with transaction(engine, write=True) as conn:
                staff.add_user(conn, username, password, Role(role))
        finally:
            engine.dispose()
        page = browser_page(**options)
        page.goto(live_server.base_url + "/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_load_state()
        return page

    return open_page
