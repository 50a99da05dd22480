"""The demo's response guides: published in French and English, a perimeter, replies waiting."""

import pytest

from accounts.demo import seed_people
from playbooks import demo
from playbooks.guard import lint_reply
from playbooks.models import Guide, PerimeterRule, ReplyApproval
from tests.factories import ConversationFactory


@pytest.mark.django_db
def test_the_demo_airline_has_published_guides_a_perimeter_and_waiting_replies():
    people = seed_people()
    for _ in range(4):  # the inbox's demo makes hundreds; a few are enough here
        ConversationFactory(organization=people.organization, priority=2)
    demo.seed(people)
    organization = people.organization
    guide = Guide.objects.for_organization(organization).get()
    scenarios = {s["key"]: s for s in guide.published_version.content["scenarios"]}
    assert set(scenarios) == {"delay", "baggage", "refund", "outage", "crisis"}
    assert all({t["language"] for t in s["templates"]} == {"fr", "en"} for s in scenarios.values())
    rule = PerimeterRule.objects.for_organization(organization).get()
    assert rule.conditions["free_text"] and rule.conditions["author_roles"] == ["agent"]
    waiting = ReplyApproval.objects.for_organization(organization).filter(status="pending")
    assert waiting.count() == 3 and {a.author for a in waiting} == {people.users["agent"]}
    # The brand's own contacts are not "personal data shown in public".
    assert lint_reply(organization_id=organization.pk, text="Appelez le 3654 ou aide@airdemo.example",
                      platform="x", visibility="public", context=None) == []

    demo.seed(people)
    assert Guide.objects.for_organization(organization).count() == 1 and waiting.count() == 3
