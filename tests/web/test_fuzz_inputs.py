"""Bad input never answers ≥ 500 and a refusal never changes anything (issue 13).

Hypothesis draws hostile values — NUL bytes, huge and negative numbers, exponents,
CR/LF, 10,000-character strings, impossible dates, markup — into the fields of every
POST endpoint of the app and into the query parameters of every page, for each role,
against the demo company, on each database. Every answer must be < 500, and every 4xx
answer must leave the database exactly as it was (every row of every table compared).

The figures (requests, answers by status, refusals that changed something) are printed.
"""

from collections import Counter

import pytest
from flask import g
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import AnyConverter

from app.auth import throttle
from app.extensions import db
from app.models import (BankStatement, Contract, ContractLine, Entry, Invoice, InvoiceLine, InvoiceLineDetail,
                        Milestone, Payment, PriceList, Project, RolePrice, Task, User)
from app.services.demo import seed_demo
from app.setup.routes import KINDS
from app.web.inputs import form_field_names
from tests.conftest import _empty_tables
from tests.fuzzing import fingerprint, values

pytestmark = pytest.mark.slow

ROLES = ("admin", "billing_manager", "reviewer", "viewer")
DEMO_USERS = {"admin": "admin@demo.example", "billing_manager": "billing@demo.example",
              "reviewer": "reviewer@demo.example", "viewer": "viewer@demo.example"}
PASSWORD = "demo-password"
# Not fuzzed: signing in and out is what the clients below stand on (tests/web/
# test_sign_out_and_throttle.py and test_access.py cover them).
SKIPPED = {"static", "auth.login", "auth.logout"}
EXAMPLES = 6  # drawn payloads per role, each posted to every endpoint

def form_fields() -> list[str]:
    """Every field name of every form of the app, and the names hand-read by views."""
    return sorted(form_field_names() | {
        "version", "action", "next", "selection", "all_matching", "ids", "actual",
        "milestone", "product", "page", "language", "email", "password"})


QUERY_NAMES = ["page", "after", "sort", "dir", "q", "status", "customer", "contract",
               "project", "project_id", "currency", "billing_type", "transaction_class",
               "from", "to", "date_from", "date_to", "next", "start", "end", "frequency",
               "weekday", "days", "format", "resource", "role", "category", "state"]


def _first(query):
    return db.session.scalars(query.limit(1)).first()


def sample_urls(app) -> list[tuple[str, str]]:
    """(method, URL) of every route, its arguments filled with rows of the demo company."""
    draft = _first(select(Invoice).where(Invoice.project_invoice_status == "draft")
                   .order_by(Invoice.id))
    line = _first(select(InvoiceLine).where(InvoiceLine.invoice_id == draft.id,
                                           InvoiceLine.billing_method == "time_and_material"))
    detail = _first(select(InvoiceLineDetail).where(InvoiceLineDetail.invoice_line_id == line.id))
    contract = _first(select(Contract).order_by(Contract.id))
    contract_line = _first(select(ContractLine).where(ContractLine.contract_id == contract.id))
    milestone = _first(select(Milestone).join(ContractLine).where(
        ContractLine.contract_id == contract.id))
    contract_ref = contract.key or contract.number
    entry = _first(select(Entry).order_by(Entry.id))
    user = _first(select(User).where(User.role == "viewer"))
    project = _first(select(Project).order_by(Project.id))
    task = _first(select(Task).where(Task.project_id == project.id))
    role_price = _first(select(RolePrice).order_by(RolePrice.id))
    confirmed = _first(select(Invoice).where(Invoice.project_invoice_status == "confirmed",
                                             Invoice.status == "active").order_by(Invoice.id))
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        options = [{}]
        for name in rule.arguments:
            converter = rule._converters.get(name)
            if isinstance(converter, AnyConverter):
                choices = sorted(converter.items) if hasattr(converter, "items") else []
                options = [{**o, name: c} for o in options for c in choices or ["x"]]
                continue
            if name == "code":
                codes = [draft.code] + ([confirmed.code] if confirmed else [])
                options = [{**o, name: c} for o in options for c in codes]
            elif name == "slug":
                options = [{**o, name: s} for o in options for s in KINDS]
            else:
                options = [{**o, name: None} for o in options]
        for values_ in options:
            filled = dict(values_)
            for name, value in values_.items():
                if value is not None:
                    continue
                if name == "line_id":
                    filled[name] = line.id if rule.rule.startswith("/invoices") else contract_line.id
                elif name == "detail_id":
                    filled[name] = detail.id
                elif name == "milestone_id":
                    filled[name] = milestone.id
                elif name == "ref":
                    filled[name] = contract_ref
                elif name == "entry_id":
                    filled[name] = entry.id if entry else 1
                elif name == "user_id":
                    filled[name] = user.id
                elif name == "task_id":
                    filled[name] = task.id if task else 1
                elif name == "row_id":
                    filled[name] = role_price.id if role_price else 1
                elif name == "payment_id":
                    payment = _first(select(Payment).order_by(Payment.id))
                    filled[name] = payment.id if payment else 1
                elif name == "statement_id":
                    statement = _first(select(BankStatement).order_by(BankStatement.id))
                    filled[name] = statement.id if statement else 1
                elif name == "id_":
                    # /setup/<slug>/<id_>, /setup/price-lists/<id_>/…, /setup/projects/<id_>/…
                    slug = filled.get("slug")
                    model = (KINDS[slug].model if slug in KINDS
                             else PriceList if "/price-lists/" in rule.rule else Project)
                    row = _first(select(model).order_by(model.id))
                    filled[name] = row.id if row else 1
            url = rule.build(filled, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, url))
    # What ends a record (delete, cancel, confirm…) last, so the rest meets it as it was.
    ending = ("delete", "cancel", "remove", "archive", "confirm", "reject", "send", "mark-paid")
    return sorted(set(found), key=lambda m_u: (any(w in m_u[1] for w in ending), m_u))


