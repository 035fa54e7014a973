"""No invoice data in browser or proxy caches (issue 12): every answer but a static file
says Cache-Control: no-store — pages, htmx fragments, JSON, preview, PDF and redirects."""

import pytest

from app.services.users import create_user

PASSWORD = "a long enough password"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(app, client):
    app.config["LOGIN_DISABLED"] = False
    create_user("bo@example.com", PASSWORD, "billing_manager")
    assert client.post("/login", data={"email": "bo@example.com",
                                       "password": PASSWORD}).status_code == 302
    return client


def _no_store(response) -> bool:
    return response.headers.get("Cache-Control") == "no-store"


def test_invoice_page_fragments_json_preview_and_pdf_are_not_cached(signed_in, invoice):
    answers = {
        "page": signed_in.get(f"/invoices/{invoice.code}"),
        "history fragment": signed_in.get(f"/invoices/{invoice.code}/history", headers=HTMX),
        "json": signed_in.get(f"/invoices/{invoice.code}.json"),
        "preview": signed_in.get(f"/invoices/{invoice.code}/preview"),
        "pdf": signed_in.get(f"/invoices/{invoice.code}/pdf"),
        "list": signed_in.get("/invoices"),
        "action redirect": signed_in.post(f"/invoices/{invoice.code}/recalculate"),
    }
    assert answers["pdf"].mimetype == "application/pdf"
    assert {name: r.status_code < 400 for name, r in answers.items()} == dict.fromkeys(answers, True)
    assert {name: _no_store(r) for name, r in answers.items()} == dict.fromkeys(answers, True)
    assert answers["pdf"].headers["Pragma"] == "no-cache"


def test_answers_to_anonymous_visitors_are_not_cached_either(app, client):
    app.config["LOGIN_DISABLED"] = False
    assert _no_store(client.get("/login"))  # carries a CSRF token bound to the session
    assert _no_store(client.get("/invoices"))  # the redirect to the sign-in page
    assert _no_store(client.get("/no-such-page"))


def test_static_files_may_be_cached(signed_in):
    response = signed_in.get("/static/app.css")
    response.close()  # a file streamed from disk
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
