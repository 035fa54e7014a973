"""The audit trail is append-only against everything (issue 12): the database refuses
TRUNCATE (PostgreSQL), REPLACE (SQLite), UPDATE and DELETE; and what a database owner does
with the triggers switched off, `audit verify` finds in the hash chains."""

import datetime as dt
import json
from contextlib import contextmanager
from decimal import Decimal

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.billing import audit_chain
from app.extensions import db
from app.models import AuditEntry
from app.services import Conflict, audit, concurrent_refusal
from app.services.editing import update_header
from app.services.lifecycle import submit_for_review
from app.services.users import create_user
from tests.worlds import World


@pytest.fixture
def world(app):
    return World()


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def only_on(backend: str) -> None:
    if db.engine.dialect.name != backend:
        pytest.skip(f"{backend} only")


def entries(code: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.invoice_code == code)
                                   .order_by(AuditEntry.seq)))


def count() -> int:
    return len(db.session.scalars(select(AuditEntry.id)).all())


def refused(statement: str, match: str = "append-only") -> None:
    with pytest.raises(DBAPIError, match=match):
        db.session.execute(text(statement))
    db.session.rollback()


@contextmanager
def triggers_off():
    """As a database owner can: switch the trail's triggers off, change it, commit."""
    if postgresql():
        db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        try:
            yield
            db.session.commit()
        finally:
            db.session.rollback()
            db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
            db.session.commit()
    else:
        triggers = db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE "
                                           "type = 'trigger' AND tbl_name = 'audit_entries'")).all()
        assert len(triggers) == 4
        for name, _sql in triggers:
            db.session.execute(text(f"DROP TRIGGER {name}"))
        try:
            yield
            db.session.commit()
        finally:
            db.session.rollback()
            for _name, sql in triggers:
                db.session.execute(text(sql))
            db.session.commit()


def verify(runner, *options):
    result = runner.invoke(args=["audit", "verify", *options])
    return result.exit_code, result.output


def three_edits(world) -> list[AuditEntry]:
    for n in range(3):
        update_header(world.code, world.invoice().version, {"name": f"Name {n}"})
    trail = entries(world.code)
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1)) and len(trail) == 4
    return trail


# ---------------------------------------------------------------- what the database refuses

def test_truncate_is_refused_also_when_a_cascade_reaches_the_trail(app):
    only_on("postgresql")
    audit.record("PRO-000001", "confirm")
    db.session.commit()
    for statement in ("TRUNCATE audit_entries", "TRUNCATE audit_entries RESTART IDENTITY",
                      "TRUNCATE invoices, audit_entries CASCADE",
                      # audit_entries references users: a cascade from users reaches it.
                      "TRUNCATE users CASCADE"):
        refused(statement)
    assert count() == 1


def test_a_user_with_entries_cannot_take_the_trail_with_them(app):
    only_on("postgresql")
    user = create_user("kim@example.com", "a long enough secret", "reviewer")
    token = audit.set_actor(audit.Actor(user.id, user.email))
    try:
        audit.record("PRO-000001", "confirm")
    finally:
        audit.reset_actor(token)
    db.session.commit()
    refused("TRUNCATE users CASCADE")
    assert count() == 1


def test_replace_is_refused_on_sqlite_by_id_and_by_place_in_the_chain(app):
    only_on("sqlite")
    audit.record("PRO-000001", "confirm", new="2026-0001")
    db.session.commit()
    [entry] = entries("PRO-000001")
    columns = "id, invoice_code, seq, hash, actor, at, action, new_value"
    forged = "'{}', 'cli', '2026-01-01 00:00:00', 'confirm', '2026-0666'".format("f" * 64)
    # The entry's id (at another place in the chain).
    refused(f"INSERT OR REPLACE INTO audit_entries ({columns}) "
            f"VALUES ({entry.id}, 'PRO-000001', 2, {forged})")
    refused(f"REPLACE INTO audit_entries ({columns}) VALUES ({entry.id}, 'PRO-000001', 2, {forged})")
    # A new id, but the entry's place in the chain: REPLACE would delete the entry there.
    refused(f"REPLACE INTO audit_entries ({columns}) VALUES ({entry.id + 1}, 'PRO-000001', 1, "
            f"{forged})", match="UNIQUE constraint failed")
    # An upsert's update is an UPDATE (and its insert meets the entry first).
    refused(f"INSERT INTO audit_entries ({columns}) VALUES ({entry.id}, 'PRO-000001', 2, {forged}) "
            "ON CONFLICT (id) DO UPDATE SET new_value = excluded.new_value")
    [after] = entries("PRO-000001")
    assert (after.id, after.new_value, after.hash) == (entry.id, "2026-0001", entry.hash)


