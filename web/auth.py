"""Login and logout, and the role checks every view and action shares."""

import logging
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from extensions import db, login_manager
from models import User

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id):
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in")


def _safe_next(target):
    """Only follow a same-site path after login, never another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        # browsers drop tabs and newlines, so "/\t/evil.com" would lead off site,
        # and a newline has no place in a Location header
        if not any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target):
            return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            logger.info("user %s signed in", user.id)
            return redirect(_safe_next(request.args.get("next")))
        logger.warning("failed sign-in for an account address")
        flash(
            "The email or password is not right, or the account is disabled.", "error"
        )
    return render_template(
        "auth/login.html", form=form
    ), 200 if not form.errors else 400


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def role_required(role):
    """Refuse with 403 unless the signed-in user has ``role`` or a higher one."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _refuse_nul_characters():
    """Refuse a NUL character in any submitted value: no field takes one, and
    PostgreSQL cannot store or compare it (a 500 on the first query otherwise)."""
    for source in (request.args, request.form):
        if any("\x00" in value for _, value in source.items(multi=True)):
            abort(400, description="A submitted value contains a NUL character.")


def init_app(app):
    app.before_request(_refuse_nul_characters)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    app.register_blueprint(bp)
