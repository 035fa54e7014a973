"""Command-line interface (SPEC 9): flask --app app …"""

import datetime as dt
import functools
import json
import sys
from decimal import Decimal
from pathlib import Path

import click
from flask import Flask

from app.billing.enums import TRANSACTION_CLASSES
from app.billing.money import as_money, plain
from app.billing.payments import PAYMENT_METHODS
from app.billing.values import (CONTROL, LINE_BREAK, MAX_DATE, MIN_DATE, NUL, SURROGATE,
                                parse_number, plausible_date, text_problem, too_large)
from app.config import DEFAULT_COMPANY_NAME
from app.services.connection import database_unreachable


class _MigrationsConfig:
    """app.extensions["migrate"] until Alembic is needed: Flask-Migrate (which imports the
    whole of Alembic, ~0.5 s) is imported by the first read — a `db` command, or a test's or
    bench's `flask_migrate.upgrade()` — and then replaces this with its own."""

    def __init__(self, app: Flask, directory: str) -> None:
        self._app, self._directory, self._loaded = app, directory, None

    def __getattr__(self, name: str):
        if self._loaded is None:
            from flask_migrate import Migrate

            from app.extensions import db
            Migrate(render_as_batch=True, compare_type=True).init_app(
                self._app, db, directory=self._directory)
            self._loaded = self._app.extensions["migrate"]
        return getattr(self._loaded, name)


class _MigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported when it is invoked."""

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as commands
        return commands.make_context(info_name, args, parent=parent, **extra)


def register_migrations(app: Flask, directory: str) -> None:
    """The migrations of `directory` and the `db` commands, without importing Alembic."""
    app.extensions["migrate"] = _MigrationsConfig(app, directory)
    app.cli.add_command(_MigrationCommands("db", help="Perform database migrations."))


def one_line(text: str) -> str:
    """The text on one line: what breaks a line or steers a terminal (a line break, a
    control character, U+2028) written as its escape, as Python writes it (\\n, \\x1b)."""
    return "".join(repr(c)[1:-1] if c.isspace() and c != " " or not c.isprintable() else c
                   for c in text)


def fail(message: str) -> None:
    """Exit non-zero with a one-line reason on stderr (what the user typed, quoted in it,
    may hold line breaks: they are shown escaped)."""
    click.echo(f"Error: {one_line(message)}", err=True)
    sys.exit(1)


def register_cli(app: Flask) -> None:
    """Attach every command to the app."""

    @app.cli.command("import-data")
    @click.argument("path", type=FilePath(dir_okay=False, path_type=Path))
    def import_data_command(path: Path) -> None:
        """Load a data file (JSON, SPEC 11) or a CSV file of actuals."""
        from app.services.importer import ImportRejected, import_file

        try:
            summary = import_file(path)
        except ImportRejected as rejected:
            for error in rejected.errors:
                click.echo(error, err=True)
            fail(f"{path}: rejected with {len(rejected.errors)} error(s); nothing was imported.")
        for warning in summary.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(summary.describe())

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo company: customers, contracts, actuals and a draft invoice."""
        from app.services.demo import DemoExists, seed_demo

        try:
            result = seed_demo()
        except DemoExists as exists:
            click.echo(str(exists))
            return
        click.echo(result)

    @app.cli.command("status")
    def status_command() -> None:
        """Say which mail server invoices go through and which seller settings are unset."""
        from flask import current_app

        for line in status_lines(current_app.config):
            click.echo(line)

    register_invoice_cli(app)
    register_user_cli(app)
    register_audit_cli(app)
    # Last, so that it reaches every command registered above.
    for command in app.cli.commands.values():
        _database_errors_in_one_line(command)
        _unstorable_arguments_refused(command)


def _database_errors_in_one_line(command: click.Command) -> None:
    """A database that is not reachable (dropped, refused) ends the command with one line
    and exit status 1 instead of a traceback; every other error stays as it is."""
    for subcommand in getattr(command, "commands", {}).values():
        _database_errors_in_one_line(subcommand)
    callback = command.callback
    if callback is None:
        return

    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as error:
            if not database_unreachable(error):
                raise
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            fail(f"the database is not reachable right now ({reason}); try again in a moment.")

    command.callback = guarded


