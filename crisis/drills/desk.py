"""The drill organization: its people, on-call set-up, response guide, watch topic, channel and learned weeks.

Everything is made through the same services an admin's clicks go through (rota, policy, routing
rule, contact methods, guide, watch topic, channel connection), so the drill exercises the
configuration a real organization would have. Two exceptions, said here: the people are created
directly (a drill's people are accounts nobody logs into), and the learned weeks are written as
minute buckets (what ingestion's counters would have left after two ordinary weeks) rather than by
ingesting two weeks of mentions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.roles import Role
from accounts.services import membership_add
from inbox.connectors.base import AccountInfo
from inbox.sandbox import PlatformSandbox
from inbox.sandbox.control import X_CONSUMER_SECRET
from inbox.services.channels import channel_connect
from playbooks import services as playbooks_services

from ..models import AlertSource, EscalationPolicy, MentionBucket, Rota, WatchTopic
from ..services import detection, notifications, oncall, policies
from .scenario import Scenario

LEARNED_WEEKS = 2

# (key, full name, organization role, language). Keys are how the responders' script names them.
PEOPLE = [
    ("admin", "Drill Admin", Role.ADMIN, "fr"),
    ("lead", "Louise Lambert", Role.LEAD, "fr"),  # community lead: drafts statements
    ("agent", "Camille Martin", Role.AGENT, "fr"),
    ("backup", "Alex Morgan", Role.AGENT, "en"),
    ("agent3", "Inès Haddad", Role.AGENT, "fr"),
    ("executive", "Eva Directrice", Role.EXECUTIVE, "fr"),
    ("legal", "Léo Juriste", Role.EXECUTIVE, "fr"),  # general counsel: approves statements
    ("pr", "Paula Presse", Role.LEAD, "fr"),  # press office: approves statements
]


@dataclass
class Desk:
    organization: Organization
    people: dict[str, User]
    rota: Rota
    policy: EscalationPolicy
    topic: WatchTopic
    channel: object  # inbox Channel (through the inbox's services only)
    sandbox: PlatformSandbox
    brand_handle: str


def drill_slug(scenario: Scenario, stamp: datetime) -> str:
    return slugify(f"drill-{scenario.name}-{stamp:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}")[:50]


def _people(organization: Organization, given: dict[str, User] | None) -> dict[str, User]:
    people: dict[str, User] = {}
    for key, full_name, role, language in PEOPLE:
        user = (given or {}).get(key)
        if user is None:
            user = User.objects.create_user(f"{key}.{organization.slug}@drill.vigie.invalid", None,
                                            full_name=full_name, language=language)
        membership_add(organization=organization, user=user, role=role)
        people[key] = user
    return people


def _guide(organization: Organization, scenario: Scenario, people: dict[str, User]) -> None:
    """The response guide with the crisis holding statements (the community lead drafts from these)."""
    content = {"scenarios": [
        {"key": "crisis", "name": _("Crisis: holding statement"),
         "triggers": {"keywords": scenario.scope_terms},
         "do": _("Use only the approved holding statement."), "dont": _("No speculation, no unofficial figures."),
         "sources": [{"label": _("Official information"), "url": scenario.info_url}],
         "templates": [{"key": f"crisis-{language}", "language": language, "label": _("Holding statement"),
                        "text": scenario.statement[language]} for language in ("fr", "en")]},
        {"key": "general", "name": _("Everyday questions"), "triggers": {"keywords": []},
         "templates": [{"key": f"general-{language}", "language": language, "label": _("Acknowledgement"),
                        "text": scenario.answer[language]} for language in ("fr", "en")]},
    ]}
    guide = playbooks_services.guide_create(organization=organization, actor=people["admin"],
                                            name=_("Drill response guide"), content=content)
    version = guide.versions.get()
    playbooks_services.guide_version_submit(version=version, actor=people["admin"])
    playbooks_services.guide_version_publish(version=version, actor=people["lead"])


def _learned_weeks(organization: Organization, scenario: Scenario, until: datetime, scale: float) -> int:
    """Two ordinary weeks of minute counters before `until`, on the scenario's rhythm: the detector
    judges the drill's quiet minutes against them and stays silent, as it would for a real desk."""
    share, reach = scenario.baseline["negative_share"], scenario.baseline["reach_per_mention"]
    end = until.replace(second=0, microsecond=0)
    rows = []
    for minute in range(LEARNED_WEEKS * 7 * 24 * 60, 0, -1):
        at = end - timedelta(minutes=minute)
        # A deterministic ripple (±10 %) rather than noise: the detector's spread floors cover noise.
        mentions = round(scenario.baseline_rate(at) * scale * (1 + ((at.minute % 3) - 1) * 0.1))
        rows.append(MentionBucket(organization=organization, topic_id=detection.OVERALL, minute=at, mentions=mentions,
                                  negative=round(mentions * share), reach=mentions * reach))
    MentionBucket.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def desk_build(*, scenario: Scenario, storm_start: datetime, name: str, slug: str, sandbox: PlatformSandbox,
               scale: float = 1.0, people: dict[str, User] | None = None, language: str = "fr") -> Desk:
    """A fresh drill organization, ready for the storm starting at `storm_start`; what it names
    (rota, policy, guide) is in the organization's language."""
    with translation.override(language):
        return _desk_build(scenario=scenario, storm_start=storm_start, name=name, slug=slug, sandbox=sandbox,
                           scale=scale, people=people, language=language)


