"""Issue 17: several reviewers on one invoice at the same moment, on both databases.

Each round sends its edits from as many threads (each with its own app context, session
and connection) released together by a barrier, through the pages as htmx posts them.
Edits of different rows all succeed and the totals are those of a full recalculation; two
edits of the same row: one wins, the other gets the 409 with the current values. Then a
few sequences of edits (billing type, quantity, price, tax, new details) on a real
database: the totals each edit applied incrementally equal a full recalculation.
"""

import threading
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services import ServiceError
from app.services.editing import recalculate_invoice, update_detail
from tests.worlds import World

HX = {"HX-Request": "true"}
ROUNDS = 5


@pytest.fixture
def world(app):
    world = World()
    world.extra = [world.add_time(description=f"Workshop {n}") for n in range(3)]
    db.session.commit()
    return world


def _at_once(app, posts):
    """[(status, html)] of the posts [(url, form)], sent at the same moment from threads."""
    db.session.commit()  # the test's own session holds no transaction (nor lock)
    barrier = threading.Barrier(len(posts))
    answers: list = [None] * len(posts)

    def send(i, url, form):
        with app.app_context():
            client = app.test_client()
            barrier.wait(timeout=30)
            try:
                response = client.post(url, data=form, headers=HX)
                answers[i] = (response.status_code, response.get_data(as_text=True))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _url(world, detail_id):
    return f"/invoices/{world.code}/details/{detail_id}"


def _fully_recalculated(world) -> bool:
    """Whether the stored totals are those of a full re-sum of every detail."""
    return not recalculate_invoice(world.code).changed


def test_edits_of_different_rows_at_the_same_moment_all_succeed(app, world):
    ids = [world.actual_detail.id] + [d.id for d in world.extra]
    for round_ in range(ROUNDS):
        db.session.expire_all()
        versions = {d.id: d.version for d in db.session.scalars(
            select(InvoiceLineDetail).where(InvoiceLineDetail.id.in_(ids)))}
        taxes = {detail_id: Decimal(10 * round_ + i) for i, detail_id in enumerate(ids)}
        answers = _at_once(app, [(_url(world, i), {"version": versions[i], "tax": str(taxes[i])})
                                 for i in ids])
        assert [status for status, _html in answers] == [200] * len(ids), answers
        db.session.expire_all()
        stored = dict(db.session.execute(select(InvoiceLineDetail.id, InvoiceLineDetail.tax)
                                         .where(InvoiceLineDetail.id.in_(ids))).all())
        assert stored == taxes
        line = db.session.get(InvoiceLine, world.tm_line.id)
        assert line.tax == db.session.scalar(
            select(func.sum(InvoiceLineDetail.tax))
            .where(InvoiceLineDetail.invoice_line_id == line.id,
                   InvoiceLineDetail.billing_type == "chargeable"))
        assert _fully_recalculated(world)
    # Nobody's header form went stale: the header still has its first version.
    assert world.invoice().version == 1


def test_two_edits_of_the_same_row_one_wins_the_other_sees_the_current_values(app, world):
    detail = world.extra[0]
    for round_ in range(ROUNDS):
        version = world.detail(detail.id).version
        mine, theirs = f"Mine {round_}", f"Theirs {round_}"
        answers = _at_once(app, [(_url(world, detail.id), {"version": version, "description": d})
                                 for d in (mine, theirs)])
        assert sorted(status for status, _html in answers) == [200, 409], answers
        saved = world.detail(detail.id).description
        assert saved in (mine, theirs)
        [refused] = [html for status, html in answers if status == 409]
        assert "Someone else changed this detail" in refused
        assert f'value="{saved}"' in refused  # the loser's row shows what was saved
        assert f'name="version" value="{version + 1}"' in refused
        assert world.detail(detail.id).version == version + 1
    assert _fully_recalculated(world)


EDITS = st.lists(st.tuples(
    st.integers(0, 3),
    st.sampled_from(["billing_type", "quantity", "price", "tax"]),
    st.integers(0, 999)), min_size=1, max_size=12)


# The world is not rebuilt per example: each sequence goes on from the last one's state.
@settings(deadline=None, database=None, max_examples=8,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_incremental_totals_equal_a_full_recalculation_after_any_edits(app, world, edits):
    details = [world.actual_detail] + world.extra
    for index, field, n in edits:
        detail = world.detail(details[index].id)
        value = {"billing_type": ("chargeable", "non_chargeable", "complimentary")[n % 3],
                 "quantity": Decimal(n) / 4, "price": Decimal(n) + Decimal("0.37"),
                 "tax": Decimal(n) / 100}[field]
        if detail.backing != "none" and field in ("quantity", "price"):
            field, value = "tax", Decimal(n)
        try:
            update_detail(world.code, detail.id, detail.version, {field: value})
        except ServiceError:
            continue  # a refused value (a tax above the amount) changes nothing
    world.add_time(description="Late addition", quantity=Decimal("1.25"))
    db.session.expire_all()
    before = db.session.execute(select(Invoice.detail_amount, Invoice.total_tax,
                                       Invoice.total_amount)
                                .where(Invoice.code == world.code)).one()
    assert _fully_recalculated(world), before
