"""The RQ dashboard at /rq/: admins only, CSRF on its posts, the product's jobs shown.

The jobs here are queued the way the product queues them: by pressing the action on
the account page.
"""

import html
import json
import re

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

import queues
from tests import pages
from tests.web.conftest import DETAILS

PAGES = ("/rq/", "/rq/0/view/workers", "/rq/0/view/jobs")
DATA = (
    "/rq/0/data/queues.json",
    "/rq/0/data/workers.json",
    "/rq/0/data/jobs/default/queued/10/asc/1.json",
)


def csrf_header(page):
    """The token the dashboard's page hands to jQuery for its posts."""
    found = re.search(
        r"jQuery\.ajaxSetup\(\{headers: \{'X-CSRFToken': (\"[^\"]+\")\}\}\)",
        page.get_data(as_text=True),
    )
    assert found, "the page carries no CSRF header for the dashboard's posts"
    return {"X-CSRFToken": json.loads(found.group(1))}


@pytest.fixture
def queued(app, operator, make_account, press, queued_jobs):
    """A fetch for Tokyo Store queued from its page; the job's id."""
    account_id = make_account("shopify", "Tokyo Store")
    press(operator, operator.get(DETAILS.format(account_id)), "/run/fetch_orders/")
    [job] = queued_jobs()
    return job.id


@pytest.fixture
def failed(queued, redis_client):
    """The queued job moved to the failed registry, as a worker leaves a failure."""
    queue = Queue(queues.DEFAULT_QUEUE, connection=redis_client)
    job = Job.fetch(queued, connection=redis_client)
    queue.remove(job)
    job.set_status(JobStatus.FAILED)
    FailedJobRegistry(queue=queue).add(job, exc_string="TransientError: 503")
    return queued


# who may open it


def test_admin_opens_the_dashboard_pages_with_the_csrf_header(app, admin, queued):
    for url in PAGES + (f"/rq/0/view/job/{queued}",):
        page = admin.get(url)
        assert page.status_code == 200, url
        assert csrf_header(page)["X-CSRFToken"], url


def test_admin_reads_the_dashboard_data(app, admin, queued):
    for url in DATA + (f"/rq/0/data/job/{queued}.json",):
        answer = admin.get(url)
        assert answer.status_code == 200, url
        assert answer.is_json, url


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_viewers_and_operators_may_not_open_it(app, login_as, queued, role):
    client = login_as(role)

    for url in PAGES + DATA + (f"/rq/0/view/job/{queued}",):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(app, client, queued):
    for url in (
        PAGES
        + DATA
        + (
            f"/rq/0/view/job/{queued}",
            f"/rq/0/data/job/{queued}.json",
            "/rq/static/js/jquery-3.5.1.min.js",
        )
    ):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer.headers["Location"].startswith("/login?next=/rq/"), url


def test_the_menu_offers_the_dashboard_to_admins_only(app, login_as):
    for role, shown in (("viewer", False), ("operator", False), ("admin", True)):
        page = login_as(role).get("/admin/ec-accounts/")
        assert ('href="/rq/"' in page.get_data(as_text=True)) is shown, role


# the product's jobs as the dashboard shows them


def test_a_queued_job_reads_as_what_it_does_for_which_account(
    app, admin, queued, redis_client
):
    job = Job.fetch(queued, connection=redis_client)
    info = admin.get(f"/rq/0/data/job/{queued}.json").json
    listed = admin.get("/rq/0/data/jobs/default/queued/10/asc/1.json").json

    assert job.description == "Fetch orders: Shopify, Tokyo Store"
    assert (job.meta["account_id"], job.meta["action"]) == (
        int(queued.rsplit("-", 1)[1]),
        "fetch_orders",
    )
    assert info["description"] == "Fetch orders: Shopify, Tokyo Store"
    # shown as text on the job page, so escaped in its data
    assert json.loads(html.unescape(info["metadata"]))["action"] == "fetch_orders"
    assert [j["description"] for j in listed["jobs"]] == [
        "Fetch orders: Shopify, Tokyo Store"
    ]


def test_no_secret_on_the_dashboards_job_pages(app, admin, queued, assert_no_secret):
    account_id = int(queued.rsplit("-", 1)[1])
    for url in (
        f"/rq/0/view/job/{queued}",
        f"/rq/0/data/job/{queued}.json",
        "/rq/0/data/jobs/default/queued/10/asc/1.json",
        "/rq/0/view/jobs",
    ):
        answer = admin.get(url)
        assert answer.status_code == 200
        assert_no_secret(answer.get_data(as_text=True), account_id)


