"""Re-authorize: the OAuth round trip that restores an account's tokens.

The start route remembers a random state in the signed session cookie and sends the
admin to the platform's consent page; the callback checks that state (and whatever
the platform signs), exchanges the code, stores the tokens encrypted, sets the account
to pending and queues a connection test, then returns to the account's page.
"""

import hmac
import logging
import secrets
import time

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_login import current_user

from adapters import errors
from admin.base import row_id
from extensions import db
from models import EcAccount
from models.user import ADMIN
from services import actions, oauth
from web.auth import role_required

logger = logging.getLogger(__name__)

bp = Blueprint("oauth", __name__, url_prefix="/oauth")

SESSION_KEY = "oauth_pending"
STATE_LIFETIME_SECONDS = 15 * 60


def _details(account_id):
    return url_for("ec_accounts.details_view", id=account_id)


@bp.route("/<int:account_id>/start")
@role_required(ADMIN)
def start(account_id):
    # an id no row can have is no account, never a database error
    account = db.session.get(EcAccount, account_id) if row_id(account_id) else None
    if account is None:
        abort(404, description="There is no EC account with that id.")
    if not account.spec.capabilities.uses_oauth:
        flash(
            f"{account.platform_label} accounts use keys: change them on Edit.", "error"
        )
        return redirect(_details(account.id))
    state = secrets.token_urlsafe(32)
    session[SESSION_KEY] = {"state": state, "account_id": account.id, "at": time.time()}
    redirect_uri = url_for("oauth.callback", platform=account.platform, _external=True)
    try:
        target = oauth.authorize_url(account, state, redirect_uri)
    except errors.AdapterError as error:
        flash(f"Re-authorize could not start: {error.reason}", "error")
        return redirect(_details(account.id))
    logger.info("re-authorization of account %s started", account.id)
    return redirect(target)


@bp.route("/<platform>/callback")
@role_required(ADMIN)
def callback(platform):
    pending = session.pop(SESSION_KEY, None) or {}
    given = request.args.get("state", "")
    expected = pending.get("state", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        flash(
            "Re-authorize failed: the answer from the platform does not belong to an "
            "authorization started here (the state does not match). Start it again.",
            "error",
        )
        return redirect(url_for("ec_accounts.index_view"))
    account = db.session.get(EcAccount, pending.get("account_id") or 0)
    if account is None or account.platform != platform:
        flash(
            "Re-authorize failed: the account is gone or of another platform.", "error"
        )
        return redirect(url_for("ec_accounts.index_view"))
    if time.time() - pending.get("at", 0) > STATE_LIFETIME_SECONDS:
        flash("Re-authorize took too long; start it again.", "error")
        return redirect(_details(account.id))
    if request.args.get("error"):
        flash("The platform reported that the authorization was refused.", "error")
        return redirect(_details(account.id))

    redirect_uri = url_for("oauth.callback", platform=platform, _external=True)
    try:
        tokens = oauth.complete(account, request.args.to_dict(), redirect_uri, expected)
    except errors.AdapterError as error:
        db.session.rollback()
        flash(f"Re-authorize failed: {error.reason}", "error")
        return redirect(_details(account.id))

    values = account.read_credentials()
    values.update(tokens.values)
    account.write_credentials(values)
    account.token_expires_at = tokens.expires_at
    account.set_status("pending", "Re-authorized; verifying the new tokens.")
    db.session.commit()
    logger.info("account %s re-authorized", account.id)
    try:
        actions.enqueue(account, "test_connection", "credentials", current_user)
        flash("Re-authorized. A connection test is queued to confirm it.", "success")
    except actions.QueueUnavailable as error:
        flash(
            f"Re-authorized, but the connection test was not queued: {error}", "error"
        )
    return redirect(_details(account.id))


def init_app(app):
    app.register_blueprint(bp)
