"""A release maps a held record with the profile it was held under: the same file, or the
copy kept at hold time; when the profile changed since, the release stops and names both
hashes until the person releasing chooses — through the service, the CLI and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rich.console import Console
from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.quarantine_tables import QUARANTINE_TABLES, quarantine_profiles
from doorstep.adapters.importers.order_mapping import load_order_mapper
from doorstep.adapters.importers.profile_engine import PROFILES_DIR
from doorstep.adapters.quarantine_store import (
    ProfileChanged,
    ProfileNotKept,
    QuarantineStore,
    StillInvalid,
)
from doorstep.bootstrap import make_engine
from doorstep.domain.harmonise.profile_copy import sha256_of
from doorstep.entrypoints.cli import app, harmonise
from doorstep.schemas.orders import OrderIn
from doorstep.services.order_import import (
    IntakeOutcome,
    IntakeResponse,
    OrderImporter,
    build_quarantine_store,
)

ORDER = Path(__file__).parents[2] / "fixtures" / "shops" / "woocommerce" / "order_727_retrieve.json"
RENAMED = "      sku: {path: article_number, required: true, transform: strip}"


class Intake:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, order: OrderIn, key: str) -> IntakeResponse:
        self.keys.append(key)
        return IntakeResponse(IntakeOutcome.accepted, f"ord-{key}")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/q.db")
    metadata.create_all(engine, tables=list(QUARANTINE_TABLES))
    yield engine
    engine.dispose()


def my_profile(folder: Path) -> Path:
    """WooCommerce's profile, saved by a merchant as 'myshop'."""
    folder.mkdir(exist_ok=True)
    path = folder / "myshop.yaml"
    path.write_text(
        (PROFILES_DIR / "orders" / "woocommerce.yaml")
        .read_text()
        .replace("name: woocommerce", "name: myshop")
    )
    return path


def corrected() -> str:
    """Order 727 with the SKU it lacked (it is held for the empty one)."""
    order = json.loads(ORDER.read_text())
    order["line_items"][0]["sku"] = "WOO-1"
    return json.dumps(order)


def held_order(engine: Engine, folder: Path, intake: Intake) -> tuple[QuarantineStore, int]:
    store = build_quarantine_store(engine, intake, profiles_dir=str(folder))
    mapper = load_order_mapper("myshop", folder)
    OrderImporter(mapper, intake, store).import_document(ORDER.read_text())
    (held,) = store.list()
    store.correct(held.id, corrected(), actor="ana")
    return store, held.id


