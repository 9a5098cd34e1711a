"""Pushing warehouse stock to the platforms: the manual overwrite and inbound push."""

import time

from adapters import errors
from jobs.base import AccountJob, run_job
from models.base import utcnow
from services import actions, stock_push

# passes an inbound push makes at most for restocks that arrive while it runs
MAX_EXTRA_PASSES = 3
# a push commits its outcomes and progress at most this often (seconds): after every
# batch when the platform is slower than that, a few batches at a time when it is not
COMMIT_INTERVAL = 0.25


class ManualStockSync(AccountJob):
    """Overwrites platform stock with the pushed figure for every item, in batches."""

    action = "stock_sync"

    def plan(self, adapter):
        if self.account.spec.capabilities.keeps_mapping_table:
            return stock_push.plan_mapped(self.account)
        listings = [listing for page in adapter.list_listings() for listing in page]
        return stock_push.plan_by_sku(self.account, listings)

    def selected(self, planned):
        return planned

    def perform(self):
        adapter = self.adapter()
        planned = self.selected(self.plan(adapter))
        writer = stock_push.OutcomeWriter(planned)
        run = self.run_row
        # progress counts items, since each platform groups its batches its own way
        run.advance(0, total=len(planned))
        # another pass of an inbound push adds to what the first counted
        done, succeeded, failed = run.progress_done, run.succeeded, run.failed
        skipped = run.skipped
        self.commit()

        def save(done):
            self.save_progress(
                done, succeeded + writer.pushed, failed + writer.refused, skipped
            )
            self.commit()

        # batch n+1 is on the wire while batch n's outcomes are written
        batches = self.read_ahead(adapter.set_stock([p.item for p in planned]))
        saved_at, saved = time.monotonic(), done
        with batches:
            try:
                for outcomes in batches:
                    writer.apply(outcomes)
                    done += len(outcomes)
                    if time.monotonic() - saved_at >= COMMIT_INTERVAL:
                        save(done)
                        saved_at, saved = time.monotonic(), done
            except errors.AdapterError:
                # what the platform took before it failed stays recorded
                save(done)
                raise
        if done != saved:
            save(done)
        self.account.last_stock_sync_at = utcnow()
        if writer.failures:
            self.run_row.error = "; ".join(writer.failures)
        if not planned:
            return "Nothing to push: no mapped products with a warehouse match."
        return (
            f"Pushed {self.run_row.succeeded} of {len(planned)} items at "
            f"{self.account.push_percentage}%."
        )


class InboundPush(ManualStockSync):
    """After a restock: raise the platform's figure where the warehouse now has more."""

    action = "inbound_push"

    def plan(self, adapter):
        planned = super().plan(adapter)
        if not planned or not self.account.spec.capabilities.keeps_mapping_table:
            return planned
        # a stored figure may be stale (sales, edits on the platform): compare with
        # what the platform shows now, so a push never lowers it
        shown = {
            listing.listing_id: listing.quantity
            for page in adapter.list_listings()
            for listing in page
        }
        return [p._replace(current=shown.get(p.item.key)) for p in planned]

    def selected(self, planned):
        return [p for p in planned if p.current is not None and p.new > p.current]

    def perform(self):
        # stock received while this push runs asks for one more pass, since a second
        # job for the account cannot be queued until this one ends
        message = super().perform()
        passes = 1
        while passes <= MAX_EXTRA_PASSES and actions.take_rerun(
            self.account.id, self.action
        ):
            self.run_row.progress_done = 0
            super().perform()
            passes += 1
        if passes == 1:
            return message
        raised = self.run_row.succeeded
        return (
            f"Raised {raised} item{'' if raised == 1 else 's'} in {passes} passes, as "
            "stock arrived while the push ran."
        )


def manual_stock_sync(account_id, run_id):
    return run_job(ManualStockSync, account_id, run_id)


def inbound_push(account_id, run_id):
    return run_job(InboundPush, account_id, run_id)
