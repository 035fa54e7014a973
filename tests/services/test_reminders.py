"""Payment reminders through a real SMTP server (aiosmtpd, in this process): the level an
overdue invoice has reached, each level once, the PDF attached and the text in the
customer's language; a failed send recorded and tried again by the next run; "Send
reminder" by hand; the admin's levels and texts."""

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Invoice, Reminder
from app.services import Conflict, ServiceError
from app.services.lifecycle import record_payment
from app.services.mailing import MailFailed
from app.services.reminders import LevelInput, levels, run_reminders, save_levels, send_reminder
from tests.factories import flat, pdf_text
from tests.mail_server import free_port, start_server
from tests.worlds import document_invoice


@pytest.fixture
def shipped_levels(app):
    """The levels the migration ships: 1st at 7 days overdue, 2nd at 21, final at 35, with
    the default texts of each language."""
    save_levels([LevelInput(days, {}, {}) for days in (7, 21, 35)])


def overdue_invoice(language="da", email="faktura@kunde.example"):
    invoice = document_invoice(language, email=email)
    return invoice, invoice.due_date


def recorded(invoice) -> list[tuple[int, str, int]]:
    db.session.expire_all()
    return [(r.level, r.result, r.attempts) for r in db.session.scalars(
        select(Reminder).where(Reminder.invoice_id == invoice.id).order_by(Reminder.level))]


def days(due, n):
    return due + dt.timedelta(days=n)


def test_the_first_reminder_goes_out_at_7_days_with_the_pdf_in_the_customers_language(
        app, inbox, shipped_levels):
    invoice, due = overdue_invoice("da")
    assert run_reminders(days(due, 6)).outcomes == []  # not yet
    run = run_reminders(days(due, 7))
    assert [(o.number, o.level, o.result) for o in run.outcomes] == [(invoice.number, 1, "sent")]
    [message] = inbox.messages
    assert message["To"].addresses[0].addr_spec == "faktura@kunde.example"
    assert "Påmindelse" in message["Subject"] and invoice.number in message["Subject"]
    body = flat(message.get_body(("plain",)).get_content())
    assert "7 dage" in body and flat("16.906,25\xa0kr.") in body  # Danish formats
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert invoice.number in " ".join(pdf_text(attachment.get_content()))
    assert recorded(invoice) == [(1, "sent", 1)]
    reminder = db.session.scalars(select(Reminder)).one()
    assert (reminder.recipient, reminder.days_overdue, reminder.amount_due) == (
        "faktura@kunde.example", 7, D("16906.25"))
    assert reminder.pdf_sha256 and reminder.sent_at is not None
    # In the invoice's history: who was reminded, and how it went.
    assert db.session.scalars(select(AuditEntry.field).where(
        AuditEntry.invoice_code == invoice.code, AuditEntry.action == "remind")).all() == ["sent"]


def test_a_level_is_never_sent_twice_and_the_next_follows_at_its_days(app, inbox, shipped_levels):
    invoice, due = overdue_invoice("en")
    run_reminders(days(due, 8))
    assert run_reminders(days(due, 8)).outcomes == []
    assert run_reminders(days(due, 20)).outcomes == []
    # Partly paid meanwhile: the second reminder asks for what is left.
    record_payment(invoice.code, D("6906.25"), days(due, 10), today=days(due, 10))
    run = run_reminders(days(due, 21))
    assert [(o.level, o.result) for o in run.outcomes] == [(2, "sent")]
    body = inbox.messages[-1].get_body(("plain",)).get_content()
    assert "DKK" in body or "kr" in body
    assert "10,000.00" in flat(body) and "21 days overdue" in body
    assert "Second reminder" in inbox.messages[-1]["Subject"]
    assert run_reminders(days(due, 60)).outcomes[0].level == 3
    assert run_reminders(days(due, 400)).outcomes == []  # the final one was sent
    assert recorded(invoice) == [(1, "sent", 1), (2, "sent", 1), (3, "sent", 1)]
    assert len(inbox.envelopes) == 3


def test_after_a_long_pause_one_run_sends_the_level_reached_not_every_level_skipped(
        app, inbox, shipped_levels):
    invoice, due = overdue_invoice("ms")
    run = run_reminders(days(due, 40))
    assert [(o.level, o.result) for o in run.outcomes] == [(3, "sent")]
    assert len(inbox.envelopes) == 1
    assert "Peringatan" in inbox.messages[0]["Subject"]  # Malay


def test_paid_credit_notes_drafts_and_invoices_not_yet_late_get_no_reminder(
        app, inbox, shipped_levels):
    paid, due = overdue_invoice("en", email="paid@customer.example")
    record_payment(paid.code, paid.total_amount, days(due, 1), today=days(due, 1))
    document_invoice("en", confirm=False, email="draft@customer.example")
    assert run_reminders(days(due, 30)).outcomes == []
    assert inbox.envelopes == []


