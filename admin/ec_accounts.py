"""EC Integrations: the list, create and edit screens of EC accounts.

Creating asks for the platform first, then shows that platform's own credential fields
(declared by its adapter) beside the settings. Secrets are never sent back to the
browser: edit shows their last four characters and keeps them unless retyped.
"""

import logging

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.babel import gettext
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.helpers import get_form_data, get_redirect_target
from flask_admin.model.template import LinkRowAction
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy.orm import load_only
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

import credentials
from adapters import registry
from admin import formatters
from admin.account_actions import AccountActionsMixin
from admin.base import SecureModelView
from admin.fields import SlotListField, TimezoneField, WholeNumberField
from admin.formatters import status_tag
from admin.rows import ListRows, RenderedOnce, url_for_row
from models import EcAccount, ShippingTypeMapping
from models.account import STATUSES
from models.user import OPERATOR
from services import accounts, actions

logger = logging.getLogger(__name__)

CREDENTIAL_PREFIX = "cred_"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _credential_field(item, creating):
    """The form field for one declared credential value."""
    if item.kind == "bool":
        return BooleanField(item.label, description=item.help, default=item.default)
    if item.secret:
        hint = item.help if creating else "Leave empty to keep the stored value."
        return PasswordField(
            item.label,
            validators=[Length(max=2000)],
            description=hint,
            filters=[_strip],
        )
    return StringField(
        item.label,
        validators=[Length(max=500)],
        description=item.help,
        default=item.default,
        filters=[_strip],
    )


class AccountFormMixin:
    """Validation of an account form across its fields.

    ``_spec`` is the platform declaration, ``_account`` the account being edited (None
    on create), ``_production`` whether plain-http loopback URLs are refused.
    """

    _spec = None
    _account = None
    _production = False

    def submitted_credentials(self):
        values = {}
        for item in self._spec.credential_fields:
            values[item.name] = self[CREDENTIAL_PREFIX + item.name].data
        return values

    def merged_credentials(self):
        stored = self._account.read_credentials() if self._account else {}
        return accounts.merge_credentials(
            self._spec, stored, self.submitted_credentials()
        )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)

        # the credential values as they would be stored, checked by their platform
        merged = self.merged_credentials()
        for name, message in self._spec.validate(merged, self._production).items():
            self[CREDENTIAL_PREFIX + name].errors = list(
                self[CREDENTIAL_PREFIX + name].errors
            ) + [message]
            valid = False
        self._checked_credentials = merged
        if valid:
            other = accounts.account_on_same_shop(
                self._spec, merged, self._account.id if self._account else None
            )
            if other is not None:
                field = self[CREDENTIAL_PREFIX + self._spec.identity_field]
                field.errors = list(field.errors) + [
                    f"{other.display_name} already connects to this shop; each shop "
                    "is connected by one account, so orders and stock are not doubled."
                ]
                valid = False

        name = self.display_name.data or ""
        if name and accounts.display_name_taken(
            self._spec.name, name, self._account.id if self._account else None
        ):
            self.display_name.errors = list(self.display_name.errors) + [
                f"Another {self._spec.label} account is already named {name!r}."
            ]
            valid = False

        if self.fetch_enabled.data and not self.fetch_slots.errors:
            if not self.fetch_slots.data:
                self.fetch_slots.errors = list(self.fetch_slots.errors) + [
                    "Add at least one fetch slot, or turn order fetching off."
                ]
                valid = False

        return self._validate_shipping_codes() and valid

    def _validate_shipping_codes(self):
        seen = set()
        valid = True
        for entry in self.shipping_mappings.entries:
            if getattr(entry, "_should_delete", False):
                continue
            code_field = entry.form.platform_code
            code = (code_field.data or "").strip()
            if code in seen:
                code_field.errors = list(code_field.errors) + [
                    f"The platform code {code!r} is mapped twice; map each code once."
                ]
                valid = False
            seen.add(code)
        return valid


def _status_formatter(view, context, model, name):
    return status_tag(model.status)


# the list's formatters run for every row shown, so they build their markup with
# f-strings and escape() rather than the much slower Markup.format

OFF = Markup('<span class="text-muted">off</span>')


def _fetch_formatter(view, context, model, name):
    if not model.fetch_enabled:
        return OFF
    return Markup(f"on &middot; next {escape(formatters.when(model.next_fetch_at))}")


def _push_formatter(view, context, model, name):
    if not model.push_enabled:
        return OFF
    return Markup(f"on &middot; {escape(model.push_percentage)}%")


def _name_formatter(view, context, model, name):
    url = url_for_row(f"{view.endpoint}.details_view", model.id)
    return Markup(f'<a href="{escape(url)}">{escape(model.display_name)}</a>')


def _platform_formatter(view, context, model, name):
    return model.platform_label


