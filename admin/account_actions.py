"""The EC account detail page, its manual actions and the bulk actions of the list.

Views stay thin: they look the account up, check the role, ask
:mod:`services.actions` (which applies the same conditions the page uses to show the
buttons) and report the outcome.
"""

import logging

from flask import abort, flash, jsonify, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user
from sqlalchemy import select

from admin.base import filtered_list_url, row_id
from extensions import db
from models import EcAccount, SyncRun
from models.user import ADMIN, OPERATOR
from services import account_page, actions, lost_runs, mapping_health, stock_push

logger = logging.getLogger(__name__)

TOGGLES = ("enable_fetch", "disable_fetch", "enable_push", "disable_push")


def _require(role):
    if not current_user.has_role(role):
        abort(403)


def run_json(run):
    return {
        "id": run.id,
        "action": run.action,
        "status": run.status,
        "percent": run.progress_percent,
        "done": run.progress_done,
        "total": run.progress_total,
        "succeeded": run.succeeded,
        "failed": run.failed,
        "skipped": run.skipped,
        "message": run.message,
        "error": run.error,
    }


class AccountActionsMixin:
    """Mixed into the EC account view: detail page, action endpoints, bulk actions."""

    details_template = "admin/ec_accounts/details.html"

    def _account_or_404(self):
        number = row_id(request.values.get("id"))
        account = db.session.get(EcAccount, number) if number else None
        if account is None:
            abort(404, description="There is no EC account with that id.")
        return account

    @expose("/details/")
    def details_view(self):
        account = self._account_or_404()
        # a run whose job was lost says so instead of "running" for ever
        lost_runs.reconcile(account.id)
        runs = account_page.recent_runs(account.id)
        caps = account.spec.capabilities
        return self.render(
            self.details_template,
            account=account,
            credentials=account.masked_credentials(),
            health=mapping_health.of_account(account)
            if caps.keeps_mapping_table
            else None,
            runs=runs,
            last_fetch=account_page.last_fetch_run(runs),
            failed_calls=account_page.failed_calls(account.id),
            page_actions=account_page.page_actions(account),
            can_run=current_user.has_role(OPERATOR),
            can_admin=current_user.has_role(ADMIN),
            action_labels={name: a.label for name, a in actions.ACTIONS.items()},
            api_log_url=filtered_list_url(
                self.admin, "api_log", "Account id", account.id
            ),
            mappings_url=filtered_list_url(
                self.admin, "product_mappings", "Account id", account.id
            ),
        )

    @expose("/runs/")
    def runs_view(self):
        """The account's unfinished and latest runs, for the live progress bars."""
        account = self._account_or_404()
        lost_runs.reconcile(account.id)
        runs = db.session.scalars(
            select(SyncRun)
            .where(SyncRun.account_id == account.id)
            .order_by(SyncRun.id.desc())
            .limit(20)
        ).all()
        return jsonify(runs=[run_json(run) for run in runs])

    @expose("/run/<action_name>/", methods=("POST",))
    def run_action_view(self, action_name):
        name = action_name
        _require(OPERATOR)
        account = self._account_or_404()
        if name not in actions.ACTIONS or name == "inbound_push":
            abort(404, description=f"There is no action called {name!r}.")
        if name == "stock_sync" and request.form.get("confirm") != "yes":
            flash(
                "Manual Stock Sync needs its confirmation; nothing was queued.", "error"
            )
            return redirect(self.get_url(".stock_sync_confirm_view", id=account.id))
        try:
            result = actions.enqueue(account, name, trigger="manual", user=current_user)
        except actions.QueueUnavailable as error:
            flash(str(error), "error")
        else:
            self._flash_outcome(result, actions.ACTIONS[name].label)
        return redirect(self.get_url(".details_view", id=account.id))

    def _flash_outcome(self, result, label):
        if result.outcome == "queued":
            flash(f"{label}: queued for {result.account.display_name}.", "success")
        elif result.outcome == "already_queued":
            flash(f"{label}: already queued for {result.account.display_name}.", "info")
        else:
            flash(f"{label} is not available: {result.reason}.", "error")

    @expose("/stock-sync/confirm/")
    def stock_sync_confirm_view(self):
        _require(OPERATOR)
        account = self._account_or_404()
        reason = actions.ACTIONS["stock_sync"].unavailable_reason(account)
        if reason:
            flash(f"Manual Stock Sync is not available: {reason}.", "error")
            return redirect(self.get_url(".details_view", id=account.id))
        count, preview, figures_known = account_page.stock_sync_preview(account)
        return self.render(
            "admin/ec_accounts/stock_sync_confirm.html",
            account=account,
            count=count,
            preview=preview,
            figures_known=figures_known,
        )

    # bulk actions on the list

    def _selected(self, ids):
        numbers = [n for n in map(row_id, ids) if n is not None]
        return db.session.scalars(
            select(EcAccount)
            .where(EcAccount.id.in_(numbers))
            .order_by(EcAccount.display_name)
        ).all()

    def _enqueue_all(self, accounts, name):
        if not accounts:
            flash(
                "None of the selected accounts exists any more; nothing was queued.",
                "error",
            )
            return
        results = []
        try:
            for account in accounts:
                results.append(
                    actions.enqueue(account, name, trigger="bulk", user=current_user)
                )
        except actions.QueueUnavailable as error:
            flash(str(error), "error")
        if results:
            label = actions.ACTIONS[name].label
            flash(f"{label}: {actions.summarize(results)}.", "info")

    def _bulk(self, ids, name):
        _require(OPERATOR)
        self._enqueue_all(self._selected(ids), name)

    @action("fetch_orders", "Fetch orders")
    def bulk_fetch_orders(self, ids):
        self._bulk(ids, "fetch_orders")

    @action("sync_mappings", "Sync product mappings")
    def bulk_sync_mappings(self, ids):
        self._bulk(ids, "sync_mappings")

    @action("test_connection", "Test connection")
    def bulk_test_connection(self, ids):
        self._bulk(ids, "test_connection")

    @action("stock_sync", "Manual stock sync")
    def bulk_stock_sync(self, ids):
        _require(OPERATOR)
        chosen = ",".join(str(a.id) for a in self._selected(ids))
        return redirect(self.get_url(".bulk_stock_sync_view", ids=chosen))

    @expose("/bulk-stock-sync/", methods=("GET", "POST"))
    def bulk_stock_sync_view(self):
        _require(OPERATOR)
        ids = request.values.get("ids", "").split(",")
        accounts = self._selected(ids)
        if not accounts:
            flash("Choose at least one account for Manual Stock Sync.", "error")
            return redirect(self.get_url(".index_view"))
        if request.method == "POST" and request.form.get("confirm") == "yes":
            self._enqueue_all(accounts, "stock_sync")
            return redirect(self.get_url(".index_view"))
        rows = []
        for account in accounts:
            reason = actions.ACTIONS["stock_sync"].unavailable_reason(account)
            count = None if reason else stock_push.count_items(account)
            rows.append((account, reason, count))
        return self.render(
            "admin/ec_accounts/bulk_stock_sync.html", rows=rows, ids=",".join(ids)
        )

    def _toggle(self, ids, column, value, label):
        _require(ADMIN)
        changed, skipped = [], []
        for account in self._selected(ids):
            if column == "fetch_enabled" and value and not account.fetch_slots:
                skipped.append(account.display_name)
                continue
            setattr(account, column, value)
            account.refresh_next_fetch()
            changed.append(account.display_name)
        db.session.commit()
        noun = "account" if len(changed) == 1 else "accounts"
        message = f"{label} for {len(changed)} {noun}"
        message += f" ({', '.join(changed)})" if changed else ""
        if skipped:
            message += (
                f"; {len(skipped)} skipped: no fetch slots ({', '.join(skipped)})"
            )
        flash(message + ".", "success" if changed else "error")

    @action("enable_fetch", "Enable order fetching")
    def bulk_enable_fetch(self, ids):
        self._toggle(ids, "fetch_enabled", True, "Order fetching enabled")

    @action("disable_fetch", "Disable order fetching")
    def bulk_disable_fetch(self, ids):
        self._toggle(ids, "fetch_enabled", False, "Order fetching disabled")

    @action("enable_push", "Enable inbound push")
    def bulk_enable_push(self, ids):
        self._toggle(ids, "push_enabled", True, "Inbound push enabled")

    @action("disable_push", "Disable inbound push")
    def bulk_disable_push(self, ids):
        self._toggle(ids, "push_enabled", False, "Inbound push disabled")

    def is_action_allowed(self, name):
        """Which bulk actions the list offers to the signed-in user."""
        needed = ADMIN if name in TOGGLES else OPERATOR
        return current_user.has_role(needed) and super().is_action_allowed(name)

    @expose("/action/", methods=("POST",))
    def action_view(self):
        # a forbidden bulk action is refused outright, not silently ignored
        name = request.form.get("action", "")
        _require(ADMIN if name in TOGGLES else OPERATOR)
        return self.handle_action()
