"""Rota writes: creation in one piece, overrides that never overlap, swaps asked and accepted."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from crisis import selectors
from crisis.models import Rota, RotaOverride, SwapStatus
from crisis.services import oncall as rota_services


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_the_rota_answers_who_is_on_call_in_its_time_zone(rota, agent, backup):
    # 5 January 2026 09:00 Paris = 08:00 UTC: agent's day; the next day is backup's.
    assert selectors.on_call_at(rota=rota, at=utc(2026, 1, 5, 12)).user_id == agent.pk
    assert selectors.on_call_at(rota=rota, at=utc(2026, 1, 6, 7, 59)).user_id == agent.pk
    assert selectors.on_call_at(rota=rota, at=utc(2026, 1, 6, 8)).user_id == backup.pk


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([], "nobody"),
        ([{"name": "Empty", "member_ids": [], "starts_on": date(2026, 1, 5), "handoff_time": time(9)}], "nobody"),
    ],
)
def test_a_rota_with_nobody_is_refused_and_nothing_is_saved(organization, lead, layers, message):
    with pytest.raises(ValidationError, match=message):
        rota_services.rota_create(organization=organization, actor=lead, name="Ghost", time_zone="Europe/Paris", layers=layers)
    assert not Rota.objects.for_organization(organization).exists()


def test_an_unknown_time_zone_is_refused(organization, lead, agent):
    with pytest.raises(ValidationError, match="Unknown time zone"):
        rota_services.rota_create(organization=organization, actor=lead, name="Mars", time_zone="Mars/Olympus",
                                  layers=[{"name": "x", "member_ids": [agent.pk], "starts_on": date(2026, 1, 5),
                                           "handoff_time": time(9)}])


def test_someone_from_another_organization_cannot_be_on_call(organization, lead, outsider):
    with pytest.raises(ValidationError, match="Only members"):
        rota_services.rota_create(organization=organization, actor=lead, name="Leaky", time_zone="UTC",
                                  layers=[{"name": "x", "member_ids": [outsider.pk], "starts_on": date(2026, 1, 5),
                                           "handoff_time": time(9)}])
    assert not Rota.objects.for_organization(organization).exists()


def test_overrides_apply_and_never_overlap(rota, lead, executive):
    rota_services.override_create(rota=rota, actor=lead, user=executive, starts_at=utc(2026, 1, 5, 10),
                                  ends_at=utc(2026, 1, 5, 14), reason="Training")
    assert selectors.on_call_at(rota=rota, at=utc(2026, 1, 5, 12)).user_id == executive.pk
    with pytest.raises(ValidationError, match="overlaps another override"):
        rota_services.override_create(rota=rota, actor=lead, user=lead, starts_at=utc(2026, 1, 5, 13),
                                      ends_at=utc(2026, 1, 5, 18))
    assert RotaOverride.objects.for_organization(rota.organization).count() == 1
    # Touching is not overlapping.
    rota_services.override_create(rota=rota, actor=lead, user=lead, starts_at=utc(2026, 1, 5, 14), ends_at=utc(2026, 1, 5, 18))


def test_a_swap_applies_only_once_the_other_member_accepts(rota, agent, backup, lead):
    swap = rota_services.swap_request(rota=rota, actor=agent, covered_by=lead, starts_at=utc(2026, 1, 5, 8),
                                      ends_at=utc(2026, 1, 6, 8))
    assert selectors.on_call_at(rota=rota, at=utc(2026, 1, 5, 12)).user_id == agent.pk
    with pytest.raises(ValidationError, match="Only the person asked"):
        rota_services.swap_accept(swap=swap, actor=backup)
    rota_services.swap_accept(swap=swap, actor=lead)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.ACCEPTED
    shift = selectors.on_call_at(rota=rota, at=utc(2026, 1, 5, 12))
    assert (shift.user_id, shift.source) == (lead.pk, "swap")
    with pytest.raises(ValidationError, match="already answered"):
        rota_services.swap_decline(swap=swap, actor=lead)


def test_a_swap_outside_ones_own_shifts_is_refused(rota, agent, lead):
    # 6 January is backup's day.
    with pytest.raises(ValidationError, match="not on call"):
        rota_services.swap_request(rota=rota, actor=agent, covered_by=lead, starts_at=utc(2026, 1, 6, 9),
                                   ends_at=utc(2026, 1, 6, 12))


def test_the_last_layer_cannot_be_deleted(rota, lead):
    with pytest.raises(ValidationError, match="last layer"):
        rota_services.layer_delete(layer=rota.layers.get(), actor=lead)


def test_gaps_of_the_next_14_days_are_found(organization, lead, agent):
    office = rota_services.rota_create(
        organization=organization, actor=lead, name="Office", time_zone="Europe/Paris",
        layers=[{"name": "Weekdays", "member_ids": [agent.pk], "starts_on": date(2026, 1, 5), "handoff_time": time(9),
                 "restrictions": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]}])
    gaps = selectors.coverage_gaps(rota=office, now=utc(2026, 6, 1, 8))  # Monday 10:00 in Paris
    assert gaps[0].start == utc(2026, 6, 1, 16)  # 18:00 Paris
    assert all(gap.user_id is None for gap in gaps)
    assert len(gaps) == 10  # nine nights and weekends between office days, then the last evening


def test_my_shifts_lists_a_members_shifts_across_rotas(organization, rota, agent):
    shifts = selectors.my_shifts(organization=organization, user=agent, start=utc(2026, 1, 5, 8), end=utc(2026, 1, 9, 8))
    assert [(s.start, s.end) for _rota, s in shifts] == [(utc(2026, 1, 5, 8), utc(2026, 1, 6, 8)),
                                                          (utc(2026, 1, 7, 8), utc(2026, 1, 8, 8))]
