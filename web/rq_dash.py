"""The RQ dashboard at ``/rq/``, for admins only.

Every page and endpoint of the dashboard needs a signed-in admin. Its buttons post with
jQuery, so each HTML page gets a line that adds the CSRF token header to those posts;
the one dashboard route that changes state on GET is refused on GET. The job page puts
its data into the page as HTML, so that data is escaped here: job descriptions carry
account names.
"""

import json

import rq_dashboard
from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq_dashboard import web as dashboard_web
from werkzeug.exceptions import NotFound

from models.user import ADMIN
from queues import DEFAULT_QUEUE, FAILURE_TTL, RESULT_TTL, redis_connection

URL_PREFIX = "/rq"
BLUEPRINT = "rq_dashboard"
# state-changing dashboard routes that also answer GET
GET_MUTATIONS = {"rq_dashboard.requeue_all"}
# what the dashboard's addresses may name
REGISTRIES = (
    "queued",
    "failed",
    "deferred",
    "started",
    "finished",
    "scheduled",
    "canceled",
)
ORDERS = ("asc", "dsc")
# the job page's data, and its fields that page shows as HTML without escaping
JOB_DATA = "rq_dashboard.job_info"
JOB_PAGE_RAW_FIELDS = (
    "description",
    "origin",
    "status",
    "result",
    "metadata",
    "exc_info",
)


def _guard():
    if request.blueprint != BLUEPRINT:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if not current_user.has_role(ADMIN):
        abort(403)
    if request.method == "GET" and request.endpoint in GET_MUTATIONS:
        abort(405)
    _check_address(request.view_args or {})
    return None


def _check_address(args):
    """Refuse with 404 an address naming what the dashboard does not have.

    The dashboard itself turns such addresses into 500s: an instance number past its
    list, a page that is not a number, a registry or queue that does not exist.
    """
    # routes give None for what their address leaves out
    args = {name: value for name, value in args.items() if value is not None}
    urls = current_app.config["RQ_DASHBOARD_REDIS_URL"]
    count = len(urls) if isinstance(urls, (list, tuple)) else 1
    if args.get("instance_number", 0) >= count:
        abort(404, description=f"The dashboard watches {count} Redis, numbered from 0.")
    if args.get("registry_name", REGISTRIES[0]) not in REGISTRIES:
        abort(404, description=f"Job lists are {', '.join(REGISTRIES)}.")
    if args.get("order", ORDERS[0]) not in ORDERS:
        abort(404, description="Jobs are listed in order asc or dsc.")
    for name in ("per_page", "page"):
        value = str(args.get(name, 1))
        if not (value.isascii() and value.isdigit() and 1 <= int(value[:6]) <= 10_000):
            abort(404, description=f"{name} must be a whole number from 1 to 10000.")
    if "queue_name" in args:
        try:
            known = Queue.all(connection=redis_connection(current_app))
        except RedisError:
            abort(503, description="Redis is not answering.")
        names = {DEFAULT_QUEUE} | {queue.name for queue in known}
        if args["queue_name"] not in names:
            abort(404, description=f"There is no queue {args['queue_name'][:60]!r}.")


def _no_such_job(error):
    # the account page links every run to its job, also after Redis let it expire
    return NotFound(
        description="Redis no longer keeps that job: finished jobs are kept "
        f"{RESULT_TTL // 3600} hours and failed ones {FAILURE_TTL // 86400} days. The "
        "account's page keeps how its run ended."
    )


def _escape_job_data(response):
    if request.endpoint != JOB_DATA or response.status_code != 200:
        return response
    data = response.get_json(silent=True)
    if not isinstance(data, dict):
        return response
    for field in JOB_PAGE_RAW_FIELDS:
        if isinstance(data.get(field), str):
            data[field] = str(escape(data[field]))
    response.set_data(json.dumps(data))
    return response


def _add_csrf_header(response):
    if request.blueprint != BLUEPRINT or response.mimetype != "text/html":
        return response
    if response.status_code != 200 or response.direct_passthrough:
        return response
    snippet = (
        "<script>window.jQuery && jQuery.ajaxSetup({headers: {'X-CSRFToken': "
        f"{json.dumps(generate_csrf())}}}}});</script>"
    )
    body = response.get_data(as_text=True)
    if "</body>" in body:
        response.set_data(body.replace("</body>", snippet + "</body>", 1))
    return response


def init_app(app):
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    # app-level hooks run before the dashboard's own
    app.before_request(_guard)
    app.after_request(_add_csrf_header)
    app.after_request(_escape_job_data)
    app.register_error_handler(NoSuchJobError, _no_such_job)
    dashboard_web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)