def test_a_failed_send_is_recorded_and_tried_again_by_the_next_run(app, shipped_levels):
    invoice, due = overdue_invoice("en")
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False,
                      SMTP_USERNAME="")  # nothing listens there
    run = run_reminders(days(due, 7))
    assert [(o.level, o.result) for o in run.outcomes] == [(1, "failed")]
    assert "ConnectionRefusedError" in run.outcomes[0].error
    assert recorded(invoice) == [(1, "failed", 1)]
    assert db.session.scalars(select(Reminder.error)).one().startswith("ConnectionRefused")
    controller, inbox = start_server(app)
    try:
        run = run_reminders(days(due, 8))
        assert [(o.level, o.result) for o in run.outcomes] == [(1, "sent")]
        assert recorded(invoice) == [(1, "sent", 2)]
        assert run_reminders(days(due, 9)).outcomes == []
        assert len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_the_remind_command_prints_each_reminder_and_exits_1_when_one_failed(
        app, runner, inbox, shipped_levels):
    invoice, due = overdue_invoice("en")
    result = runner.invoke(args=["invoices", "remind", "--date", days(due, 7).isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{invoice.number}\treminder 1\tfaktura@kunde.example\tsent" in result.output
    assert "1 reminder(s) sent, 0 failed." in result.output
    result = runner.invoke(args=["invoices", "remind", "--date", days(due, 7).isoformat()])
    assert "0 reminder(s) sent, 0 failed." in result.output
    result = runner.invoke(args=["invoices", "remind", "--date", "2026-13-01"])
    assert result.exit_code != 0 and "--date" in result.output
    app.config.update(SMTP_PORT=free_port())
    result = runner.invoke(args=["invoices", "remind", "--date", days(due, 22).isoformat()])
    assert result.exit_code == 1 and "FAILED" in result.output
    assert "tried again by the next run" in result.output


def test_send_reminder_by_hand_sends_the_next_level_once_the_invoice_is_overdue(
        app, inbox, shipped_levels):
    invoice, due = overdue_invoice("en")
    with pytest.raises(Conflict, match="not overdue"):
        send_reminder(invoice.code, today=due)
    assert send_reminder(invoice.code, today=days(due, 2)).level == 1
    assert send_reminder(invoice.code, today=days(due, 3)).level == 2
    # The run does not send the first level again at 7 days, nor the second at 21.
    assert run_reminders(days(due, 21)).outcomes == []
    assert send_reminder(invoice.number, today=days(due, 4)).level == 3
    with pytest.raises(Conflict, match="Every reminder level was sent"):
        send_reminder(invoice.code, today=days(due, 5))
    assert len(inbox.envelopes) == 3


def test_send_reminder_refuses_what_is_not_owed(app, inbox, shipped_levels):
    draft = document_invoice("en", confirm=False)
    with pytest.raises(ServiceError, match="confirmed invoices that are not paid"):
        send_reminder(draft.code, today=dt.date(2027, 1, 1))
    paid, due = overdue_invoice("en")
    record_payment(paid.code, paid.total_amount, days(due, 1), today=days(due, 1))
    with pytest.raises(ServiceError, match="confirmed invoices that are not paid"):
        send_reminder(paid.code, today=days(due, 9))
    assert inbox.envelopes == []


def test_a_refused_send_by_hand_is_recorded_as_failed_and_retried(app, shipped_levels):
    invoice, due = overdue_invoice("en")
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False,
                      SMTP_USERNAME="")
    with pytest.raises(MailFailed, match="tried again by the next reminder run"):
        send_reminder(invoice.code, today=days(due, 2))
    assert recorded(invoice) == [(1, "failed", 1)]
    controller, inbox = start_server(app)
    try:
        assert send_reminder(invoice.code, today=days(due, 3)).level == 1
        assert recorded(invoice) == [(1, "sent", 2)]
    finally:
        controller.stop()


def test_admin_texts_replace_the_defaults_in_their_language_with_placeholders_filled(
        app, inbox):
    save_levels([LevelInput(10, {"da": "Rykker for {invoice}"},
                            {"da": "Hej {customer}: {amount_due} mangler, {days_overdue} dage."})])
    invoice, due = overdue_invoice("da")
    assert run_reminders(days(due, 9)).outcomes == []
    run_reminders(days(due, 10))
    [message] = inbox.messages
    assert message["Subject"] == f"Rykker for {invoice.number}"
    assert flat(message.get_body(("plain",)).get_content()) == flat(
        "Hej Kunde da: 16.906,25\xa0kr. mangler, 10 dage.\n")


def test_levels_are_checked_before_they_are_saved(app):
    with pytest.raises(ServiceError) as refused:
        save_levels([LevelInput(7, {}, {}), LevelInput(7, {}, {}),
                     LevelInput(0, {"en": "Two\nlines"}, {"ms": "{amount} due"})])
    errors = refused.value.errors
    assert "later than the one before" in errors["levels-1-days"]
    assert "between 1 and 3650" in errors["levels-2-days"]
    assert "One line" in errors["levels-2-subject_en"]
    assert "Unknown placeholder {amount}" in errors["levels-2-body_ms"]
    assert levels() == []
    save_levels([LevelInput(5, {}, {}), LevelInput(15, {}, {})])
    save_levels([LevelInput(10, {}, {})])
    assert [(level.level, level.days) for level in levels()] == [(1, 10)]


def test_no_levels_configured_sends_nothing_and_says_so_by_hand(app, inbox):
    invoice, due = overdue_invoice("en")
    assert run_reminders(days(due, 100)).outcomes == []
    with pytest.raises(Conflict, match="No reminder levels are configured"):
        send_reminder(invoice.code, today=days(due, 100))


def test_an_invoice_without_a_bill_to_address_is_skipped_and_named(app, inbox, shipped_levels):
    invoice, due = overdue_invoice("en")
    db.session.get(Invoice, invoice.id).bill_to_email = ""
    db.session.commit()
    run = run_reminders(days(due, 7))
    assert run.outcomes == [] and run.skipped == [(invoice.number, "no bill-to e-mail address")]
