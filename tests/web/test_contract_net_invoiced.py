"""The contract page after a correction (issue 14): credit notes are listed as such, and
what the contract was invoiced is net of them."""

from app.services.corrections import correct_invoice
from app.services.lifecycle import confirm_invoice
from tests.web.helpers import page

def test_the_contract_page_shows_credit_notes_and_the_net_invoiced_amount(client, invoice):
    original = confirm_invoice(invoice.code)
    html = page(client.get(f"/contracts/{original.contract.number}"))
    assert 'data-testid="contract-net-invoiced" data-value="8906.25"' in html
    credit_note = correct_invoice(original.code)
    html = page(client.get(f"/contracts/{original.contract.number}"))
    assert "Credit note" in html
    # A draft credit note charges nothing back yet.
    assert 'data-testid="contract-net-invoiced" data-value="8906.25"' in html
    confirm_invoice(credit_note.code)
    html = page(client.get(f"/contracts/{original.contract.number}"))
    assert 'data-testid="contract-net-invoiced" data-value="0.00"' in html
