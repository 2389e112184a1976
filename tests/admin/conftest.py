"""Back-office fixtures: staff accounts made through the service, clients logged in by form."""

from __future__ import annotations

import pytest

from checkout_app.domain.staff import StaffRole
from checkout_app.services.staff import create_staff

from ..integration.conftest import served  # noqa: F401  (refund tests need the app served)
from ..web.helpers import csrf_token

PASSWORD = "correct horse battery staple"


def log_in(client, email: str, password: str = PASSWORD):
    """Post the login form with its CSRF token; the answer is not followed."""
    token = csrf_token(client, "/admin/login")
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def make_staff(app, db):
    """Creates an account with PASSWORD: make_staff("ann@example.com", StaffRole.MANAGER)."""

    def make(email: str, role: StaffRole = StaffRole.SUPPORT):
        return create_staff(app.extensions["checkout"], email, role, PASSWORD)

    return make


@pytest.fixture
def manager(app, make_staff):
    """A client logged in as a manager."""
    make_staff("manager@example.com", StaffRole.MANAGER)
    client = app.test_client()
    assert log_in(client, "manager@example.com").status_code == 303
    return client


@pytest.fixture
def support(app, make_staff):
    """A client logged in as support."""
    make_staff("support@example.com", StaffRole.SUPPORT)
    client = app.test_client()
    assert log_in(client, "support@example.com").status_code == 303
    return client
