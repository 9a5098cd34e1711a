"""What every account job shares: loading by id, the run row, errors and logging.

A job is a small class whose ``perform`` does the work; ``run`` wraps it with the rules
that hold for all of them: a deleted or no longer eligible account ends the run quietly
with the reason, rejected credentials disconnect the account, transient platform
failures leave the job to RQ's retry, and every platform call is written to the API log.
"""

import logging

from flask import current_app
from rq import get_current_job
from sqlalchemy import bindparam, update
from sqlalchemy.exc import DBAPIError

from adapters import errors, registry
from extensions import db
from jobs.overlap import ReadAhead, Stopped
from models import EcAccount, SyncRun
from models.account import CONNECTED, DISCONNECTED, PENDING
from models.sync_run import RETRY_PREFIX
from services import api_log, lost_runs, mapping_health
from services.actions import ACTIONS
from services.platforms import adapter_config

logger = logging.getLogger(__name__)

# built once: a statement built anew for every batch costs more than running it
_runs = SyncRun.__table__
SAVE_PROGRESS = (
    update(_runs)
    .where(_runs.c.id == bindparam("run_id"))
    .values(
        progress_done=bindparam("done"),
        succeeded=bindparam("succeeded"),
        failed=bindparam("failed"),
        skipped=bindparam("skipped"),
        total=bindparam("total"),
    )
)


class JobSkipped(Exception):
    """The job has nothing it may do; the message says why."""


