"""Testing an account's connection."""

from jobs.base import AccountJob, run_job
from models.account import CONNECTED


class TestConnection(AccountJob):
    action = "test_connection"

    def perform(self):
        info = self.adapter().test_connection()
        self.account.set_status(CONNECTED, None)
        self.run_row.count(succeeded=1)
        return f"Connected to {info.shop_name}."


def test_connection(account_id, run_id):
    return run_job(TestConnection, account_id, run_id)
