"""iCal export: parsed back with icalendar and recurring-ical-events, it gives the selector's shifts."""

from datetime import datetime, timedelta

import recurring_ical_events
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from crisis import selectors
from crisis.services import oncall as rota_services


def _events(content: bytes, start: datetime, end: datetime):
    calendar = Calendar.from_ical(content)
    return sorted((e["DTSTART"].dt, e["DTEND"].dt, str(e["SUMMARY"]), str(e["UID"]), int(e["SEQUENCE"]))
                  for e in recurring_ical_events.of(calendar).between(start, end))


def test_the_rota_calendar_gives_back_the_selectors_shifts_with_overrides_and_swaps(rota, lead, agent, backup,
                                                                                   executive, client):
    now = timezone.now().replace(second=0, microsecond=0)
    rota_services.override_create(rota=rota, actor=lead, user=executive, starts_at=now + timedelta(days=2, hours=1),
                                  ends_at=now + timedelta(days=2, hours=5))
    agents_shift = selectors.shifts_of(rota=rota, user=agent, start=now + timedelta(days=3), end=now + timedelta(days=6))[0]
    swap = rota_services.swap_request(rota=rota, actor=agent, covered_by=lead, starts_at=agents_shift.start,
                                      ends_at=agents_shift.end)
    rota_services.swap_accept(swap=swap, actor=lead)
    rota.refresh_from_db()

    response = client.get(reverse("calendar-rota", kwargs={"token": rota.calendar_token}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    window = (now, now + timedelta(days=14))
    events = _events(response.content, *window)
    expected = [s for s in selectors.rota_timeline(rota=rota, start=now - timedelta(days=7), end=now + timedelta(days=60))
                if s.user_id and s.end > window[0] and s.start < window[1]]
    names = {agent.pk: agent.display_name, backup.pk: backup.display_name, lead.pk: lead.display_name,
             executive.pk: executive.display_name}
    assert [(start, end, summary.split(" · ")[0]) for start, end, summary, _uid, _seq in events] == [
        (s.start, s.end, names[s.user_id]) for s in expected]
    assert any(s.source == "override" for s in expected) and any(s.source == "swap" for s in expected)
    assert len({uid for *_rest, uid, _seq in events}) == len(events)

    # Stable UIDs; SEQUENCE moves when the plan changes.
    before = {uid: seq for *_rest, uid, seq in events}
    rota_services.rota_update(rota=rota, actor=lead, description="Renamed desk")
    after = _events(client.get(reverse("calendar-rota", kwargs={"token": rota.calendar_token})).content, *window)
    assert {uid for *_rest, uid, _seq in after} == set(before)
    assert all(seq > before[uid] for *_rest, uid, seq in after)


def test_a_revoked_calendar_address_stops_working(rota, lead, client):
    old = rota.calendar_token
    rota_services.rota_calendar_revoke(rota=rota, actor=lead)
    assert client.get(reverse("calendar-rota", kwargs={"token": old})).status_code == 404
    assert client.get(reverse("calendar-rota", kwargs={"token": rota.calendar_token})).status_code == 200


def test_a_persons_calendar_lists_their_shifts_across_rotas(organization, rota, agent, client):
    calendar = rota_services.personal_calendar_for(organization=organization, user=agent)
    now = timezone.now().replace(second=0, microsecond=0)
    events = _events(client.get(reverse("calendar-person", kwargs={"token": calendar.token})).content,
                     now, now + timedelta(days=10))
    mine = [s for s in selectors.shifts_of(rota=rota, user=agent, start=now - timedelta(days=7), end=now + timedelta(days=60))
            if s.end > now and s.start < now + timedelta(days=10)]
    assert [(start, end) for start, end, *_rest in events] == [(s.start, s.end) for s in mine]
    old = calendar.token
    rota_services.personal_calendar_for(organization=organization, user=agent, renew=True)
    assert client.get(reverse("calendar-person", kwargs={"token": old})).status_code == 404
