"""What a shopper does besides paying: Back after paying or cancelling, a payment that clears
while the page is open, too many tickets, a mistyped email, the keyboard only, a double click."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

COURSE, EVENT = "Python Foundations", "Python Evening Meetup"


def to_payment_page(page: Page, app_url: str) -> str:
    """A course in the cart, the checkout form posted; the Checkout Session id."""
    page.goto(f"{app_url}/")
    page.get_by_role("button", name=f"Add {COURSE} to cart").click()
    page.get_by_role("link", name="View cart").click()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email for your receipt").fill("ann@example.com")
    page.get_by_role("button", name="Pay with Stripe").click()
    expect(page.get_by_role("button", name="Pay", exact=True)).to_be_visible()
    return page.url.rsplit("/", 1)[-1]


def test_back_after_paying_shows_what_is_true_now(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None
) -> None:
    to_payment_page(page, served_app)
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("[data-order-status]")).to_have_text("Payment received")
    number = page.locator("[data-order-number]").inner_text()

    page.go_back()  # the payment page: paid, no live Pay button, a way to the order
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment complete")
    expect(page.get_by_role("button", name="Pay", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="See your order at Course Shop")).to_be_visible()

    page.go_back()  # the checkout form: the cart was paid for, so nothing to pay
    expect(page).to_have_url(f"{served_app}/checkout")
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    expect(page.get_by_role("button", name="Pay with Stripe")).to_have_count(0)
    page.get_by_role("link", name=f"order {number}").click()
    expect(page.locator("[data-order-number]")).to_have_text(number)


def test_back_after_cancelling_keeps_the_cart_and_can_pay_again(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None
) -> None:
    to_payment_page(page, served_app)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout cancelled")

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout expired")
    expect(page.get_by_role("button", name="Pay", exact=True)).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(f"{served_app}/checkout")
    expect(page.locator(".line", has_text=COURSE)).to_be_visible()
    page.get_by_label("Email for your receipt").fill("ann@example.com")
    page.get_by_role("button", name="Pay with Stripe").click()
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("[data-order-status]")).to_have_text("Payment received")


def test_a_pending_payment_turns_paid_while_the_page_is_open(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None
) -> None:
    session_id = to_payment_page(page, served_app)
    sim = SimControl(e2e_sim.url)
    sim.complete(session_id, payment_status="unpaid")  # a bank debit: paid later
    page.goto(f"{served_app}/checkout/success?session_id={session_id}")
    expect(page.locator("[data-order-status]")).to_have_text("Payment pending")

    sim.settle_async(session_id, "succeeded")

    # No reload from the test: the page's own Refresh (2 s, then 4 s) brings the news.
    expect(page.locator("[data-order-status]")).to_have_text("Payment received", timeout=20_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    expect(page.locator("[data-cart-count]")).to_have_attribute("data-cart-count", "0")


def test_too_many_tickets_says_how_many_to_ask_for(
    page: Page, served_app: str, demo_catalog: None
) -> None:
    page.goto(f"{served_app}/")
    page.get_by_role("button", name=f"Add {EVENT} to cart").click()
    page.goto(f"{served_app}/cart")
    page.get_by_label(f"Tickets for {EVENT}").fill("95")
    page.get_by_role("button", name=f"Update tickets for {EVENT}").click()

    expect(page.get_by_text("Only 80 seats left: lower to 80 tickets.")).to_be_visible()
    expect(page.get_by_role("button", name="Checkout")).to_be_disabled()
    page.get_by_label(f"Tickets for {EVENT}").fill("80")
    page.get_by_role("button", name=f"Update tickets for {EVENT}").click()
    expect(page.get_by_role("link", name="Checkout")).to_be_visible()


def test_a_mistyped_email_is_explained_at_its_field(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None
) -> None:
    page.goto(f"{served_app}/")
    page.get_by_role("button", name=f"Add {COURSE} to cart").click()
    page.goto(f"{served_app}/checkout")
    page.get_by_label("Email for your receipt").fill("ann@example")
    page.get_by_role("button", name="Pay with Stripe").click()

    email = page.get_by_label("Email for your receipt")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(r"^Invalid email format"))
    expect(email).to_have_value("ann@example")


def test_keyboard_only_checkout(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None
) -> None:
    def tab_to(name: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "() => (document.activeElement.innerText || document.activeElement.labels?.[0]"
                "?.innerText || '').replace(/\\s+/g, ' ').trim()"
            )
            if focused == name:
                return
        raise AssertionError(f"Tab never reached {name!r}")

    def press_enter() -> None:
        with page.expect_navigation():
            page.keyboard.press("Enter")

    page.goto(f"{served_app}/")
    tab_to(f"Add {COURSE} to cart")
    press_enter()
    expect(page.get_by_role("status")).to_contain_text(f"Added: {COURSE}")
    tab_to("View cart")
    press_enter()
    tab_to("Checkout")
    press_enter()
    tab_to("Email for your receipt")
    page.keyboard.type("ann@example.com")
    press_enter()
    tab_to("Pay")
    press_enter()
    expect(page.locator("[data-order-status]")).to_have_text("Payment received")


def test_a_double_click_on_pay_sends_one_checkout(
    page: Page, served_app: str, e2e_sim: SimServer, demo_catalog: None
) -> None:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{served_app}/")
    page.get_by_role("button", name=f"Add {COURSE} to cart").click()
    page.goto(f"{served_app}/checkout")
    page.get_by_label("Email for your receipt").fill("ann@example.com")
    posts.clear()

    page.locator("form.checkout").evaluate(
        "form => { form.requestSubmit(); form.requestSubmit(); }"
    )

    expect(page.get_by_role("button", name="Pay", exact=True)).to_be_visible()
    assert posts == [f"{served_app}/checkout"]