def test_an_unchanged_profile_releases_without_a_word(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    my_profile(folder)
    intake = Intake()
    store, record_id = held_order(engine, folder, intake)
    released = store.release(record_id, actor="ana")
    assert released.status == "released" and intake.keys == ["woocommerce:727"]
    assert released.audit[-1].note is None


def test_a_changed_profile_stops_the_release_naming_both_hashes(
    engine: Engine, tmp_path: Path
) -> None:
    """The merchant renamed the SKU's path since: the kept copy still reads the corrected
    record, the current profile does not — and nothing happens until someone chooses."""
    folder = tmp_path / "p"
    path = my_profile(folder)
    intake = Intake()
    store, record_id = held_order(engine, folder, intake)
    before = sha256_of(path.read_text())
    path.write_text(
        path.read_text().replace(
            "      sku: {path: sku, required: true, transform: strip}", RENAMED
        )
    )
    after = sha256_of(path.read_text())
    with pytest.raises(ProfileChanged) as stopped:
        store.release(record_id, actor="ana")
    message = str(stopped.value)
    assert before[:12] in message and after[:12] in message and "'held'" in message
    assert (stopped.value.held_sha256, stopped.value.current_sha256) == (before, after)
    with pytest.raises(StillInvalid):  # the profile as it is now reads no SKU
        store.release(record_id, actor="ana", profile="current")
    released = store.release(record_id, actor="ana", profile="held")
    assert released.status == "released" and intake.keys == ["woocommerce:727"]
    note = released.audit[-1].note or ""
    assert "released with the held profile" in note and before[:12] in note


def test_a_deleted_profile_can_still_release_with_the_kept_copy(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "p"
    path = my_profile(folder)
    intake = Intake()
    store, record_id = held_order(engine, folder, intake)
    path.unlink()
    with pytest.raises(ProfileChanged, match="is no longer found"):
        store.release(record_id, actor="ana")
    with pytest.raises(StillInvalid, match="still fails"):
        store.release(record_id, actor="ana", profile="current")
    assert store.release(record_id, actor="ana", profile="held").status == "released"


def test_a_copy_that_was_not_kept_is_said_so(engine: Engine, tmp_path: Path) -> None:
    """Records held before copies were kept name a hash only: 'held' cannot be honoured."""
    folder = tmp_path / "p"
    path = my_profile(folder)
    store, record_id = held_order(engine, folder, Intake())
    with engine.begin() as conn:
        conn.execute(sa.delete(quarantine_profiles))
    path.write_text(path.read_text() + "\n# edited\n")
    with pytest.raises(ProfileNotKept, match="release it with profile 'current'"):
        store.release(record_id, actor="ana", profile="held")
    assert store.release(record_id, actor="ana", profile="current").status == "released"


def test_one_copy_is_kept_per_profile_text(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    path = my_profile(folder)
    intake = Intake()
    store = build_quarantine_store(engine, intake, profiles_dir=str(folder))
    importer = OrderImporter(load_order_mapper("myshop", folder), intake, store)
    importer.import_document(ORDER.read_text())
    importer.import_document(ORDER.read_text().replace('"id": 727', '"id": 728'))
    with engine.connect() as conn:
        kept = conn.execute(sa.select(quarantine_profiles)).all()
    assert [(k.name, k.file_name, k.sha256) for k in kept] == [
        ("myshop", "myshop.yaml", sha256_of(path.read_text()))
    ]
    assert {r.profile_sha256 for r in store.list()} == {kept[0].sha256}


def test_the_cli_names_both_hashes_and_releases_with_the_chosen_profile(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "p"
    path = my_profile(folder)
    intake = Intake()
    _, record_id = held_order(engine, folder, intake)
    before = sha256_of(path.read_text())
    path.write_text(
        path.read_text().replace(
            "      sku: {path: sku, required: true, transform: strip}", RENAMED
        )
    )
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("DOORSTEP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("DOORSTEP_PROFILES_DIR", str(folder))
    monkeypatch.setattr(harmonise, "console", Console(width=300))
    monkeypatch.setattr(harmonise, "err", Console(width=300, stderr=True))
    monkeypatch.setattr(harmonise, "INTAKE_FACTORY", lambda container: intake)
    monkeypatch.setattr(harmonise, "ensure_current_schema", lambda container: None)
    runner = CliRunner()
    stopped = runner.invoke(app, ["quarantine", "release", str(record_id)])
    assert stopped.exit_code == 1
    assert before[:12] in stopped.output and "held" in stopped.output
    released = runner.invoke(app, ["quarantine", "release", str(record_id), "--profile", "held"])
    assert released.exit_code == 0, released.output
    assert intake.keys == ["woocommerce:727"]


def test_a_profile_whose_name_is_not_its_file_name_is_refused_naming_both(
    tmp_path: Path,
) -> None:
    """Held records carry the profile's declared name and a release loads that name again;
    a file 'acme.yaml' declaring 'acme-shop' would hold records nobody can release."""
    from doorstep.adapters.importers.profile_engine import ProfileError, load_profile

    folder = tmp_path / "p"
    path = my_profile(folder)
    path.rename(folder / "acme.yaml")
    with pytest.raises(ProfileError) as refused:
        load_profile("acme", "orders", user_dir=folder)
    message = str(refused.value)
    assert "acme.yaml" in message and "name" in message
    assert "'myshop'" in message and "'acme'" in message
    assert load_profile(folder / "acme.yaml", "orders").name == "myshop"  # by path: as is
