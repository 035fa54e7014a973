"""A form's CSRF token lasts as long as the sign-in (issue 11): an editor left open for
more than an hour still saves; a token older than the session is refused."""

import datetime as dt
import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.extensions import db
from app.models import Invoice
from app.services.users import create_user

PASSWORD = "a long enough password"
HX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(app, client):
    """A reviewer signed in with CSRF protection on, as in production."""
    app.config.update(LOGIN_DISABLED=False, WTF_CSRF_ENABLED=True)
    create_user("reviewer@example.com", PASSWORD, "admin")
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "reviewer@example.com",
                                           "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def token_from(app, client, age: dt.timedelta) -> str:
    """The page's CSRF token as the page would carry it had it been loaded `age` ago."""
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    then = int(time.time() - age.total_seconds())

    class SignedThen(TimestampSigner):
        def get_timestamp(self) -> int:
            return then

    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token",
                                  signer=SignedThen).dumps(raw)


def rename(client, invoice, token: str, name: str):
    db.session.expire_all()
    version = db.session.get(Invoice, invoice.id).version
    return client.post(f"/invoices/{invoice.code}/header", data={"version": version, "name": name},
                       headers={**HX, "X-CSRFToken": token})


def saved_name(invoice) -> str:
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id).name


def test_the_csrf_token_lasts_as_long_as_the_sign_in(app, signed_in, invoice):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == app.permanent_session_lifetime.total_seconds()
    assert app.permanent_session_lifetime == dt.timedelta(hours=12)


def test_an_edit_from_a_page_loaded_two_hours_ago_is_saved(app, signed_in, invoice):
    signed_in.get(f"/invoices/{invoice.code}")
    token = token_from(app, signed_in, dt.timedelta(hours=2))
    response = rename(signed_in, invoice, token, "Renamed after lunch")
    assert response.status_code == 200, response.text
    assert saved_name(invoice) == "Renamed after lunch"


def test_an_edit_from_a_page_older_than_the_sign_in_is_refused(app, signed_in, invoice):
    signed_in.get(f"/invoices/{invoice.code}")
    before = saved_name(invoice)
    token = token_from(app, signed_in, dt.timedelta(hours=12, minutes=5))
    response = rename(signed_in, invoice, token, "Renamed a day later")
    assert response.status_code == 400
    assert saved_name(invoice) == before
    # A token of the page just loaded saves.
    response = rename(signed_in, invoice, token_from(app, signed_in, dt.timedelta(0)), "Now")
    assert response.status_code == 200
    assert saved_name(invoice) == "Now"
