"""Staff login: its own cookie, lockout after repeated failures, rate limit, logout, no-store."""

from __future__ import annotations

from sqlalchemy import text

from checkout_app.domain.staff import StaffRole

from ..web.helpers import csrf_token
from .conftest import PASSWORD, log_in

LOCKED = "Too many failed logins"


def audit_actions(db) -> list[str]:
    return db.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars().all()


def test_pages_need_a_login(client, db):
    for path in ("/admin/orders", "/admin/events", "/admin/"):
        res = client.get(path)
        assert res.status_code == 303
        assert res.headers["Location"].endswith("/admin/login")


def test_login_sets_its_own_cookie_and_opens_the_orders(app, make_staff, db):
    make_staff("Ann@Example.com", StaffRole.SUPPORT)
    client = app.test_client()
    res = log_in(client, "ann@example.COM")
    assert res.status_code == 303 and res.headers["Location"].endswith("/admin/orders")
    cookie = next(c for c in res.headers.getlist("Set-Cookie") if c.startswith("admin_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert client.get_cookie("session_id") is None  # not the shopper's cookie
    page = client.get("/admin/orders")
    assert page.status_code == 200 and "ann@example.com (support)" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    row = db.execute(
        text("SELECT actor, action, host(ip) FROM audit_log WHERE action = 'staff.login'")
    ).one()
    assert tuple(row) == ("staff:ann@example.com", "staff.login", "127.0.0.1")


def test_https_base_url_uses_a_host_prefixed_secure_cookie(make_app, db):
    app = make_app(BASE_URL="https://shop.test")
    from checkout_app.services.staff import create_staff

    create_staff(app.extensions["checkout"], "ann@example.com", StaffRole.SUPPORT, PASSWORD)
    client = app.test_client()
    res = log_in(client, "ann@example.com")
    cookies = res.headers.getlist("Set-Cookie")
    cookie = next(c for c in cookies if c.startswith("__Host-admin_session="))
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_a_wrong_password_is_refused_and_logged(app, make_staff, db):
    make_staff("ann@example.com")
    client = app.test_client()
    res = log_in(client, "ann@example.com", "not the password")
    assert res.status_code == 401
    assert "Invalid email or password" in res.get_data(as_text=True)
    assert client.get("/admin/orders").status_code == 303
    assert audit_actions(db) == ["staff.created", "staff.login_failed"]


def test_an_unknown_email_gets_the_same_answer(client, db):
    res = log_in(client, "nobody@example.com", "whatever")
    assert res.status_code == 401
    assert "Invalid email or password" in res.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account(app, make_staff, db):
    make_staff("ann@example.com")
    client = app.test_client()
    statuses = [log_in(client, "ann@example.com", f"wrong {n}").status_code for n in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    res = log_in(client, "ann@example.com")  # the right password, while locked
    assert res.status_code == 423 and LOCKED in res.get_data(as_text=True)
    assert client.get("/admin/orders").status_code == 303
    assert audit_actions(db)[-2:] == ["staff.locked", "staff.login_refused_locked"]


def test_the_lock_ends_after_the_configured_while(make_app, db):
    app = make_app(ADMIN_LOCKOUT_ATTEMPTS="2", ADMIN_LOCKOUT_SECONDS="1")
    from checkout_app.services.staff import create_staff

    create_staff(app.extensions["checkout"], "ann@example.com", StaffRole.SUPPORT, PASSWORD)
    client = app.test_client()
    assert [log_in(client, "ann@example.com", "x").status_code for _ in range(2)] == [401, 423]
    # Move the lock into the past rather than sleeping through it.
    db.execute(text("UPDATE staff SET locked_until = now() - interval '1 second'"))
    assert log_in(client, "ann@example.com").status_code == 303


def test_a_success_resets_the_failure_count(app, make_staff, db):
    make_staff("ann@example.com")
    client = app.test_client()
    for _ in range(4):
        assert log_in(client, "ann@example.com", "wrong").status_code == 401
    assert log_in(client, "ann@example.com").status_code == 303
    other = app.test_client()
    assert log_in(other, "ann@example.com", "wrong").status_code == 401  # not locked


def test_login_posts_are_rate_limited_per_address(make_app, db, redis_prefix):
    app = make_app(RATE_LIMIT_ADMIN_LOGIN="3/minute", REDIS_KEY_PREFIX=f"{redis_prefix}login:")
    client = app.test_client()
    statuses = [log_in(client, f"x{n}@example.com", "nope").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_login_needs_the_csrf_token(app, make_staff, db):
    make_staff("ann@example.com")
    client = app.test_client()
    csrf_token(client, "/admin/login")
    res = client.post("/admin/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert res.status_code == 400
    assert client.get("/admin/orders").status_code == 303


def test_logout_ends_the_session_on_the_server(app, manager, db):
    cookie = manager.get_cookie("admin_session").value
    token = csrf_token(manager, "/admin/orders")
    res = manager.post("/admin/logout", data={"csrf_token": token})
    assert res.status_code == 303
    assert manager.get("/admin/orders").status_code == 303
    replay = app.test_client()
    replay.set_cookie("admin_session", cookie)
    assert replay.get("/admin/orders").status_code == 303  # the old token is dead
    assert audit_actions(db)[-1] == "staff.logout"


def test_an_expired_session_is_refused_and_dropped_at_the_next_login(app, manager, db):
    db.execute(text("UPDATE staff_sessions SET expires_at = now() - interval '1 second'"))
    assert manager.get("/admin/orders").status_code == 303
    assert log_in(app.test_client(), "manager@example.com").status_code == 303
    assert db.execute(text("SELECT count(*) FROM staff_sessions")).scalar_one() == 1