@transaction.atomic
def _desk_build(*, scenario: Scenario, storm_start: datetime, name: str, slug: str, sandbox: PlatformSandbox,
                scale: float, people: dict[str, User] | None, language: str) -> Desk:
    organization = Organization.objects.create(name=name[:100], slug=slug, time_zone=scenario.time_zone,
                                               language=language)
    people = _people(organization, people)
    rota = oncall.rota_create(
        organization=organization, actor=people["lead"], name=_("Community on-call"), time_zone=scenario.time_zone,
        layers=[{"name": _("On call"), "member_ids": [people["agent"].pk, people["backup"].pk],
                 "starts_on": (storm_start - timedelta(days=28)).date(), "handoff_time": time(9, 0)}],
        description=_("Round the clock, handover at 09:00"))
    policy = policies.policy_create(
        organization=organization, actor=people["lead"], name=_("Agent, then leads, then executives"),
        steps=[{"notify": "rota", "rota_id": rota.pk, "wait_minutes": 5}, {"notify": "leads", "wait_minutes": 10},
               {"notify": "executives", "wait_minutes": 0}])
    # Storms page through this policy; other alerts (a breach on a drill conversation) page nobody.
    policies.routing_rule_create(organization=organization, actor=people["lead"], policy=policy,
                                 sources=[AlertSource.VOLUME_SPIKE, AlertSource.NEGATIVE_SURGE])
    # Paged in the app at once, by SMS a minute later (SMS rather than e-mail: the development
    # e-mail backend would print every page among the drill's progress lines).
    for key, user in people.items():
        if key == "admin":
            continue
        phone = notifications.contact_method_create(organization=organization, user=user, kind="sms",
                                                    address=f"+3370{user.pk % 10_000_000:07d}")
        notifications.notification_rule_create(organization=organization, user=user, contact_method=phone,
                                               delay_minutes=1)
    _guide(organization, scenario, people)
    topic = detection.watch_topic_create(organization=organization, name=scenario.title[language][:80],
                                         terms=scenario.scope_terms, now=storm_start)
    # The drill's sandbox plays a brand account of the drill's own: an X account belongs to one organization.
    brand_id = str(1_700_000_000_000_000_000 + organization.pk)
    brand_handle = f"drill{organization.pk}"
    sandbox.worlds["x"].use_brand(user_id=brand_id, username=brand_handle, name=name[:50])
    channel = channel_connect(
        organization=organization, platform="x", actor=people["admin"], confirmed_brand_account=True,
        credentials={"bearer_token": "sandbox-user-token", "consumer_secret": X_CONSUMER_SECRET},
        connection={"base_url": sandbox.base_url, "user_id": brand_id, "username": brand_handle, "timeout": 10.0},
        account=AccountInfo(external_id=brand_id, handle=f"@{brand_handle}", name=name[:50]))
    _learned_weeks(organization, scenario, storm_start - timedelta(minutes=scenario.lead_in_minutes), scale)
    return Desk(organization=organization, people=people, rota=rota, policy=policy, topic=topic, channel=channel,
                sandbox=sandbox, brand_handle=brand_handle)
