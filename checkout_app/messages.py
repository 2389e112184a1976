"""Every message a shopper or client may see, word for word as the contract fixes them."""

from __future__ import annotations

# Checkout, in the contract's order of checks.
NO_SESSION = "No active session. Please add items to cart first."
CART_NOT_FOUND = "Cart not found or expired. Please add items again."
CART_EMPTY = "Cart is empty. Please add items before checkout."
EMAIL_REQUIRED = "Email is required for checkout"
EMAIL_INVALID = "Invalid email format"
INVALID_USER_ID = "Invalid userId"
INVALID_SUCCESS_URL = "Invalid successUrl"
INVALID_CANCEL_URL = "Invalid cancelUrl"
INVALID_REDIRECT = "Invalid {field}"
ITEMS_UNAVAILABLE = "Some items in your cart are no longer available"
# Not in the contract (it is silent on limits): MAX_TICKETS_PER_ORDER / SEAT_HOLD_LIMIT.
HOLD_LIMIT_REACHED = "Ticket limit reached for an event in your cart"
PAYMENT_UNAVAILABLE = "Payment system error. Please try again later."
CART_SERVICE_UNAVAILABLE = "Cart service unavailable"
DATABASE_UNAVAILABLE = "Service temporarily unavailable"
CHECKOUT_FAILED = "Failed to create checkout session"
CHECKOUT_CREATED = "Checkout session created successfully"

# Cart bodies.
INVALID_REQUEST = "Invalid request"
ITEM_NOT_FOUND = "Item not found"
ITEM_TYPE_REQUIRED = "itemType is required"
ITEM_TYPE_INVALID = "itemType must be one of course, digital_product, event"
ITEM_ID_REQUIRED = "itemId is required"
ITEM_ID_INVALID = "itemId must be a UUID"
QUANTITY_REQUIRED = "quantity is required"
QUANTITY_NOT_WHOLE = "quantity must be a whole number"
QUANTITY_RANGE = "quantity must be between 1 and {maximum}"
QUANTITY_SINGLE = "quantity must be 1 for a {item}"

# Orders and webhooks.
ORDER_NOT_FOUND = "Order not found"
INVALID_WEBHOOK = "Invalid webhook signature"
INVALID_WEBHOOK_PAYLOAD = "Invalid webhook payload"
WEBHOOKS_NOT_CONFIGURED = "Webhook endpoint is not configured"

# Cross-cutting answers.
REQUEST_IN_PROGRESS = "Request in progress"
ORDER_STATE_CONFLICT = "The order cannot make that change in its current state"
IDEMPOTENCY_MISMATCH = "Idempotency-Key was already used with a different request"
IDEMPOTENCY_KEY_INVALID = "Idempotency-Key must be 1-255 printable ASCII characters"
TOO_MANY_REQUESTS = "Too many requests. Please try again later."
JSON_TOO_DEEP = "The JSON body is nested too deeply"
NOT_READY = "Not ready: {down} unreachable"
INTERNAL_ERROR = "Internal server error"
CSRF_REFUSED = (
    "This form has expired or did not come from this shop, so nothing was changed. "
    "Go back, reload the page and try again."
)

# Refunds (staff only).
STAFF_ONLY = "Staff authentication required"
STAFF_FORBIDDEN = "Your role does not allow this"
UNKNOWN_ORDER_LINE = "Unknown order line"
REFUND_REFUSED = "Refund refused"
ORDER_NOT_PAID = "Order is not paid"
ORDER_FULLY_REFUNDED = "Order is already fully refunded"
ORDER_DISPUTED = "Order is disputed"
REFUND_TOO_LARGE = "Refund amount is more than what is left to refund"
LINE_OVER_REFUNDED = "quantity is more than is left to refund on that line"
REFUND_DECLINED = "The payment provider declined the refund"

# The back office (admin pages, staff accounts, the staff refund API): flash messages, form
# errors and page errors. The templates keep their static copy.
STAFF_LOGIN_INVALID = "Invalid email or password"
STAFF_LOCKED = "Too many failed logins: this account is locked for a while. Try again later."
STAFF_EMAIL_INVALID = "email must be an email address"
STAFF_PASSWORD_SHORT = "password must be at least {minimum} characters"
STAFF_EXISTS = "a staff account for {email} already exists"
EVENT_NOT_FOUND = "Event not found"
NOTHING_TO_RESEND = "Only a paid order has a confirmation to resend"
CONFIRMATION_RESENT = "Confirmation email queued again."
REFUND_ASKED = "Refund of {amount} {currency} asked of Stripe ({status})."
SEARCH_DATE_INVALID = "{field} must be a date like 2026-12-01"
SEARCH_STATUS_INVALID = "status is not an order status"
SEARCH_INVALID = "Search by email, order id, cs_... or pi_... id"
PAGE_CURSOR_INVALID = "after is not a page cursor"
REFUND_REASON_INVALID = "reason must be one of {reasons}"
REFUND_AMOUNT_FORM_INVALID = "amount must be an amount like 12.50"
REFUND_AMOUNT_INVALID = 'amount must be a positive amount like "12.50"'
REFUND_ITEMS_INVALID = "items must be a list of 1 to 100 lines: itemType, itemId, quantity?"
REFUND_AMOUNT_OR_ITEMS = "Give amount or items, not both"
