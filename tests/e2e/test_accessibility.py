"""axe-core on every shop page, the simulator's pages and /api/docs, on a desktop and a phone:
no WCAG 2.1 A/AA violation. Each audited page is also saved as a screenshot."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from checkout_app.domain.staff import StaffRole
from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from .conftest import ARTIFACTS
from .test_back_office import log_in

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
COURSE, EVENT = "Python Foundations", "Python Evening Meetup"


class Audit:
    """Runs axe on each page it is shown, keeps a screenshot, and collects the violations."""

    def __init__(self, page: Page, viewport: str) -> None:
        self.page, self.viewport = page, viewport
        self.axe = Axe()
        self.audited: list[str] = []
        self.violations: dict[str, str] = {}
        (ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        shot = ARTIFACTS / "pages" / f"{name}-{self.viewport}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        results = self.axe.run(self.page, options=WCAG_21_AA)
        self.audited.append(name)
        if results.violations_count:
            self.violations[name] = results.generate_report()


def place_order(page: Page, app_url: str) -> None:
    """A course in the cart, then the checkout form posted: the simulator's payment page."""
    page.goto(f"{app_url}/")
    page.get_by_role("button", name=f"Add {COURSE} to cart").click()
    page.goto(f"{app_url}/checkout")
    page.get_by_label("Email for your receipt").fill("ann@example.com")
    page.get_by_role("button", name="Pay with Stripe").click()
    expect(page.get_by_role("button", name="Pay", exact=True)).to_be_visible()


def test_no_wcag_violations_on_any_page(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None, viewport: str, staff
) -> None:
    audit = Audit(page, viewport)
    page.goto(f"{served_app}/")
    audit("catalog")
    page.get_by_label(f"Tickets for {EVENT}").fill("2")
    page.get_by_role("button", name=f"Add {EVENT} to cart").click()
    audit("catalog-added")
    page.goto(f"{served_app}/cart")
    audit("cart")
    page.get_by_label(f"Tickets for {EVENT}").fill("95")
    page.get_by_role("button", name=f"Update tickets for {EVENT}").click()
    expect(page.get_by_text("Only 80 seats left: lower to 80 tickets.")).to_be_visible()
    audit("cart-too-many-tickets")
    page.get_by_label(f"Tickets for {EVENT}").evaluate("input => input.form.noValidate = true")
    page.get_by_label(f"Tickets for {EVENT}").fill("0")
    page.get_by_role("button", name=f"Update tickets for {EVENT}").click()
    expect(page.get_by_label(f"Tickets for {EVENT}")).to_have_attribute("aria-invalid", "true")
    audit("cart-quantity-error")
    page.get_by_label(f"Tickets for {EVENT}").fill("2")
    page.get_by_role("button", name=f"Update tickets for {EVENT}").click()
    page.goto(f"{served_app}/checkout")
    audit("checkout")
    page.get_by_label("Email for your receipt").fill("ann@example")
    page.get_by_role("button", name="Pay with Stripe").click()
    expect(page.get_by_label("Email for your receipt")).to_have_attribute("aria-invalid", "true")
    audit("checkout-email-error")
    page.get_by_label("Email for your receipt").fill("ann@example.com")
    page.get_by_role("button", name="Pay with Stripe").click()
    expect(page.get_by_role("button", name="Pay", exact=True)).to_be_visible()
    audit("simulator-pay")
    pay_url = page.url
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("[data-order-status]")).to_have_text("Payment received")
    audit("success-paid")
    page.goto(pay_url)
    audit("simulator-complete")
    page.goto(f"{served_app}/checkout")
    audit("checkout-empty")
    page.goto(f"{served_app}/cart")
    audit("cart-empty")
    page.goto(f"{served_app}/no-such-page")
    audit("not-found")

    place_order(page, served_app)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout cancelled")
    audit("cancel")
    page.go_back()
    audit("simulator-expired")
    page.goto(f"{e2e_sim.url}/c/pay/cs_test_unknown")
    audit("simulator-unknown")

    place_order(page, served_app)
    session_id = page.url.rsplit("/", 1)[-1]
    SimControl(e2e_sim.url).complete(session_id, payment_status="unpaid")
    # attempt=9: the page refreshes itself in 30 s, not while axe reads it
    page.goto(f"{served_app}/checkout/success?session_id={session_id}&attempt=9")
    expect(page.locator("[data-order-status]")).to_have_text("Payment pending")
    audit("success-pending")

    page.goto(f"{served_app}/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    audit("api-docs")

    staff("manager@example.com", StaffRole.MANAGER)
    log_in(page, served_app, "manager@example.com", "a wrong password")
    audit("admin-login-error")
    log_in(page, served_app, "manager@example.com")
    expect(page).to_have_url(f"{served_app}/admin/orders")
    audit("admin-orders")
    page.get_by_label("Search").fill("ann@example.com")
    page.get_by_role("button", name="Search").click()
    page.locator("table.grid tbody tr").first.get_by_role("link").click()
    audit("admin-order")
    page.goto(f"{served_app}/admin/events")
    audit("admin-events")
    page.locator("table.grid tbody tr", has_text=EVENT).get_by_role("link").first.click()
    audit("admin-event")

    assert len(audit.audited) == 23
    for name in audit.audited:
        assert (ARTIFACTS / "pages" / f"{name}-{viewport}.png").stat().st_size > 0
    assert not audit.violations, "\n\n".join(
        f"{name}:\n{report}" for name, report in audit.violations.items()
    )
