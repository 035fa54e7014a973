"""Users of the app and the audit trail of invoice changes (issue 7)."""

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.permissions import ROLES, has_permission
from app.extensions import db
from app.models.types import one_of


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),
                      one_of("language", ("en", "ms", "da")))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    # Bumped on password change or deactivation: sessions made before stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())

    # What Flask-Login asks of a user (the model does not import it).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def can(self, permission: str) -> bool:
        return self.active and has_permission(self.role, permission)


class AuditEntry(db.Model):
    """One change to an invoice: who, when, what, old → new. Append-only: database
    triggers refuse UPDATE, DELETE, TRUNCATE and REPLACE; each invoice's entries form a
    hash chain (`seq`, `hash`, app.billing.audit_chain) that shows any tampering."""

    __tablename__ = "audit_entries"
    # One entry per place in a chain: two writers appending to one chain at once cannot
    # fork it, the second fails. The index also serves the head and the timeline.
    __table_args__ = (UniqueConstraint("invoice_code", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Invoice ID, not a foreign key: the trail outlives a deleted draft, and an
    # append-only table cannot have its references set to NULL.
    invoice_code: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the invoice's chain
    hash: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the entry and the one before
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(254))  # e-mail, or "cli" / "schedule"
    # Set by the app, not the database: the hash covers it (naive UTC).
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(100))  # "header", "line 3", "detail 17"
    field: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()