class AccountJob:
    action = ""

    def __init__(self, account_id, run_id):
        self.account_id = account_id
        self.run_id = run_id
        self.account = None
        self.run_row = None
        self.recorder = None
        # while platform calls run ahead in a thread of their own (see jobs.overlap)
        self.ahead = None
        self._unstored_credentials = None

    @property
    def writes_mappings(self):
        """Whether the account's mapping health is recounted when the job ends."""
        return ACTIONS[self.action].writes_mappings

    # helpers for perform()

    def commit(self):
        """Write the pending API log rows and the run's progress together."""
        if self.recorder is not None:
            self.recorder.flush()
        db.session.commit()

    def _commit_end(self):
        """Commit the run's end; a job that writes mappings recounts them with it, so
        its account's counts include every mapping it committed before it ended."""
        if self.writes_mappings:
            mapping_health.recount(self.account_id)
        self.commit()

    def save_progress(self, done, succeeded=0, failed=0, skipped=0):
        """Set the run's progress and counts whole, in the current transaction.

        One plain UPDATE: a loop that calls this after every batch neither reads the
        run row back after each commit nor has the ORM work out what changed.
        """
        db.session.execute(
            SAVE_PROGRESS,
            {
                "run_id": self.run_id,
                "done": done,
                "succeeded": succeeded,
                "failed": failed,
                "skipped": skipped,
                "total": succeeded + failed + skipped,
            },
        )

    def adapter(self):
        account = self.account
        job = get_current_job()
        self.recorder = api_log.ApiLogRecorder(account.id, job.id if job else None)
        credentials = account.read_credentials()
        if (
            account.token_expires_at is not None
            and account.spec.capabilities.uses_oauth
        ):
            # lets the adapter renew an access token before it runs out
            credentials["expires_at"] = account.token_expires_at
        self._credentials_token = account.credentials_encrypted
        return registry.create_adapter(
            account.platform,
            credentials,
            config=adapter_config(),
            recorder=self.recorder,
            on_credentials=self._on_credentials,
            # tests set a wait that returns at once; workers wait for real
            sleep=current_app.config.get("ADAPTER_SLEEP"),
        )

    def _renewed_elsewhere(self):
        token = getattr(self, "_credentials_token", None)
        db.session.refresh(self.account)
        return token is not None and self.account.credentials_encrypted != token

    def read_ahead(self, batches):
        """Walk ``batches`` (platform calls) ahead of the job's writes; see
        :class:`jobs.overlap.ReadAhead`."""
        self.ahead = ReadAhead(batches, name=f"run-{self.run_id}-platform")
        return self.ahead

    def _on_credentials(self, values, expires_at):
        # the session belongs to the job's thread, even when the call comes from ahead
        store = self._store_credentials
        if self.ahead is not None:
            store = self.ahead.in_job_thread(store)
        try:
            return store(values, expires_at)
        except Stopped:
            # the job stopped (a failed write, say) before it could take them; the
            # platform has retired the refresh token they replace, so the job's
            # failure handling stores them
            self._unstored_credentials = (values, expires_at)
            raise

    def _store_unstored_credentials(self):
        """Store renewed credentials the job stopped before storing; see above."""
        pending, self._unstored_credentials = self._unstored_credentials, None
        if pending is None:
            return
        try:
            self._store_credentials(*pending)
        except Exception:
            db.session.rollback()
            logger.exception(
                "run %s: the renewed credentials of account %s could not be stored",
                self.run_id,
                self.account_id,
            )

    def _store_credentials(self, values, expires_at):
        # renewed tokens are stored at once: a rotated refresh token must never be lost
        values = {k: v for k, v in values.items() if k != "expires_at"}
        self.account.write_credentials(values)
        self._credentials_token = self.account.credentials_encrypted
        if expires_at is not None:
            self.account.token_expires_at = expires_at
        self.commit()
        logger.info("stored renewed credentials of account %s", self.account.id)

    def perform(self):
        raise NotImplementedError

    def check_eligible(self):
        """Raise JobSkipped when the account may not run this action now."""
        reason = ACTIONS[self.action].unavailable_reason(self.account)
        if reason:
            raise JobSkipped(f"Skipped: {reason}.")

    # the frame around perform()

    def _load(self):
        self.run_row = db.session.get(SyncRun, self.run_id)
        self.account = db.session.get(EcAccount, self.account_id)
        if self.account is None:
            raise JobSkipped("Skipped: the account was deleted.")
        if self.run_row is None:
            raise JobSkipped("Skipped: the run record is gone.")

    def run(self):
        try:
            self._load()
            self.check_eligible()
        except JobSkipped as skipped:
            return self._end_quietly(str(skipped))

        self.run_row.start()
        self.run_row.runner = lost_runs.process_mark()
        self.commit()
        logger.info(
            "run %s: %s for account %s started",
            self.run_id,
            self.action,
            self.account_id,
        )
        try:
            message = self.perform()
        except errors.CredentialsRejected as error:
            db.session.rollback()
            self._store_unstored_credentials()
            if self._renewed_elsewhere():
                # another job rotated the tokens while this one ran: retry with them
                renewed = errors.TransientError(
                    "The account's tokens were renewed by another job meanwhile; "
                    "retrying with the new ones.",
                    error.response,
                )
                return self._retry_or_fail(renewed)
            self.account.set_status(DISCONNECTED, error.reason)
            self.run_row.finish("failed", error=error.reason)
            self._commit_end()
            logger.warning("account %s disconnected: %s", self.account_id, error.reason)
            return self.run_row.status
        except (errors.TransientError, errors.RateLimited) as error:
            db.session.rollback()
            self._store_unstored_credentials()
            return self._retry_or_fail(error)
        except (errors.AdapterError, JobSkipped) as error:
            db.session.rollback()
            self._store_unstored_credentials()
            reason = getattr(error, "reason", str(error))
            self.run_row.finish("failed", error=reason)
            self._commit_end()
            logger.warning("run %s failed: %s", self.run_id, reason)
            return self.run_row.status
        except Exception as error:
            db.session.rollback()
            self._store_unstored_credentials()
            logger.exception("run %s failed unexpectedly", self.run_id)
            self._record_unexpected(error)
            raise

        # any successful platform call proves the credentials
        if self.account.status == PENDING:
            self.account.set_status(CONNECTED, None)
        # the items that failed (a partial push) stay on the run as its error
        self.run_row.finish(message=message, error=self.run_row.error)
        self._commit_end()
        logger.info(
            "run %s: %s for account %s ended %s",
            self.run_id,
            self.action,
            self.account_id,
            self.run_row.status,
        )
        return self.run_row.status

    def _retry_or_fail(self, error):
        """Leave a transient failure to RQ's retry while one is left, else fail."""
        job = get_current_job()
        if job is not None and job.retries_left:
            self.run_row.status = "queued"
            self.run_row.message = RETRY_PREFIX + error.reason
            self._commit_end()
            logger.warning("run %s will retry: %s", self.run_id, error.reason)
            raise error
        self.run_row.finish("failed", error=error.reason)
        self._commit_end()
        return self.run_row.status

    def _end_quietly(self, reason):
        logger.info(
            "run %s (%s, account %s): %s",
            self.run_id,
            self.action,
            self.account_id,
            reason,
        )
        if self.run_row is not None and db.session.get(EcAccount, self.account_id):
            self.run_row.finish("skipped", message=reason)
            db.session.commit()
        return "skipped"

    def _record_unexpected(self, error):
        """Say on the run what went wrong and whether RQ retries it (it retries any
        exception while the job has retries left)."""
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            reason = (
                f"The database connection was lost ({type(error).__name__}); the pages "
                "saved before it are kept."
            )
        else:
            reason = (
                f"Unexpected error ({type(error).__name__}); the worker log has the "
                "details."
            )
        job = get_current_job()
        try:
            run = db.session.get(SyncRun, self.run_id)
            if run is not None:
                if job is not None and job.retries_left:
                    run.status = "queued"
                    run.message = RETRY_PREFIX + reason
                else:
                    run.finish("failed", error=reason)
                if self.recorder is not None:
                    self.recorder.flush()
                db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("could not record the failure of run %s", self.run_id)
        if self.writes_mappings:
            self._recount_after_failure()

    def _recount_after_failure(self):
        """Recount the mappings after an unexpected failure, on its own: what the
        job committed before it still counts, and a failing recount (the database
        gone, say) must not hide the job's own error."""
        try:
            mapping_health.recount(self.account_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception(
                "could not recount the mappings of account %s", self.account_id
            )


def run_job(job_class, account_id, run_id):
    """Entry point used by the job functions."""
    from jobs.context import app_context

    with app_context():
        return job_class(account_id, run_id).run()
