"""The actuals list."""

import datetime as dt
from decimal import Decimal

from app.extensions import db
from tests.factories import (make_category, make_contract, make_project, make_resource, make_role,
                             make_tm_line, make_actual)
from tests.web.helpers import page


def _line(currency="DKK", key="web"):
    contract = make_contract(currency=currency)
    return make_tm_line(contract, make_project(key=key, name=f"Project {key}",
                                               tasks=("Design",)))


def test_actuals_list_shows_every_field_formatted_in_the_actual_currency(client):
    line = _line()
    make_actual(line, date=dt.date(2026, 3, 2), quantity=Decimal("7.5"), price=Decimal("950.00"),
                role=make_role(name="Developer"), resource=make_resource(name="Ana"),
                task_id=line.project.tasks[0].id, status="unbilled")
    make_actual(line, transaction_class="expense", date=dt.date(2026, 3, 5),
                quantity=Decimal("2"), price=Decimal("1200.00"),
                category=make_category(name="Hotel"), billing_type="non_chargeable")
    db.session.commit()

    html = page(client.get("/actuals"))
    for text in ["Mar 2, 2026", "Project web", "Design", "Time", "Developer", "Ana", "7.5",
                 "Hour", "DKK950.00", "DKK7,125.00", "DKK1,781.25", "Chargeable", "Unbilled",
                 "Expense", "Hotel", "DKK2,400.00", "Non-chargeable", "Ready to invoice"]:
        assert text in html, text
    # Newest first.
    assert html.index("Mar 5, 2026") < html.index("Mar 2, 2026")


def test_actuals_in_another_currency_are_formatted_in_it(client):
    make_actual(_line(currency="MYR", key="kl"), quantity=Decimal("1"), price=Decimal("1234.50"))
    db.session.commit()
    assert "MYR1,234.50" in page(client.get("/actuals"))


def test_actuals_are_filtered_by_project_class_status_and_billing_type(client):
    web, app_line = _line(key="web"), _line(key="app")
    make_actual(web, quantity=Decimal("1"), price=Decimal("101.00"), status="ready")
    make_actual(web, transaction_class="fee", quantity=Decimal("1"), price=Decimal("102.00"))
    make_actual(app_line, quantity=Decimal("1"), price=Decimal("103.00"), status="unbilled",
                billing_type="complimentary")
    db.session.commit()

    def amounts(query):
        html = page(client.get(f"/actuals?{query}"))
        return {price for price in ("101.00", "102.00", "103.00") if f"DKK{price}" in html}

    assert amounts("") == {"101.00", "102.00", "103.00"}
    assert amounts("project=web") == {"101.00", "102.00"}
    assert amounts("transaction_class=fee") == {"102.00"}
    assert amounts("status=unbilled") == {"103.00"}
    assert amounts("billing_type=complimentary") == {"103.00"}
    assert amounts("project=web&transaction_class=time") == {"101.00"}
    # An unknown value is ignored rather than refused.
    assert amounts("status=bogus") == {"101.00", "102.00", "103.00"}


def test_actuals_list_paginates_and_keeps_its_filters(app, client):
    app.config["PAGE_SIZE"] = 2
    line = _line()
    for day in range(1, 6):
        make_actual(line, date=dt.date(2026, 3, day))
    db.session.commit()

    first = page(client.get("/actuals?status=ready"))
    assert "Mar 5, 2026" in first and "Mar 3, 2026" not in first
    assert 'href="/actuals?status=ready&amp;page=2"' in first
    second = page(client.get("/actuals?status=ready&page=2"))
    assert "Mar 3, 2026" in second and "Mar 2, 2026" in second and "Mar 5, 2026" not in second
    # Past the last page: the last page (a stale bookmark), not an error.
    past = page(client.get("/actuals?page=9"))
    assert past.count('data-testid="actual-row"') == 1 and "Mar 1, 2026" in past
    assert "Nothing on this page" not in past


def test_filters_not_given_are_not_marked_invalid(client):
    html = page(client.get("/actuals"))
    assert 'class="invalid"' not in html
    html = page(client.get("/actuals?status=bogus&billing_type="))
    assert html.count('class="invalid"') == 1