def test_the_account_page_links_its_runs_to_their_jobs_for_admins(app, admin, queued):
    account_id = int(queued.rsplit("-", 1)[1])
    page = admin.get(DETAILS.format(account_id))

    href = f"/rq/0/view/job/{queued}"
    assert f'<a href="{href}">{queued}</a>' in page.get_data(as_text=True)
    assert admin.get(href).status_code == 200


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_others_see_the_job_id_without_a_link_they_could_not_follow(
    app, login_as, queued, role
):
    account_id = int(queued.rsplit("-", 1)[1])

    page = login_as(role).get(DETAILS.format(account_id))

    body = page.get_data(as_text=True)
    assert queued in body
    assert "/rq/" not in body


def test_a_job_redis_no_longer_keeps_is_404_with_the_reason(
    app, admin, queued, redis_client
):
    Job.fetch(queued, connection=redis_client).delete()

    for url in (f"/rq/0/view/job/{queued}", f"/rq/0/data/job/{queued}.json"):
        answer = admin.get(url)
        assert answer.status_code == 404
        assert (
            "Redis no longer keeps that job: finished jobs are kept 24 hours and "
            "failed ones 7 days."
        ) in pages.text(answer)


# posts need the header


def test_deleting_a_job_needs_the_csrf_header(app, admin, queued, queued_jobs):
    page = admin.get(f"/rq/0/view/job/{queued}")

    refused = admin.post(f"/rq/job/{queued}/delete")
    assert refused.status_code == 400
    assert [job.id for job in queued_jobs()] == [queued]

    done = admin.post(f"/rq/job/{queued}/delete", headers=csrf_header(page))
    assert done.status_code == 200
    assert done.json == {"status": "OK"}
    assert queued_jobs() == []


def test_requeueing_a_failed_job_needs_the_csrf_header(app, admin, failed, queued_jobs):
    page = admin.get("/rq/0/view/jobs")

    assert admin.post(f"/rq/job/{failed}/requeue").status_code == 400
    assert queued_jobs() == []

    done = admin.post(f"/rq/job/{failed}/requeue", headers=csrf_header(page))
    assert done.status_code == 200
    assert [job.id for job in queued_jobs()] == [failed]


def test_requeue_all_refuses_get_and_posts_need_the_header(
    app, admin, failed, queued_jobs, redis_client
):
    page = admin.get("/rq/")
    registry = FailedJobRegistry(queues.DEFAULT_QUEUE, connection=redis_client)

    assert admin.get("/rq/requeue/default").status_code == 405
    assert admin.post("/rq/requeue/default").status_code == 400
    assert registry.get_job_ids() == [failed]
    assert queued_jobs() == []

    done = admin.post("/rq/requeue/default", headers=csrf_header(page))
    assert done.json == {"status": "OK", "count": 1}
    assert [job.id for job in queued_jobs()] == [failed]


def test_every_dashboard_post_needs_the_header(app, admin, queued, queued_jobs):
    for url in (
        "/rq/queue/default/queued/empty",
        "/rq/queue/default/compact",
        f"/rq/job/{queued}/delete",
        f"/rq/job/{queued}/requeue",
    ):
        assert admin.post(url).status_code == 400, url
    assert [job.id for job in queued_jobs()] == [queued]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_others_may_not_post_even_with_a_token(
    app, login_as, queued, queued_jobs, role
):
    client = login_as(role)
    token = pages.csrf_token(client.get("/admin/ec-accounts/"))

    for url in (f"/rq/job/{queued}/delete", "/rq/queue/default/queued/empty"):
        answer = client.post(url, headers={"X-CSRFToken": token})
        assert answer.status_code == 403
    assert [job.id for job in queued_jobs()] == [queued]


def test_anonymous_posts_change_nothing(app, client, queued, queued_jobs):
    token = pages.csrf_token(client.get("/login"))

    answer = client.post(f"/rq/job/{queued}/delete", headers={"X-CSRFToken": token})

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
    assert [job.id for job in queued_jobs()] == [queued]


def test_a_name_with_markup_reaches_the_job_page_as_text(
    app, admin, operator, make_account, press
):
    name = "<img src=x onerror=alert(1)> Store"
    account_id = make_account("shopify", name)
    press(operator, operator.get(DETAILS.format(account_id)), "/run/fetch_orders/")
    job = f"fetch_orders-account-{account_id}"

    # the job page shows this field as HTML; the jobs list escapes its own
    info = admin.get(f"/rq/0/data/job/{job}.json").json
    listed = admin.get("/rq/0/data/jobs/default/queued/10/asc/1.json").json

    assert info["description"] == (
        "Fetch orders: Shopify, &lt;img src=x onerror=alert(1)&gt; Store"
    )
    assert [j["description"] for j in listed["jobs"]] == [
        f"Fetch orders: Shopify, {name}"
    ]
