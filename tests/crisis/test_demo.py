"""The demo has someone on call at every hour, and a storm of mentions pages them."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization
from crisis import selectors
from crisis.models import Alert, ContactMethod, EscalationPolicy, EscalationStepRun, MentionBucket, Rota
from crisis.services.detection import detection_run
from crisis.services.escalation import escalations_run_due
from inbox.models import Channel
from inbox.services import mentions_ingest
from tests.factories import platform_item


@pytest.mark.django_db
def test_the_demo_rota_covers_every_hour_and_a_storm_pages_the_person_on_call(django_capture_on_commit_callbacks):
    call_command("seed_demo")
    call_command("seed_demo")  # twice: nothing duplicated
    organization = Organization.objects.get(slug="airdemo")
    rota = Rota.objects.for_organization(organization).get()
    assert selectors.coverage_gaps(rota=rota) == []
    policy = EscalationPolicy.objects.for_organization(organization).get()
    assert [step["notify"] for step in policy.steps] == ["rota", "leads", "executives"]
    assert ContactMethod.objects.for_organization(organization).filter(kind="email").count() == 4

    on_call = selectors.on_call_at(rota=rota, at=timezone.now()).user_id
    # Two weeks of ordinary traffic as counters: the detector judges against a learned week.
    assert MentionBucket.objects.for_organization(organization).filter(topic_id=0).count() > 2 * 7 * 24 * 60 - 10
    assert detection_run() == 0  # the seeded rhythm alone is no storm
    channel = Channel.objects.for_organization(organization).first()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # the storm enters as simulate_crisis's does
        mentions_ingest(channel=channel, now=now, items=[
            platform_item(f"storm-{n}", "Vol AD1234 annulé, personne ne répond !", author=f"storm{n}", at=now)
            for n in range(150)])
    assert detection_run(now=now) >= 1
    alert = Alert.objects.for_organization(organization).get(source="volume_spike", dedup_key="volume_spike:overall")
    assert alert.data["url"].startswith(f"/o/{organization.slug}/inbox/")
    assert alert.policy == policy
    escalations_run_due()
    assert EscalationStepRun.objects.for_organization(organization).get(alert=alert).targets == [on_call]


@pytest.mark.django_db
def test_the_learned_weeks_are_seeded_even_when_seeded_mentions_were_counted_first():
    """In `make run` the inbox's seed ingests its mentions first, and ingestion's listener counts them
    in a few scattered minutes: the crisis desk's seed must still lay down the learned weeks."""
    from datetime import timedelta

    call_command("seed_demo")
    organization = Organization.objects.get(slug="airdemo")
    buckets = MentionBucket.objects.for_organization(organization)
    buckets.delete()
    now = timezone.now().replace(second=0, microsecond=0)
    MentionBucket.objects.bulk_create([
        MentionBucket(organization=organization, topic_id=0, minute=now - timedelta(hours=7 * n), mentions=2)
        for n in range(1, 80)])

    call_command("seed_demo")

    assert buckets.filter(topic_id=0).count() > 2 * 7 * 24 * 60 - 10
    assert detection_run() == 0
