"""What every admin screen shares: sign-in, roles, CSRF-carrying forms, safe errors."""

import logging

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.helpers import get_redirect_target
from flask_admin.menu import MenuLink
from flask_admin.model import filters as model_filters
from flask_login import current_user
from flask_wtf import FlaskForm

from extensions import db
from models.user import ADMIN, VIEWER

logger = logging.getLogger(__name__)

# the largest id PostgreSQL's INTEGER holds; a larger one matches no row anywhere
MAX_ROW_ID = 2**31 - 1
# the range of PostgreSQL's INTEGER, which every integer column uses
MIN_INTEGER, MAX_INTEGER = -(2**31), 2**31 - 1
# a list page further than this is shown as the first (OFFSET must fit in a BIGINT)
MAX_LIST_PAGE = 1_000_000

# the Flask-Admin view methods that change data, and who may call them
WRITE_VIEWS = {"create_view", "edit_view", "delete_view", "action_view", "ajax_update"}


def row_id(value):
    """``value`` as a row id, or None when no row can have it (text, 0, too large)."""
    text = str(value if value is not None else "").strip()
    # a length check first: int() refuses strings of more than 4,300 digits
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ROW_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ROW_ID else None


class CSRFForm(FlaskForm):
    """Base of every generated form, so the global CSRF check finds its token."""

    def __init__(self, *args, **kwargs):
        # Flask-Admin's uniqueness check compares against the row being edited
        self._obj = kwargs.get("obj")
        super().__init__(*args, **kwargs)


def signed_in_with(role):
    """Whether the signed-in user has ``role`` or above, asked once per request.

    Every admin page asks it for each item of its menu; the answer is kept on the
    request (not on ``g``, which requests share while a test holds an app context).
    """
    answers = request.environ.setdefault("ecadmin.roles", {})
    if role not in answers:
        answers[role] = current_user.is_authenticated and current_user.has_role(role)
    return answers[role]


class RoleGate:
    """Mixin deciding access by role for Flask-Admin views.

    ``read_role`` may open the screen; ``write_role`` may create, edit, delete and run
    list actions. Anonymous visitors go to the login page, others get 403.
    """

    read_role = VIEWER
    write_role = ADMIN

    def is_accessible(self):
        return signed_in_with(self.read_role)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def can_write(self):
        return signed_in_with(self.write_role)

    def required_role(self, name):
        """The role a Flask-Admin view method ``name`` needs."""
        return self.write_role if name in WRITE_VIEWS else self.read_role

    def _handle_view(self, name, **kwargs):
        refusal = super()._handle_view(name, **kwargs)
        if refusal is not None:
            return refusal
        if not signed_in_with(self.required_role(name)):
            abort(403)
        return None


def whole_number(text):
    """``text`` as an integer an INTEGER column can hold.

    :raises ValueError: for anything else, which Flask-Admin's filters show as an
        invalid filter value instead of sending it to the database.
    """
    text = str(text).strip()
    if len(text) > len(str(MIN_INTEGER)):
        raise ValueError(f"{text[:20]!r} is too long for a whole number.")
    number = int(text)
    if not MIN_INTEGER <= number <= MAX_INTEGER:
        raise ValueError(f"{number} is out of range.")
    return number


def _bounded(filter_class):
    """``filter_class`` refusing numbers no integer column can hold."""
    if issubclass(filter_class, model_filters.BaseIntListFilter):

        def clean(self, value):
            return [whole_number(v) for v in value.split(",") if v.strip()]

    elif issubclass(filter_class, model_filters.BaseIntFilter):

        def clean(self, value):
            return whole_number(value)

    else:
        return filter_class
    return type(filter_class.__name__, (filter_class,), {"clean": clean})


IntEqualFilter = _bounded(sqla_filters.IntEqualFilter)


class FilterConverter(sqla_filters.FilterConverter):
    """Offers the date filters for the project's UTC datetime columns too, and keeps
    integer filters to values the database can compare."""

    int_filters = tuple(map(_bounded, sqla_filters.FilterConverter.int_filters))

    @model_filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class SecureModelView(RoleGate, ModelView):
    form_base_class = CSRFForm
    filter_converter = FilterConverter()
    page_size = 50
    can_view_details = True
    can_set_page_size = True
    # nothing is exported by default: exports would need their own masking review
    can_export = False

    @property
    def can_create(self):
        return self.can_write() and self.allow_create

    @property
    def can_edit(self):
        return self.can_write() and self.allow_edit

    @property
    def can_delete(self):
        return self.can_write() and self.allow_delete

    allow_create = True
    allow_edit = True
    allow_delete = True

    @action(
        "delete",
        lazy_gettext("Delete"),
        lazy_gettext("Delete the selected records? This cannot be undone."),
    )
    def action_delete(self, ids):
        # the posted ids are text, and PostgreSQL refuses to compare text with the
        # integer key (a 500 there), so they are turned into numbers first
        return super().action_delete([n for n in map(row_id, ids) if n is not None])

    def _get_list_extra_args(self):
        # a page number out of range shows the first page, never a database error
        args = super()._get_list_extra_args()
        if not 0 <= (args.page or 0) <= MAX_LIST_PAGE:
            args.page = 0
        return args

    def handle_action(self, return_view=None):
        # an unknown list action, or no row to apply it to, says so
        name = request.form.get("action", "")
        back = get_redirect_target() or self.get_url(".index_view")
        if name not in self._actions_data or not self.is_action_allowed(name):
            flash(
                f"There is no list action {name[:40]!r} here; nothing was done.",
                "error",
            )
            return redirect(back)
        if not any(row_id(value) for value in request.form.getlist("rowid")):
            flash("Select at least one row for this action; nothing was done.", "error")
            return redirect(back)
        return super().handle_action(return_view)

    def get_one(self, id):
        # a mistyped or stale id in the address means no such record, never a 500
        number = row_id(id)
        return None if number is None else super().get_one(str(number))

    def handle_view_exception(self, exc):
        # integrity errors become a message, never a 500; the session is rolled back
        from sqlalchemy.exc import IntegrityError

        if isinstance(exc, IntegrityError):
            db.session.rollback()
            flash(
                "Nothing was saved: the change conflicts with existing data "
                "(a duplicate or a row still in use).",
                "error",
            )
            return True
        return super().handle_view_exception(exc)


class ReadOnlyModelView(SecureModelView):
    allow_create = False
    allow_edit = False
    allow_delete = False


class SecureIndexView(RoleGate, AdminIndexView):
    @expose("/")
    def index(self):
        return redirect(url_for("ec_accounts.index_view"))


class SecureBaseView(RoleGate, BaseView):
    pass


def filtered_list_url(admin, endpoint, label, value, operation="equals"):
    """The list of ``endpoint`` narrowed by its filter called ``label``.

    Flask-Admin numbers filters by position, so the number is looked up, never written.
    """
    view = next(v for v in admin._views if v.endpoint == endpoint)
    for arg, (_, flt) in view._filter_args.items():
        if str(flt.name) == label and str(flt.operation()) == operation:
            return url_for(f"{endpoint}.index_view", **{f"flt0_{arg}": value})
    raise LookupError(f"The {endpoint} list has no filter {label!r} {operation!r}.")


class AdminMenuLink(MenuLink):
    """A menu link shown to admins only."""

    def is_accessible(self):
        return signed_in_with(ADMIN)