@pytest.fixture
def demo(app):
    app.config["LOGIN_DISABLED"] = False
    return app


@pytest.mark.parametrize("role", ROLES)
def test_no_value_in_any_field_or_query_answers_500_or_half_writes(demo, role, capsys):
    fields = form_fields()
    statuses, failures, changed, examples = Counter(), [], [], []

    # No shrinking, and no failing inside: every example posts to every endpoint, and the
    # figures of all of them are reported at the end, each failure with what was sent.
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        _empty_tables()  # each example starts from the demo company as loaded
        seed_demo()
        urls = sample_urls(demo)
        examples.append(len(urls))
        db.session.remove()
        client = demo.test_client()
        throttle.reset()  # sign-ins of earlier examples do not count
        g.pop("_login_user", None)
        assert client.post("/login", data={"email": DEMO_USERS[role],
                                           "password": PASSWORD}).status_code == 302
        g.pop("_login_user", None)
        db.session.remove()
        for method, url in urls:
            htmx = data.draw(st.booleans(), label="htmx")
            headers = {"HX-Request": "true"} if htmx else {}
            if method == "GET":
                sent = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), values,
                                                 min_size=1, max_size=4), label=f"GET {url}")
                request = {"query_string": sent}
            else:
                sent = data.draw(st.dictionaries(st.sampled_from(fields), values, min_size=1,
                                                 max_size=6), label=f"{method} {url}")
                request = {"data": sent}
            before = fingerprint()
            try:  # the test app propagates exceptions: one is what a user sees as a 500
                response = client.open(url, method=method, headers=headers, **request)
                status = response.status_code
                response.close()
            except Exception as error:  # noqa: BLE001 — reported with the request
                status, sent = 500, {**sent, "raised": repr(error)[:200]}
                db.session.rollback()
            # The test's app context outlives each request: forget its signed-in user (and
            # session) as a new request would.
            g.pop("_login_user", None)
            db.session.remove()
            statuses[status] += 1
            if status >= 500:
                failures.append((method, url, status, sent))
            elif 400 <= status < 500 and fingerprint() != before:
                changed.append((method, url, status, sent))

    run()
    with capsys.disabled():
        print(f"\nfuzz {role} on {db.engine.dialect.name}: {sum(statuses.values())} requests "
              f"({len(examples)} examples × {max(examples)} endpoints), answers "
              f"{dict(sorted(statuses.items()))}, ≥500: {len(failures)}, refusals that "
              f"changed something: {len(changed)}")
    assert failures == [], "\n".join(repr(f)[:600] for f in failures)
    assert changed == [], "\n".join(repr(c)[:600] for c in changed)