# What text_problem finds in an argument, as the command line says it.
_UNSTORABLE = {NUL: "contains a NUL byte", SURROGATE: "contains bytes that are not UTF-8",
               CONTROL: "contains a control character", LINE_BREAK: "contains a line break"}


def _name(param: click.Parameter) -> str:
    """How the command line names a parameter: `--cutoff`, `CONTRACT`."""
    return param.opts[-1] if isinstance(param, click.Option) else (param.name or "").upper()


class FilePath(click.Path):
    """click.Path, refusing a name with a NUL byte (or other such text) in one line before
    click asks the operating system about it (which raises ValueError)."""

    def convert(self, value, param, ctx):
        kind = text_problem(str(value), multiline=False)
        if kind is not None:
            fail(f"{_name(param) if param is not None else 'path'}: {_UNSTORABLE[kind]}")
        return super().convert(value, param, ctx)


def _unstorable_arguments_refused(command: click.Command) -> None:
    """An argument or option with text no database column holds (a NUL byte, bytes that
    are not UTF-8, which Python reads as lone surrogates, a control character or a line
    break: app.billing.values.text_problem) ends the command with one line before it
    runs: such text would reach a query (PostgreSQL refuses a NUL) or a file name."""
    for subcommand in getattr(command, "commands", {}).values():
        _unstorable_arguments_refused(subcommand)
    callback = command.callback
    if callback is None:
        return
    names = {param.name: _name(param) for param in command.params}

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        for name, value in kwargs.items():
            if isinstance(value, (str, Path)):
                kind = text_problem(str(value), multiline=False)
                if kind is not None:
                    fail(f"{names.get(name, name)}: {_UNSTORABLE[kind]}")
        return callback(*args, **kwargs)

    command.callback = checked


def _amount(value: str, option: str) -> Decimal:
    """A plain decimal amount ("1250.00"), or exit with the reason."""
    try:
        amount = parse_number(value)
    except ValueError:
        fail(f"{option}: '{value}' is not an amount (plain decimals, e.g. 1250.00)")
    if too_large(amount):
        fail(f"{option}: '{value}' is too large")
    return amount


def _date(value: str, option: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)")
    if not plausible_date(day):
        fail(f"{option}: {day.isoformat()} is not between {MIN_DATE.isoformat()} and "
             f"{MAX_DATE.isoformat()}")
    return day


COMPANY_SETTINGS = ("COMPANY_NAME", "COMPANY_ADDRESS", "COMPANY_VAT_ID", "COMPANY_EMAIL",
                    "COMPANY_PHONE", "COMPANY_BANK")


# What e-invoices say of the seller beyond the printed block (issue 16).
EINVOICE_SELLER_SETTINGS = ("COMPANY_STREET", "COMPANY_POSTAL_CODE", "COMPANY_CITY",
                            "COMPANY_COUNTRY", "COMPANY_VAT_ID", "COMPANY_REGISTRATION_ID",
                            "COMPANY_ENDPOINT_ID", "COMPANY_ENDPOINT_SCHEME", "COMPANY_IBAN")


