"""List pages load their rows in a fixed number of queries, however many rows they show."""

import datetime as dt
from decimal import Decimal

from app.services.invoicing import recalculate
from tests.factories import (make_actual, make_category, make_contract, make_customer,
                             make_fixed_price_line, make_product_line, make_project, make_tm_line)
from tests.web.helpers import add_actual_detail, add_line, make_invoice


def test_contract_list_with_30_contracts_needs_few_queries(count_queries):
    for _ in range(30):
        contract = make_contract(customer=make_customer())
        make_tm_line(contract, make_project())
        make_product_line(contract)
    assert count_queries("/contracts") <= 4


def test_actuals_list_with_60_actuals_needs_few_queries(count_queries):
    for _ in range(20):
        line = make_tm_line(make_contract(), make_project(tasks=("Build",)))
        make_actual(line, task_id=line.project.tasks[0].id)
        make_actual(line, transaction_class="expense", category=make_category())
        make_actual(line, transaction_class="fee")
    assert count_queries("/actuals") <= 4
    assert count_queries("/actuals?page=2") <= 4


def test_backlog_needs_few_queries(count_queries):
    for _ in range(10):
        contract = make_contract()
        line = make_tm_line(contract, make_project())
        make_actual(line)
        make_actual(line, transaction_class="expense", category=make_category())
        make_fixed_price_line(contract, make_project(),
                              milestones=[(dt.date(2026, 3, 1), Decimal("100.00"))])
        make_product_line(contract)
    assert count_queries("/backlog") <= 9


def test_invoice_pages_need_few_queries(count_queries):
    contract = make_contract()
    line = make_tm_line(contract, make_project())
    codes, number = [], contract.number
    for _ in range(5):
        invoice = make_invoice(contract)
        invoice_line = add_line(invoice, line)
        for _ in range(6):
            add_actual_detail(invoice_line, make_actual(line))
        recalculate(invoice)
        codes.append(invoice.code)
    assert count_queries("/invoices") <= 4
    assert count_queries(f"/invoices/{codes[0]}") <= 5
    assert count_queries(f"/contracts/{number}") <= 8
