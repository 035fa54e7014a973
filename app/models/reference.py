"""Reference data (SPEC 2): customers, roles, resources, categories, units, products,
price lists and projects."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false,
                        func, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import ExactDecimal

KEY = String(64)
NAME = String(200)


class Customer(db.Model):
    __tablename__ = "customers"
    __table_args__ = (CheckConstraint("length(country) = 2", name="country_alpha2"),
                      CheckConstraint("language IN ('en', 'ms', 'da')", name="language_valid"),
                      CheckConstraint("einvoice_profile IN ('none', 'peppol', 'oioubl')",
                                      name="einvoice_profile_valid"),
                      CheckConstraint("vat_treatment IN ('standard', 'exempt', 'out_of_scope')",
                                      name="vat_treatment_valid"),
                      CheckConstraint("(endpoint_id IS NULL) = (endpoint_scheme IS NULL)",
                                      name="endpoint_with_scheme"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME)
    email: Mapped[str] = mapped_column(String(254))
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    tax_registration_id: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # The invoice document: hide non-chargeable and complimentary rows instead of showing
    # them at zero, and add a time annex (each time detail with its date, resource, role).
    hide_non_chargeable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    time_annex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # E-invoices (issue 16): which profile the customer receives (none: PDF only), its
    # electronic address (Peppol EndpointID) with the scheme (EAS code, 0184: a Danish
    # CVR), its legal registration (CVR), and whether its invoices are exempt from VAT or
    # out of its scope (with the reason an exempt invoice must state).
    einvoice_profile: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    endpoint_id: Mapped[str | None] = mapped_column(String(100))
    endpoint_scheme: Mapped[str | None] = mapped_column(String(4))
    registration_id: Mapped[str | None] = mapped_column(String(50))
    vat_treatment: Mapped[str] = mapped_column(String(15), default="standard",
                                               server_default="standard")
    vat_exemption_reason: Mapped[str | None] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Role(db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME, unique=True)
    chargeable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Resource(db.Model):
    """A bookable resource: the person who did the work."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Category(db.Model):
    """A transaction category (Hotel, Mileage, Licence…)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME, unique=True)
    chargeable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class UnitSchedule(db.Model):
    __tablename__ = "unit_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME)

    units: Mapped[list["Unit"]] = relationship(back_populates="schedule", order_by="Unit.id")


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("unit_schedules.id"))

    schedule: Mapped[UnitSchedule] = relationship(back_populates="units")


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    price: Mapped[Decimal] = mapped_column(ExactDecimal)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    unit: Mapped[Unit] = relationship()


class PriceList(db.Model):
    __tablename__ = "price_lists"
    __table_args__ = (CheckConstraint("length(currency) = 3", name="currency_iso"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME)
    currency: Mapped[str] = mapped_column(String(3))
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    role_prices: Mapped[list["RolePrice"]] = relationship(
        back_populates="price_list", cascade="all, delete-orphan")
    category_prices: Mapped[list["CategoryPrice"]] = relationship(
        back_populates="price_list", cascade="all, delete-orphan")


class RolePrice(db.Model):
    __tablename__ = "role_prices"
    __table_args__ = (UniqueConstraint("price_list_id", "role_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id"))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    price: Mapped[Decimal] = mapped_column(ExactDecimal)

    price_list: Mapped[PriceList] = relationship(back_populates="role_prices")
    role: Mapped[Role] = relationship()
    unit: Mapped[Unit] = relationship()


class CategoryPrice(db.Model):
    __tablename__ = "category_prices"
    __table_args__ = (UniqueConstraint("price_list_id", "category_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    price: Mapped[Decimal] = mapped_column(ExactDecimal)

    price_list: Mapped[PriceList] = relationship(back_populates="category_prices")
    category: Mapped[Category] = relationship()
    unit: Mapped[Unit] = relationship()


class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(NAME)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    customer: Mapped[Customer] = relationship()
    tasks: Mapped[list["Task"]] = relationship(back_populates="project", order_by="Task.id")


class Task(db.Model):
    __tablename__ = "tasks"
    # A task's key is unique within its project; actuals name it together with the project.
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(NAME)

    project: Mapped[Project] = relationship(back_populates="tasks")
