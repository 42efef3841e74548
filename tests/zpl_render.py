"""ZPL II to PNG for the tests, offline: zebrash (IngridHQ's Go ZPL renderer) in WebAssembly.

The renderer is the npm package ``zpl-renderer-js``, pinned with its integrity hash in
``tests/tools/zpl_render/package-lock.json`` and run by ``render.cjs`` there under Node.
``./dev test`` installs it (``npm ci``); a test that needs it and finds it missing installs it
the same way when ``node`` and ``npm`` are on the PATH, and otherwise skips naming what is
missing — except under ``CI=true``, where the ZPL label must be decoded, so it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

TOOL = Path(__file__).resolve().parent / "tools" / "zpl_render"
PACKAGE = TOOL / "node_modules" / "zpl-renderer-js" / "package.json"


def _missing(message: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; under CI=true the ZPL label must be rendered and decoded")
    pytest.skip(message)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed, so the ZPL renderer (zpl-renderer-js under Node "
                 "18 or newer) cannot run; install nodejs and npm, then ./dev test")
    if not PACKAGE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _missing(f"{TOOL}/node_modules is missing and npm is not installed to fill it "
                     "(npm ci in that folder)")
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                              cwd=TOOL, capture_output=True, text=True, timeout=300,
                              check=False)
        if done.returncode != 0 or not PACKAGE.exists():
            _missing(f"npm ci in {TOOL} failed: {done.stderr.strip()[-300:]}")
    return node


def render_zpl_png(zpl: str, *, width_mm: float, height_mm: float, dpmm: int,
                   out_prefix: Path) -> list[Path]:
    """Render every ``^XA…^XZ`` label in ``zpl`` at its real size and resolution; the PNG
    paths, one per label (``out_prefix-1.png``, …)."""
    node = _node()
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [node, str(TOOL / "render.cjs"), str(width_mm), str(height_mm), str(dpmm),
         str(out_prefix)], input=zpl, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"the ZPL renderer failed: {done.stderr.strip()[-2000:]}"
    return [Path(line) for line in done.stdout.splitlines() if line.strip()]
