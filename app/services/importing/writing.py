"""Writing a checked plan in dependency order, in the caller's transaction. Actuals, the
bulk of a file, go in as one bulk INSERT of plain rows."""

from sqlalchemy import insert

from app.extensions import db
from app.models import (Actual, Category, CategoryPrice, Contract, ContractLine, ContractLineClass,
                        Customer, InvoiceSchedule, Milestone, PriceList, Product, Project, Resource,
                        Role, RolePrice, Task)
from app.services.importing.catalog import Ref
from app.services.importing.rules import Plan
from app.services.numbering import next_contract_number

# Each kind after the kinds it refers to.
STAGES = (("customers", Customer), ("roles", Role), ("resources", Resource),
          ("categories", Category), ("products", Product), ("price_lists", PriceList),
          ("role_prices", RolePrice), ("category_prices", CategoryPrice), ("projects", Project),
          ("tasks", Task), ("contracts", Contract), ("contract_lines", ContractLine),
          ("contract_line_classes", ContractLineClass), ("invoice_schedules", InvoiceSchedule),
          ("milestones", Milestone))
# Rows that are part of another record, not counted in the summary.
UNCOUNTED = {"contract_line_classes"}


def _row(values: dict) -> dict:
    """Column values with every Ref replaced by the id of the record it names."""
    return {name: value.id if isinstance(value, Ref) else value for name, value in values.items()}


def write(plan: Plan) -> dict[str, int]:
    """Insert every planned row; returns how many records of each kind were created."""
    created: dict[str, int] = {}
    for kind, model in STAGES:
        planned = plan.rows.get(kind)
        if not planned:
            continue
        records = []
        for _, values in planned:
            row = _row(values)
            if model is Contract:
                row["number"] = next_contract_number()
            records.append(model(**row))
        db.session.add_all(records)
        db.session.flush()
        for (ref, _), record in zip(planned, records):
            if ref is not None:
                ref.id = record.id
        if kind not in UNCOUNTED:
            created[kind] = len(records)
    actuals = plan.rows.get("actuals")
    if actuals:
        # Plain dict rows, no ORM objects. render_nulls sends None as NULL instead of leaving
        # the column out, so every row has the same shape and they all go in one batch.
        db.session.execute(insert(Actual).execution_options(render_nulls=True),
                           [_row(values) for _, values in actuals])
        created["actuals"] = len(actuals)
    return created