def status_lines(config) -> list[str]:
    """What `status` (and so scripts/run) prints: the mail server of "Send to customer" and
    the seller settings still unset, whose part of the invoice document is then empty."""
    server = f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"
    extras = [part for part, on in (("STARTTLS", config["SMTP_STARTTLS"]),
                                    (f"user {config['SMTP_USERNAME']}", config["SMTP_USERNAME"]))
              if on]
    mail = f"Mail server: {server}{' (' + ', '.join(extras) + ')' if extras else ''}, " \
           f"from {config['MAIL_FROM']}"
    if not config.get("SMTP_CONFIGURED"):
        mail += " (SMTP_HOST unset: sending works only if a server listens there)"
    lines = [mail + "."]
    unset = [name for name in COMPANY_SETTINGS
             if not config[name] or (name == "COMPANY_NAME" and config[name] == DEFAULT_COMPANY_NAME)]
    if unset:
        lines.append(f"Seller on invoices: {', '.join(unset)} unset, so left out of the invoice"
                     + (f' document (named "{DEFAULT_COMPANY_NAME}")' if "COMPANY_NAME" in unset
                        else " document") + ".")
    rules = config.get("EINVOICE_RULES_DIR")
    if not rules:
        lines.append("E-invoices: EINVOICE_RULES_DIR unset, so no e-invoice is offered (point "
                     "it at the folder of the official UBL schemas and Peppol/OIOUBL rules).")
    else:
        missing = [name for name in EINVOICE_SELLER_SETTINGS if not config.get(name)]
        lines.append(f"E-invoices: rules from {rules}" + (
            f"; {', '.join(missing)} unset, which e-invoices need." if missing else "."))
    # The seller's identifiers, checked as a customer's are (python-stdnum where it knows).
    from app.billing.identifiers import endpoint_problem, registration_problem

    scheme, endpoint = config.get("COMPANY_ENDPOINT_SCHEME"), config.get("COMPANY_ENDPOINT_ID")
    if (scheme or endpoint) and endpoint_problem(scheme, endpoint):
        lines.append(f"COMPANY_ENDPOINT_SCHEME {scheme or '(unset)'} / COMPANY_ENDPOINT_ID "
                     f"{endpoint or '(unset)'} is not a valid electronic address: "
                     "e-invoices will be refused.")
    if registration_problem(config.get("COMPANY_COUNTRY") or "",
                            config.get("COMPANY_REGISTRATION_ID")):
        lines.append("COMPANY_REGISTRATION_ID is not a valid CVR number (8 digits with its "
                     "check digit).")
    return lines


def _export_einvoice(invoice, profile: str) -> None:
    """Write the validated e-invoice to stdout, or fail with each failed rule on stderr."""
    from app.billing.lifecycle import is_allowed
    from app.documents import einvoice
    from app.documents.einvoice.validation import advice

    if not is_allowed("send", invoice.state):
        fail(f"{invoice.code} is a draft: only a confirmed or paid invoice has an e-invoice")
    try:
        result = einvoice.export(invoice, profile)
    except einvoice.EInvoiceUnavailable as error:
        fail(str(error))
    if not result.ok:
        for problem in result.problems:
            click.echo(f"error: {problem}", err=True)
        for failure in result.report.fatal:
            click.echo(f"{failure.rule}: {advice(failure)}", err=True)
        fail(f"{invoice.number}: the {profile} e-invoice is not valid "
             f"({len(result.problems) + len(result.report.fatal)} error(s) above); nothing written")
    click.echo(result.xml, nl=False)  # bytes: written as they are