def test_without_the_insert_guard_replace_would_rewrite_an_entry(app):
    """Why the guard is there: REPLACE's delete does not fire the DELETE trigger."""
    only_on("sqlite")
    audit.record("PRO-000001", "confirm", new="2026-0001")
    db.session.commit()
    [entry] = entries("PRO-000001")
    guards = db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = "
                                     "'trigger' AND name LIKE 'audit_entries_no_replace%'")).all()
    assert len(guards) == 2
    try:
        for name, _sql in guards:
            db.session.execute(text(f"DROP TRIGGER {name}"))
        db.session.execute(text(
            "REPLACE INTO audit_entries (id, invoice_code, seq, hash, actor, at, action, "
            f"new_value) VALUES ({entry.id}, 'PRO-000001', 1, '{entry.hash}', 'cli', "
            "'2026-01-01 00:00:00', 'confirm', '2026-0666')"))
        assert entries("PRO-000001")[0].new_value == "2026-0666"
    finally:
        db.session.rollback()  # DDL is transactional (app.extensions): the drop is undone
        present = set(db.session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        for name, sql in guards:
            if name not in present:
                db.session.execute(text(sql))
        db.session.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET action = 'x'",
    "DELETE FROM audit_entries",
    "INSERT INTO audit_entries (id, invoice_code, seq, hash, actor, at, action) "
    "SELECT id, invoice_code, seq + 100, hash, actor, at, action FROM audit_entries WHERE true "
    "ON CONFLICT (id) DO UPDATE SET action = 'x'",
])
def test_update_delete_and_upsert_are_still_refused(app, statement):
    audit.record("PRO-000001", "confirm")
    db.session.commit()
    refused(statement)
    assert [e.action for e in entries("PRO-000001")] == ["confirm"]


def test_two_entries_cannot_take_one_place_in_a_chain(app):
    """A race that appends twice from one head fails (and answers 409), never forks."""
    audit.record("PRO-000001", "confirm")
    db.session.commit()
    [first] = entries("PRO-000001")
    twin = {c: getattr(first, c) for c in (*audit_chain.FIELDS, "hash")} | {"action": "send"}
    with pytest.raises(IntegrityError) as raised:
        db.session.execute(insert(AuditEntry), [twin])
    db.session.rollback()
    assert isinstance(concurrent_refusal(raised.value), Conflict)
    assert count() == 1


# ---------------------------------------------------------------- the chain

def test_entries_chain_per_invoice_from_the_genesis(app, world):
    trail = three_edits(world)
    previous = audit_chain.GENESIS
    for entry in trail:
        assert entry.hash == audit_chain.entry_hash(
            {f: getattr(entry, f) for f in audit_chain.FIELDS}, previous)
        previous = entry.hash
    other = World("EUR")
    assert [e.seq for e in entries(other.code)][0] == 1  # a chain of its own


def test_the_fields_of_one_edit_are_one_insert_with_consecutive_places(app, world):
    head = entries(world.code)[-1]
    db.session.remove()
    before = len(get_recorded_queries())
    update_header(world.code, world.invoice().version,
                  {"name": "Renamed", "discount_percent": Decimal("10"),
                   "due_date": dt.date(2026, 5, 15)})
    statements = [q.statement for q in get_recorded_queries()[before:]]
    inserts = [s for s in statements if s.startswith("INSERT INTO audit_entries")]
    heads = [s for s in statements if "FROM audit_entries" in s]
    assert len(inserts) == 1 and len(heads) == 1  # one write, one read of the chain's head
    new = entries(world.code)[-3:]
    assert sorted(e.field for e in new) == ["discount_percent", "due_date", "name"]
    assert [e.seq for e in new] == [head.seq + 1, head.seq + 2, head.seq + 3]
    assert len({e.at for e in new}) == 1
    previous = head.hash
    for entry in new:
        assert entry.hash == audit_chain.entry_hash(
            {f: getattr(entry, f) for f in audit_chain.FIELDS}, previous)
        previous = entry.hash


