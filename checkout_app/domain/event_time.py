"""When and where an event is, for people: Babel in the shop's locale and time zone."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel import Locale
from babel.dates import (
    format_datetime,
    format_skeleton,
    format_time,
    get_timezone,
    get_timezone_gmt,
)


@lru_cache(maxsize=4096)
def event_when(moment: datetime, locale_name: str, zone_name: str) -> str:
    """Date, time and zone in the shop's zone: "Tue, Dec 1, 2026, 7:00 PM UTC".
    Remembered: a shop has few events, and Babel takes a while to word one."""
    locale, zone = Locale.parse(locale_name), get_timezone(zone_name)
    day = format_skeleton("yMMMEd", moment, tzinfo=zone, locale=locale)
    time = format_time(moment, "short", tzinfo=zone, locale=locale)
    zone_label = format_datetime(moment, "z", tzinfo=zone, locale=locale)
    if zone_label[:1] in "+-":  # no short name in this locale (CET for en_US): "GMT+01:00"
        zone_label = get_timezone_gmt(moment.astimezone(zone), "long", locale=locale)
    return str(locale.datetime_formats["medium"]).format(f"{time} {zone_label}", day)


def event_line(moment: datetime, venue: str | None, locale_name: str, zone_name: str) -> str:
    """When and where: "Tue, Dec 1, 2026, 7:00 PM UTC · Main Hall"."""
    when = event_when(moment, locale_name, zone_name)
    return f"{when} · {venue}" if venue else when
