"""All models, imported here so that Alembic and create_all see every table."""

from app.models.actuals import Actual, Entry
from app.models.contracts import (Contract, ContractLine, ContractLineClass, InvoiceSchedule,
                                  Milestone, ScheduleRun)
from app.models.invoices import (BilledSale, Counter, Invoice, InvoiceLine, InvoiceLineDetail,
                                 InvoiceSend, IssuedDocument)
from app.models.payments import (BankStatement, Payment, Reminder, ReminderLevel,
                                 StatementLine)
from app.models.reference import (Category, CategoryPrice, Customer, PriceList, Product, Project,
                                  Resource, Role, RolePrice, Task, Unit, UnitSchedule)
from app.models.users import AuditEntry, User

__all__ = [
    "Actual", "AuditEntry", "BilledSale", "Category", "CategoryPrice", "Contract", "ContractLine",
    "ContractLineClass", "Counter", "Customer", "Entry", "Invoice", "InvoiceLine",
    "InvoiceLineDetail", "InvoiceSchedule", "InvoiceSend", "IssuedDocument", "Milestone",
    "BankStatement", "Payment", "PriceList", "Product", "Reminder", "ReminderLevel",
    "StatementLine",
    "Project", "Resource", "Role", "RolePrice", "ScheduleRun", "Task", "Unit", "UnitSchedule", "User",
]
