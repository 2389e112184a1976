"""The back office at /admin: staff login, orders, events (Jinja pages, CSRF on every form)."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for

from checkout_app.http.staff_session import current_staff

bp = Blueprint("admin", __name__, url_prefix="/admin")
PUBLIC_ENDPOINTS = ("admin.login_form", "admin.login")


@bp.before_request
def require_staff() -> Response | None:
    """Every page but the login form needs a signed-in staff member."""
    if request.endpoint not in PUBLIC_ENDPOINTS and current_staff() is None:
        return redirect(url_for("admin.login_form"), 303)
    return None


@bp.context_processor
def staff_in_templates() -> dict[str, object]:
    """`staff` in every back-office template."""
    return {"staff": current_staff()}


from checkout_app.admin import auth, events, orders, refunds  # noqa: E402,F401  (routes register on bp)
