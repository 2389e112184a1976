"""Staff login and logout; failures count towards a lockout, and the form is rate-limited."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from checkout_app.admin import bp
from checkout_app.extensions import shop
from checkout_app.http.limits import admin_login_limit
from checkout_app.http.staff_session import (
    clear_staff_cookie,
    client_ip,
    current_staff,
    lockout_policy,
    session_lifetime,
    session_token,
    set_staff_cookie,
)
from checkout_app.services import staff as staff_accounts


@bp.get("/login")
def login_form() -> str | Response:
    """The login form (or the order list for someone already signed in)."""
    if current_staff() is not None:
        return redirect(url_for("admin.orders"), 303)
    return render_template("admin/login.html", email="", error=None)


@bp.post("/login")
@admin_login_limit
def login() -> Response:
    """Check the password; on success set the admin cookie and go to the orders."""
    email = request.form.get("email", "")[:254]
    outcome = staff_accounts.log_in(
        shop(),
        email,
        request.form.get("password", "")[:1024],
        client_ip(),
        lockout_policy(),
        session_lifetime(),
    )
    if outcome.token is None:
        body = render_template("admin/login.html", email=email, error=outcome.error)
        return Response(body, outcome.status, mimetype="text/html")
    return set_staff_cookie(redirect(url_for("admin.orders"), 303), outcome.token)


@bp.post("/logout")
def logout() -> Response:
    """End this session and clear the cookie."""
    staff, token = current_staff(), session_token()
    if staff is not None and token is not None:
        staff_accounts.log_out(shop(), token, staff, client_ip())
    return clear_staff_cookie(redirect(url_for("admin.login_form"), 303))
