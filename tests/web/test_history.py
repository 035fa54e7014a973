"""The invoice's history as a bookkeeper reads it (issue 11): labels and formatted values,
rows named by what they were called, one entry per edit, the legal number, "show all"."""

import datetime as dt
import html as markup
import re
from decimal import Decimal

import pytest
from flask_babel import refresh
from flask_sqlalchemy.record_queries import get_recorded_queries

from app.extensions import db
from app.services.editing import delete_detail, update_detail, update_header
from app.services.lifecycle import confirm_invoice, mark_paid, reopen_paid
from tests.factories import make_role
from tests.worlds import World

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    return World()


def _text(html: str) -> str:
    text = " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text.replace(" :", ":")


def _entries(response) -> list[str]:
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = html[html.index('data-testid="invoice-history"'):]
    section = section[:section.index("</section>")]
    return [entry.partition(">")[2].partition("</li>")[0]
            for entry in section.split('data-testid="history-entry"')[1:]]


def history(response) -> list[str]:
    """What each entry of the page's history says (after when and who), newest first."""
    return [_text(re.sub(r'<time .*?</time>|<span class="who".*?</span>', "", entry, flags=re.S))
            for entry in _entries(response)]


def who(response) -> list[str]:
    return [_text(re.search(r'<span class="who".*?</span>', entry, re.S).group(0))
            for entry in _entries(response)]


def in_danish(client):
    client.post("/language", data={"language": "da"})
    refresh()  # the test shares one app context between requests; Babel caches the locale there


def edit(client, world, detail, **values):
    response = client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                           data={"version": world.detail(detail.id).version, **values})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_tax_edit_is_one_entry_with_the_label_the_row_and_the_money_of_the_invoice(client, world):
    detail = world.add_time()  # 2 h × 1,000.00, tax 500.00
    edit(client, world, detail, tax="100.00")
    entries = history(client.get(f"/invoices/{world.code}"))
    changed = [e for e in entries if e.startswith("Changed")]
    # One entry: the extended amount it recomputed is not a change of its own.
    assert len(changed) == 1, entries
    assert "Changed · Detail ‘Extra workshop’ Tax: DKK500.00 → DKK100.00" in changed[0]
    assert "extended" not in changed[0].lower() and "tax_" not in changed[0]


def test_the_history_reads_in_danish(client, world):
    detail = world.add_time()
    edit(client, world, detail, quantity="2.5")
    update_header(world.code, world.invoice().version, {"due_date": dt.date(2026, 5, 15)})
    in_danish(client)
    entries = history(client.get(f"/invoices/{world.code}"))
    # Newest first: the header, the quantity (its amounts follow it), the added detail, created.
    assert [e.split(" ")[0] for e in entries] == ["Ændret", "Ændret", "Detaljelinje", "Oprettet"]
    assert "Forfaldsdato: 1. maj 2026 → 15. maj 2026" in entries[0]
    assert "Antal: 2 → 2,5" in entries[1] and "Beløb" not in entries[1]
    assert "Transaktionsklasse: Tid" in entries[2]
    assert "Skæringsdato: 31. mar. 2026" in entries[3]


def test_references_are_named_and_money_keeps_the_price_decimals(client, world):
    detail = world.add_time()
    tester = make_role(name="Tester")
    db.session.commit()
    edit(client, world, detail, role=str(tester.id))
    edit(client, world, detail, price="1234.5678")
    entries = history(client.get(f"/invoices/{world.code}"))
    assert "Price: DKK1,000.00 → DKK1,234.5678" in entries[0]
    assert f"Role: {world.role.name} → Tester" in entries[1]


def test_a_removed_detail_is_still_named_by_its_description(client, world):
    detail = world.add_time(description="Workshop with finance team")
    delete_detail(world.code, detail.id, 1)
    entries = history(client.get(f"/invoices/{world.code}"))
    assert entries[0] == "Removed a detail · Detail ‘Workshop with finance team’"
    assert "Added a detail · Detail ‘Workshop with finance team’ Transaction class: Time" in entries[1]


