"""Fetching orders from a platform into the warehouse."""

from datetime import timedelta

from flask import current_app

from adapters import errors
from jobs.base import AccountJob, run_job
from models.base import utcnow
from services.order_import import OrderImporter

# each window reaches back this far before the cursor, so nothing at its edge is lost
CURSOR_OVERLAP = timedelta(minutes=10)


class FetchOrders(AccountJob):
    action = "fetch_orders"

    def window(self):
        now = utcnow()
        if self.account.fetch_cursor is not None:
            since = self.account.fetch_cursor - CURSOR_OVERLAP
        else:
            days = current_app.config.get("INITIAL_FETCH_DAYS", 14)
            since = now - timedelta(days=days)
        return since, now

    def perform(self):
        adapter = self.adapter()
        since, until = self.window()
        # reservations are summed once for the run, not once per page
        importer = OrderImporter(self.account, defer_reservations=True)
        imported = pages_done = orders_done = 0
        # page n+1 is fetched while page n is written
        pages = self.read_ahead(adapter.fetch_orders(since, until))
        try:
            with pages:
                for page in pages:
                    imported += importer.import_page(page)
                    pages_done += 1
                    orders_done += len(page)
                    self.save_progress(pages_done, succeeded=orders_done)
                    self.commit()
        except errors.AdapterError:
            # the pages saved before the platform failed hold their stock all the same
            importer.refresh_reservations()
            self.commit()
            raise
        importer.refresh_reservations()

        # the cursor moves only once every page of the window is committed
        account = self.account
        account.fetch_cursor = until
        account.last_fetch_at = utcnow()
        return (
            f"Imported or updated {imported} orders changed since "
            f"{since:%Y-%m-%d %H:%M} UTC."
        )


def fetch_orders(account_id, run_id):
    return run_job(FetchOrders, account_id, run_id)
