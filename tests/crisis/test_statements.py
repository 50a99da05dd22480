"""Statements: four-eyes approval, executive sign-off by severity, versions, exactly-once publication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from crisis import selectors
from crisis.models import (
    CellRole,
    EventKind,
    InfoSource,
    PublicationState,
    StatementPublication,
    StatementStatus,
)
from crisis.services import cell
from crisis.services import statement_publications as delivery
from crisis.services import statements as svc
from playbooks.crisis_mode import CrisisState
from playbooks.linter import matches_approved
from tests.factories import member
from tests.inbox.test_tasks import sandbox_channel

HOLDING = "We are aware of the situation and fully mobilised. Official information is published here: {info_url}."


@pytest.fixture
def lead2(organization):
    return member(organization, Role.LEAD, email="lead2@airdemo.example", full_name="Lou Lead")


@pytest.fixture
def crisis(organization, agent):
    return cell.crisis_declare(organization=organization, actor=agent, title="Strike at CDG", severity=2)


def _events(crisis):
    return [(e.data["action"], e.data["version"]) for e in selectors.crisis_timeline(crisis=crisis)
            if e.kind == EventKind.STATEMENT]


def _approved(crisis, agent, lead, executive, *, text=HOLDING, channel_ids=()):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=text, channel_ids=channel_ids)
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    return svc.statement_approve(statement=statement, actor=executive)


# -- the approval rule ------------------------------------------------------------------------------

def test_two_approvers_other_than_the_author_approve_a_statement(crisis, agent, lead, executive):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING, template_name="Holding line")
    assert statement.status == StatementStatus.DRAFT and statement.title == "Holding line"
    svc.statement_submit(statement=statement, actor=agent)
    statement = svc.statement_approve(statement=statement, actor=lead)
    assert statement.status == StatementStatus.IN_REVIEW  # one approval is not enough
    statement = svc.statement_approve(statement=statement, actor=executive)
    assert statement.status == StatementStatus.APPROVED
    assert _events(crisis) == [("drafted", 1), ("submitted", 1), ("approved", 1), ("approved", 1)]


def test_the_author_cannot_approve_their_own_version(crisis, organization, lead, executive):
    statement = svc.statement_draft(crisis=crisis, actor=lead, text=HOLDING)
    svc.statement_submit(statement=statement, actor=lead)
    with pytest.raises(ValidationError, match="You wrote this version"):
        svc.statement_approve(statement=statement, actor=lead)


def test_one_person_approves_once(crisis, agent, lead):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    with pytest.raises(ValidationError, match="already gave your decision"):
        svc.statement_approve(statement=statement, actor=lead)


def test_an_agent_cannot_approve(crisis, organization, lead, agent):
    other_agent = member(organization, Role.AGENT, email="agent2@airdemo.example")
    statement = svc.statement_draft(crisis=crisis, actor=lead, text=HOLDING)
    svc.statement_submit(statement=statement, actor=lead)
    with pytest.raises(PermissionDenied):
        svc.statement_approve(statement=statement, actor=other_agent)


def test_from_major_severity_an_executive_must_sign_off(crisis, agent, lead, lead2, executive):
    cell.crisis_set_severity(crisis=crisis, actor=agent, severity=3)
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    statement = svc.statement_approve(statement=statement, actor=lead2)
    assert statement.status == StatementStatus.IN_REVIEW
    assert svc.approval_state(statement).missing() == "an executive's sign-off"
    with pytest.raises(ValidationError, match="executive's sign-off"):
        svc.statement_publish(statement=statement, actor=agent)
    statement = svc.statement_approve(statement=statement, actor=executive)
    assert statement.status == StatementStatus.APPROVED


def test_the_cells_executive_counts_as_the_executive(crisis, organization, agent, lead, lead2):
    cell.crisis_set_severity(crisis=crisis, actor=agent, severity=4)
    cell.member_add(crisis=crisis, user_id=lead2.pk, role=CellRole.EXECUTIVE, actor=agent)
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    assert svc.statement_approve(statement=statement, actor=lead2).status == StatementStatus.APPROVED


def test_below_major_severity_no_executive_is_needed(crisis, agent, lead, lead2):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    assert svc.statement_approve(statement=statement, actor=lead2).status == StatementStatus.APPROVED


# -- versions ---------------------------------------------------------------------------------------

def test_revising_makes_a_new_version_and_resets_approvals(crisis, agent, lead, lead2):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    statement = svc.statement_revise(statement=statement, actor=agent, text=HOLDING + " Sorry.")
    assert statement.current_version == 2 and statement.status == StatementStatus.IN_REVIEW
    assert svc.approval_state(statement).approvers == ()
    # Approving what one read before the revision is refused, with the version to read instead.
    with pytest.raises(ValidationError, match="version 2 is the one to review"):
        svc.statement_approve(statement=statement, actor=lead2, version=1)
    svc.statement_approve(statement=statement, actor=lead, version=2)
    assert svc.statement_approve(statement=statement, actor=lead2, version=2).status == StatementStatus.APPROVED
    versions = selectors.statement_versions(statement=statement)
    assert [v.number for v in versions] == [2, 1]
    assert [a.approver_id for a in versions[1].approvals.all()] == [lead.pk]  # history kept


def test_rejecting_needs_a_reason_and_sends_the_statement_back(crisis, agent, lead):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    with pytest.raises(ValidationError, match="Say why"):
        svc.statement_reject(statement=statement, actor=lead, reason="  ")
    statement = svc.statement_reject(statement=statement, actor=lead, reason="Too vague about delays")
    assert statement.status == StatementStatus.DRAFT
    with pytest.raises(ValidationError, match="was rejected"):
        svc.statement_submit(statement=statement, actor=agent)
    statement = svc.statement_revise(statement=statement, actor=agent, text=HOLDING + " Flights resume at 14:00.")
    assert svc.statement_submit(statement=statement, actor=agent).status == StatementStatus.IN_REVIEW
    assert ("rejected", 1) in _events(crisis)


def test_a_closed_crisis_takes_no_statement(crisis, agent):
    cell.crisis_close(crisis=crisis, actor=agent)
    with pytest.raises(ValidationError, match="closed"):
        svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)


def test_an_empty_or_too_long_statement_is_refused(crisis, agent, organization, sandbox):
    x = sandbox_channel(organization, sandbox, "x")
    with pytest.raises(ValidationError, match="empty"):
        svc.statement_draft(crisis=crisis, actor=agent, text="   ")
    with pytest.raises(ValidationError, match="280 characters"):
        svc.statement_draft(crisis=crisis, actor=agent, text="a" * 300, channel_ids=[x.pk])
    with pytest.raises(ValidationError, match=r"Unknown variable \{flight\}"):
        svc.statement_draft(crisis=crisis, actor=agent, text="Your flight {flight} is cancelled.")


# -- crisis mode: approved statements are replies the linter lets through ---------------------------

def test_approved_statements_are_the_texts_crisis_mode_lets_through(crisis, organization, agent, lead, lead2):
    personal = "Bonjour {first_name}, nos équipes sont mobilisées. Suivez {info_url}."
    draft = svc.statement_draft(crisis=crisis, actor=agent, text=personal)
    assert selectors.approved_statement_texts(organization_id=organization.pk) == ()
    svc.statement_submit(statement=draft, actor=agent)
    svc.statement_approve(statement=draft, actor=lead)
    svc.statement_approve(statement=draft, actor=lead2)
    texts = selectors.approved_statement_texts(organization_id=organization.pk)
    assert texts == (personal,)
    state = CrisisState(active=True, statements=texts)
    assert matches_approved("Bonjour Marie, nos équipes sont mobilisées. Suivez https://air.example/info.",
                            state.statements)
    assert not matches_approved("Bonjour Marie, tout va bien.", state.statements)
    cell.crisis_close(crisis=crisis, actor=agent)
    assert selectors.approved_statement_texts(organization_id=organization.pk) == ()


# -- publication: once per channel, through the sandbox over HTTP ------------------------------------

def _deliver_all(statement):
    return [delivery.publication_deliver(publication_id=p.pk) for p in statement.publications.order_by("pk")]


@pytest.mark.django_db(transaction=True)
def test_publishing_posts_once_on_each_channel_and_pins_where_the_platform_allows(
        organization, agent, lead, executive, sandbox):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Strike", severity=2)
    InfoSource.objects.create(organization=organization, crisis=crisis, label="Status", url="https://air.example/s",
                              created_at=timezone.now())
    x = sandbox_channel(organization, sandbox, "x")
    facebook = sandbox_channel(organization, sandbox, "facebook")
    mastodon = sandbox_channel(organization, sandbox, "mastodon")
    statement = _approved(crisis, agent, lead, executive, channel_ids=[x.pk, facebook.pk, mastodon.pk])
    statement = svc.statement_publish(statement=statement, actor=executive)
    svc.statement_publish(statement=statement, actor=executive)  # a second click
    assert statement.status == StatementStatus.PUBLISHED
    assert _deliver_all(statement) == ["posted", "posted", "posted"]
    assert _deliver_all(statement) == ["nothing to do"] * 3  # a duplicate task
    expected = HOLDING.replace("{info_url}", "https://air.example/s")
    assert [p["text"] for p in sandbox.posted("x")] == [expected]
    assert [(p["kind"], p.get("text")) for p in sandbox.posted("facebook")] == [("post", expected), ("pin", None)]
    assert [p["kind"] for p in sandbox.posted("mastodon")] == ["status", "pin"]
    by_channel = {p.channel_id: p for p in selectors.statement_publications(statement=statement)}
    assert by_channel[x.pk].state == PublicationState.POSTED and not by_channel[x.pk].pinned
    assert "no way to pin" in by_channel[x.pk].pin_note
    assert by_channel[facebook.pk].pinned and by_channel[mastodon.pk].pinned
    assert by_channel[x.pk].url.startswith("https://x.com/")
    published = [e for e in selectors.crisis_timeline(crisis=crisis) if e.data.get("action") == "published"]
    assert len(published) == 1 and published[0].data["statement_id"] == statement.pk


@pytest.mark.django_db(transaction=True)
def test_a_platform_failure_is_kept_in_its_words_and_a_retry_posts_once(organization, agent, lead, executive, sandbox):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Strike", severity=2)
    mastodon = sandbox_channel(organization, sandbox, "mastodon")
    statement = _approved(crisis, agent, lead, executive, text="We are on it. Updates on our site.",
                          channel_ids=[mastodon.pk])
    statement = svc.statement_publish(statement=statement, actor=agent)
    sandbox.fail("mastodon", "rate_limit", times=1, path="/api/v1/statuses")
    assert _deliver_all(statement) == ["failed"]
    publication = statement.publications.get()
    assert publication.state == PublicationState.FAILED and "rate limit" in publication.error
    assert sandbox.posted("mastodon") == []
    delivery.publication_retry(publication=publication, actor=agent)
    assert _deliver_all(statement) == ["posted"]
    assert [p["kind"] for p in sandbox.posted("mastodon")] == ["status", "pin"]
    with pytest.raises(ValidationError, match="Only a failed"):
        delivery.publication_retry(publication=publication, actor=agent)
    assert _deliver_all(statement) == ["nothing to do"]
    assert len([p for p in sandbox.posted("mastodon") if p["kind"] == "status"]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_post_whose_answer_never_came_is_looked_up_never_posted_twice(organization, agent, lead, executive, sandbox):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Strike", severity=2)
    x = sandbox_channel(organization, sandbox, "x", timeout=0.5)
    statement = _approved(crisis, agent, lead, executive, text="We are on it. Updates soon.", channel_ids=[x.pk])
    statement = svc.statement_publish(statement=statement, actor=agent)
    # X takes the post but answers after the client gave up: the delivery looks it up and finds it.
    sandbox.fail("x", "slow_accept", times=1, path="^/2/tweets$", delay_ms=1500)
    assert _deliver_all(statement) == ["posted"]
    assert len(sandbox.posted("x")) == 1
    publication = statement.publications.get()
    assert publication.state == PublicationState.POSTED and publication.external_id == sandbox.posted("x")[0]["id"]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_that_finds_another_in_flight_steps_back(organization, agent, lead, executive, sandbox):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Strike", severity=2)
    x = sandbox_channel(organization, sandbox, "x")
    statement = _approved(crisis, agent, lead, executive, text="We are on it.", channel_ids=[x.pk])
    statement = svc.statement_publish(statement=statement, actor=agent)
    publication = statement.publications.get()
    StatementPublication.objects.unscoped().filter(pk=publication.pk).update(
        state=PublicationState.POSTING, started_at=timezone.now())
    assert delivery.publication_deliver(publication_id=publication.pk) == "in flight"
    # Even one that is settling a lost answer: two look-ups at once could both find nothing and both post.
    StatementPublication.objects.unscoped().filter(pk=publication.pk).update(outcome_unknown=True)
    assert delivery.publication_deliver(publication_id=publication.pk) == "in flight"
    # Long after, the first delivery is presumed dead: the post is looked up first (not there), then posted.
    later = timezone.now() + timedelta(minutes=5)
    assert delivery.publication_deliver(publication_id=publication.pk, now=later) == "posted"
    assert len(sandbox.posted("x")) == 1


def test_a_statement_speaking_to_one_person_is_not_posted(crisis, organization, agent, lead, executive, sandbox):
    x = sandbox_channel(organization, sandbox, "x")
    statement = _approved(crisis, agent, lead, executive, text="Hello {first_name}, we are on it.",
                          channel_ids=[x.pk])
    with pytest.raises(ValidationError, match=r"\{first_name\}"):
        svc.statement_publish(statement=statement, actor=agent)
    # Without channels it is still released as the crisis queue's reply.
    assert svc.statement_publish(statement=statement, actor=agent, channel_ids=[]).status == StatementStatus.PUBLISHED


def test_the_demo_shows_a_published_statement_with_its_versions_and_decisions(db):
    from django.core.management import call_command

    from accounts.models import Organization
    from crisis.demo_statements import DEMO_CRISIS
    from crisis.models import Crisis, Statement

    call_command("seed_demo")
    call_command("seed_demo")  # twice: nothing duplicated
    organization = Organization.objects.get(slug="airdemo")
    crisis = Crisis.objects.for_organization(organization).get(title=DEMO_CRISIS)
    statement = Statement.objects.for_organization(organization).get(crisis=crisis)
    assert statement.status == StatementStatus.PUBLISHED and statement.current_version == 2
    versions = selectors.statement_versions(statement=statement)
    assert [[a.decision for a in v.approvals.all()] for v in versions] == [["approved", "approved"], ["rejected"]]
    assert not crisis.is_active  # crisis mode stays off in the demo
    actions = [e.data["action"] for e in selectors.crisis_timeline(crisis=crisis) if e.kind == EventKind.STATEMENT]
    assert actions == ["drafted", "submitted", "rejected", "drafted", "submitted", "approved", "approved", "published"]
    assert statement.publications.count() == len(statement.channel_ids) > 0
