"""List rows rendered once per page where only the row id changes.

A list page shows up to 50 rows, and Flask-Admin builds every link of every row with
``url_for`` and renders every row action through its macro. When the markup depends
on the row id alone, it is built once for the page with a stand-in id and the real id
is put in per row: the same HTML for a fraction of the work. Should the stand-in
appear in the page's own values too (a search for it, say), every row is built in
full instead.
"""

from flask import g, url_for
from flask_admin.babel import gettext
from flask_admin.model.template import BaseListRowAction
from jinja2 import pass_context
from markupsafe import Markup, escape

# stands in for the row id; letters, digits and "_" only, so URLs keep it as it is
ROW_ID = "__row_id__"


def _split(template):
    """``template`` cut around its one stand-in id, or None when the stand-in is
    not there exactly once."""
    parts = template.split(ROW_ID)
    return tuple(parts) if len(parts) == 2 else None


def _filled(parts, row_id):
    return f"{parts[0]}{int(row_id)}{parts[1]}"


def url_for_row(endpoint, row_id, **values):
    """``url_for(endpoint, id=row_id, **values)``, built once per request.

    The endpoint must be absolute (``ec_accounts.details_view``), as the request
    may be served by another view; ``values`` must be the same for every row.
    """
    cache = g.setdefault("row_urls", {})
    key = (endpoint, tuple(sorted(values.items()))) if values else endpoint
    if key not in cache:
        cache[key] = _split(url_for(endpoint, id=ROW_ID, **values))
    parts = cache[key]
    if parts is None:
        return url_for(endpoint, id=row_id, **values)
    return _filled(parts, row_id)


def job_url(job_id):
    """The RQ dashboard's page of ``job_id``, built once per request and job.

    Job ids are one per (account, action), so a page of runs links a few jobs many
    times.
    """
    cache = g.setdefault("job_urls", {})
    if job_id not in cache:
        cache[job_id] = url_for(
            "rq_dashboard.job_view", instance_number=0, job_id=job_id
        )
    return cache[job_id]


class RenderedOnce(BaseListRowAction):
    """A row action whose markup depends on the row id alone, rendered once.

    Wrap the actions of one request only (as ``get_list_row_actions`` returns
    them): the markup kept is that request's.
    """

    def __init__(self, action):
        super().__init__(title=action.title)
        self.action = action
        self._parts = ()

    def parts(self, context):
        """The markup cut around the row id, or None when it cannot be reused."""
        if self._parts == ():
            self._parts = _split(str(self.action.render(context, ROW_ID, None)))
        return self._parts

    @pass_context
    def render_ctx(self, context, row_id, row):
        parts = self.parts(context)
        if parts is None:
            return self.action.render(context, row_id, row)
        return Markup(_filled(parts, row_id))


class ListRows:
    """The rows of one list page, built in one call.

    Flask-Admin renders each row through a scoped template block, which copies the
    page's whole template context for every row, and asks for each cell apart.
    Here what the rows share is worked out once (the checkbox around the row id,
    the row actions, each column's opening tag) and each row is joined from
    strings: a column whose formatter returns text calls it directly, the others
    go through Flask-Admin's ``get_list_value``. The markup is that of Flask-Admin's
    ``list_row`` block with no column editable in the list.
    """

    def __init__(self, view, context, direct=()):
        self.view = view
        self.context = context
        self.checkbox = None
        if context.resolve("actions"):
            title = escape(gettext("Select record"))
            self.checkbox = (
                '<td><input type="checkbox" name="rowid" class="action-checkbox" '
                'value="',
                f'" title="{title}" /></td>',
            )
        self.actions = self.actions_cell = None
        if view.column_display_actions:
            self.actions = list(context.resolve("list_row_actions"))
            self.actions_cell = self._actions_cell()
        self.columns = [
            (
                f'<td class="col-{escape(column)}">',
                column,
                view.column_formatters[column] if column in direct else None,
            )
            for column, _ in context.resolve("list_columns")
        ]

    def _actions_cell(self):
        """The whole actions cell with the stand-in id in each action, when every
        action can be reused that way; else None."""
        markup = []
        for action in self.actions:
            parts = (
                action.parts(self.context) if isinstance(action, RenderedOnce) else None
            )
            if parts is None:
                return None
            markup.append(ROW_ID.join(parts))
        return f'<td class="list-buttons-column">{"".join(markup)}</td>'

    def html(self, rows):
        """One ``<tr>`` of cells per row."""
        cells = []
        for row in rows:
            cells.append("<tr>")
            self._cells(row, cells)
            cells.append("</tr>")
        return Markup("".join(cells))

    def _cells(self, row, cells):
        view, context = self.view, self.context
        row_id = escape(view.get_pk_value(row))
        if self.checkbox is not None:
            cells += (self.checkbox[0], row_id, self.checkbox[1])
        if self.actions_cell is not None:
            cells.append(self.actions_cell.replace(ROW_ID, str(int(row_id))))
        elif self.actions is not None:
            cells.append('<td class="list-buttons-column">')
            cells += (
                _safe(action.render_ctx(context, row_id, row))
                for action in self.actions
            )
            cells.append("</td>")
        for opening, column, formatter in self.columns:
            if formatter is None:
                value = view.get_list_value(context, row, column)
            else:
                value = formatter(view, context, row, column)
            cells += (opening, _safe(value), "</td>")


def _safe(value):
    """``value`` as markup: markup as it is, anything else escaped. (``escape``
    would copy markup into a new object, once per cell of every row.)"""
    return value if type(value) is Markup else escape(value)
