"""What the audit trail keeps so that its history reads well later (issue 11): the rows it
names, one entry per change a person made, and the latest entries read with a limit."""

from decimal import Decimal

import pytest

from app.services import audit
from app.services.editing import rename_line, update_detail, update_header
from app.services.lifecycle import confirm_invoice
from tests.worlds import World


@pytest.fixture
def world(app):
    return World()


def _edits(code):
    return [(e.target, e.field, e.old_value, e.new_value)
            for e in reversed(audit.timeline(code)) if e.action == "edit"]


def test_a_target_keeps_its_key_and_a_label_that_fits_the_column():
    assert audit.target("detail", 6, "Workshop  with\nfinance team") == (
        "detail 6: Workshop with finance team")
    assert audit.target("detail", 6, None) == audit.target("detail", 6, "  ") == "detail 6"
    long = audit.target("detail", 123456, "x" * 300)
    assert len(long) == audit.TARGET_LENGTH and long.endswith("x…")
    parsed = audit.parse_target("detail 6: Workshop: day 2")
    assert (parsed.key, parsed.kind, parsed.row_id, parsed.label) == (
        "detail 6", "detail", 6, "Workshop: day 2")
    assert audit.parse_target("header") == audit.Target("header", "header", None, None)
    assert audit.parse_target("line 3") == audit.Target("line 3", "line", 3, None)


def test_a_quantity_edit_is_one_entry_naming_the_detail(world):
    detail = world.add_time(description="Workshop with finance team")
    update_detail(world.code, detail.id, 1, {"quantity": Decimal("2.5")})
    # The amount, tax and extended amount it recomputed are not entries of their own.
    assert _edits(world.code) == [
        (f"detail {detail.id}: Workshop with finance team", "quantity", "2", "2.5")]


def test_a_tax_edit_is_one_entry(world):
    detail = world.add_time()
    update_detail(world.code, detail.id, 1, {"tax": Decimal("100.00")})
    assert [field for _, field, _, _ in _edits(world.code)] == ["tax"]


def test_a_detail_with_a_long_description_is_named_within_the_column(world):
    detail = world.add_time(description="Workshop " * 22)
    update_detail(world.code, detail.id, 1, {"quantity": Decimal("3")})
    [(target, *_)] = _edits(world.code)
    # PostgreSQL refuses a longer value: the edit would fail, not just read badly.
    assert len(target) <= audit.TARGET_LENGTH
    assert target.startswith(f"detail {detail.id}: Workshop Workshop") and target.endswith("…")


def test_a_discount_percent_is_one_entry_without_the_amount_it_computes(world):
    update_header(world.code, world.invoice().version, {"discount_percent": Decimal("10")})
    assert _edits(world.code) == [("header", "discount_percent", None, "10")]
    assert world.invoice().discount_amount > 0


def test_a_renamed_line_is_named_by_its_new_name(world):
    line, name = world.tm_line, world.tm_line.name
    rename_line(world.code, line.id, line.version, "Build and run")
    assert _edits(world.code) == [(f"line {line.id}: Build and run", "name", name, "Build and run")]


def test_the_latest_entries_are_read_with_a_limit(world):
    for n in range(5):
        update_header(world.code, world.invoice().version, {"name": f"Name {n}"})
    confirm_invoice(world.code)
    latest = audit.timeline(world.code, limit=3)
    assert [e.action for e in latest] == ["confirm", "edit", "edit"]
    assert latest[1].new_value == "Name 4"
    assert len(audit.timeline(world.code)) == 7
