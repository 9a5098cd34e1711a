"""Locust users for the load test; ``python -m bench.load`` runs them headless.

``Browser``: signs in (the CSRF token scraped from /login) and reads the EC Integrations
list, account detail pages (polling their runs as the page's script does) and the
platform API log, whole and filtered by an account, with short think times.

``Operator``: one user with the operator role who, on the live accounts, adds orders at
the sandbox shop, then queues "Fetch orders" or a confirmed "Manual Stock Sync" through
the detail page's forms and watches the run, so the RQ workers are busy meanwhile.

The plan (users, passwords, account ids, the sandbox address) comes from the JSON file
named by ``LOAD_PLAN``; every request goes to the ``--host`` given, on 127.0.0.1. Each
request's time is also appended to ``LOAD_SAMPLES`` for exact percentiles.
"""

import itertools
import json
import os
import random
import re
import time

import requests
from locust import HttpUser, between, events, task

with open(os.environ["LOAD_PLAN"]) as _plan:
    PLAN = json.load(_plan)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FLASH = re.compile(r'alert-dismissable">.*?</button>\s*(.*?)\s*</div>', re.S)
POLL_SECONDS = 1.5
# a run a person watches for longer than this is left to finish on its own
WATCH_POLLS = 4
ACTIONS_SEEN = {}

_browser_logins = itertools.cycle(PLAN["browsers"])
_samples = open(os.environ["LOAD_SAMPLES"], "a", buffering=1)


@events.request.add_listener
def _record(request_type, name, response_time, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    failed = int(exception is not None)
    _samples.write(f"{request_type}\t{name}\t{response_time:.2f}\t{status}\t{failed}\n")


@events.quitting.add_listener
def _report_actions(environment, **kwargs):
    with open(os.environ["LOAD_SAMPLES"] + ".actions.json", "w") as handle:
        json.dump(ACTIONS_SEEN, handle)


def _csrf(response):
    found = CSRF.search(response.text)
    return found.group(1) if found else None


class SignedIn(HttpUser):
    abstract = True

    def sign_in(self, login):
        with self.client.get("/login", name="/login", catch_response=True) as page:
            token = _csrf(page)
            if token is None:
                page.failure("no CSRF token on /login")
                return
        form = {
            "csrf_token": token,
            "email": login["email"],
            "password": login["password"],
        }
        with self.client.post(
            "/login",
            data=form,
            name="/login [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in answered {answer.status_code}, not a redirect")

    def get_page(self, url, name):
        """GET ``url``; a redirect to /login means the session was lost: a failure."""
        with self.client.get(url, name=name, catch_response=True) as page:
            if "/login" in page.url:
                page.failure("sent back to /login")
            return page

    def watch_runs(self, account_id, polls, name):
        for _ in range(polls):
            time.sleep(POLL_SECONDS)
            with self.client.get(
                f"/admin/ec-accounts/runs/?id={account_id}",
                name=name,
                catch_response=True,
            ) as answer:
                try:
                    runs = answer.json()["runs"]
                except (ValueError, KeyError):
                    answer.failure("the runs JSON could not be read")
                    return
            if not any(run["status"] in ("queued", "running") for run in runs):
                return


class Browser(SignedIn):
    """A viewer or admin reading the screens."""

    weight = 20
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.sign_in(next(_browser_logins))

    @task(3)
    def account_list(self):
        url = random.choice(
            [
                "/admin/ec-accounts/",
                "/admin/ec-accounts/?sort=3",
                "/admin/ec-accounts/?search=Store",
            ]
        )
        self.get_page(url, "EC Integrations list")

    @task(4)
    def account_details(self):
        account = random.choice(PLAN["accounts"])
        self.get_page(
            f"/admin/ec-accounts/details/?id={account['id']}", "account details"
        )
        # the page polls every 1.5 s while a run is live; a reader stays a few seconds
        self.watch_runs(account["id"], random.randint(1, 3), "account runs JSON")

    @task(2)
    def api_log(self):
        url = random.choice(["/admin/api-log/", "/admin/api-log/?page=1"])
        self.get_page(url, "API log")

    @task(2)
    def api_log_for_account(self):
        # the list's own filter on the account's name, as the filter form sends it
        account = random.choice(PLAN["accounts"])
        self.client.get(
            "/admin/api-log/",
            params={"flt0_0": account["name"]},
            name="API log, one account",
        )


class Operator(SignedIn):
    """Queues real fetches and stock syncs on the live accounts through the pages."""

    fixed_count = 1
    wait_time = between(1.0, 3.0)

    def on_start(self):
        self.sign_in(PLAN["operator"])
        self.turns = itertools.cycle(
            [
                (account, action)
                for account in PLAN["live"]
                for action in ("fetch_orders", "stock_sync")
            ]
        )
        self.sandbox = requests.Session()

    def _add_orders(self, account):
        platform, shop = account["sandbox"]
        self.sandbox.post(
            f"{PLAN['sandbox_url']}/_control/{platform}/{shop}/orders",
            json={"count": random.randint(5, 30)},
            timeout=30,
        ).raise_for_status()

    def _outcome(self, page, action):
        """Count what the flashed message said: queued, already queued, or why not."""
        found = FLASH.search(page.text)
        text = found.group(1) if found else "no message"
        if ": queued for " in text:
            text = "queued"
        elif "already queued" in text:
            text = "already queued"
        key = f"{action}: {text}"
        ACTIONS_SEEN[key] = ACTIONS_SEEN.get(key, 0) + 1

    @task
    def queue_action(self):
        account, action = next(self.turns)
        url_id = f"?id={account['id']}"
        if action == "fetch_orders":
            self._add_orders(account)
            page = self.get_page(
                f"/admin/ec-accounts/details/{url_id}", "[operator] account details"
            )
        else:
            page = self.get_page(
                f"/admin/ec-accounts/stock-sync/confirm/{url_id}",
                "[operator] stock sync confirmation",
            )
        form = {"csrf_token": _csrf(page) or "", "confirm": "yes"}
        with self.client.post(
            f"/admin/ec-accounts/run/{action}/{url_id}",
            data=form,
            name="[operator] run action [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"the action answered {answer.status_code}")
                return
        page = self.get_page(
            f"/admin/ec-accounts/details/{url_id}", "[operator] account details"
        )
        self._outcome(page, action)
        self.watch_runs(account["id"], WATCH_POLLS, "[operator] account runs JSON")
