"""Contract pages: the list and one contract with its lines, milestones and invoices."""

from decimal import Decimal

from flask import abort, current_app, render_template, request

from app.contracts import bp
from app.contracts.queries import (contract_by_ref, contract_invoices, contract_list,
                                   contract_total, line_amount, milestone_totals)
from app.extensions import db


@bp.get("/contracts")
def index():
    """Contracts, paginated, searchable by number, key or name."""
    search = request.args.get("q", "").strip()
    pagination = db.paginate(contract_list(search), page=request.args.get("page", 1, type=int),
                             per_page=current_app.config["PAGE_SIZE"], error_out=False)
    totals = {contract.id: contract_total(contract) for contract in pagination.items}
    return render_template("contracts/list.html", pagination=pagination, totals=totals,
                           search=search)


@bp.get("/contracts/<ref>")
def show(ref: str):
    """One contract, found by its number or its imported key."""
    contract = contract_by_ref(ref) or abort(404)
    line_amounts = {line.id: line_amount(line, contract.currency) for line in contract.lines}
    milestone_sums = milestone_totals(contract)
    # SPEC 3: milestones must add up to the line amount; say so on the contract when not.
    unbalanced = {line_id for line_id, total in milestone_sums.items()
                  if total != line_amounts[line_id]}
    return render_template("contracts/detail.html", contract=contract, line_amounts=line_amounts,
                           milestone_sums=milestone_sums, unbalanced=unbalanced,
                           total=sum(line_amounts.values(), Decimal(0)),
                           invoices=contract_invoices(contract))
