"""An invoice line whose invoiced to date plus this invoice goes over the contract line
amount says so on the line — a warning, not a refusal (issue 11)."""

import datetime as dt
import html as html_lib
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.billing.totals import over_contract
from app.extensions import db
from app.models import InvoiceLineDetail
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice
from tests.factories import make_actual, make_contract, make_project, make_tm_line
from tests.web.helpers import page

HTMX = {"HX-Request": "true"}


def test_the_rule_counts_what_goes_over_and_nothing_within():
    assert over_contract(Decimal("10000.00"), Decimal("9000.00"), Decimal("2000.00")) == Decimal("1000.00")
    assert over_contract(Decimal("10000.00"), Decimal("9000.00"), Decimal("1000.00")) is None
    assert over_contract(Decimal("10000.00"), Decimal("0"), Decimal("0.00")) is None
    with pytest.raises(TypeError):
        over_contract(10000.0, Decimal("0"), Decimal("1"))


@pytest.fixture
def world(app):
    """A T&M line of 10,000.00: 9,000.00 confirmed on an earlier invoice, 2,000.00 on a draft."""
    contract = make_contract(name="Website 2026", tax_rate=Decimal("25"))
    line = make_tm_line(contract, make_project(), name="Build", amount=Decimal("10000.00"))
    make_actual(line, quantity=Decimal("1"), price=Decimal("9000.00"), date=dt.date(2026, 2, 2))
    db.session.commit()
    earlier = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 2, 28)))
    confirm_invoice(earlier.code)
    make_actual(line, quantity=Decimal("1"), price=Decimal("2000.00"), date=dt.date(2026, 3, 2))
    db.session.commit()
    draft = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
    return earlier, draft


def _warning(html: str):
    """The warning element of the (one) T&M line: (hidden?, its text)."""
    match = re.search(r'<p class="notice warning line-over"[^>]*data-testid="line-over-contract"'
                      r'([^>]*)>(.*?)</p>', html, re.DOTALL)
    assert match, "no warning element on the line"
    text = re.sub(r"<[^>]+>", "", match.group(2))
    return "hidden" in match.group(1), html_lib.unescape(" ".join(text.split()))


def test_the_draft_line_that_goes_over_the_contract_says_by_how_much(client, world):
    _earlier, draft = world
    html = page(client.get(f"/invoices/{draft.code}"))
    hidden, text = _warning(html)
    assert not hidden
    assert text == ("Over the contract line amount by DKK1,000.00: invoiced to date "
                    "DKK9,000.00 plus this invoice DKK2,000.00 exceed DKK10,000.00.")
    assert 'data-testid="line-over-amount" data-value="1000.00"' in html
    # A warning only: the draft can still be confirmed.
    assert 'data-testid="action-confirm"' in html


def test_a_line_within_the_contract_shows_no_warning(client, world):
    earlier, _draft = world
    hidden, text = _warning(page(client.get(f"/invoices/{earlier.code}")))
    assert hidden and text == ""  # 9,000.00 of 10,000.00, nothing earlier


def test_an_edit_that_brings_the_line_within_hides_the_warning_in_its_answer(client, world):
    _earlier, draft = world
    detail = db.session.scalars(select(InvoiceLineDetail)
                                .where(InvoiceLineDetail.invoice_id == draft.id)).one()
    response = client.post(f"/invoices/{draft.code}/details/{detail.id}", headers=HTMX,
                           data={"version": detail.version, "billing_type": "non_chargeable"})
    html = page(response)
    assert re.search(r'data-testid="line-over-contract" hidden hx-swap-oob="true"', html)
    db.session.expire_all()
    detail = db.session.get(InvoiceLineDetail, detail.id)
    response = client.post(f"/invoices/{draft.code}/details/{detail.id}", headers=HTMX,
                           data={"version": detail.version, "billing_type": "chargeable"})
    hidden, text = _warning(page(response))
    assert not hidden and text.startswith("Over the contract line amount by DKK1,000.00")


def test_recalculate_answers_the_warning_too(client, world):
    _earlier, draft = world
    html = page(client.post(f"/invoices/{draft.code}/recalculate", headers=HTMX))
    hidden, _text = _warning(html)
    assert not hidden and 'hx-swap-oob="true"' in html.split('line-over-contract')[1][:40]
