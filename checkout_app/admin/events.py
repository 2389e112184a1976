"""Events: seats sold, held and left; the attendee list and its CSV for check-in."""

from __future__ import annotations

import csv
import io
import uuid

from flask import Response, render_template

from checkout_app import messages
from checkout_app.admin import bp
from checkout_app.errors import ItemNotFound
from checkout_app.extensions import shop
from checkout_app.http.staff_session import client_ip, current_staff
from checkout_app.services import backoffice

CSV_COLUMNS = ("name", "email", "tickets", "order_id", "status", "booked_at")


def _event_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise ItemNotFound(messages.EVENT_NOT_FOUND) from exc


@bp.get("/events")
def events() -> str:
    """Every event with its seats."""
    return render_template("admin/events.html", events=backoffice.events_overview(shop()))


@bp.get("/events/<event_id>")
def event(event_id: str) -> str:
    """One event's seats and attendees."""
    seats, people = backoffice.event_attendees(shop(), _event_id(event_id))
    return render_template("admin/event.html", event=seats, attendees=people)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/events/<event_id>/attendees.csv")
def attendees_csv(event_id: str) -> Response:
    """The attendee list as CSV for check-in."""
    staff = current_staff()
    assert staff is not None  # require_staff let the request in
    seats, people = backoffice.export_attendees(shop(), _event_id(event_id), staff, client_ip())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for a in people:
        row = (a.name, a.email, a.tickets, a.order_id, a.status, a.booked_at.isoformat())
        writer.writerow([_cell(v) for v in row])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="attendees-{seats.id}.csv"'
    return response
