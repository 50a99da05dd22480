"""The demo is in normal mode, and the storm `simulate_crisis` raises is declared a crisis in one click."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.roles import Role
from crisis import selectors
from crisis.models import Alert, CellRole, WatchTopic
from crisis.services.detection import detection_run
from inbox.models import Channel
from inbox.services import mentions_ingest
from playbooks.crisis_mode import crisis_state
from tests.factories import platform_item


@pytest.mark.django_db
def test_the_demo_storm_alert_is_declared_in_one_click(client, django_capture_on_commit_callbacks):
    call_command("seed_demo")
    organization = Organization.objects.get(slug="airdemo")
    assert selectors.active_crisis(organization=organization) is None
    assert crisis_state(organization.pk).active is False
    channel = Channel.objects.for_organization(organization).first()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # the storm enters as simulate_crisis's does
        mentions_ingest(channel=channel, now=now, items=[
            platform_item(f"storm-{n}", "Vol AD1234 annulé, personne ne répond !", author=f"storm{n}", at=now)
            for n in range(150)])
    assert detection_run(now=now) >= 1
    topic = WatchTopic.objects.for_organization(organization).get(name="Annulations")
    alert = Alert.objects.for_organization(organization).get(dedup_key=f"volume_spike:topic:{topic.pk}")
    agent = Membership.objects.for_organization(organization).filter(role=Role.AGENT).first().user
    client.force_login(agent)
    page = client.get(reverse("alert-detail", kwargs={"organization_slug": "airdemo", "pk": alert.pk}))
    assert b'data-testid="declare-now"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("crisis-declare", kwargs={"organization_slug": "airdemo"}),
                    {"quick": "1", "from_alert": alert.pk})
    crisis = selectors.active_crisis(organization=organization)
    assert crisis.topic_ids == [topic.pk] and crisis_state(organization.pk).active
    roles = {m.user_id: m.role for m in selectors.crisis_members(crisis=crisis)}
    assert roles[agent.pk] == CellRole.CRISIS_LEAD
    rota = selectors.rota_list(organization=organization).get()
    on_call = selectors.on_call_at(rota=rota, at=crisis.declared_at).user_id
    assert roles[on_call] == (CellRole.CRISIS_LEAD if on_call == agent.pk else CellRole.COMMUNITY_LEAD)
    # The storm that came before the declaration is in the crisis queue already.
    assert selectors.crisis_queue_stats(crisis=crisis).size >= 150
