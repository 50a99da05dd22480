"""An agent answers a whole storm cluster and watches the progress live until everyone is answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from crisis import pacing
from crisis.models import StormCluster
from crisis.services.cell import crisis_declare
from crisis.services.clusters import cluster_replies_advance
from tests.factories import member

from .conftest import screenshot
from .test_triage import poll_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = "Hello {first_name}, flight AF123 is cancelled: rebooking options are on airdemo.example/af123"
PEOPLE = 5


def _advance(now):
    """The beat's tick, in its own thread as a worker would run it (Playwright owns this thread's loop)."""
    import threading

    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("handed", cluster_replies_advance(now=now)))
    worker.start()
    worker.join(30)
    return result.get("handed")


def test_an_agent_answers_a_cluster_and_sees_the_progress_live_until_done(desk, sandbox, login, settings, monkeypatch):
    settings.VIGIE_CLUSTER_PACE_SCALE = 1  # X's real pace, on a simulated clock advanced by the test
    monkeypatch.setattr("crisis.selectors.approved_statement_texts", lambda organization_id: (STATEMENT,))
    organization = desk["organization"]
    lead = member(organization, Role.LEAD, email="lead@airdemo.example", full_name="Léa Lead", language="en")
    crisis = crisis_declare(organization=organization, actor=lead, title="AF123 cancelled", keywords=["AF123"])
    sandbox.inject_many("x", "mentions", [{"text": "@AirDemo is flight AF123 cancelled?",
                                           "author": f"traveller{n}", "author_name": f"Sam{n} Doe", "lang": "en"}
                                          for n in range(PEOPLE)])
    poll_channel(desk["channel"].pk)
    cluster = StormCluster.objects.for_organization(organization).get(crisis=crisis)
    assert cluster.count == PEOPLE

    page = login(desk["camille"])
    page.goto(page.url.split("/o/")[0] + f"/o/{organization.slug}/crisis/{crisis.pk}/queue/")
    expect(page.get_by_test_id("cluster-count")).to_have_text(str(PEOPLE))
    page.get_by_role("link", name="@AirDemo is flight AF123 cancelled?").click()
    expect(page.get_by_test_id("cluster-preview")).to_contain_text("Hello Sam0, flight AF123 is cancelled")
    page.get_by_test_id("answer-everyone-button").click()
    expect(page.get_by_test_id("progress-total")).to_have_text(str(PEOPLE))
    expect(page.get_by_test_id("progress-sent")).to_have_text("0")
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    # The beat, on a simulated clock: one person per X spacing; the page follows each step live.
    now = timezone.now()
    for sent in range(1, PEOPLE + 1):
        assert _advance(now) == 1
        expect(page.get_by_test_id("progress-sent")).to_have_text(str(sent))
        now += pacing.pace_for("x").spacing + timedelta(seconds=1)
    screenshot(page, "storm-replies-progress")
    expect(page.get_by_test_id("progress-status")).to_have_text("Finished")
    expect(page.get_by_test_id("person-state")).to_have_text(["Sent"] * PEOPLE)
    posted = sandbox.posted("x")
    assert sorted(p["text"] for p in posted) == sorted(
        STATEMENT.replace("{first_name}", f"Sam{n}") for n in range(PEOPLE))
