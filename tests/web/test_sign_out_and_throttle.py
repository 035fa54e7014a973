"""Sessions end on the server, sign-in refusals read alike, and the sign-in throttle counts
per e-mail and client address with an admin's unlock (issue 12)."""

import pytest

from app.auth import throttle
from app.extensions import db
from app.models import User
from app.services.users import create_user, update_user

PASSWORD = "a long enough password"
STRANGER, OWNER = "198.51.100.7", "203.0.113.20"


@pytest.fixture
def secure(app):
    """The app with sign-in switched on, as in production."""
    app.config["LOGIN_DISABLED"] = False
    return app


def client_from(app, address):
    """A browser at a client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def refusal(response) -> str:
    """The message next to the password field of the sign-in page."""
    text = response.get_data(as_text=True)
    start = text.index('data-field="password"')
    return text[start:text.index("</div>", start)]


def test_a_session_cookie_copied_before_sign_out_no_longer_works_after_it(secure):
    create_user("ana@example.com", PASSWORD, "viewer")
    browser = client_from(secure, OWNER)
    assert sign_in(browser, "ana@example.com").status_code == 302
    copy = client_from(secure, STRANGER)
    copy.set_cookie("session", browser.get_cookie("session").value)
    assert copy.get("/contracts").status_code == 200  # the copy works while signed in

    browser.post("/logout")

    assert copy.get("/contracts").status_code == 302  # …and not after sign-out
    assert copy.get("/contracts").location.startswith("/login")


def test_signing_out_on_one_device_ends_the_others_and_a_new_sign_in_works(secure):
    create_user("ana@example.com", PASSWORD, "viewer")
    laptop, phone = client_from(secure, OWNER), client_from(secure, OWNER)
    assert sign_in(laptop, "ana@example.com").status_code == 302
    assert sign_in(phone, "ana@example.com").status_code == 302

    laptop.post("/logout")

    assert phone.get("/contracts").status_code == 302
    assert sign_in(phone, "ana@example.com").status_code == 302
    assert phone.get("/contracts").status_code == 200
    assert "You are signed out on every device." in laptop.get("/login").text


def test_unknown_e_mail_wrong_password_and_deactivated_account_answer_alike(secure):
    create_user("ana@example.com", PASSWORD, "viewer")
    update_user(create_user("old@example.com", PASSWORD, "viewer").id, active=False)
    answers = [sign_in(client_from(secure, f"192.0.2.{n}"), email, password)
               for n, (email, password) in enumerate([
                   ("nobody@example.com", PASSWORD),      # unknown e-mail
                   ("ana@example.com", "wrong password"),  # real account, wrong password
                   ("old@example.com", PASSWORD)])]        # deactivated, right password
    assert {a.status_code for a in answers} == {401}
    assert {refusal(a) for a in answers} == {refusal(answers[0])}
    assert "Wrong e-mail or password." in refusal(answers[0])


def test_a_stranger_guessing_cannot_lock_the_owner_out(secure):
    create_user("admin@example.com", PASSWORD, "admin")
    stranger = client_from(secure, STRANGER)
    for _ in range(throttle.PAIR_FAILURES):
        assert sign_in(stranger, "admin@example.com", "guess").status_code == 401

    throttled = sign_in(stranger, "admin@example.com", PASSWORD)  # even the right password
    assert throttled.status_code == 429
    assert "Too many sign-in attempts: try again in 15 minutes." in throttled.text
    assert 0 < int(throttled.headers["Retry-After"]) <= throttle.PAIR_MINUTES * 60
    # The owner, elsewhere, signs in as usual.
    assert sign_in(client_from(secure, OWNER), "admin@example.com").status_code == 302


def test_unknown_and_real_e_mails_are_throttled_alike(secure):
    create_user("ana@example.com", PASSWORD, "viewer")
    answers = {}
    for email in ("ana@example.com", "nobody@example.com"):
        stranger = client_from(secure, STRANGER)
        statuses = [sign_in(stranger, email, "guess").status_code
                    for _ in range(throttle.PAIR_FAILURES + 1)]
        answers[email] = statuses, refusal(sign_in(stranger, email, "guess"))
    assert answers["ana@example.com"] == answers["nobody@example.com"]
    assert answers["ana@example.com"][0] == [401] * throttle.PAIR_FAILURES + [429]


def test_successful_sign_ins_do_not_count_as_failures(secure):
    create_user("ana@example.com", PASSWORD, "viewer")
    owner = client_from(secure, OWNER)
    for _ in range(throttle.PAIR_FAILURES + 3):
        assert sign_in(owner, "ana@example.com").status_code == 302


def test_one_address_trying_many_accounts_is_limited_too(secure):
    stranger = client_from(secure, STRANGER)
    statuses = [sign_in(stranger, f"user{n}@example.com", "guess").status_code
                for n in range(31)]
    assert statuses == [401] * 30 + [429]
    # Another address is not affected.
    assert sign_in(client_from(secure, OWNER), "user0@example.com", "guess").status_code == 401


def test_an_admin_unlocks_an_account_from_every_address(secure):
    create_user("admin@example.com", PASSWORD, "admin")
    ana = create_user("ana@example.com", PASSWORD, "viewer")
    strangers = [client_from(secure, address) for address in (STRANGER, "198.51.100.8")]
    for stranger in strangers:
        for _ in range(throttle.PAIR_FAILURES):
            sign_in(stranger, "ana@example.com", "guess")
        assert sign_in(stranger, "ana@example.com", PASSWORD).status_code == 429

    admin = client_from(secure, OWNER)
    assert sign_in(admin, "admin@example.com").status_code == 302
    assert 'data-testid="unlock-sign-in"' in admin.get("/admin/users").text
    unlocked = admin.post(f"/admin/users/{ana.id}/unlock", follow_redirects=True)
    assert "ana@example.com can sign in again from every address." in unlocked.text

    for stranger in strangers:
        assert sign_in(stranger, "ana@example.com", PASSWORD).status_code == 302


def test_only_an_admin_may_unlock(secure):
    ana = create_user("ana@example.com", PASSWORD, "viewer")
    create_user("bo@example.com", PASSWORD, "billing_manager")
    manager = client_from(secure, OWNER)
    assert sign_in(manager, "bo@example.com").status_code == 302
    assert manager.post(f"/admin/users/{ana.id}/unlock").status_code == 403
    admin_client = client_from(secure, OWNER)
    create_user("admin@example.com", PASSWORD, "admin")
    assert sign_in(admin_client, "admin@example.com").status_code == 302
    assert admin_client.post("/admin/users/999999/unlock").status_code == 404
    assert db.session.get(User, ana.id).active
