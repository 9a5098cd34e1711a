"""Reading rendered pages as a browser would: forms, their fields and CSRF tokens."""

import html
import re
from html.parser import HTMLParser


class Form:
    """A form as the browser would submit it, before the user changes anything."""

    def __init__(self, action, method, attrs):
        self.action = action
        self.method = method
        self.attrs = attrs
        self.fields = []  # (name, value) pairs in page order
        self.names = set()  # every named control, checked or not

    def data(self, **changes):
        """The submitted values as a dict, with ``changes`` applied (None removes)."""
        data = {}
        for name, value in self.fields:
            data.setdefault(name, value)
        for name, value in changes.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._options = []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = Form(
                attrs.get("action", ""), attrs.get("method", "get"), attrs
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self._form.names.add(name)
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "image", "file"):
                self._form.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._form.names.add(name)
            self._select = name
            self._options = []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._form.names.add(name)
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]
            if chosen:
                self._form.fields.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._form.fields.append(tuple(self._textarea))
            self._textarea = None


def forms(response):
    parser = _FormParser()
    parser.feed(response.get_data(as_text=True))
    return parser.forms


def form_with(response, name):
    """The first form on the page holding a control called ``name``."""
    for form in forms(response):
        if name in form.names:
            return form
    raise AssertionError(f"no form with a field {name!r} on the page")


def csrf_token(response):
    return form_with(response, "csrf_token").data()["csrf_token"]


def text(response):
    """The page with entities decoded, for looking up messages as a user reads them."""
    return html.unescape(response.get_data(as_text=True))


def login(client, email, password, next_url=None):
    """Sign in through the login form, with the token it carries."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    page = client.get(url)
    data = form_with(page, "email").data(email=email, password=password)
    return client.post(url, data=data)


def post_form(client, url, changes=None, field="csrf_token", **kwargs):
    """Open ``url``, fill its form with ``changes`` and submit it to its action."""
    page = client.get(url, **kwargs)
    assert page.status_code == 200, page.status_code
    form = form_with(page, field)
    target = form.action or url
    if not target.startswith("/"):
        target = url
    return client.post(target, data=form.data(**(changes or {})))


def rows(response):
    """The rows of a Flask-Admin list: one dict of column name to cell text each."""
    body = response.get_data(as_text=True)
    table = body[body.find('class="table table-striped') :]
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = re.findall(r'<td class="col-(\w+)">(.*?)</td>', row, re.S)
        if cells:
            found.append({name: _cell_text(cell) for name, cell in cells})
    return found


def _cell_text(cell):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def cells(response, column):
    return [row[column] for row in rows(response)]


def filter_arg(app, endpoint, label, operation="equals"):
    """The query argument of a list filter, found by its label and operation."""
    admin = app.extensions["admin"][0]
    view = next(v for v in admin._views if v.endpoint == endpoint)
    for arg, (_, flt) in view._filter_args.items():
        if str(flt.name) == label and str(flt.operation()) == operation:
            return f"flt0_{arg}"
    raise AssertionError(f"{endpoint} has no filter {label!r} {operation!r}")


def flashes(response):
    """The flashed messages on the page: (alert class, text), errors being 'danger'."""
    body = response.get_data(as_text=True)
    found = re.findall(
        r'<div class="alert alert-(\w+)[^"]*"[^>]*>(.*?)</div>', body, re.S
    )
    return [(kind, _cell_text(text).lstrip("× ").strip()) for kind, text in found]


def words(response):
    """The page's visible words on one line, tags removed: what a reader sees."""
    body = re.sub(
        r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S
    )
    return _cell_text(body)
