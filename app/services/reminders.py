"""Payment reminders (issue 15): the levels an admin configures, "Send reminder" on one
overdue invoice and the run that sends every reminder now due (`invoices remind`).

A level of an invoice is sent at most once. It is *claimed* first, in a transaction of its
own: a new claim is an INSERT that the unique (invoice, level) pair lets through once, a
retry of a failed send an UPDATE that only one runner can make — so two runners at once
never mail the same reminder twice. The mail goes out with no transaction open, and the
result (sent, or failed with why) is written in a transaction of its own: a failed one is
tried again by the next run. What is sent is composed by the documents adapter
(app.extensions["reminder_mail"]): the invoice's PDF attached, the text in the customer's
language.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.billing import payments as rules
from app.billing.payments import REMINDER_PLACEHOLDERS, unknown_placeholders
from app.billing.values import text_problem
from app.extensions import db
from app.models import Invoice, Reminder, ReminderLevel
from app.services import Conflict, ServiceError, audit, use_case
from app.services.lifecycle import check_action, find_invoice
from app.services.mailing import (MailFailed, NoRecipient, SMTP_TIMEOUT_SECONDS,
                                  attached_pdf_digest, deliver, recipient_address)
from app.services.payments import amounts_due, due_of

# Composes the reminder of a level for an invoice: (invoice, level, days overdue, amount
# due) → the e-mail with the invoice's PDF attached.
ReminderMail = Callable[[Invoice, ReminderLevel, int, Decimal], EmailMessage]

LANGUAGES = ("en", "ms", "da")
# A claim older than this whose send never recorded a result (the runner died) is tried
# again; longer than any send can take (SMTP_TIMEOUT_SECONDS per step).
STALE_CLAIM = dt.timedelta(seconds=SMTP_TIMEOUT_SECONDS * 20)
MAX_LEVELS = 9
SUBJECT_MAX = 200
BODY_MAX = 5000

# The texts shipped for each level (the last for every level after it), in every language
# of the catalogues; an admin's own text replaces one.
DEFAULT_SUBJECTS = (
    _l("Reminder: invoice {invoice} is overdue"),
    _l("Second reminder: invoice {invoice} is still unpaid"),
    _l("Final reminder: invoice {invoice}"),
)
DEFAULT_BODIES = (
    _l("Dear {customer},\n\nAccording to our records, invoice {invoice} of {invoice_date}, "
       "due on {due_date}, is {days_overdue} days overdue. The amount due is {amount_due}.\n\n"
       "If you have paid in the meantime, please disregard this reminder. Otherwise we "
       "kindly ask you to pay the amount due; the invoice is attached.\n\n"
       "{payment_details}\n\nKind regards\n{company}"),
    _l("Dear {customer},\n\nWe have not yet received payment of invoice {invoice} of "
       "{invoice_date}, due on {due_date} and now {days_overdue} days overdue. The amount "
       "due is {amount_due}.\n\nPlease pay the amount due within 7 days, or contact us if "
       "something about the invoice is not right. The invoice is attached.\n\n"
       "{payment_details}\n\nKind regards\n{company}"),
    _l("Dear {customer},\n\nDespite our earlier reminders, invoice {invoice} of "
       "{invoice_date}, due on {due_date}, is still unpaid: {days_overdue} days overdue, "
       "{amount_due} due.\n\nThis is our final reminder. Please pay the amount due at once; "
       "the invoice is attached.\n\n{payment_details}\n\nKind regards\n{company}"),
)


def levels() -> list[ReminderLevel]:
    """The configured reminder levels, first to last."""
    return list(db.session.scalars(select(ReminderLevel).order_by(ReminderLevel.level)))


def _rule_levels(configured: list[ReminderLevel]) -> list[rules.ReminderLevel]:
    """The configured levels as the rules of app.billing.payments take them."""
    return [rules.ReminderLevel(level.level, level.days) for level in configured]


def default_texts(level: int, language: str) -> tuple[str, str]:
    """The shipped subject and text of a level in a language."""
    index = min(level, len(DEFAULT_SUBJECTS)) - 1
    with force_locale(language):
        return str(DEFAULT_SUBJECTS[index]), str(DEFAULT_BODIES[index])


def texts_of(level: ReminderLevel, language: str) -> tuple[str, str]:
    """The subject and text a level sends in a language: the admin's where written, the
    shipped default otherwise."""
    language = language if language in LANGUAGES else "en"
    subject, body = default_texts(level.level, language)
    return (getattr(level, f"subject_{language}").strip() or subject,
            getattr(level, f"body_{language}").strip() or body)


@dataclass(frozen=True)
class LevelInput:
    """One level as the admin's form sends it: days overdue, and per language a subject and
    a text (blank: the shipped default)."""

    days: int | None
    subjects: dict[str, str]
    bodies: dict[str, str]


@use_case
def save_levels(rows: list[LevelInput]) -> list[ReminderLevel]:
    """Replace the reminder levels: numbered in order, each later than the one before.
    Reminders already sent keep the level number they were sent as."""
    errors: dict[str, str] = {}
    if len(rows) > MAX_LEVELS:
        raise ServiceError(_("At most %(count)s reminder levels.", count=MAX_LEVELS), "levels")
    previous = 0
    for number, row in enumerate(rows, start=1):
        prefix = f"levels-{number - 1}-"
        if row.days is None or not 1 <= row.days <= 3650:
            errors[prefix + "days"] = _("Enter a number of days between 1 and 3650.")
        elif row.days <= previous:
            errors[prefix + "days"] = _("Each level comes later than the one before: more "
                                        "than %(days)s days.", days=previous)
        else:
            previous = row.days
        for language in LANGUAGES:
            for kind, text, limit, multiline in (
                    ("subject", row.subjects.get(language, ""), SUBJECT_MAX, False),
                    ("body", row.bodies.get(language, ""), BODY_MAX, True)):
                field = f"{prefix}{kind}_{language}"
                unknown = unknown_placeholders(text)
                if text_problem(text, multiline=multiline):
                    errors[field] = (_("One line, without control characters.") if not multiline
                                     else _("Text without control characters."))
                elif len(text) > limit:
                    errors[field] = _("At most %(count)s characters.", count=limit)
                elif unknown:
                    errors[field] = _(
                        "Unknown placeholder {%(name)s}: use %(known)s.", name=unknown[0],
                        known=", ".join("{%s}" % name for name in REMINDER_PLACEHOLDERS))
    if errors:
        raise ServiceError(next(iter(errors.values())), next(iter(errors)), errors=errors)
    # Replaced whole: reminders keep the level number they were sent as, not a reference.
    db.session.execute(delete(ReminderLevel))
    saved = [ReminderLevel(level=number, days=row.days,
                           **{f"{kind}_{language}": texts.get(language, "").strip()
                              for language in LANGUAGES
                              for kind, texts in (("subject", row.subjects),
                                                  ("body", row.bodies))})
             for number, row in enumerate(rows, start=1)]
    db.session.add_all(saved)
    return saved


@dataclass(frozen=True)
class Outcome:
    """What one reminder came to: sent, or failed with the reason."""

    code: str
    number: str
    level: int
    recipient: str
    result: str
    error: str | None = None


def reminders_of(invoice: Invoice) -> list[Reminder]:
    """The reminders of an invoice, first level first."""
    return list(db.session.scalars(select(Reminder).where(Reminder.invoice_id == invoice.id)
                                   .order_by(Reminder.level)))


def _sent_levels(recorded: list[Reminder]) -> set[int]:
    return {r.level for r in recorded if r.result == "sent"}


def _claim(invoice_id: int, level: int, overdue: int, due: Decimal, recipient: str,
           now: dt.datetime) -> int | None:
    """Claim a level of an invoice for this runner, in a transaction of its own: the id of
    the reminder to send, or None when another runner has it (or it was sent)."""
    session = db.session
    claimed = session.scalars(select(Reminder).where(
        Reminder.invoice_id == invoice_id, Reminder.level == level)).first()
    try:
        if claimed is None:
            reminder = Reminder(invoice_id=invoice_id, level=level, days_overdue=overdue,
                                amount_due=due, recipient=recipient, result="sending",
                                requested_by=audit.current_actor().name, claimed_at=now)
            session.add(reminder)
            session.commit()
            return reminder.id
        # A failed one, or one whose runner died before it said how it went: the UPDATE
        # changes the row for one runner only.
        retry = session.execute(update(Reminder).where(
            Reminder.id == claimed.id,
            (Reminder.result == "failed")
            | ((Reminder.result == "sending") & (Reminder.claimed_at < now - STALE_CLAIM)))
            .values(result="sending", claimed_at=now, days_overdue=overdue, amount_due=due,
                    recipient=recipient, requested_by=audit.current_actor().name)
            .execution_options(synchronize_session=False))
        session.commit()
        return claimed.id if retry.rowcount == 1 else None
    except IntegrityError:  # another runner inserted the same level first
        session.rollback()
        return None


@use_case
def _record(reminder_id: int, result: str, error: str | None, now: dt.datetime,
            pdf_sha256: str | None) -> Reminder:
    reminder = db.session.get(Reminder, reminder_id)
    invoice = find_invoice(reminder.invoice.code, lock=True)  # the history's chain lock
    reminder.result = result
    reminder.error = error
    reminder.attempts += 1
    reminder.claimed_at = now
    if result == "sent":
        reminder.sent_at = now
        reminder.pdf_sha256 = pdf_sha256
    audit.record(invoice.code, "remind", field=result, new=reminder.recipient, old=error,
                 target=audit.target("reminder", reminder.level, str(reminder.days_overdue)))
    return reminder


def _send(invoice: Invoice, level: ReminderLevel, overdue: int, due: Decimal,
          now: dt.datetime, transport) -> Outcome | None:
    """Claim, compose, send and record one reminder; None when another runner has it."""
    address = recipient_address(invoice.bill_to_name, invoice.bill_to_email)
    code, number, recipient = invoice.code, invoice.number, invoice.bill_to_email
    compose: ReminderMail = current_app.extensions["reminder_mail"]
    message = compose(invoice, level, overdue, due)
    del message["To"]
    message["To"] = address
    reminder_id = _claim(invoice.id, level.level, overdue, due, recipient, now)
    if reminder_id is None:
        return None
    try:
        (transport or deliver)(message)
    except (OSError, smtplib.SMTPException) as error:
        reason = f"{type(error).__name__}: {str(error) or type(error).__name__}"
        _record(reminder_id, "failed", reason, now, None)
        return Outcome(code, number, level.level, recipient, "failed", reason)
    _record(reminder_id, "sent", None, now, attached_pdf_digest(message))
    return Outcome(code, number, level.level, recipient, "sent")


def send_reminder(code: str, *, today: dt.date | None = None, now: dt.datetime | None = None,
                  transport: Callable[[EmailMessage], None] | None = None) -> Outcome:
    """"Send reminder" on one overdue invoice: the level after the last one sent (the first
    when none was), whatever its days; a failed level is tried again. Raises MailFailed
    when the mail server refused it (recorded as failed)."""
    today = today or dt.date.today()
    invoice = find_invoice(code)
    check_action(invoice, "remind")
    due = due_of(invoice).amount
    overdue = rules.days_overdue(invoice.due_date, today)
    if due <= 0:
        raise Conflict(_("Nothing is due on %(invoice)s.", invoice=invoice.number))
    if overdue <= 0:
        raise Conflict(_("%(invoice)s is not overdue: it is due on %(date)s.",
                         invoice=invoice.number, date=invoice.due_date.isoformat()))
    configured = levels()
    if not configured:
        raise Conflict(_("No reminder levels are configured: an admin sets them up under "
                         "Setup → Payment reminders."))
    recorded = reminders_of(invoice)
    number = rules.next_reminder_level(
        _rule_levels(configured), overdue,
        _sent_levels(recorded))
    if number is None:
        raise Conflict(_("Every reminder level was sent for %(invoice)s already.",
                         invoice=invoice.number))
    if not invoice.bill_to_email.strip():
        raise NoRecipient(_("%(invoice)s has no bill-to e-mail address to send it to.",
                            invoice=invoice.number))
    level = next(level for level in configured if level.level == number)
    outcome = _send(invoice, level, overdue, due, now or dt.datetime.now(), transport)
    if outcome is None:
        raise Conflict(_("This reminder is being sent by someone else at the same moment."))
    if outcome.result == "failed":
        raise MailFailed(_("The reminder could not be sent to %(recipient)s (%(reason)s). It "
                           "is recorded as failed and tried again by the next reminder run.",
                           recipient=outcome.recipient, reason=outcome.error))
    return outcome


@dataclass
class Run:
    """What one reminder run did."""

    outcomes: list[Outcome]
    skipped: list[tuple[str, str]]  # (invoice, why) for reminders due that could not go out

    @property
    def sent(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "sent")

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "failed")


CHUNK = 500


def due_reminders(today: dt.date) -> list[tuple[Invoice, ReminderLevel, int, Decimal]]:
    """Every reminder due on `today`: per overdue confirmed invoice with an amount due, the
    highest level it is overdue enough for, unless that level (or a later one) was sent;
    a failed level is due again. Read in a few statements per 500 invoices."""
    configured = levels()
    if not configured:
        return []
    first = min(level.days for level in configured)
    candidates = list(db.session.scalars(
        select(Invoice).where(Invoice.project_invoice_status == "confirmed",
                              Invoice.status == "active", Invoice.invoice_type == "invoice",
                              Invoice.due_date <= today - dt.timedelta(days=first))
        .order_by(Invoice.due_date, Invoice.id)))
    rule_levels = _rule_levels(configured)
    by_number = {level.level: level for level in configured}
    due_now = []
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start:start + CHUNK]
        sent: dict[int, set[int]] = {}
        for invoice_id, level in db.session.execute(
                select(Reminder.invoice_id, Reminder.level).where(
                    Reminder.invoice_id.in_([i.id for i in chunk]),
                    Reminder.result == "sent")):
            sent.setdefault(invoice_id, set()).add(level)
        owed = amounts_due(chunk)
        for invoice in chunk:
            due = owed[invoice.id].amount
            overdue = rules.days_overdue(invoice.due_date, today)
            number = rules.due_reminder_level(rule_levels, overdue, sent.get(invoice.id, ()))
            if number is not None and due > 0:
                due_now.append((invoice, by_number[number], overdue, due))
    return due_now


def run_reminders(today: dt.date | None = None, *, now: dt.datetime | None = None,
                  transport: Callable[[EmailMessage], None] | None = None) -> Run:
    """Send every reminder due (`invoices remind`): each level of an invoice once, also
    with another runner at the same time; a failure is recorded and tried again next run."""
    today = today or dt.date.today()
    run = Run([], [])
    due_now = due_reminders(today)
    db.session.commit()  # nothing is held while mail servers answer
    for invoice, level, overdue, due in due_now:
        if not invoice.bill_to_email.strip():
            run.skipped.append((invoice.number, _("no bill-to e-mail address")))
            continue
        try:
            outcome = _send(invoice, level, overdue, due, now or dt.datetime.now(), transport)
        except ServiceError as error:  # a bill-to address no mail can carry
            run.skipped.append((invoice.number, str(error)))
            continue
        if outcome is not None:
            run.outcomes.append(outcome)
    return run
