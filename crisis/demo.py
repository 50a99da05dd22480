"""On-call demo: a rota covering every hour, a policy climbing agent → lead → executive, contact methods.

Idempotent. `simulate_crisis` then pages the person on call: its storm of mentions is a volume
spike, which the demo's routing rule sends up this policy. The detector gets two weeks of ordinary
traffic as counters (bucket rows, not mentions: cheap) so that it judges against a learned week.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.demo import DemoPeople

from . import demo_drill, demo_statements
from .models import ContactMethod, EscalationPolicy, MentionBucket, Rota, RoutingRule, WatchTopic
from .services import detection, notifications, oncall, policies

ROTA = "Astreinte communauté"
POLICY = "Agent → responsable → direction"
TOPIC = "Annulations"

# Two weeks of minutes before now, each with a daily rhythm: a few mentions a minute at night, up to
# ~9 in the evening, a fifth of them negative. Deterministic (no randomness): an idempotent seed.
_BASELINE_SQL = """
INSERT INTO crisis_mentionbucket (organization_id, topic_id, minute, mentions, negative, reach)
SELECT %(organization)s, 0, minute, counts.mentions, counts.mentions / 5, counts.mentions * 150
FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz, interval '1 minute') AS minute,
LATERAL (SELECT round(1 + 8 * greatest(0, sin(pi() * (extract(hour FROM minute AT TIME ZONE 'Europe/Paris') - 6) / 18))
                 * (1 + (extract(minute FROM minute)::int %% 3 - 1) * 0.1))::int AS mentions) AS counts
ON CONFLICT (organization_id, topic_id, minute) DO NOTHING
"""


def seed(people: DemoPeople) -> None:
    _seed_oncall(people)
    # Outside the on-call seed's transaction: a drill's replies leave when each of its writes commits.
    demo_drill.seed(people)


@transaction.atomic
def _seed_oncall(people: DemoPeople) -> None:
    organization, users = people.organization, people.users
    rota = Rota.objects.for_organization(organization).filter(name=ROTA).first()
    if rota is None:
        # Camille and Alex take turns every day at 09:00 Paris time, round the clock: no hour uncovered.
        rota = oncall.rota_create(
            organization=organization, actor=users["lead"], name=ROTA, time_zone="Europe/Paris",
            layers=[{"name": "Astreinte", "member_ids": [users["agent"].pk, users["backup"].pk],
                     "starts_on": (timezone.now() - timedelta(days=30)).date(), "handoff_time": time(9, 0)}],
            description="Service client, 24 h/24",
        )
    if not EscalationPolicy.objects.for_organization(organization).filter(name=POLICY).exists():
        policy = policies.policy_create(
            organization=organization, actor=users["lead"], name=POLICY,
            steps=[{"notify": "rota", "rota_id": rota.pk, "wait_minutes": 5},
                   {"notify": "leads", "wait_minutes": 10}, {"notify": "executives", "wait_minutes": 0}])
        if not RoutingRule.objects.for_organization(organization).exists():
            policies.routing_rule_create(organization=organization, actor=users["lead"], policy=policy, sources=[])
    if not WatchTopic.objects.for_organization(organization).filter(name=TOPIC).exists():
        detection.watch_topic_create(organization=organization, name=TOPIC, terms=["annulé", "cancelled", "AD1234"])
    # Seeding the inbox first already counted its seeded mentions in a few scattered minutes: what may be
    # missing is the learned weeks, so count the minutes they cover rather than asking for any bucket.
    end = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    learned = MentionBucket.objects.for_organization(organization).filter(
        topic_id=0, minute__gte=end - timedelta(weeks=2), minute__lte=end).count()
    if learned < 7 * 24 * 60:
        with connection.cursor() as cursor:
            cursor.execute(_BASELINE_SQL, {"organization": organization.pk, "start": end - timedelta(weeks=2), "end": end})
    for key, delay, sms in (("agent", 1, "+33612345678"), ("backup", 1, "+33698765432"), ("lead", 1, "+33611223344"),
                            ("executive", 2, None)):
        user = users[key]
        if ContactMethod.objects.for_organization(organization).filter(user=user).exists():
            continue
        email = notifications.contact_method_create(organization=organization, user=user, kind="email", address=user.email)
        notifications.notification_rule_create(organization=organization, user=user, contact_method=email, delay_minutes=delay)
        if sms:
            phone = notifications.contact_method_create(organization=organization, user=user, kind="sms", address=sms)
            notifications.notification_rule_create(organization=organization, user=user, contact_method=phone,
                                                   delay_minutes=delay + 2)
    demo_statements.seed_demo(people)  # a past crisis and its published holding statement
