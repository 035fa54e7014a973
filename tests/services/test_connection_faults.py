"""Connections recover (app.web.failures, app.config.engine_options): when PostgreSQL drops
the app's connections, a read is retried once on a fresh connection, anything else answers
503 "try again in a moment" — never 500 — and the app serves again without a restart.

The fault tests run on PostgreSQL (TEST_DATABASE_URL): the app under test names its
connections FAULT_APP, and only those are terminated, never the fixtures' own. The 503
answers of a database that cannot be reached at all are tested on both databases.
"""

import datetime as dt
import logging
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, event, func, select, text
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.extensions import db
from app.models import Contract, InvoiceSchedule, ScheduleRun
from tests.factories import make_contract, make_customer, make_price_list, make_project, make_tm_line
from tests.worlds import document_invoice

FAULT_APP = "invoicing-fault-test"
MESSAGE = "The database is not reachable right now; try again in a moment."
TERMINATE = ("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE application_name = :name AND pid <> pg_backend_pid()) AS killed")


def app_on(url: str, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test",
                       "LOGIN_DISABLED": True, "WTF_CSRF_ENABLED": False,
                       "DB_APPLICATION_NAME": FAULT_APP, **config})


def invoke(app, *args):
    """A command of `app` (the `app` fixture's context is pushed: a command would take it)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def postgres(app, database_url):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("connection faults are tested on PostgreSQL (set TEST_DATABASE_URL)")
    return database_url


@pytest.fixture
def admin(postgres):
    """A connection of the test's own, which terminates the app's connections."""
    engine = create_engine(postgres, connect_args={"application_name": "fault-test-admin"})
    yield engine
    engine.dispose()


@pytest.fixture
def retries():
    """The transparent retries app.web.failures logs."""
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logger = logging.getLogger("app.web.failures")
    handler = Keep(level=logging.WARNING)
    logger.addHandler(handler)
    yield seen
    logger.removeHandler(handler)


class Dropper:
    """Terminates the PostgreSQL connection of the next `times` statements that contain
    `statement`, just before each is sent: a connection dropped in the middle of a request."""

    def __init__(self, app, admin) -> None:
        self.admin, self.statement, self.times, self.pids = admin, "", 0, []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._before)

    def arm(self, statement: str = "", times: int = 1) -> None:
        self.statement, self.times = statement, times

    def _before(self, connection, cursor, statement, parameters, context, executemany):
        pid = connection.connection.dbapi_connection.info.backend_pid
        self.pids.append(pid)
        if self.times and self.statement in statement:
            self.times -= 1
            with self.admin.begin() as admin:  # waits until the backend is gone
                admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})


@pytest.fixture
def faulty(postgres, admin):
    """An app of its own on the test database, with a Dropper on its engine."""
    app = app_on(postgres)
    attempts = []
    app.before_request(lambda: attempts.append(None))
    yield app, Dropper(app, admin), attempts
    dispose(app)


# --- a connection dropped during one request -------------------------------------------------

def test_a_read_whose_connection_drops_is_retried_once_on_a_fresh_connection(faulty, retries):
    make_contract(name="Retried")
    db.session.commit()
    app, dropper, attempts = faulty
    dropper.arm()
    response = app.test_client().get("/contracts")
    assert response.status_code == 200 and "Retried" in response.text
    assert len(attempts) == 2
    assert len(set(dropper.pids)) >= 2  # the retry ran on another connection
    assert [m for m in retries if "retrying once" in m] != []


def test_a_write_whose_connection_drops_answers_503_and_is_not_run_again(faulty):
    customer, price_list = make_customer(), make_price_list("DKK")
    db.session.commit()
    app, dropper, attempts = faulty
    dropper.arm()
    response = app.test_client().post("/contracts/new", data={
        "name": "Not twice", "customer_id": customer.id, "currency": "DKK",
        "price_list_id": price_list.id, "tax_rate": "25", "opportunity": "", "description": ""})
    assert response.status_code == 503 and MESSAGE in response.text
    assert response.headers["Retry-After"] == "5"
    assert len(attempts) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0
    # The app serves again at once: the same post now goes through.
    response = app.test_client().post("/contracts/new", data={
        "name": "Not twice", "customer_id": customer.id, "currency": "DKK",
        "price_list_id": price_list.id, "tax_rate": "25", "opportunity": "", "description": ""})
    assert response.status_code == 302


def test_a_read_whose_retry_drops_too_answers_503_and_the_next_one_200(faulty):
    app, dropper, attempts = faulty
    dropper.arm(times=2)
    response = app.test_client().get("/contracts", headers={"HX-Request": "true"})
    assert response.status_code == 503 and len(attempts) == 2
    assert response.text.startswith('<p class="notice error"') and MESSAGE in response.text
    assert app.test_client().get("/contracts").status_code == 200


def test_idle_pooled_connections_that_were_dropped_are_replaced_unnoticed(faulty, admin):
    app, _dropper, attempts = faulty
    client = app.test_client()
    assert client.get("/contracts").status_code == 200
    with admin.begin() as connection:
        assert connection.execute(text(TERMINATE), {"name": FAULT_APP}).scalar() >= 1
    assert client.get("/contracts").status_code == 200
    assert len(attempts) == 2  # no retry needed: the pool tested the connection first


def test_a_command_whose_connection_drops_says_so_in_one_line(faulty):
    app, dropper, _attempts = faulty
    dropper.arm()
    result = invoke(app, "invoices", "list")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the database is not reachable")


def test_a_schedule_run_whose_connection_drops_records_nothing_and_the_next_run_does_it(faulty):
    contract = make_contract(key="c1")
    line = make_tm_line(contract, make_project(customer=contract.customer))
    db.session.add(InvoiceSchedule(contract_line_id=line.id, frequency="monthly", days=[31],
                                   start_date=dt.date(2026, 1, 1)))
    db.session.commit()
    app, dropper, _attempts = faulty
    dropper.arm("FOR UPDATE")  # the contract lock of the first run date
    result = invoke(app, "invoices", "run-schedule", "--date", "2026-02-28")
    assert result.exit_code == 1 and "the database is not reachable" in result.output
    assert db.session.scalar(select(func.count()).select_from(ScheduleRun)) == 0
    result = invoke(app, "invoices", "run-schedule", "--date", "2026-02-28")
    assert result.exit_code == 0 and "2 run(s)" in result.output


# --- the app's connections terminated during a burst of requests -------------------------

class _Quiet(WSGIRequestHandler):
    def log(self, *args) -> None:  # no access log in the test output
        pass


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def test_terminating_the_apps_connections_during_a_burst_answers_no_500(postgres, admin,
                                                                       retries, capsys):
    invoice = document_invoice(confirm=False)
    code = invoice.code
    app = app_on(postgres)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    urls = [f"{base}{path}" for path in ("/contracts", "/invoices", f"/invoices/{code}",
                                         f"/invoices/{code}.json", "/backlog")]
    done, killed = threading.Event(), []

    def terminate() -> None:
        with admin.connect() as connection:
            while not done.is_set():
                killed.append(connection.execute(text(TERMINATE), {"name": FAULT_APP}).scalar())
                connection.commit()
                done.wait(0.25)

    try:
        terminator = threading.Thread(target=terminate)
        terminator.start()
        with ThreadPoolExecutor(8) as pool:
            burst = list(pool.map(_get, [urls[i % len(urls)] for i in range(400)]))
        done.set()
        terminator.join()
        with ThreadPoolExecutor(4) as pool:
            after = list(pool.map(_get, [urls[i % len(urls)] for i in range(40)]))
    finally:
        done.set()
        server.shutdown()
        serving.join()
        dispose(app)

    counts = {status: burst.count(status) for status in sorted(set(burst))}
    retried = sum("retrying once" in m for m in retries)
    with capsys.disabled():
        print(f"\nfault burst: {len(burst)} requests, answers {counts}, {retried} retried "
              f"transparently, {sum(killed)} backends terminated in {len(killed)} rounds")
    assert sum(killed) > 0
    assert [s for s in burst if s >= 500 and s != 503] == []
    assert set(burst) <= {200, 503}
    assert after == [200] * 40


# --- a database that cannot be reached (both databases) --------------------------------------

@pytest.fixture
def unreachable(database_url, tmp_path):
    url = (f"sqlite:///{tmp_path / 'no such folder' / 'invoicing.sqlite'}"
           if database_url.startswith("sqlite") else
           "postgresql+psycopg://postgres@127.0.0.1:1/invoicing")
    app = app_on(url)
    yield app
    dispose(app)


def test_pages_answer_503_with_try_again_when_the_database_cannot_be_reached(unreachable):
    client = unreachable.test_client()
    response = client.get("/contracts?page=2")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert MESSAGE in response.text and "<h1>Try again in a moment</h1>" in response.text
    assert 'href="/contracts?page=2">Try again</a>' in response.text

    fragment = client.get("/contracts", headers={"HX-Request": "true"})
    assert fragment.status_code == 503
    assert fragment.text.startswith('<p class="notice error"') and MESSAGE in fragment.text

    as_json = client.get("/invoices/PRO-000001.json")
    assert as_json.status_code == 503 and as_json.get_json() == {"error": MESSAGE}

    posted = client.post("/contracts/new", data={"name": "x"})
    assert posted.status_code == 503 and MESSAGE in posted.text


def test_a_hook_after_the_view_that_finds_the_database_gone_answers_503_too(unreachable):
    unreachable.after_request(lambda response: db.session.execute(text("SELECT 1")) and response)
    response = unreachable.test_client().get("/contracts/schedule-preview")  # no query
    assert response.status_code == 503 and MESSAGE in response.text


def test_a_command_says_in_one_line_that_the_database_cannot_be_reached(unreachable):
    result = invoke(unreachable, "invoices", "list")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: the database is not reachable right now (")
    assert lines[0].endswith("); try again in a moment.")
