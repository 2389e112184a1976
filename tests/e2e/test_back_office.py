"""Staff in a real browser: find an order by email, refund a ticket, read the timeline; lockout."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from checkout_app.domain.staff import StaffRole
from checkout_app.stripe_sim import SimServer

from .conftest import ARTIFACTS
from .conftest import STAFF_PASSWORD as PASSWORD
from .test_browser_checkout import fill_cart


def log_in(page: Page, app_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{app_url}/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def paid_order(page: Page, app_url: str, e2e_sim: SimServer) -> None:
    """A shopper buys a course and two tickets and pays on the simulator's page."""
    fill_cart(page, app_url)
    expect(page).to_have_url(re.compile(rf"^{e2e_sim.url}/c/pay/cs_test_\w+$"))
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("[data-order-status]")).to_have_text("Payment received")


def test_support_finds_an_order_by_email_and_reads_its_timeline(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None, staff
) -> None:
    paid_order(page, served_app, e2e_sim)
    staff("support@example.com", StaffRole.SUPPORT)
    page.context.clear_cookies()

    log_in(page, served_app, "support@example.com")
    expect(page).to_have_url(f"{served_app}/admin/orders")
    page.get_by_label("Search").fill("ANN@example.com")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("completed")
    rows.first.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order ")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("checkout.session.completed")
    expect(timeline).to_contain_text("order.status_changed")
    expect(page.get_by_role("button", name=re.compile("Refund"))).to_have_count(0)
    page.get_by_role("button", name="Resend confirmation").click()
    expect(page.get_by_role("status")).to_have_text("Confirmation email queued again.")
    expect(timeline).to_contain_text("order.confirmation_resent by staff:support@example.com")


def test_five_wrong_passwords_lock_the_account(
    page: Page, served_app: str, demo_catalog: None, staff
) -> None:
    staff("locked@example.com", StaffRole.MANAGER)
    for attempt in range(4):
        log_in(page, served_app, "locked@example.com", f"wrong password {attempt}")
        expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    log_in(page, served_app, "locked@example.com", "wrong password 5")
    expect(page.get_by_role("alert")).to_contain_text("locked")
    log_in(page, served_app, "locked@example.com")  # the right password, while locked
    expect(page.get_by_role("alert")).to_contain_text("locked")
    page.goto(f"{served_app}/admin/orders")
    expect(page).to_have_url(f"{served_app}/admin/login")


def test_a_manager_refunds_one_ticket_and_sees_the_timeline_update(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None, staff
) -> None:
    paid_order(page, served_app, e2e_sim)
    staff("manager@example.com", StaffRole.MANAGER)
    page.context.clear_cookies()

    log_in(page, served_app, "manager@example.com")
    page.get_by_label("Search").fill("ann@example.com")
    page.get_by_role("button", name="Search").click()
    page.locator("table.grid tbody tr").first.get_by_role("link").click()
    line = page.locator("tr", has_text="Python Evening Meetup")
    line.get_by_label("Quantity").fill("1")
    line.get_by_role("button", name="Refund line").click()

    expect(page.get_by_role("status")).to_contain_text("Refund of 15.00 USD asked of Stripe")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("order.refund_requested by staff:manager@example.com")
    # Stripe's refund webhook settles it a moment later: reload until the timeline shows it.
    deadline = time.monotonic() + 15
    while "to=partially_refunded" not in timeline.inner_text():
        assert time.monotonic() < deadline, timeline.inner_text()
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator(".status").first).to_have_text("partially_refunded")
    expect(page.locator("table.grid", has_text="Stripe refund")).to_contain_text(
        "1 x Python Evening Meetup"
    )
    page.screenshot(path=str(ARTIFACTS / "back-office-refund.png"), full_page=True)
