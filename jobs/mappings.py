"""Re-matching platform listings to warehouse products."""

from jobs.base import AccountJob, run_job
from services.mapping_sync import MappingSync


class SyncProductMappings(AccountJob):
    action = "sync_mappings"

    def perform(self):
        adapter = self.adapter()
        sync = MappingSync(self.account)
        for page in adapter.list_listings():
            sync.add_page(page)
            self.run_row.advance(1)
            self.commit()
        report = sync.finish()
        self.run_row.count(succeeded=report.matched, skipped=report.unmatched)
        return report.sentence()


def sync_product_mappings(account_id, run_id):
    return run_job(SyncProductMappings, account_id, run_id)
