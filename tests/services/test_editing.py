"""Inline editing use cases (SPEC 5.2-5.4, 6) against a real database."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import Actual, Invoice, InvoiceLine, InvoiceLineDetail, Milestone
from app.services import ROW, Conflict, ServiceError
from app.services.editing import (DetailNotFound, add_detail, delete_detail, recalculate_invoice, rename_line,
                                  update_detail, update_header)
from app.services.lifecycle import InvoiceActionRefused, confirm_invoice, submit_for_review
from tests.factories import make_role
from tests.worlds import World


@pytest.fixture
def world(app):
    return World()


def test_billing_type_change_moves_the_amount_out_of_the_totals(world):
    before = world.invoice().detail_amount
    version = world.actual_detail.version
    edit = update_detail(world.code, world.actual_detail.id, version,
                         {"billing_type": "complimentary"})
    assert edit.moved and edit.previous_billing_type == "chargeable"
    invoice = world.invoice()
    line = db.session.get(InvoiceLine, world.tm_line.id)
    assert line.amount == Decimal("0.00") and line.extended_amount == Decimal("0.00")
    assert invoice.detail_amount == before - Decimal("7125.00")
    assert invoice.total_tax == Decimal("250.00") + Decimal("50.00")
    # The edited row has a new version (a stale form of it is detected); the totals it
    # moved do not make the header's or the line's form stale (issue 17).
    assert world.detail(world.actual_detail.id).version == version + 1
    assert (invoice.version, line.version) == (1, 1)


def test_tax_of_an_actual_can_be_entered_and_blank_restores_the_actuals(world):
    detail_id = world.actual_detail.id
    update_detail(world.code, detail_id, 1, {"tax": Decimal("100.00")})
    detail = world.detail(detail_id)
    assert (detail.tax, detail.extended_amount) == (Decimal("100.00"), Decimal("7225.00"))
    assert world.invoice().total_tax == Decimal("100.00") + Decimal("250.00") + Decimal("50.00")
    update_detail(world.code, detail_id, 2, {"tax": None})
    assert world.detail(detail_id).tax == Decimal("1781.25")


def test_a_locked_field_is_refused_and_nothing_changes(world):
    detail_id = world.actual_detail.id
    with pytest.raises(ServiceError) as refused:
        update_detail(world.code, detail_id, 1,
                      {"description": "New text", "quantity": Decimal("1")})
    assert refused.value.field == "quantity"
    assert "Quantity cannot be changed: it is taken from the actual." in str(refused.value)
    detail = world.detail(detail_id)
    assert (detail.description, detail.quantity, detail.version) == (
        world.actual_detail.description, Decimal("7.5"), 1)


@pytest.mark.parametrize("field, value", [("billing_type", "complimentary"),
                                          ("tax", Decimal("1.00")), ("quantity", Decimal("2"))])
def test_a_milestone_detail_keeps_its_billing_type_tax_and_quantity(world, field, value):
    with pytest.raises(ServiceError):
        update_detail(world.code, world.milestone_detail.id, 1, {field: value})
    update_detail(world.code, world.milestone_detail.id, 1, {"description": "Sign-off done"})
    assert world.detail(world.milestone_detail.id).description == "Sign-off done"


def test_an_edit_made_on_an_older_version_is_refused(world):
    detail_id = world.actual_detail.id
    update_detail(world.code, detail_id, 1, {"description": "First"})
    with pytest.raises(Conflict, match="Someone else changed this detail"):
        update_detail(world.code, detail_id, 1, {"description": "Second"})
    assert world.detail(detail_id).description == "First"


def test_an_unchanged_post_writes_nothing(world):
    detail = world.actual_detail
    update_detail(world.code, detail.id, 1, {"description": detail.description,
                                             "billing_type": "chargeable"})
    assert world.detail(detail.id).version == 1


def test_confirmed_invoices_cannot_be_edited(world):
    confirm_invoice(world.code)
    with pytest.raises(InvoiceActionRefused, match="Only draft or in-review invoices can be edited"):
        update_detail(world.code, world.actual_detail.id, 1, {"description": "Late"})
    with pytest.raises(InvoiceActionRefused):
        update_header(world.code, world.invoice().version, {"name": "Late"})


def test_in_review_invoices_can_be_edited(world):
    submit_for_review(world.code)
    update_detail(world.code, world.actual_detail.id, 1, {"description": "Reviewed"})
    assert world.detail(world.actual_detail.id).description == "Reviewed"


def test_a_removed_detail_is_reported(world):
    with pytest.raises(DetailNotFound):
        update_detail(world.code, 999999, 1, {"description": "x"})


# ---------------------------------------------------------------- new details

def test_new_time_detail_takes_the_price_list_price_and_computes_amount_and_tax(world):
    detail = world.add_time(quantity=Decimal("2.25"))
    detail = world.detail(detail.id)
    assert detail.backing == "none" and detail.transaction_class == "time"
    assert detail.price == Decimal("1000.00")
    assert (detail.amount, detail.tax, detail.extended_amount) == (
        Decimal("2250.00"), Decimal("562.50"), Decimal("2812.50"))
    assert detail.external_description == "Extra workshop"
    assert detail.project_id == world.project.id and detail.transaction_type == "billed_sales"
    line = db.session.get(InvoiceLine, world.tm_line.id)
    assert line.amount == Decimal("7125.00") + Decimal("2250.00")


def test_new_expense_detail_uses_the_category_price(world):
    edit = add_detail(world.code, world.tm_line.id, "expense",
                      {"description": "Hotel", "quantity": Decimal("2"), "unit": 3,
                       "category": world.hotel.id})
    assert world.detail(edit.detail_id).amount == Decimal("2400.00")


def test_new_detail_with_a_price_and_a_tax_keeps_them(world):
    detail = world.add_time(price=Decimal("123.4567"), tax=Decimal("10.00"))
    detail = world.detail(detail.id)
    assert (detail.price, detail.amount, detail.tax) == (
        Decimal("123.4567"), Decimal("246.91"), Decimal("10.00"))


@pytest.mark.parametrize("transaction_class", ["material", "fee", "milestone", None])
def test_new_detail_only_for_the_classes_the_line_includes(world, transaction_class):
    with pytest.raises(ServiceError) as refused:
        add_detail(world.code, world.tm_line.id, transaction_class,
                   {"description": "x", "quantity": Decimal("1"), "price": Decimal("1")})
    assert set(refused.value.errors) == {"transaction_class"}


def test_new_detail_refuses_a_task_of_another_project(world):
    with pytest.raises(ServiceError) as refused:
        world.add_time(task=world.other_project.tasks[0].id)
    assert set(refused.value.errors) == {"task"}
    assert world.add_time(task=world.project.tasks[0].id).task_id == world.project.tasks[0].id


def test_new_detail_without_a_price_list_price_asks_for_a_price(world):
    with pytest.raises(ServiceError) as refused:
        world.add_time(role=make_role(name="Intern").id)
    assert set(refused.value.errors) == {"price"}
    assert db.session.scalar(select(db.func.count()).select_from(InvoiceLineDetail)) == 2


def test_new_detail_needs_a_description_and_a_quantity(world):
    with pytest.raises(ServiceError) as refused:
        add_detail(world.code, world.tm_line.id, "time", {"description": "", "price": Decimal(1)})
    assert set(refused.value.errors) == {"description", "quantity"}


def test_new_details_only_on_time_and_material_lines(world):
    with pytest.raises(Exception, match="time-and-material"):
        add_detail(world.code, world.fp_line.id, "time",
                   {"description": "x", "quantity": Decimal(1), "price": Decimal(1)})


def test_creating_sets_the_class_once(world):
    detail = world.add_time()
    with pytest.raises(ServiceError) as refused:
        update_detail(world.code, detail.id, 1, {"transaction_class": "expense"})
    assert "it was chosen when the detail was created" in str(refused.value)


# ---------------------------------------------------------------- details backed by nothing

def test_quantity_and_price_recompute_amount_and_a_default_tax(world):
    detail = world.add_time()
    update_detail(world.code, detail.id, 1, {"quantity": Decimal("3"), "price": Decimal("99.99")})
    detail = world.detail(detail.id)
    assert (detail.amount, detail.tax, detail.extended_amount) == (
        Decimal("299.97"), Decimal("74.99"), Decimal("374.96"))
    line = db.session.get(InvoiceLine, world.tm_line.id)
    assert line.amount == Decimal("7125.00") + Decimal("299.97")


def test_an_entered_tax_is_kept_when_the_amount_changes(world):
    detail = world.add_time()
    update_detail(world.code, detail.id, 1, {"tax": Decimal("1.00")})
    update_detail(world.code, detail.id, 2, {"quantity": Decimal("4")})
    detail = world.detail(detail.id)
    assert (detail.amount, detail.tax) == (Decimal("4000.00"), Decimal("1.00"))
    update_detail(world.code, detail.id, 3, {"tax": None})  # blank: the default again
    assert world.detail(detail.id).tax == Decimal("1000.00")


def test_price_blank_takes_the_price_list_price_again(world):
    detail = world.add_time(price=Decimal("5"))
    update_detail(world.code, detail.id, 1, {"price": None})
    assert world.detail(detail.id).price == Decimal("1000.00")


@pytest.mark.parametrize("changes, field", [
    ({"quantity": Decimal("1.23456")}, "quantity"),
    ({"price": Decimal("1.23456")}, "price"),
    ({"tax": Decimal("1.234")}, "tax"),
    ({"quantity": Decimal("1e13")}, "quantity"),
    ({"unit_schedule": 3}, "unit_schedule"),
    ({"billing_type": "not_available"}, "billing_type"),
    ({"role": 999999}, "role"),
])
def test_values_that_cannot_be_saved_name_their_field(world, changes, field):
    detail = world.add_time()
    with pytest.raises(ServiceError) as refused:
        update_detail(world.code, detail.id, 1, changes)
    assert field in refused.value.errors
    assert world.detail(detail.id).version == 1


def test_money_decimals_follow_the_currency(app):
    yen = World("JPY")
    with pytest.raises(ServiceError) as refused:
        update_detail(yen.code, yen.actual_detail.id, 1, {"tax": Decimal("1.5")})
    assert refused.value.errors == {"tax": "At most 0 decimals."}
    update_detail(yen.code, yen.actual_detail.id, 1, {"tax": Decimal("15")})


def test_product_fields_of_a_material_detail(world):
    from tests.factories import make_product
    product = make_product(price=Decimal("42.00"))
    detail = world.add_material()
    update_detail(world.code, detail.id, 1, {"product_choice": "existing"})
    update_detail(world.code, detail.id, 2, {"product": product.id, "price": None})
    assert (world.detail(detail.id).product_id, world.detail(detail.id).price) == (
        product.id, Decimal("42.00"))
    # Switching to a write-in product drops the catalogue product.
    update_detail(world.code, detail.id, 3, {"product_choice": "write_in",
                                             "product": product.id, "product_name": "Cable"})
    detail = world.detail(detail.id)
    assert (detail.product_choice, detail.product_id, detail.product_name) == (
        "write_in", None, "Cable")
    with pytest.raises(ServiceError):
        update_detail(world.code, detail.id, 4, {"product": product.id})


def test_a_detail_change_cannot_leave_the_discount_above_the_detail_amount(world):
    update_header(world.code, world.invoice().version, {"discount_amount": Decimal("8000.00")})
    with pytest.raises(ServiceError) as refused:
        update_detail(world.code, world.actual_detail.id, 1, {"billing_type": "complimentary"})
    assert ROW in refused.value.errors
    assert world.detail(world.actual_detail.id).billing_type == "chargeable"


# ---------------------------------------------------------------- delete

def test_delete_detail_returns_the_actual_to_ready(world):
    delete_detail(world.code, world.actual_detail.id, 1)
    assert db.session.scalar(select(Actual.status)) == "ready"
    assert db.session.get(InvoiceLine, world.tm_line.id).amount == Decimal("0.00")


def test_delete_detail_made_on_an_older_version_is_refused(world):
    update_detail(world.code, world.actual_detail.id, 1, {"description": "Changed"})
    with pytest.raises(Conflict):
        delete_detail(world.code, world.actual_detail.id, 1)
    assert world.detail(world.actual_detail.id) is not None


def test_removing_a_detail_cannot_leave_the_discount_above_the_detail_amount(world):
    update_header(world.code, world.invoice().version, {"discount_amount": Decimal("8000.00")})
    with pytest.raises(ServiceError, match="discount larger than the detail amount"):
        delete_detail(world.code, world.actual_detail.id, 1)
    assert world.detail(world.actual_detail.id) is not None
    assert db.session.scalar(select(Actual.status)) == "invoice_created"


def test_delete_milestone_detail(world):
    delete_detail(world.code, world.milestone_detail.id, 1)
    assert db.session.scalar(select(Milestone.status)) == "ready"


# ---------------------------------------------------------------- header

def test_discount_percent_computes_the_amount_and_an_amount_clears_the_percent(world):
    invoice = world.invoice()
    assert invoice.detail_amount == Decimal("8325.00")
    update_header(world.code, invoice.version, {"discount_percent": Decimal("10")})
    invoice = world.invoice()
    assert (invoice.discount_amount, invoice.pre_freight_amount) == (
        Decimal("832.50"), Decimal("7492.50"))
    # Σ line tax 2081.25 − round(832.50 × 25 %) = 2081.25 − 208.13
    assert invoice.total_tax == Decimal("1873.12")
    update_header(world.code, invoice.version, {"discount_amount": Decimal("100.00")})
    invoice = world.invoice()
    assert (invoice.discount_percent, invoice.discount_amount) == (None, Decimal("100.00"))


def test_freight_is_taxed_at_the_default_rate(world):
    update_header(world.code, world.invoice().version, {"freight_amount": Decimal("100.00")})
    invoice = world.invoice()
    assert invoice.total_tax == Decimal("2081.25") + Decimal("25.00")
    assert invoice.total_amount == Decimal("8325.00") + Decimal("100.00") + invoice.total_tax


def test_header_text_and_dates(world):
    update_header(world.code, world.invoice().version, {
        "name": " Spring invoice ", "description": "March work", "bill_to_country": "my",
        "invoice_date": dt.date(2026, 4, 2), "due_date": dt.date(2026, 5, 2)})
    invoice = world.invoice()
    assert (invoice.name, invoice.bill_to_country, invoice.due_date) == (
        "Spring invoice", "MY", dt.date(2026, 5, 2))


@pytest.mark.parametrize("changes, field", [
    ({"discount_amount": Decimal("9000.00")}, "discount_amount"),
    ({"discount_percent": Decimal("101")}, "discount_percent"),
    ({"freight_amount": Decimal("-1.00")}, "freight_amount"),
    ({"freight_amount": Decimal("1.001")}, "freight_amount"),
    ({"due_date": dt.date(2026, 3, 1)}, "due_date"),
    ({"name": ""}, "name"),
    ({"bill_to_country": "Denmark"}, "bill_to_country"),
    ({"bill_to_email": "nobody"}, "bill_to_email"),
])
def test_header_values_that_cannot_be_saved(world, changes, field):
    version = world.invoice().version
    with pytest.raises(ServiceError) as refused:
        update_header(world.code, version, changes)
    assert set(refused.value.errors) == {field}
    assert world.invoice().version == version


@pytest.mark.parametrize("field", ["currency", "total_amount", "number", "customer", "status"])
def test_header_fields_that_are_not_editable_are_refused(world, field):
    with pytest.raises(ServiceError):
        update_header(world.code, world.invoice().version, {field: "x"})


def test_a_detail_edit_leaves_an_open_header_form_current_and_a_header_edit_does_not(world):
    # Issue 17: the totals another reviewer's detail edit moved are no header field of
    # the person's form; another header edit is.
    version = world.invoice().version
    tax_before = world.invoice().total_tax
    update_detail(world.code, world.actual_detail.id, 1, {"tax": Decimal("0.00")})
    update_header(world.code, version, {"freight_amount": Decimal("10.00")})
    invoice = world.invoice()
    assert invoice.freight_amount == Decimal("10.00")
    assert invoice.total_tax == tax_before - Decimal("1781.25") + Decimal("2.50")
    with pytest.raises(Conflict, match="Someone else changed this invoice"):
        update_header(world.code, version, {"name": "Stale"})
    assert world.invoice().name != "Stale"


# ---------------------------------------------------------------- lines and recalculation

def test_rename_line(world):
    version = world.tm_line.version
    rename_line(world.code, world.tm_line.id, version, "  Build, March ")
    assert db.session.get(InvoiceLine, world.tm_line.id).name == "Build, March"
    with pytest.raises(Conflict):
        rename_line(world.code, world.tm_line.id, version, "Again")
    with pytest.raises(ServiceError):
        rename_line(world.code, world.tm_line.id, version + 1, " ")


def test_product_lines_cannot_be_renamed(world):
    with pytest.raises(ServiceError):
        rename_line(world.code, world.product_line.id, world.product_line.version, "Other")


def test_recalculate_says_whether_the_totals_changed(world):
    assert recalculate_invoice(world.code).changed is False
    db.session.execute(update(Invoice).values(total_amount=Decimal("1.00"), version=Invoice.version + 1))
    db.session.commit()
    result = recalculate_invoice(world.code)
    assert result.changed is True
    assert world.invoice().total_amount == Decimal("10406.25")


def test_a_version_bumped_behind_our_back_is_a_conflict(world):
    # Another writer commits between the page and the post.
    db.session.execute(text("UPDATE invoice_line_details SET version = version + 1 WHERE id = :id"),
                       {"id": world.actual_detail.id})
    db.session.commit()
    with pytest.raises(Conflict):
        update_detail(world.code, world.actual_detail.id, 1, {"description": "Mine"})


def test_every_edit_is_in_the_audit_trail(world):
    from app.services.audit import timeline
    update_detail(world.code, world.actual_detail.id, 1, {"billing_type": "complimentary"})
    update_header(world.code, world.invoice().version, {"name": "Spring"})
    detail = world.add_time()
    delete_detail(world.code, detail.id, 1)
    entries = [(e.action, e.target, e.field, e.old_value, e.new_value)
               for e in reversed(timeline(world.code))
               if e.action in ("edit", "add_detail", "remove_detail")]
    # A row is named as it was called then: a removed one is gone from the invoice later.
    assert entries == [
        ("edit", f"detail {world.actual_detail.id}", "billing_type", "chargeable",
         "complimentary"),  # its actual has no comment: the detail has no description
        ("edit", "header", "name", world.invoice().contract.name, "Spring"),
        ("add_detail", f"detail {detail.id}: Extra workshop", "transaction_class", None, "time"),
        ("remove_detail", f"detail {detail.id}: Extra workshop", None, None, None)]


def test_a_category_on_a_time_detail_is_refused_and_nothing_changes(world):
    detail = world.add_time()
    before = world.detail(detail.id)
    with pytest.raises(ServiceError) as refused:
        update_detail(world.code, detail.id, before.version, {"category": world.hotel.id})
    assert refused.value.field == "category"
    assert "does not apply to a detail of this transaction class" in str(refused.value)
    after = world.detail(detail.id)
    assert (after.category_id, after.version) == (None, before.version)
    with pytest.raises(ServiceError) as refused:
        world.add_time(category=world.hotel.id)
    assert refused.value.field == "category"

