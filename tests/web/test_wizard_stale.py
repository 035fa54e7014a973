"""Finish creates what the preview showed, or nothing (issue 11): a preview gone stale
between Next and Finish is shown again with what changed, and a contract that already has
an open draft asks before a second one is created."""

import datetime as dt
import html as html_lib
import re
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, Invoice
from app.services.invoicing import (InvoiceParameters, PreviewOutdated, create_invoice,
                                    fingerprint, parse_fingerprint, ready_items)
from app.services.lifecycle import delete_invoice
from tests.factories import make_actual, make_contract, make_product_line, make_project, make_tm_line
from tests.web.helpers import error_next_to, finish_wizard, page, wizard_selection

PARAMETERS = {"cutoff": "2026-03-31", "classes": ["time", "expense"], "products": "y"}
PARAMS = InvoiceParameters(cutoff=dt.date(2026, 3, 31), classes=frozenset({"time", "expense"}))


def invoices() -> int:
    return db.session.scalar(select(func.count()).select_from(Invoice))


def _world():
    contract = make_contract(name="Website 2026", tax_rate=Decimal("25"))
    line = make_tm_line(contract, make_project(), classes=("time", "expense"), name="Build")
    actuals = [make_actual(line, quantity=Decimal("1"), price=Decimal(price))
               for price in ("100.00", "200.00", "300.00")]
    db.session.commit()
    return contract, line, actuals


def _next(client, ref, **extra) -> str:
    return page(client.post(f"/contracts/{ref}/invoice",
                            data={**PARAMETERS, **extra, "action": "next"}))


def _finish(client, ref, selection, **extra):
    return client.post(f"/contracts/{ref}/invoice",
                       data={**PARAMETERS, **extra, "action": "finish", "selection": selection})


def _notice(html: str) -> str:
    match = re.search(r'data-testid="wizard-notice">(.*?)</p>', html, re.DOTALL)
    assert match, "no notice on the wizard"
    return html_lib.unescape(" ".join(match.group(1).split()))


def test_items_taken_by_another_invoice_meanwhile_create_nothing_and_say_by_which(client):
    contract, _line, _actuals = _world()
    selection = wizard_selection(_next(client, contract.number))
    other = create_invoice(contract.number, PARAMS)  # another person, between Next and Finish

    response = _finish(client, contract.number, selection)

    assert response.status_code == 409
    assert invoices() == 1  # only the other one: no empty duplicate
    text = _notice(response.text)
    assert f"3 items of the preview were taken by {other.code}." in text
    assert "Nothing is ready to invoice any more" in text
    # The preview is shown again as it is now: nothing left on the line.
    assert 'data-testid="preview-count" data-value="0"' in response.text
    assert 'data-testid="wizard-nothing-ready"' in response.text


def test_an_empty_draft_is_created_only_after_finishing_the_empty_preview_explicitly(client):
    contract, _line, _actuals = _world()
    selection = wizard_selection(_next(client, contract.number))
    create_invoice(contract.number, PARAMS)
    stale = _finish(client, contract.number, selection)
    assert stale.status_code == 409

    # Finishing what is shown now (nothing) still needs the second draft confirmed…
    refused = _finish(client, contract.number, wizard_selection(stale.text))
    assert refused.status_code == 409 and invoices() == 1
    # … and then creates the empty draft, as the person asked.
    done = _finish(client, contract.number, wizard_selection(refused.text), another_draft="y")
    assert done.status_code == 302 and invoices() == 2


def test_an_item_that_became_ready_meanwhile_is_not_invoiced_unseen(client):
    contract, line, _actuals = _world()
    selection = wizard_selection(_next(client, contract.number))
    make_actual(line, quantity=Decimal("1"), price=Decimal("999.00"))
    db.session.commit()

    response = _finish(client, contract.number, selection)

    assert response.status_code == 409 and invoices() == 0
    assert "1 item became ready to invoice since the preview." in _notice(response.text)
    assert 'data-testid="preview-amount" data-value="1599.00"' in response.text
    # Finishing the new preview creates exactly it.
    done = _finish(client, contract.number, wizard_selection(response.text))
    assert done.status_code == 302
    assert db.session.scalars(select(Invoice)).one().detail_amount == Decimal("1599.00")


def test_an_item_no_longer_ready_or_changed_meanwhile_is_said(client):
    contract, _line, actuals = _world()
    selection = wizard_selection(_next(client, contract.number))
    actuals[0].status = "unbilled"  # marked not ready in the backlog
    db.session.commit()
    response = _finish(client, contract.number, selection)
    assert response.status_code == 409 and invoices() == 0
    text = _notice(response.text)
    assert "1 item of the preview is no longer ready to invoice." in text
    assert "Check what will be invoiced now and press Finish again." in text

    selection = wizard_selection(response.text)
    actuals[1].billing_type = "complimentary"
    db.session.commit()
    response = _finish(client, contract.number, selection)
    assert response.status_code == 409 and invoices() == 0
    assert "Amounts or billing types of items of the preview changed." in _notice(response.text)