def test_a_transaction_reads_a_head_once_and_forgets_it_when_it_ends(app):
    before = len(get_recorded_queries())
    audit.record("PRO-000001", "create")
    audit.record("PRO-000001", "edit", field="name", new="A")
    audit.record_changes("PRO-000001", "header", {"name": ("A", "B")})
    reads = [q for q in get_recorded_queries()[before:] if q.statement.startswith("SELECT")]
    assert len(reads) == 1
    db.session.rollback()
    # What the rolled-back transaction appended is gone: the chain starts again at 1.
    audit.record("PRO-000001", "create")
    db.session.commit()
    audit.record("PRO-000001", "submit_review")
    db.session.commit()
    assert [(e.seq, e.action) for e in entries("PRO-000001")] == [
        (1, "create"), (2, "submit_review")]


def test_the_hash_is_the_same_after_reading_the_entry_back(app, monkeypatch):
    # A time with microseconds, and text that JSON and the databases could each mangle.
    monkeypatch.setattr(audit, "_now", lambda: dt.datetime(2026, 4, 1, 23, 59, 58, 123456))
    user = create_user("kim@example.com", "a long enough secret", "reviewer")
    token = audit.set_actor(audit.Actor(user.id, user.email))
    try:
        audit.record("PRO-000001", "edit", target="detail 7: Café «Øst» \"ß\"", field="name",
                     old="", new="line\nbreak\ttab \\ 🧾")
        audit.record("PRO-000001", "edit", field="name", old=None, new=Decimal("0.10"))
    finally:
        audit.reset_actor(token)
    db.session.commit()
    db.session.remove()  # a new session: everything is read from the database
    first, second = entries("PRO-000001")
    assert first.at == dt.datetime(2026, 4, 1, 23, 59, 58, 123456)
    assert (first.old_value, second.old_value, second.new_value) == ("", None, "0.10")
    assert first.hash == audit_chain.entry_hash(
        {f: getattr(first, f) for f in audit_chain.FIELDS}, audit_chain.GENESIS)
    assert second.hash == audit_chain.entry_hash(
        {f: getattr(second, f) for f in audit_chain.FIELDS}, first.hash)


def test_each_field_of_an_entry_is_covered_by_its_hash():
    entry = {"invoice_code": "PRO-000001", "seq": 1, "user_id": None, "actor": "cli",
             "at": dt.datetime(2026, 4, 1, 12), "action": "edit", "target": None,
             "field": "name", "old_value": "", "new_value": "a"}
    digest = audit_chain.entry_hash(entry, audit_chain.GENESIS)
    changed = {"invoice_code": "PRO-000002", "seq": 2, "user_id": 1, "actor": "x",
               "at": dt.datetime(2026, 4, 1, 12, 0, 0, 1), "action": "send", "target": "",
               "field": None, "old_value": None, "new_value": "b"}
    for name, value in changed.items():
        assert audit_chain.entry_hash({**entry, name: value}, audit_chain.GENESIS) != digest, name
    assert audit_chain.entry_hash(entry, "1" * 64) != digest
    # The same moment said with a time zone is the same entry.
    aware = dt.datetime(2026, 4, 1, 14, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert audit_chain.entry_hash({**entry, "at": aware}, audit_chain.GENESIS) == digest


# ---------------------------------------------------------------- audit verify

def test_an_intact_trail_verifies(app, world, runner):
    three_edits(world)
    World("EUR")
    code, output = verify(runner)
    assert code == 0, output
    total = count()
    assert f"Entries checked: {total}. Chains checked: 2." in output
    assert "The audit trail is intact." in output


def test_an_entry_changed_behind_the_triggers_is_found(app, world, runner):
    trail = three_edits(world)
    changed = trail[2]
    with triggers_off():
        db.session.execute(text("UPDATE audit_entries SET new_value = 'forged' WHERE id = :id"),
                           {"id": changed.id})
    code, output = verify(runner)
    assert code == 1
    assert f"Invoice {world.code}: entry {changed.seq} was changed" in output
    assert "1 chain is broken" in output


def test_a_changed_entry_with_its_hash_recomputed_breaks_the_next_one(app, world, runner):
    trail = three_edits(world)
    changed = trail[2]
    fields = {f: getattr(changed, f) for f in audit_chain.FIELDS} | {"new_value": "forged"}
    with triggers_off():
        db.session.execute(text("UPDATE audit_entries SET new_value = 'forged', hash = :hash "
                                "WHERE id = :id"), {"id": changed.id, "hash": audit_chain.entry_hash(
                                    fields, trail[1].hash)})
    code, output = verify(runner)
    assert code == 1 and f"Invoice {world.code}: entry {changed.seq + 1} was changed" in output


def test_an_entry_deleted_in_the_middle_is_found(app, world, runner):
    deleted = three_edits(world)[2]
    seq = deleted.seq
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": deleted.id})
    code, output = verify(runner)
    assert code == 1
    assert f"Invoice {world.code}: entry {seq} is missing (deleted)" in output


def test_the_first_entry_deleted_is_found(app, world, runner):
    trail = three_edits(world)
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": trail[0].id})
    code, output = verify(runner)
    assert code == 1 and f"Invoice {world.code}: entry 1 is missing (deleted)" in output


def test_a_whole_chain_deleted_is_found(app, world, runner):
    three_edits(world)
    intact = World("EUR")
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_entries WHERE invoice_code = :code"),
                           {"code": world.code})
    code, output = verify(runner)
    assert code == 1
    assert f"Invoice {world.code}: no entries at all" in output
    assert intact.code not in output


