"""Parts of every admin page's layout that do not change, built once per process.

Every admin page links about twenty of Flask-Admin's stylesheets and scripts and
shows its menu; Flask-Admin's layout builds each link with ``url_for`` and asks each
menu item whether the user may open it, on every request. A link depends only on
the file, its version and where the app is mounted; the menu only on the user's
role, the screen shown and where the app is mounted. So each is built once and kept.
"""

from flask import request, url_for
from flask_login import current_user

_static_urls = {}
_menus = {}


def admin_static_url(endpoint, **values):
    """``url_for(endpoint, **values)``, kept for later requests."""
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    url = _static_urls.get(key)
    if url is None:
        url = _static_urls[key] = url_for(endpoint, **values)
    return url


def admin_menu(name, admin_view, render):
    """The markup ``render()`` makes of the menu ``name`` on ``admin_view``'s page,
    made once for each role (or none, signed out) and screen."""
    role = current_user.role if current_user.is_authenticated else None
    key = (request.script_root, name, role, admin_view.endpoint)
    markup = _menus.get(key)
    if markup is None:
        markup = _menus[key] = render()
    return markup
