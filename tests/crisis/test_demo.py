"""The demo has someone on call at every hour, and a storm of mentions pages them."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization
from crisis import selectors, volume
from crisis.models import Alert, ContactMethod, EscalationPolicy, EscalationStepRun, Rota
from crisis.services.escalation import escalations_run_due
from crisis.services.volume import volume_spikes_check
from inbox.models import Conversation
from tests.factories import MessageFactory


def test_a_spike_needs_volume_and_a_jump():
    assert volume.is_spike(recent=60, baseline_total=12 * 5)
    assert not volume.is_spike(recent=40, baseline_total=0)  # below the floor
    assert not volume.is_spike(recent=60, baseline_total=12 * 20)  # a busy hour, not a jump


@pytest.mark.django_db
def test_the_demo_rota_covers_every_hour_and_a_storm_pages_the_person_on_call(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # twice: nothing duplicated
    organization = Organization.objects.get(slug="airdemo")
    rota = Rota.objects.for_organization(organization).get()
    assert selectors.coverage_gaps(rota=rota) == []
    policy = EscalationPolicy.objects.for_organization(organization).get()
    assert [step["notify"] for step in policy.steps] == ["rota", "leads", "executives"]
    assert ContactMethod.objects.for_organization(organization).filter(kind="email").count() == 4

    on_call = selectors.on_call_at(rota=rota, at=timezone.now()).user_id
    conversation = Conversation.objects.for_organization(organization).first()
    for n in range(volume.FLOOR + 10):
        MessageFactory(conversation=conversation, external_id=f"storm-{n}", created_at=timezone.now())
    assert volume_spikes_check() == 1
    alert = Alert.objects.for_organization(organization).get(source="volume_spike")
    assert alert.policy == policy
    escalations_run_due()
    assert EscalationStepRun.objects.for_organization(organization).get(alert=alert).targets == [on_call]
