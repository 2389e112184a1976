"""Security headers, escaping of user text, and HTML error pages outside /api/."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import text as sql

from tests.helpers import add_course

from .helpers import add_to_cart, csrf_token, place_order, text

XSS = '"><script>alert(1)</script>'


def assert_security_headers(res, sim_origin: str) -> None:
    assert res.headers["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self' https://checkout.stripe.com {sim_origin}"
    )
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/cart", "/checkout", "/checkout/cancel", "/nowhere"])
def test_pages_and_error_pages_carry_security_headers(client, stripe_sim, path):
    assert_security_headers(client.get(path), stripe_sim.url)


def test_without_a_local_stripe_only_stripes_checkout_host_is_allowed(make_app):
    res = make_app(STRIPE_API_BASE="").test_client().get("/cart")

    assert res.headers["Content-Security-Policy"].endswith(
        "form-action 'self' https://checkout.stripe.com"
    )


def test_the_json_api_gets_no_html_headers(client):
    res = client.get("/api/cart")

    assert res.mimetype == "application/json"
    assert "Content-Security-Policy" not in res.headers


def test_a_typed_email_is_escaped(client, catalog):
    add_to_cart(client, "course", catalog.course)

    page = text(place_order(client, XSS))

    assert "<script>" not in page
    assert f'value="{escape(XSS)}"' in page


def test_titles_from_the_database_are_escaped(client, db, sim):
    course = add_course(db, "<script>alert(1)</script> Course", "5.00")
    add_to_cart(client, "course", course)
    session_id = place_order(client, "ann@example.com").headers["Location"].rsplit("/")[-1]

    for path in (
        "/",
        "/cart",
        "/checkout",
        "/checkout/cancel",
        f"/checkout/success?session_id={session_id}",
    ):
        page = text(client.get(path))
        assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Course" in page


def test_a_session_id_in_the_url_is_escaped(client):
    page = text(client.get("/checkout/success", query_string={"session_id": XSS}))

    assert "<script>" not in page


class TestErrorPages:
    def test_404_and_405_are_pages_outside_the_api(self, client):
        missing = client.get("/no/such/page")
        assert (missing.status_code, missing.mimetype) == (404, "text/html")
        assert "Not found" in text(missing)
        wrong = client.get("/cart/items")
        assert (wrong.status_code, wrong.mimetype) == (405, "text/html")
        assert "POST" in wrong.headers["Allow"]

    def test_the_api_keeps_json_errors(self, client):
        res = client.get("/api/no/such/thing")

        assert res.status_code == 404
        assert res.get_json()["success"] is False

    def test_an_unexpected_error_is_a_500_page(self, make_app, db):
        # A real database error that is not an outage: the courses table has gone away.
        db.execute(sql("ALTER TABLE courses RENAME TO courses_gone"))
        try:
            answers = {
                app_env: make_app(APP_ENV=app_env).test_client().get("/")
                for app_env in ("test", "development")
            }
        finally:
            db.execute(sql("ALTER TABLE courses_gone RENAME TO courses"))
        for app_env, shows_details in (("test", False), ("development", True)):
            res = answers[app_env]
            assert (res.status_code, res.mimetype) == (500, "text/html")
            assert "Internal server error" in text(res)
            assert ("UndefinedTable" in text(res)) is shows_details

    def test_the_csrf_refusal_page_has_no_form_to_resubmit(self, client, catalog):
        csrf_token(client)

        res = client.post("/cart/items", data={"item_type": "course"})

        assert res.status_code == 400 and "<form" not in text(res)


def test_autoescape_is_on_for_html_templates(app):
    assert app.jinja_env.autoescape("web/catalog.html") is True
