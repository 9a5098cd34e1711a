"""Users: managed by admins only."""

from flask_login import current_user
from sqlalchemy import func, select
from wtforms import PasswordField, SelectField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, Regexp

from admin.base import SecureModelView
from extensions import db
from models import User
from models.user import ADMIN, MIN_PASSWORD_LENGTH, ROLES

# WTForms' Email() needs the email_validator package, which is not installed
EMAIL_RULE = Regexp(
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    message="Enter an email address such as ops@example.com.",
)


class UserView(SecureModelView):
    read_role = ADMIN
    write_role = ADMIN
    column_list = ("email", "role", "active", "created_at")
    column_searchable_list = ("email",)
    column_filters = ("role", "active")
    column_exclude_list = ("password_hash",)
    column_details_exclude_list = ("password_hash",)
    form_columns = ("email", "role", "active", "new_password")
    form_extra_fields = {
        "new_password": PasswordField(
            "Password",
            validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
            description=f"At least {MIN_PASSWORD_LENGTH} characters. "
            "Leave empty to keep the current password.",
        )
    }
    form_overrides = {"role": SelectField}
    form_args = {
        "email": {"validators": [DataRequired(), EMAIL_RULE, Length(max=254)]},
        "role": {"choices": [(role, role.capitalize()) for role in ROLES]},
    }

    def on_model_change(self, form, model, is_created):
        password = form.new_password.data
        if is_created and not password:
            raise ValidationError("A new user needs a password.")
        if password:
            model.set_password(password)

        if not is_created and not (model.active and model.role == ADMIN):
            if not _other_admins(model.id):
                raise ValidationError(
                    f"{model.email} is the last active admin; make another user an "
                    "admin before changing this one's role or disabling it."
                )

    def on_model_delete(self, model):
        if model.id == current_user.id:
            raise ValidationError(
                "You cannot delete the user you are signed in as; ask another admin."
            )
        if model.active and model.role == ADMIN and not _other_admins(model.id):
            raise ValidationError(
                f"{model.email} is the last active admin and cannot be deleted."
            )


def _other_admins(user_id):
    """How many active admins there are besides ``user_id``."""
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.role == ADMIN, User.active.is_(True), User.id != user_id
        )
    )