def register_invoice_cli(app: Flask) -> None:
    """The `invoices` command group (SPEC 9)."""
    from app.services import ServiceError

    @app.cli.group("invoices")
    def invoices() -> None:
        """Create, list, confirm, export and schedule invoices."""

    @invoices.command("create")
    @click.argument("contract")
    @click.option("--cutoff", required=True, help="Items dated on or before this day (YYYY-MM-DD).")
    @click.option("--classes", default=",".join(TRANSACTION_CLASSES),
                  help="Transaction classes to include, comma-separated.")
    @click.option("--no-milestones", is_flag=True, help="Leave milestones out.")
    @click.option("--no-products", is_flag=True, help="Leave product lines out.")
    def create(contract, cutoff, classes, no_milestones, no_products) -> None:
        """Create a draft invoice for CONTRACT (its number or key); prints the invoice ID."""
        from app.services.invoicing import InvoiceParameters, create_invoice

        chosen = [c.strip() for c in classes.split(",") if c.strip()]
        unknown = [c for c in chosen if c not in TRANSACTION_CLASSES]
        if unknown or not chosen:
            fail(f"--classes: '{classes}' must be a comma-separated list of "
                 f"{', '.join(TRANSACTION_CLASSES)}")
        params = InvoiceParameters(cutoff=_date(cutoff, "--cutoff"), classes=frozenset(chosen),
                                   milestones=not no_milestones, products=not no_products)
        try:
            invoice = create_invoice(contract, params)
        except ServiceError as error:
            fail(str(error))
        click.echo(f"Created draft invoice for {invoice.contract.code}: "
                   f"{len(invoice.lines)} line(s), total {as_money(invoice.total_amount, invoice.currency)} "
                   f"{invoice.currency}")
        click.echo(invoice.code)

    @invoices.command("list")
    @click.option("--contract", help="Only this contract's invoices (number or key).")
    @click.option("--open", "open_only", is_flag=True,
                  help="Only confirmed invoices with an amount due, most overdue first.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
    def list_(contract, open_only, fmt) -> None:
        """One invoice a line, or a JSON array of invoice headers (with the amount due)."""
        from app.billing.payments import days_overdue
        from app.services.exporting import invoice_header
        from app.services.invoicing import find_contract
        from app.services.lifecycle import list_invoices
        from app.services.payments import amounts_due, owed

        try:
            found = list_invoices(find_contract(contract) if contract else None)
        except ServiceError as error:
            fail(str(error))
        issued = [i for i in found if i.number and not i.is_credit_note and i.status != "cancelled"]
        dues = amounts_due(issued)
        if open_only:
            today = dt.date.today()
            found = sorted((i for i in issued if dues[i.id].amount > 0),
                           key=lambda i: (-days_overdue(i.due_date, today), i.due_date, i.id))
        if fmt == "json":
            click.echo(json.dumps([{**invoice_header(i), "amount_due": plain(as_money(
                owed(i, dues.get(i.id)), i.currency))} for i in found], indent=2,
                ensure_ascii=False))
            return
        for i in found:
            if open_only:
                click.echo(f"{i.code}\t{i.number}\t{i.contract.code}\t{i.customer.name}\t"
                           f"due {i.due_date.isoformat()}\t"
                           f"{days_overdue(i.due_date, dt.date.today())} day(s) overdue\t"
                           f"{as_money(dues[i.id].amount, i.currency)} {i.currency} due\t{i.name}")
                continue
            click.echo(f"{i.code}\t{i.number or '-'}\t{i.invoice_type}\t{i.contract.code}\t"
                       f"{i.status}\t{i.project_invoice_status}\t{i.invoice_date.isoformat()}\t"
                       f"{as_money(i.total_amount, i.currency)} {i.currency}\t{i.name}")

    @invoices.command("pay")
    @click.argument("invoice_id")
    @click.option("--amount", required=True, help="In the invoice's currency, e.g. 1250.00.")
    @click.option("--date", "day", required=True, help="When the money came in (YYYY-MM-DD).")
    @click.option("--reference", help="The bank's or the customer's reference.")
    @click.option("--method", type=click.Choice(PAYMENT_METHODS), default="bank_transfer")
    @click.option("--refund", is_flag=True, help="Money paid back (a refund due after a credit note).")
    def pay(invoice_id, amount, day, reference, method, refund) -> None:
        """Record a payment of a confirmed invoice; prints what is still due."""
        from app.services.lifecycle import find_invoice, record_payment
        from app.services.payments import due_of

        value = _amount(amount, "--amount")
        try:
            record_payment(invoice_id, value, _date(day, "--date"), method=method,
                           reference=reference, kind="refund" if refund else "payment")
            invoice = find_invoice(invoice_id)
        except ServiceError as error:
            fail(str(error))
        due = due_of(invoice)
        state = "paid" if invoice.status == "paid" else "partly paid"
        click.echo(f"{invoice.number}: {state}, "
                   f"{as_money(due.amount, invoice.currency)} {invoice.currency} due")

    @invoices.command("remind")
    @click.option("--date", "day", help="The day reminders are due on (YYYY-MM-DD; default today).")
    def remind(day) -> None:
        """Send every payment reminder now due through the configured SMTP server: per
        overdue invoice the level it has reached, each level once; a failed send is tried
        again by the next run. Exits 1 when a send failed."""
        from app.services.reminders import run_reminders

        try:
            run = run_reminders(_date(day, "--date") if day else None)
        except ServiceError as error:
            fail(str(error))
        for o in run.outcomes:
            result = "sent" if o.result == "sent" else f"FAILED ({o.error})"
            click.echo(f"{o.code}\t{o.number}\treminder {o.level}\t{o.recipient}\t{result}")
        for number, why in run.skipped:
            click.echo(f"{number}: no reminder sent: {why}")
        click.echo(f"{run.sent} reminder(s) sent, {run.failed} failed"
                   + (" (tried again by the next run)" if run.failed else "") + ".")
        if run.failed:
            raise SystemExit(1)

    @invoices.command("confirm")
    @click.argument("invoice_id")
    def confirm(invoice_id) -> None:
        """Confirm a draft or in-review invoice; prints the legal invoice number."""
        from app.services.lifecycle import confirm_invoice

        try:
            invoice = confirm_invoice(invoice_id)
        except ServiceError as error:
            fail(str(error))
        click.echo(invoice.number)

    @invoices.command("correct")
    @click.argument("invoice_id")
    def correct(invoice_id) -> None:
        """A draft credit note for a confirmed or paid invoice, crediting everything it bills
        now (corrected quantities 0); prints the credit note's invoice ID on the last line."""
        from app.services.corrections import correct_invoice

        try:
            credit_note = correct_invoice(invoice_id)
        except ServiceError as error:
            fail(str(error))
        click.echo(f"Created draft credit note for {credit_note.corrects.number}: "
                   f"{len(credit_note.lines)} line(s), total "
                   f"{as_money(credit_note.total_amount, credit_note.currency)} "
                   f"{credit_note.currency}")
        click.echo(credit_note.code)

    @invoices.command("cancel")
    @click.argument("invoice_id")
    def cancel(invoice_id) -> None:
        """Cancel a draft or in-review invoice: kept as a cancelled record (unlike a deletion),
        its items ready to invoice again."""
        from app.services.lifecycle import cancel_invoice

        try:
            invoice = cancel_invoice(invoice_id)
        except ServiceError as error:
            fail(str(error))
        click.echo(f"Cancelled {invoice.code}; its items are ready to invoice again.")

    @invoices.command("export")
    @click.argument("invoice_id")
    @click.option("--format", "fmt", type=click.Choice(["json", "ubl", "oioubl"]), default="json",
                  help="json (default); ubl: the Peppol BIS 3 e-invoice; oioubl: OIOUBL 2.1.")
    def export(invoice_id, fmt) -> None:
        """The invoice as JSON on stdout; with --format ubl or oioubl the validated e-invoice
        (UBL XML) of a confirmed or paid invoice or credit note — exit 1 naming each failed
        rule on stderr when it is not valid."""
        from app.services.exporting import invoice_json
        from app.services.lifecycle import find_invoice

        try:
            invoice = find_invoice(invoice_id)
        except ServiceError as error:
            fail(str(error))
        if fmt == "json":
            click.echo(json.dumps(invoice_json(invoice), indent=2, ensure_ascii=False))
            return
        _export_einvoice(invoice, "peppol" if fmt == "ubl" else "oioubl")

    @invoices.command("run-schedule")
    @click.option("--date", "as_of", help="Run as of this day (YYYY-MM-DD); default today.")
    def run_schedule_command(as_of) -> None:
        """Automatic invoicing: every due run date up to the day."""
        from app.services.scheduling import run_schedule

        results = run_schedule(_date(as_of, "--date") if as_of else None)
        for result in results:
            click.echo(result.describe())
        runs = [r for r in results if r.result not in ("refused", "deferred")]
        created = sum(r.result == "succeeded" for r in runs)
        left = sum(r.left for r in results if r.result == "deferred")
        click.echo(f"{len(runs)} run(s), {created} invoice(s) created"
                   + (f", {left} due run date(s) left for the next runs." if left else "."))
        if any(r.result == "failed" for r in runs):
            fail("some runs failed; see above")
        if any(r.result == "refused" for r in results):
            fail("some schedules start before they may and were not run; correct their start "
                 "dates (see above)")


def register_user_cli(app: Flask) -> None:
    """The `users` command group (SPEC 9)."""

    @app.cli.group("users")
    def users() -> None:
        """Manage the people who may sign in."""

    @users.command("create")
    @click.argument("email")
    @click.option("--role", required=True, help="admin, billing_manager, reviewer or viewer")
    @click.option("--name", default="", help="The user's name.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    def create(email, role, name, password_stdin) -> None:
        """Create a user who signs in with EMAIL; asks for the password."""
        from app.services import ServiceError
        from app.services.users import create_user

        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = create_user(email, password, role, name)
        except ServiceError as error:
            fail(str(error))
        click.echo(f"Created {user.role} {user.email}")


def register_audit_cli(app: Flask) -> None:
    """The `audit` command group: check the audit trail's hash chains (issue 12). Its
    output is English, as every command's."""

    @app.cli.group("audit")
    def audit() -> None:
        """Check the audit trail of invoices."""

    @audit.command("verify")
    @click.option("--anchor", type=FilePath(dir_okay=False, path_type=Path),
                  help="A file of every chain's last entry, kept away from the database: "
                       "checked when it exists, written when the trail is intact. Shows "
                       "newest entries deleted since the last check, which a chain cannot.")
    def verify(anchor: Path | None) -> None:
        """Recompute every invoice's hash chain; exit 1 if an entry was changed or removed."""
        from app.billing import audit_chain
        from app.services import audit as trail

        heads = _read_anchor(anchor) if anchor is not None and anchor.exists() else None
        result = trail.verify(heads)
        click.echo(f"Entries checked: {result.entries}. Chains checked: {result.chains}.")
        says = {
            audit_chain.CHANGED: "entry %(seq)d was changed, or the entry before it was rewritten",
            audit_chain.MISSING: "entry %(seq)d is missing (deleted)",
            audit_chain.OUT_OF_ORDER: "entry %(seq)d is out of order (a place in the chain "
                                      "repeats or goes back)",
            audit_chain.TRUNCATED: "the entries from %(seq)d on are missing: the chain ends "
                                   "before where the last check saw it end",
            audit_chain.REWRITTEN: "the chain was rewritten up to entry %(seq)d: it differs "
                                   "from the one the last check saw",
            audit_chain.NO_CHAIN: "no entries at all: the invoice's whole trail was deleted",
        }
        for broken in result.breaks:
            problem = says[broken.kind]
            if broken.kind == audit_chain.CHANGED and broken.seq == 1:  # nothing before it
                problem = "entry %(seq)d was changed"
            click.echo(f"Invoice {broken.invoice_code}: {problem % {'seq': broken.seq}}.")
        if not result.intact:
            count = len(result.breaks)
            fail(f"the audit trail was tampered with: {count} "
                 + ("chain is broken." if count == 1 else "chains are broken."))
        if anchor is not None:
            _write_anchor(anchor, result.heads)
        click.echo("The audit trail is intact.")


def _read_anchor(path: Path) -> dict[str, tuple[int, str]]:
    try:
        heads = json.loads(path.read_text(encoding="utf-8"))
        return {code: (int(seq), str(digest)) for code, (seq, digest) in heads.items()}
    except (OSError, ValueError, TypeError, AttributeError, RecursionError) as error:
        fail(f"{path} is not an anchor written by audit verify ({error}).")


def _write_anchor(path: Path, heads: dict[str, tuple[int, str]]) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(json.dumps(heads, sort_keys=True, indent=0), encoding="utf-8")
        partial.replace(path)  # whole or not at all: a torn anchor would read as tampering
    except OSError as error:
        fail(f"{path}: the anchor could not be written ({error.strerror or error}).")
