"""Users of the admin panel and their roles."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.base import UTCDateTime, utcnow

VIEWER = "viewer"
OPERATOR = "operator"
ADMIN = "admin"
# each role can do everything the roles before it can
ROLES = (VIEWER, OPERATOR, ADMIN)
MIN_PASSWORD_LENGTH = 10


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=VIEWER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("email")
    def _normalise_email(self, key, value):
        return (value or "").strip().lower()

    @property
    def is_active(self):
        return bool(self.active)

    def set_password(self, password):
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise ValueError(
                f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
            )
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(
            self.password_hash, password or ""
        )

    def has_role(self, role):
        """True when this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def __str__(self):
        return self.email
