"""Users, sign-in throttling and the append-only audit trail (issue 7)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import AuditEntry, User
from app.permissions import ROLES, has_permission
from app.services import ServiceError, audit
from app.services.users import (SignInRefused, authenticate, change_password, create_user,
                                end_sessions, load_user, update_user)

PASSWORD = "correct horse battery"


def test_roles_include_everything_of_the_role_below():
    assert [r for r in ROLES if has_permission(r, "confirm")] == ["billing_manager", "admin"]
    assert [r for r in ROLES if has_permission(r, "edit_invoice")] == ["reviewer", "billing_manager",
                                                                      "admin"]
    assert [r for r in ROLES if has_permission(r, "manage_users")] == ["admin"]
    assert all(has_permission(r, "read") for r in ROLES)
    assert not has_permission(None, "read")


def test_passwords_are_hashed_and_emails_unique(app):
    user = create_user("Ana@Example.com ", PASSWORD, "reviewer")
    assert user.email == "ana@example.com"
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
    with pytest.raises(ServiceError, match="already exists"):
        create_user("ana@example.com", PASSWORD, "viewer")
    with pytest.raises(ServiceError, match="at least 10 characters"):
        create_user("bo@example.com", "short", "viewer")
    with pytest.raises(ServiceError, match="Unknown role 'boss'"):
        create_user("bo@example.com", PASSWORD, "boss")


def test_an_unknown_email_costs_the_same_hash_check_as_a_wrong_password(app, monkeypatch):
    # The refusal of an unknown e-mail must take as long as a wrong password's: it checks
    # the password against a (precomputed) hash of the same method and cost.
    import app.services.users as users
    checked = []
    real_check = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real_check(stored, given))
    user = create_user("ana@example.com", PASSWORD, "reviewer")
    for email in ("nobody@example.com", "ana@example.com"):
        with pytest.raises(SignInRefused, match="Wrong e-mail or password"):
            authenticate(email, "wrong password!")
    unknown, known = (stored.split("$")[0] for stored in checked)
    assert unknown == known == user.password_hash.split("$")[0]  # e.g. scrypt:32768:8:1


def test_failures_do_not_lock_the_account(app):
    # Throttling is per e-mail and client address, at the edge (app/auth/throttle.py):
    # the account itself is never locked by somebody else's guesses.
    create_user("ana@example.com", PASSWORD, "viewer")
    for _ in range(10):
        with pytest.raises(SignInRefused, match="Wrong e-mail or password"):
            authenticate("ana@example.com", "wrong password")
    assert authenticate("ana@example.com", PASSWORD).email == "ana@example.com"


def test_signing_out_ends_every_session_of_the_user(app):
    user = create_user("ana@example.com", PASSWORD, "viewer")
    session = user.get_id()
    end_sessions(user.id)
    assert load_user(session) is None
    assert load_user(db.session.get(User, user.id).get_id()).email == "ana@example.com"


def test_a_new_password_ends_older_sessions(app):
    user = create_user("ana@example.com", PASSWORD, "viewer")
    old_session = user.get_id()
    change_password(user.id, PASSWORD, "another long password")
    assert load_user(old_session) is None
    assert load_user(db.session.get(User, user.id).get_id()).email == "ana@example.com"
    assert authenticate("ana@example.com", "another long password")


def test_deactivated_users_cannot_sign_in_and_the_last_admin_stays(app):
    admin = create_user("admin@example.com", PASSWORD, "admin")
    user = create_user("ana@example.com", PASSWORD, "viewer")
    update_user(user.id, active=False)
    with pytest.raises(SignInRefused, match="Wrong e-mail or password"):  # as a wrong password
        authenticate("ana@example.com", PASSWORD)
    with pytest.raises(ServiceError, match="last active admin"):
        update_user(admin.id, role="viewer")


def test_audit_entries_are_append_only(app):
    audit.record("PRO-000001", "confirm")
    db.session.commit()
    for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.query(AuditEntry).count() == 1


def test_users_create_command(runner):
    result = runner.invoke(args=["users", "create", "Kim@Example.com", "--role", "reviewer",
                                 "--password-stdin"], input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "Created reviewer kim@example.com" in result.output
    assert authenticate("kim@example.com", "a long enough secret").role == "reviewer"
    again = runner.invoke(args=["users", "create", "kim@example.com", "--role", "viewer",
                                "--password-stdin"], input="a long enough secret\n")
    assert again.exit_code != 0 and "already exists" in again.stderr
    bad = runner.invoke(args=["users", "create", "x@example.com", "--role", "boss",
                              "--password-stdin"], input="a long enough secret\n")
    assert bad.exit_code != 0 and "Unknown role 'boss'" in bad.stderr
