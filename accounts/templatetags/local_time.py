"""Times as people read them: in their own time zone (the profile's, else the organization's,
activated per request by accounts.tenancy), with the zone named where it matters."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


def zone_label(zone) -> str:
    """"Europe/Paris" → "Paris", "America/New_York" → "New York" (what people call the zone)."""
    name = getattr(zone, "key", None) or str(zone)
    return name.rsplit("/", 1)[-1].replace("_", " ")


@register.filter
def when(value: datetime | None, zone: str = "") -> str:
    """"Thu 4 Dec 09:00 (Paris)": weekday, date and time in the reader's zone, the zone named."""
    if not value:
        return ""
    tz = ZoneInfo(zone) if zone else timezone.get_current_timezone()
    local = timezone.localtime(value, tz) if timezone.is_aware(value) else value
    return f"{date_format(local, 'D j M H:i')} ({zone_label(tz)})"


@register.filter
def clock(value: datetime | None) -> str:
    """Just the local time of day, "09:00", for lists where the day is obvious."""
    if not value:
        return ""
    return date_format(timezone.localtime(value), "H:i")


@register.simple_tag
def current_zone_label() -> str:
    return zone_label(timezone.get_current_timezone())


@register.filter
def iso_when(value: str) -> str:
    """when() for a time stored as ISO text (activity data: a snooze's wake-up time)."""
    if not value:
        return ""
    try:
        return when(datetime.fromisoformat(str(value)))
    except ValueError:
        return ""