def test_confirming_shows_the_legal_number_not_the_state_as_an_old_number(client, world):
    confirm_invoice(world.code)
    number = world.invoice().number
    entries = history(client.get(f"/invoices/{world.code}"))
    assert f"Confirmed — number {number} Project invoice status: Draft → Confirmed" in entries[0]
    assert f"Draft → {number}" not in entries[0]


def test_paid_and_reopened_read_with_the_date_and_the_reason(client, world):
    confirm_invoice(world.code)
    mark_paid(world.code, dt.date(2026, 4, 20), today=dt.date(2026, 4, 21))
    reopen_paid(world.code, "Payment was for another invoice")
    entries = history(client.get(f"/invoices/{world.code}"))
    assert "Reopened as unpaid Payment date: Apr 20, 2026 Reason: Payment was for another invoice" \
        in entries[0]
    assert "Marked as paid Payment date: Apr 20, 2026" in entries[1]
    in_danish(client)
    entries = history(client.get(f"/invoices/{world.code}"))
    assert "Markeret som betalt Betalingsdato: 20. apr. 2026" in entries[1]


def test_who_acted_is_named_and_the_command_line_is_translated(client, world):
    assert who(client.get(f"/invoices/{world.code}")) == ["Command line"]


def test_the_page_shows_the_latest_twenty_and_show_all_loads_the_rest(client, world):
    for n in range(24):
        update_header(world.code, world.invoice().version, {"name": f"Name {n}"})
    db.session.remove()
    before = len(get_recorded_queries())
    response = client.get(f"/invoices/{world.code}")
    reads = [q for q in get_recorded_queries()[before:] if "FROM audit_entries" in q.statement]
    # The page reads one entry more than it shows (to know there are more), never all of them.
    assert len(reads) == 1 and "LIMIT" in reads[0].statement
    assert "21" in re.findall(r"\d+", repr(reads[0].parameters))  # LIMIT 21: 20 shown
    entries = history(response)
    assert len(entries) == 20 and "Name: Name 22 → Name 23" in entries[0]
    html = response.get_data(as_text=True)
    link = re.search(r'data-testid="history-show-all"', html)
    assert link and f'hx-get="/invoices/{world.code}/history"' in html

    every = history(client.get(f"/invoices/{world.code}/history", headers=HX))
    assert len(every) == 25 and "Created" in every[-1]  # 24 edits and the creation
    fragment = client.get(f"/invoices/{world.code}/history", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card history" id="history"')
    assert "history-show-all" not in fragment
    # Without htmx, the link is the page with every entry.
    assert len(history(client.get(f"/invoices/{world.code}/history"))) == 25


def test_a_short_history_has_no_show_all(client, world):
    response = client.get(f"/invoices/{world.code}")
    assert len(history(response)) == 1
    assert "history-show-all" not in response.get_data(as_text=True)


def test_the_history_of_an_unknown_invoice_is_not_found(client, world):
    assert client.get("/invoices/PRO-999999/history", headers=HX).status_code == 404


def test_history_texts_are_escaped(client, world):
    payload = "<script>window.pwned = 1</script>"
    detail = world.add_time(description=payload)
    update_detail(world.code, detail.id, 1, {"external_description": payload + "!"})
    html = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    section = html[html.index('data-testid="invoice-history"'):]
    section = section[:section.index("</section>")]
    assert "<script>" not in section
    assert "Detail ‘&lt;script&gt;window.pwned = 1&lt;/script&gt;’" in section
    assert "External description" in section


def test_header_values_are_formatted(client, world):
    update_header(world.code, world.invoice().version,
                  {"discount_percent": Decimal("10"), "bill_to_country": "DE"})
    entries = history(client.get(f"/invoices/{world.code}"))
    # The discount amount it computed from the percent is not an entry of its own.
    assert entries[:2] == ["Changed Country: Denmark → Germany", "Changed Discount percent: 10 %"]
    in_danish(client)
    entries = history(client.get(f"/invoices/{world.code}"))
    assert "Land: Danmark → Tyskland" in entries[0]
