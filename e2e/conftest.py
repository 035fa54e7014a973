"""Browser tests: the app served from a thread on a migrated SQLite file with the demo
company, driven by Playwright in Debian's Chromium."""

import shutil
import threading

import pytest
from playwright.sync_api import expect
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.services.demo import seed_demo

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in item.nodeid.split("/")[0]:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "e2e",
                      "TESTING": True, "LOGIN_DISABLED": True})
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_invoice(live_app):
    """A fresh draft invoice of its own for one test, so that tests never share state.

    Imports a small company with unique keys (a DKK contract with a T&M line for time
    and expense, a fixed-price line with one ready milestone) and three ready actuals,
    then creates the invoice. Returns its Invoice ID.
    """
    import datetime as dt
    import uuid

    from app.services.importer import import_data
    from app.services.invoicing import InvoiceParameters, create_invoice

    def make(currency="DKK", tax_rate="25") -> str:
        n = uuid.uuid4().hex[:8]
        data = {
            "format": "project-invoicing/1",
            "customers": [{"key": f"{n}-cust", "name": f"Test customer {n}", "email": "ap@example.com",
                           "bill_to": {"street": "Main Street 1", "postal_code": "1000",
                                       "city": "Copenhagen", "country": "DK"}}],
            "roles": [{"key": f"{n}-dev", "name": f"Developer {n}"}],
            "resources": [{"key": f"{n}-ana", "name": "Ana"}],
            "categories": [{"key": f"{n}-hotel", "name": f"Hotel {n}"}],
            "price_lists": [{"key": f"{n}-pl", "name": f"Prices {n}", "currency": currency,
                             "role_prices": [{"role": f"{n}-dev", "unit": "hour", "price": "1000.00"}],
                             "category_prices": [{"category": f"{n}-hotel", "unit": "each",
                                                  "price": "1200.00"}]}],
            "projects": [{"key": f"{n}-proj", "name": f"Project {n}", "customer": f"{n}-cust",
                          "tasks": [{"key": "build", "name": "Build"}]}],
            "contracts": [{"key": f"{n}-c", "name": f"Contract {n}", "customer": f"{n}-cust",
                           "currency": currency, "price_list": f"{n}-pl", "tax_rate": tax_rate,
                           "lines": [
                               {"key": f"{n}-tm", "name": "Build", "billing_method": "time_and_material",
                                "project": f"{n}-proj", "classes": ["time", "expense"],
                                "amount": "100000.00"},
                               {"key": f"{n}-fp", "name": "Design", "billing_method": "fixed_price",
                                "project": f"{n}-proj", "amount": "5000.00",
                                "milestones": [{"key": f"{n}-m1", "name": "Sign-off",
                                                "date": "2026-03-01", "amount": "5000.00",
                                                "status": "ready"}]}]}],
            "actuals": [
                {"key": f"{n}-a1", "project": f"{n}-proj", "task": "build", "class": "time",
                 "date": "2026-03-02", "role": f"{n}-dev", "resource": f"{n}-ana",
                 "quantity": "7.5", "unit": "hour", "internal_comment": "API work",
                 "external_comment": "Development", "status": "ready"},
                {"key": f"{n}-a2", "project": f"{n}-proj", "task": "build", "class": "time",
                 "date": "2026-03-03", "role": f"{n}-dev", "resource": f"{n}-ana",
                 "quantity": "2", "unit": "hour", "internal_comment": "Code review",
                 "external_comment": "Review", "status": "ready"},
                {"key": f"{n}-a3", "project": f"{n}-proj", "class": "expense",
                 "date": "2026-03-04", "category": f"{n}-hotel", "quantity": "1",
                 "unit": "each", "description": "Hotel, one night", "status": "ready"}]}
        with live_app.app_context():
            import_data(data)
            code = create_invoice(f"{n}-c", InvoiceParameters(cutoff=dt.date(2026, 3, 31))).code
            db.session.remove()
        return code

    return make



@pytest.fixture
def settled(page):
    """Wait until htmx has started on the page and no swap is in flight: what was just
    swapped in (or loaded after a redirect) then answers clicks and changes through htmx.
    A person never acts within those milliseconds; Playwright does."""
    def wait() -> None:
        page.wait_for_function("() => document.readyState === 'complete' && !!window.htmx")
        expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
               ).to_have_count(0)
    return wait


@pytest.fixture
def confirmed_on_page(page, base_url, make_invoice, settled):
    """open() → the Invoice ID of a fresh invoice (make_invoice's) confirmed through its page
    in Chromium, the page left open on it: 1440 px wide, every hx-confirm question
    answered yes."""
    def open_confirmed(height: int = 1000) -> str:
        page.set_viewport_size({"width": 1440, "height": height})
        page.on("dialog", lambda dialog: dialog.accept())
        code = make_invoice()
        page.goto(f"{base_url}/invoices/{code}")
        settled()
        page.get_by_test_id("action-confirm").click()
        expect(page.get_by_test_id("invoice-project-status")).to_have_attribute(
            "data-value", "confirmed")
        return code
    return open_confirmed
