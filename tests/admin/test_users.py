"""Users: existing records can be edited, and the last admin is never lost."""

import pytest
from sqlalchemy import select

from extensions import db
from models import SalesChannel, ShippingMethod, User
from tests import factories, pages


def user_row(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_an_admin_changes_a_users_role_and_keeps_the_email(app, login_as):
    admin = login_as("admin", email="boss@example.com")
    with app.app_context():
        target = factories.user(role="viewer", email="clerk@example.com")
        target_id = target.id

    response = pages.post_form(
        admin, f"/admin/users/edit/?id={target_id}", {"role": "operator"}, field="email"
    )

    assert response.status_code == 302, pages.flashes(admin.get("/admin/users/"))
    assert user_row(app, "clerk@example.com").role == "operator"


@pytest.mark.parametrize(
    "endpoint, model",
    [("sales_channels", SalesChannel), ("shipping_methods", ShippingMethod)],
)
def test_a_reference_row_is_renamed_with_its_code_unchanged(
    app, login_as, endpoint, model
):
    admin = login_as("admin")
    with app.app_context():
        row = (
            factories.channel if model is SalesChannel else factories.shipping_method
        )()
        row_id, code = row.id, row.code
    url = f"/admin/{endpoint.replace('_', '-')}/edit/?id={row_id}"

    response = pages.post_form(admin, url, {"name": "Renamed"}, field="code")

    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(model, row_id)
        assert (saved.code, saved.name) == (code, "Renamed")


def test_the_last_admin_can_be_neither_demoted_nor_disabled(app, login_as):
    admin = login_as("admin", email="only@example.com")
    me = user_row(app, "only@example.com")

    for changes in ({"role": "viewer"}, {"active": ""}):
        response = pages.post_form(
            admin, f"/admin/users/edit/?id={me.id}", changes, field="email"
        )
        page = admin.get(
            response.headers.get("Location", f"/admin/users/edit/?id={me.id}")
        )
        assert "is the last active admin" in pages.text(response) + pages.text(page)
        saved = user_row(app, "only@example.com")
        assert (saved.role, saved.active) == ("admin", True)


def test_the_last_admin_and_oneself_cannot_be_deleted(app, login_as):
    admin = login_as("admin", email="first@example.com")
    first = user_row(app, "first@example.com")
    with app.app_context():
        factories.user(role="admin", email="second@example.com", active=False)
    second = user_row(app, "second@example.com")
    token = pages.csrf_token(admin.get("/admin/users/"))

    own = admin.post(
        "/admin/users/delete/",
        data={"id": first.id, "url": "/admin/users/", "csrf_token": token},
        follow_redirects=True,
    )
    assert "cannot delete the user you are signed in as" in pages.text(own)
    assert user_row(app, "first@example.com") is not None

    # a disabled admin is no admin: once it is the only other one, it may go
    gone = admin.post(
        "/admin/users/delete/",
        data={"id": second.id, "url": "/admin/users/", "csrf_token": token},
    )
    assert gone.status_code == 302
    assert user_row(app, "second@example.com") is None