# the account columns the list's cells and links read
LIST_LOADS = (
    EcAccount.id,
    EcAccount.platform,
    EcAccount.display_name,
    EcAccount.sales_channel_id,
    EcAccount.status,
    EcAccount.fetch_enabled,
    EcAccount.next_fetch_at,
    EcAccount.push_enabled,
    EcAccount.push_percentage,
)

# built once: the option costs more to build than the list takes to apply it
LIST_ONLY = load_only(*LIST_LOADS)

# list columns whose formatter always returns text, so the list calls it directly
DIRECT_COLUMNS = frozenset(
    ("display_name", "status", "fetch_enabled", "push_enabled", "platform")
)


def _credentials_formatter(view, context, model, name):
    rows = Markup("").join(
        Markup("<div><strong>{}</strong>: <code>{}</code></div>").format(label, value)
        for label, value in model.masked_credentials()
    )
    return rows


class EcAccountView(AccountActionsMixin, SecureModelView):
    list_template = "admin/ec_accounts/list.html"
    column_list = (
        "platform",
        "display_name",
        "sales_channel",
        "status",
        "fetch_enabled",
        "push_enabled",
    )
    column_labels = {
        "display_name": "Display name",
        "sales_channel": "Sales channel",
        "status": "Connection",
        "fetch_enabled": "Order fetching",
        "push_enabled": "Inbound push",
        "push_percentage": "Push percentage",
        "fetch_slots": "Fetch slots",
        "timezone": "Time zone",
        "shipping_mappings": "Shipping type mappings",
        "credentials": "Credentials",
    }
    column_searchable_list = ("display_name",)
    column_sortable_list = (
        "platform",
        "display_name",
        ("sales_channel", "sales_channel.name"),
        "status",
        ("fetch_enabled", "next_fetch_at"),
        ("push_enabled", "push_percentage"),
    )
    column_default_sort = "display_name"

    def get_query(self):
        query = super().get_query()
        if request.endpoint == f"{self.endpoint}.index_view":
            # the list reads only what it shows: no credentials, times or counts
            query = query.options(LIST_ONLY)
        return query

    column_formatters = {
        "display_name": _name_formatter,
        "status": _status_formatter,
        "fetch_enabled": _fetch_formatter,
        "push_enabled": _push_formatter,
        "platform": _platform_formatter,
        "credentials": _credentials_formatter,
    }
    column_details_list = (
        "platform",
        "display_name",
        "sales_channel",
        "credentials",
        "status",
        "status_reason",
        "status_since",
        "token_expires_at",
        "fetch_enabled",
        "fetch_slots",
        "timezone",
        "next_fetch_at",
        "last_fetch_at",
        "push_enabled",
        "push_percentage",
        "last_stock_sync_at",
        "shipping_mappings",
    )
    column_formatters_detail = {
        "status": _status_formatter,
        "platform": _platform_formatter,
        "credentials": _credentials_formatter,
    }
    action_disallowed_list = ("delete",)

    form_columns = (
        "display_name",
        "sales_channel",
        "fetch_enabled",
        "fetch_slots",
        "timezone",
        "push_enabled",
        "push_percentage",
        "shipping_mappings",
    )
    form_overrides = {
        "fetch_slots": SlotListField,
        "timezone": TimezoneField,
        "push_percentage": WholeNumberField,
    }
    form_args = {
        "display_name": {
            "validators": [
                DataRequired(message="Display name is required."),
                Length(max=100, message="Display name may be at most 100 characters."),
            ],
            "filters": [_strip],
        },
        "sales_channel": {
            "validators": [DataRequired(message="Choose the sales channel.")]
        },
        "fetch_slots": {
            "description": "Local times of day in the account's time zone, as HH:MM "
            "separated by commas, e.g. 09:00, 13:00, 17:30.",
            "default": [],
        },
        "timezone": {"default": "UTC"},
        "push_percentage": {
            "message": "Push percentage must be a whole number from 0 to 100.",
            "validators": [
                InputRequired(
                    message="Push percentage must be a whole number from 0 to 100."
                ),
                NumberRange(
                    min=0,
                    max=100,
                    message="Push percentage must be a whole number from 0 to 100.",
                ),
            ],
            "default": 100,
        },
    }
    inline_models = (
        (
            ShippingTypeMapping,
            {
                "form_columns": ("id", "platform_code", "shipping_method"),
                "form_label": "Shipping type mapping",
                "form_args": {
                    "platform_code": {
                        "label": "Platform shipping code",
                        "validators": [DataRequired(), Length(max=100)],
                        "filters": [_strip],
                    },
                    "shipping_method": {
                        "label": "Warehouse shipping method",
                        "validators": [DataRequired()],
                    },
                },
            },
        ),
    )

    def get_list_row_actions(self):
        actions = [
            action
            for action in super().get_list_row_actions()
            if type(action).__name__ != "DeleteRowAction"
        ]
        if self.can_delete:
            actions.append(
                LinkRowAction(
                    "fa fa-trash", "delete/confirm/?id={row_id}", title="Delete account"
                )
            )
        # view, edit and delete links differ by the row id alone
        return [RenderedOnce(action) for action in actions]

    @pass_context
    def list_rows_html(self, context, rows):
        """The list's rows, built in one call (see :class:`admin.rows.ListRows`)."""
        return ListRows(self, context, DIRECT_COLUMNS).html(rows)

    column_filters = (
        FilterEqual(EcAccount.platform, "Platform", options=registry.choices),
        FilterEqual(
            EcAccount.status,
            "Connection",
            options=[(status, status.capitalize()) for status in STATUSES],
        ),
        "sales_channel",
    )

    # forms: one class per platform, built from the adapter's declaration

    _form_cache = None

    def _platform_form(self, base, spec, creating):
        cache = self._form_cache if self._form_cache is not None else {}
        self._form_cache = cache
        key = (base, spec.name, creating)
        if key not in cache:
            fields = {
                CREDENTIAL_PREFIX + item.name: _credential_field(item, creating)
                for item in spec.credential_fields
            }
            cache[key] = type(
                f"{spec.name.title()}AccountForm", (AccountFormMixin, base), fields
            )
        return cache[key]

    def _requested_spec(self):
        try:
            return registry.get(request.args.get("platform", ""))
        except registry.UnknownPlatformError:
            return None

    def _bind(self, form, spec, account):
        form._spec = spec
        form._account = account
        form._production = self.admin.app.config.get("APP_ENV") == "production"
        return form

    def create_form(self, obj=None):
        spec = self._requested_spec()
        if spec is None:
            abort(400, description="Choose a platform for the new account.")
        form_class = self._platform_form(self._create_form_class, spec, creating=True)
        return self._bind(form_class(get_form_data(), obj=obj), spec, None)

    def edit_form(self, obj=None):
        spec = obj.spec
        form_class = self._platform_form(self._edit_form_class, spec, creating=False)
        form = self._bind(form_class(get_form_data(), obj=obj), spec, obj)
        if request.method == "GET":
            stored = obj.read_credentials()
            for item in spec.credential_fields:
                field = form[CREDENTIAL_PREFIX + item.name]
                if item.secret:
                    shown = credentials.mask(stored.get(item.name))
                    field.description = (
                        f"Stored: {shown}. Leave empty to keep it."
                        if shown
                        else "Not set."
                    )
                else:
                    field.data = stored.get(item.name, item.default)
        return form

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if self._requested_spec() is None:
            if not self.can_create:
                abort(403)
            return self.render(
                "admin/ec_accounts/choose_platform.html",
                specs=registry.all_specs(),
                return_url=get_redirect_target() or self.get_url(".index_view"),
            )
        return super().create_view()

    def required_role(self, name):
        # bulk actions are for operators; each action checks its own role as well
        return OPERATOR if name == "action_view" else super().required_role(name)

    def on_model_change(self, form, model, is_created):
        values = form._checked_credentials
        if is_created:
            model.platform = form._spec.name
            model.write_credentials(values)
            model.set_status("pending", "Created; not yet verified.")
            form._credentials_changed = True
        else:
            form._credentials_changed = accounts.apply_credentials(model, values)
        model.refresh_next_fetch()

    def after_model_change(self, form, model, is_created):
        # changed credentials are verified at once; the detail page shows the result
        if getattr(form, "_credentials_changed", False):
            try:
                result = actions.enqueue(
                    model, "test_connection", "credentials", current_user
                )
            except actions.QueueUnavailable as error:
                flash(f"The connection test was not queued: {error}", "error")
                return
            if result.outcome == "queued":
                flash("A connection test was queued for the new credentials.", "info")

    # deletion: a confirmation page naming what goes with the account

    @expose("/delete/confirm/")
    def delete_confirm_view(self):
        if not self.can_delete:
            abort(403)
        account = self.get_one(request.args.get("id", ""))
        if account is None:
            flash("That account does not exist (it may have been deleted).", "error")
            return redirect(self.get_url(".index_view"))
        return self.render(
            "admin/ec_accounts/delete_confirm.html",
            account=account,
            mapping_count=accounts.mapping_count(account.id),
            delete_form=self.delete_form(),
            return_url=self.get_url(".index_view"),
        )

    def delete_model(self, model):
        try:
            self.on_model_delete(model)
            name = model.display_name
            removed = accounts.delete_account(model)
        except Exception as error:
            self.session.rollback()
            if not self.handle_view_exception(error):
                logger.exception("deleting account %s failed", model.id)
                flash("The account could not be deleted; nothing was changed.", "error")
            return False
        flash(
            gettext(
                "Deleted %(name)s and its %(count)s product mappings.",
                name=name,
                count=removed,
            ),
            "success",
        )
        return True