def test_a_product_line_taken_meanwhile_is_said(client):
    contract, _line, _actuals = _world()
    make_product_line(contract, name="Licence")
    db.session.commit()
    selection = wizard_selection(_next(client, contract.number))
    other = create_invoice(contract.number, InvoiceParameters(
        cutoff=dt.date(2026, 3, 31), classes=frozenset(), products=True))

    response = _finish(client, contract.number, selection, another_draft="y")

    assert response.status_code == 409 and invoices() == 1
    assert f"1 item of the preview was taken by {other.code}." in _notice(response.text)


def test_an_unchanged_preview_creates_the_draft(client):
    contract, _line, _actuals = _world()
    response = finish_wizard(client, contract.number, PARAMETERS)
    assert response.status_code == 302
    invoice = db.session.scalars(select(Invoice)).one()
    assert invoice.detail_amount == Decimal("600.00")
    assert db.session.scalar(select(func.count()).select_from(Actual)
                             .where(Actual.status == "invoice_created")) == 3


def test_finish_without_a_preview_shows_the_preview_and_creates_nothing(client):
    contract, _line, _actuals = _world()
    response = client.post(f"/contracts/{contract.number}/invoice",
                           data={**PARAMETERS, "action": "finish"})
    html = page(response)
    assert invoices() == 0
    assert _notice(html) == "Check what will be invoiced, then press Finish."
    assert 'data-testid="preview-line"' in html and 'name="selection"' in html


def test_a_forged_or_garbled_fingerprint_is_refused_not_a_crash(client):
    contract, _line, _actuals = _world()
    for selection in ("", "nonsense", "abc:1-999999999999::", "x:-5:a:", ":" * 4000):
        response = _finish(client, contract.number, selection)
        assert response.status_code == 409, selection
        assert "What will be invoiced changed since the preview" in _notice(response.text)
    assert invoices() == 0


# ---------------------------------------------------------------- an open draft

def test_the_wizard_warns_of_an_open_draft_and_links_to_it(client):
    contract, _line, _actuals = _world()
    draft = create_invoice(contract.number, PARAMS)
    html = page(client.get(f"/contracts/{contract.number}/invoice"))
    warning = re.search(r'data-testid="wizard-open-drafts">(.*?)</div>', html, re.DOTALL).group(1)
    assert "This contract already has an open draft invoice:" in warning
    assert f'href="/invoices/{draft.code}"' in warning
    assert 'name="another_draft"' not in html  # asked on step two only
    assert 'name="another_draft"' in _next(client, contract.number)


def test_a_second_draft_needs_the_box_ticked(client):
    contract, line, _actuals = _world()
    draft = create_invoice(contract.number, PARAMS)
    make_actual(line, quantity=Decimal("1"), price=Decimal("50.00"))
    db.session.commit()
    selection = wizard_selection(_next(client, contract.number))

    refused = _finish(client, contract.number, selection)
    assert refused.status_code == 409 and invoices() == 1
    assert error_next_to(refused.text, "another_draft") == (
        f"Contract {contract.number} already has an open draft invoice: {draft.code}. "
        "Tick the box to create another one anyway.")

    done = _finish(client, contract.number, selection, another_draft="y")
    assert done.status_code == 302 and invoices() == 2


def test_confirmed_cancelled_and_deleted_invoices_are_not_open_drafts(client):
    from app.services.lifecycle import cancel_invoice, confirm_invoice

    contract, line, _actuals = _world()
    confirm_invoice(create_invoice(contract.number, PARAMS).code)
    make_actual(line, quantity=Decimal("1"), price=Decimal("10.00"))
    db.session.commit()
    cancel_invoice(create_invoice(contract.number, PARAMS).code)
    delete_invoice(create_invoice(contract.number, PARAMS).code)
    html = page(client.get(f"/contracts/{contract.number}/invoice"))
    assert 'data-testid="wizard-open-drafts"' not in html
    assert finish_wizard(client, contract.number, PARAMETERS).status_code == 302


# ---------------------------------------------------------------- the service

def test_create_invoice_refuses_a_stale_fingerprint_and_writes_nothing(app):
    contract, line, _actuals = _world()
    previewed = fingerprint(ready_items(contract, PARAMS))
    make_actual(line, quantity=Decimal("1"), price=Decimal("5.00"))
    db.session.commit()
    try:
        create_invoice(contract.number, PARAMS, previewed=previewed)
    except PreviewOutdated as error:
        assert "1 item became ready to invoice since the preview." in str(error)
    else:
        raise AssertionError("a stale preview was invoiced")
    assert invoices() == 0
    assert db.session.scalar(select(func.count()).select_from(Actual)
                             .where(Actual.status == "ready")) == 4


def test_fingerprints_carry_id_ranges_and_parse_only_what_they_wrote(app):
    contract, line, actuals = _world()
    token = fingerprint(ready_items(contract, PARAMS))
    ids = sorted(a.id for a in actuals)
    assert token.endswith(f":{ids[0]}-{ids[-1]}::")
    digest, parsed = parse_fingerprint(token)
    assert parsed == {"actual": set(ids), "milestone": set(), "product": set()}
    assert parse_fingerprint("d:1-9999999999::")[1] is None  # no unbounded expansion
    assert parse_fingerprint("d:5-3::")[1] is None
