"""The platform API log: read-only, newest first."""

from admin.base import IntEqualFilter, ReadOnlyModelView
from admin.formatters import account_link, ok_badge
from models import ApiLog


class ApiLogView(ReadOnlyModelView):
    can_view_details = False
    column_list = (
        "created_at",
        "account",
        "kind",
        "method",
        "path",
        "status_code",
        "ok",
        "duration_ms",
        "failure_reason",
        "job_id",
    )
    column_labels = {
        "account.display_name": "Account",
        "created_at": "Time",
        "duration_ms": "ms",
        "status_code": "Status",
    }
    column_default_sort = [("created_at", True), ("id", True)]
    column_sortable_list = ("created_at", "kind", "status_code", "duration_ms")
    column_filters = (
        "account.display_name",
        "kind",
        "ok",
        "status_code",
        "created_at",
        # exact where names repeat across platforms; the account page links with it
        IntEqualFilter(ApiLog.account_id, "Account id"),
    )
    column_formatters = {"account": account_link, "ok": ok_badge}
    page_size = 100
