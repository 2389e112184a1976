"""Delivery of outbox messages: email over SMTP, WhatsApp through an HTTP gateway, or a log."""

from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import requests

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """A message could not be delivered this time; it will be retried."""


class Sender(Protocol):
    def send(self, message_id: str, recipient: str, payload: dict[str, Any]) -> None: ...


def render_email(
    message_id: str, recipient: str, payload: dict[str, Any], sender: str
) -> EmailMessage:
    """The email for an outbox payload: an order confirmation or a refund notice."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient
    # A stable Message-ID lets a mail system drop a retried duplicate.
    mail["Message-ID"] = f"<{message_id}@checkout-app>"
    order = payload["orderId"]
    if payload.get("kind") == "refund_issued":
        mail["Subject"] = f"A refund for your order {order[:8]}"
        lines = [f"- {i['quantity']} x {i['title']}" for i in payload.get("items", [])]
        why = f"\n{payload['message']}\n" if payload.get("message") else ""
        mail.set_content(
            f"We have refunded {payload['amount']} {payload['currency'].upper()}"
            " to the card you paid with.\n"
            + why
            + ("\nRefunded:\n" + "\n".join(lines) + "\n" if lines else "")
            + "\nIt can take 5 to 10 days to show on your statement.\n"
            + f"Order: {order}\n"
        )
        return mail
    mail["Subject"] = f"Your order {order[:8]} is confirmed"
    lines = [f"- {i['quantity']} x {i['title']} @ {i['unitPrice']}" for i in payload["items"]]
    mail.set_content(
        "Thank you for your order.\n\n"
        + "\n".join(lines)
        + f"\n\nTotal: {payload['total']} {payload['currency'].upper()}\n"
        + f"Order: {order}\n"
    )
    return mail


class SmtpSender:
    """Sends email through SMTP_URL: smtp://[user:pass@]host[:port] (STARTTLS if offered) or smtps://."""

    def __init__(self, url: str, from_address: str, timeout: float = 10) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:port")
        self.parts = parts
        self.from_address = from_address
        self.timeout = timeout

    def send(self, message_id: str, recipient: str, payload: dict[str, Any]) -> None:
        """Deliver one email."""
        mail = render_email(message_id, recipient, payload, self.from_address)
        p = self.parts
        factory = smtplib.SMTP_SSL if p.scheme == "smtps" else smtplib.SMTP
        try:
            with factory(
                p.hostname, p.port or (465 if p.scheme == "smtps" else 25), timeout=self.timeout
            ) as smtp:
                if p.scheme == "smtp" and smtp.has_extn("starttls"):
                    smtp.starttls()
                if p.username:
                    smtp.login(unquote(p.username), unquote(p.password or ""))
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


class WhatsAppSender:
    """Posts booking notices as JSON to WHATSAPP_WEBHOOK_URL (a provider's or a relay's)."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, message_id: str, recipient: str, payload: dict[str, Any]) -> None:
        """Deliver one WhatsApp notice."""
        body = {"id": message_id, "to": recipient, "template": payload["kind"], "data": payload}
        try:
            response = requests.post(
                self.url, json=body, timeout=self.timeout, headers={"Idempotency-Key": message_id}
            )
            response.raise_for_status()
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


class LogSender:
    """Development: writes the message to the log instead of sending it."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message_id: str, recipient: str, payload: dict[str, Any]) -> None:
        """Log one message."""
        log.info("%s to %s (%s): %s", self.channel, recipient, message_id, json.dumps(payload))


def senders_for(config: dict[str, Any]) -> dict[str, Sender]:
    """The sender of each channel that can deliver with this configuration."""
    development = config["APP_ENV"] == "development"
    senders: dict[str, Sender] = {}
    if config["SMTP_URL"]:
        senders["email"] = SmtpSender(config["SMTP_URL"], config["SMTP_FROM"])
    elif development:
        senders["email"] = LogSender("email")
    if config["WHATSAPP_WEBHOOK_URL"]:
        senders["whatsapp"] = WhatsAppSender(config["WHATSAPP_WEBHOOK_URL"])
    elif development:
        senders["whatsapp"] = LogSender("whatsapp")
    return senders
