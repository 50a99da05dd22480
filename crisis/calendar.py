"""On-call shifts as RFC 5545 calendars (per rota, per person), for subscription by secret address.

Each shift is one concrete VEVENT in UTC (overrides and swaps make shifts irregular, so no RRULE),
from the same selector as every other view of the rota. UIDs are stable for a given shift, SEQUENCE
and LAST-MODIFIED move whenever the rota's plan changes, so calendar applications update in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from .rota import Shift

PRODID = "-//Vigie//On-call rotas//EN"


def shift_uid(rota_id: int, shift: Shift) -> str:
    origin = f"{shift.source}-{shift.layer_id or 0}-{shift.source_id or 0}-{shift.index if shift.index is not None else 'x'}"
    return f"rota{rota_id}-{origin}-{int(shift.start.timestamp())}@vigie"


def build_calendar(*, name: str, entries: Iterable[tuple[int, str, Shift, str, datetime, int]], now: datetime) -> bytes:
    """`entries`: (rota id, rota name, shift, person's name, rota last modified, sequence)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for rota_id, rota_name, shift, person, modified, sequence in entries:
        event = Event()
        event.add("uid", shift_uid(rota_id, shift))
        event.add("dtstamp", now)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("summary", f"{person} · {rota_name}")
        event.add("last-modified", modified)
        event.add("sequence", sequence)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