def test_the_newest_entries_deleted_are_found_against_the_anchor(app, world, runner, tmp_path):
    trail = three_edits(world)
    anchor = tmp_path / "heads.json"
    code, output = verify(runner, "--anchor", str(anchor))
    assert code == 0, output
    assert json.loads(anchor.read_text())[world.code] == [trail[-1].seq, trail[-1].hash]
    submit_for_review(world.code)  # the trail grows after the anchor: still intact
    assert verify(runner, "--anchor", str(anchor))[0] == 0
    last = entries(world.code)[-1]
    seq = last.seq
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": last.id})
    # A chain alone cannot show that its newest entry is gone…
    assert verify(runner)[0] == 0
    # …the anchor, kept away from the database, can.
    code, output = verify(runner, "--anchor", str(anchor))
    assert code == 1
    assert f"Invoice {world.code}: the entries from {seq} on are missing" in output
    assert json.loads(anchor.read_text())[world.code][0] == seq  # not overwritten


def test_a_chain_rewritten_from_scratch_is_found_against_the_anchor(app, world, runner, tmp_path):
    trail = three_edits(world)
    anchor = tmp_path / "heads.json"
    assert verify(runner, "--anchor", str(anchor))[0] == 0
    rows = [{f: getattr(e, f) for f in audit_chain.FIELDS if f != "seq"} for e in trail]
    rows[1]["new_value"] = "forged"
    with triggers_off():
        for entry, forged in zip(trail, audit_chain.chained(rows, 0, audit_chain.GENESIS)):
            db.session.execute(text("UPDATE audit_entries SET new_value = :new, hash = :hash "
                                    "WHERE id = :id"),
                               {"new": forged["new_value"], "hash": forged["hash"], "id": entry.id})
    assert verify(runner)[0] == 0  # consistent in itself
    code, output = verify(runner, "--anchor", str(anchor))
    assert code == 1 and f"Invoice {world.code}: the chain was rewritten up to entry" in output


def test_an_unreadable_anchor_is_refused_in_one_line(app, runner, tmp_path):
    anchor = tmp_path / "heads.json"
    anchor.write_text("[1, 2]")
    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 1 and "is not an anchor written by audit verify" in result.stderr


def test_verify_reads_the_trail_in_batches(app, world, runner, monkeypatch):
    monkeypatch.setattr(audit, "BATCH", 2)
    trail = three_edits(world)
    code, output = verify(runner)
    assert code == 0 and f"Entries checked: {len(trail)}. Chains checked: 1." in output



def test_each_broken_chain_is_reported_once_at_its_first_break():
    def chain(code, n):
        rows = [{"invoice_code": code, "user_id": None, "actor": "cli",
                 "at": dt.datetime(2026, 4, 1, 12, i), "action": "edit", "target": None,
                 "field": "name", "old_value": None, "new_value": str(i)} for i in range(n)]
        return audit_chain.chained(rows, 0, audit_chain.GENESIS)

    a, b, c = chain("PRO-A", 4), chain("PRO-B", 3), chain("PRO-C", 2)
    a[1]["new_value"] = "forged"  # and a[3] is gone too: only the first break is said
    walked = audit_chain.verify([a[0], a[1], a[2], *b[:2], b[1], b[2], *c])
    assert walked.entries == 9 and walked.chains == 3
    assert walked.breaks == [audit_chain.Break("PRO-A", 2, audit_chain.CHANGED),
                             audit_chain.Break("PRO-B", 2, audit_chain.OUT_OF_ORDER)]
    assert walked.heads["PRO-C"] == (2, c[1]["hash"])
