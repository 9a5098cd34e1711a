"""Small cell renderers shared by the list screens; every value is escaped."""

from flask import url_for
from markupsafe import Markup, escape

STATUS_CLASSES = {
    "pending": "secondary",
    "connected": "success",
    "disconnected": "danger",
}


def when(moment, empty="-"):
    """A stored time as the pages show it (``2026-12-04 09:30 UTC``), or ``empty``.

    Also the templates' ``when`` filter: a filter costs a fraction of a macro call,
    and a detail page shows dozens of times.
    """
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else empty


def status_tag(status):
    # every list row shows one: an f-string, several times faster than Markup.format
    colour = escape(STATUS_CLASSES.get(status, "light"))
    label = escape(status.capitalize())
    return Markup(f'<span class="badge badge-{colour}">{label}</span>')


def account_link(view, context, model, name):
    account = getattr(model, "account", None)
    if account is None:
        fallback = getattr(model, "account_name", None)
        return escape(fallback) if fallback else Markup("<em>deleted</em>")
    return Markup('<a href="{}">{}</a>').format(
        url_for("ec_accounts.details_view", id=account.id), account.display_name
    )


def ok_badge(view, context, model, name):
    if getattr(model, name):
        return Markup('<span class="badge badge-success">ok</span>')
    return Markup('<span class="badge badge-danger">failed</span>')


def yes_no(value):
    return "yes" if value else "no"
