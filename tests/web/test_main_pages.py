"""Start page, language switch and error page."""

from decimal import Decimal

from app.extensions import db
from tests.factories import make_contract, make_tm_line, make_project
from tests.web.helpers import page


def test_home_redirects_to_contracts(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/contracts"


def test_pages_are_english_by_default_with_navigation_and_vendored_htmx(client):
    html = page(client.get("/contracts"))
    assert '<html lang="en">' in html
    for href, label in [("/contracts", "Contracts"), ("/backlog", "Billing backlog"),
                        ("/invoices", "Invoices"), ("/actuals", "Actuals")]:
        assert f'href="{href}"' in html and label in html
    assert "/static/htmx.min.js?v=2.0.11" in html
    assert "hx-headers='{\"X-CSRFToken\": " in html
    assert "https://" not in html  # nothing from a CDN


def test_language_form_posts_csrf_token_and_the_page_to_come_back_to(client):
    html = page(client.get("/actuals?status=ready"))
    assert 'action="/language"' in html
    assert 'name="csrf_token"' in html
    assert 'name="next" value="/actuals?status=ready"' in html


def test_browser_language_is_the_default(client):
    html = page(client.get("/contracts", headers={"Accept-Language": "da-DK,da;q=0.9"}))
    assert '<html lang="da">' in html
    assert "Fakturaer" in html


def test_switching_to_danish_formats_money_and_navigation_in_danish(client):
    contract = make_contract(currency="DKK")
    make_tm_line(contract, make_project(), amount=Decimal("1234.50"))
    db.session.commit()

    response = client.post("/language", data={"language": "da", "next": "/contracts"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/contracts"

    html = page(client.get("/contracts"))
    assert '<html lang="da">' in html
    assert "1.234,50\xa0kr." in html
    assert "Fakturaer" in html and "Kontrakter" in html and "Faktureringsefterslæb" in html


def test_switching_to_malay_formats_ringgit(client):
    contract = make_contract(currency="MYR", tax_rate=Decimal("8"))
    make_tm_line(contract, make_project(), amount=Decimal("1234.50"))
    db.session.commit()

    client.post("/language", data={"language": "ms", "next": "/contracts"})
    html = page(client.get("/contracts"))
    assert '<html lang="ms">' in html
    assert "RM1,234.50" in html
    assert "Invois" in html and "Tunggakan Pengebilan" in html


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"language": "xx", "next": "/contracts"})
    assert '<html lang="en">' in page(client.get("/contracts"))


def test_language_switch_only_redirects_within_the_site(client):
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                   "javascript:alert(1)", "contracts", ""]:
        response = client.post("/language", data={"language": "da", "next": target})
        assert response.status_code == 302
        assert response.headers["Location"] == "/contracts", target
    response = client.post("/language", data={"language": "en", "next": "/invoices?page=2"})
    assert response.headers["Location"] == "/invoices?page=2"


def test_unknown_page_renders_the_error_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_error_page_is_translated(client):
    client.post("/language", data={"language": "da", "next": "/"})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Ikke fundet" in response.get_data(as_text=True)
