"""The guides' API: the lint endpoint, replies refused / held / confirmed, guides, rules, approvals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from inbox.models import Conversation, Message
from playbooks.models import ReplyApproval
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory, member

from .conftest import AIRLINE_CONTENT, api_url


def lint(api, organization, **body):
    return api.post(api_url("playbooks-lint", organization), body, format="json")


def test_lint_endpoint_answers_findings_with_positions(api_for, agent, organization, conversation, channel):
    text = "Bonjour ! Pouvez-vous nous donner votre numéro de téléphone ?"
    response = lint(api_for(agent), organization, text=text, channel=channel.pk, visibility="public",
                    conversation=conversation.pk)
    assert response.status_code == 200, response.content
    [finding] = response.json()["findings"]
    assert set(finding) == {"rule", "severity", "message", "suggestion", "start", "end"}
    assert finding["rule"] == "personal_data_request" and finding["severity"] == "block"
    assert text[finding["start"]:finding["end"]].startswith("numéro de téléphone")
    # X, no private conversation with this person yet: it depends on their settings.
    assert "accept messages from everyone" in finding["suggestion"]
    private = lint(api_for(agent), organization, text=text, channel=channel.pk, visibility="private")
    assert private.json() == {"findings": []}


def test_lint_speaks_the_users_language(api_for, organization, conversation, channel):
    french = member(organization, Role.AGENT, language="fr")
    response = lint(api_for(french), organization, text="drop your email below", channel=channel.pk,
                    visibility="public")
    [finding] = response.json()["findings"]
    assert "adresse e-mail" in finding["message"] and "messages privés" in finding["suggestion"]


def test_lint_says_when_messenger_is_closed(api_for, agent, organization):
    page = ChannelFactory(organization=organization, platform="facebook", handle="AirDemo")
    comment = ConversationFactory(organization=organization, channel=page, contact__platform="facebook")
    response = lint(api_for(agent), organization, text="Quel est votre numéro de réservation ?", channel=page.pk,
                    visibility="public", conversation=comment.pk)
    assert "24 hours" in response.json()["findings"][0]["suggestion"]
    ConversationFactory(organization=organization, channel=page, contact=comment.contact, is_private=True,
                        last_inbound_at=timezone.now() - timedelta(hours=2))
    response = lint(api_for(agent), organization, text="Quel est votre numéro de réservation ?", channel=page.pk,
                    visibility="public", conversation=comment.pk)
    assert "Messenger is open" in response.json()["findings"][0]["suggestion"]


@pytest.mark.parametrize("body", [
    {"text": "x", "visibility": "public"},
    {"text": "x", "channel": 999999, "visibility": "public"},
    {"text": "x", "channel": "abc", "visibility": "loud"},
])
def test_lint_bad_input_is_a_clear_400(api_for, agent, organization, body):
    response = lint(api_for(agent), organization, **body)
    assert response.status_code == 400


def test_lint_refuses_another_organizations_channel_and_viewers(api_for, agent, viewer, organization,
                                                                 other_organization, channel):
    theirs = ChannelFactory(organization=other_organization)
    assert lint(api_for(agent), organization, text="x", channel=theirs.pk, visibility="public").status_code == 400
    assert lint(api_for(viewer), organization, text="x", channel=channel.pk, visibility="public").status_code == 403


def test_reply_api_blocked_held_and_confirmed(api_for, agent, organization, conversation, sensitive_rule,
                                              django_capture_on_commit_callbacks):
    api = api_for(agent)
    endpoint = api_url("conversation-reply", organization, pk=conversation.pk)
    blocked = api.post(endpoint, {"text": "Donne-nous ton num stp"}, format="json")
    assert blocked.status_code == 422
    assert blocked.json()["findings"][0]["rule"] == "personal_data_request"
    held = api.post(endpoint, {"text": "Nous regardons votre vol tout de suite"}, format="json")
    assert held.status_code == 202 and held.json()["code"] == "held_for_approval"
    assert ReplyApproval.objects.for_organization(organization).get().pk == held.json()["details"]["approval_id"]
    warned = api.post(endpoint, {"text": "Calmez-vous, on regarde", "is_private": True}, format="json")
    assert warned.status_code == 409 and warned.json()["code"] == "guide_warnings"
    with django_capture_on_commit_callbacks(execute=False):
        sent = api.post(endpoint, {"text": "Calmez-vous, on regarde", "is_private": True,
                                   "guidance": {"override_reason": "She asked for it"}}, format="json")
    assert sent.status_code == 201
    assert Message.objects.for_organization(organization).filter(direction="out").count() == 1


def test_approval_queue_is_sorted_by_the_sla_clock_and_approves_once(
        api_for, agent, lead, organization, channel, django_capture_on_commit_callbacks):
    from playbooks import services

    services.perimeter_rule_save(organization=organization, name="All", conditions={})
    now = timezone.now()
    later = MessageFactory(conversation__organization=organization, conversation__channel=channel,
                           conversation__sla_due_at=now + timedelta(hours=2)).conversation
    sooner = MessageFactory(conversation__organization=organization, conversation__channel=channel,
                            conversation__sla_due_at=now + timedelta(minutes=10)).conversation
    api = api_for(agent)
    for conversation in (later, sooner):
        response = api.post(api_url("conversation-reply", organization, pk=conversation.pk),
                            {"text": "Nous regardons"}, format="json")
        assert response.status_code == 202
    queue = api_for(lead).get(api_url("approval-list", organization)).json()
    assert [a["conversation"] for a in queue] == [sooner.pk, later.pk]
    assert queue[0]["rule_name"] == "All" and queue[0]["author"] == agent.display_name
    first = queue[0]["id"]
    assert api.post(api_url("approval-approve", organization, pk=first), {}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=False):
        approved = api_for(lead).post(api_url("approval-approve", organization, pk=first), {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api_for(lead).post(api_url("approval-approve", organization, pk=first), {}, format="json")
    assert again.status_code == 400 and "already approved" in again.json()["detail"]
    assert Message.objects.for_organization(organization).filter(direction="out").count() == 1
    assert api_for(lead).get(api_url("approval-list", organization), {"status": "nope"}).status_code == 400


def test_guides_api_versions_diff_and_rollback(api_for, lead, agent, organization):
    api = api_for(lead)
    bad = {"name": "Airline", "content": {"scenarios": [{**AIRLINE_CONTENT["scenarios"][0], "templates": [
        {"key": "t", "language": "fr", "text": "Bonjour {prenom}"}]}]}}
    response = api.post(api_url("guide-list", organization), bad, format="json")
    assert response.status_code == 400 and "{prenom}" in response.json()["detail"]
    assert api_for(agent).post(api_url("guide-list", organization), {"name": "x"}, format="json").status_code == 403
    guide = api.post(api_url("guide-list", organization), {"name": "Airline", "content": AIRLINE_CONTENT},
                     format="json").json()
    v1 = api.get(api_url("guide-versions", organization, pk=guide["id"])).json()[0]
    assert api.post(api_url("guide-version-publish", organization, pk=v1["id"])).status_code == 400
    assert api.post(api_url("guide-version-submit", organization, pk=v1["id"])).json()["status"] == "review"
    assert api.post(api_url("guide-version-publish", organization, pk=v1["id"])).json()["status"] == "published"
    renamed = {"scenarios": [{**AIRLINE_CONTENT["scenarios"][0], "name": "Vol retardé"}]}
    v2 = api.put(api_url("guide-draft", organization, pk=guide["id"]), {"content": renamed}, format="json").json()
    api.post(api_url("guide-version-submit", organization, pk=v2["id"]))
    api.post(api_url("guide-version-publish", organization, pk=v2["id"]))
    diff = api.get(api_url("guide-version-diff", organization, pk=v2["id"]), {"against": v1["id"]}).json()["diff"]
    assert "Vol retardé" in diff and "Flight delay" in diff
    v3 = api.post(api_url("guide-version-rollback", organization, pk=v1["id"])).json()
    assert v3["number"] == 3 and v3["status"] == "published" and v3["content"] == v1["content"]
    assert api.get(api_url("guide-detail", organization, pk=guide["id"])).json()["published_version"]["id"] == v3["id"]


@pytest.mark.parametrize(("pattern", "message"), [("(unclosed", "does not compile"), (r"(a+)+$", "too slow")])
def test_custom_rules_with_bad_expressions_are_refused(api_for, admin_user, organization, pattern, message):
    response = api_for(admin_user).post(api_url("lint-rule-list", organization),
                                        {"kind": "regex", "name": "r", "pattern": pattern}, format="json")
    assert response.status_code == 400 and message in response.json()["detail"]


def test_admins_tune_built_ins_and_add_their_own_rules(api_for, admin_user, agent, organization, channel):
    api = api_for(admin_user)
    settings = api.put(api_url("playbooks-lint-settings", organization),
                       {"code": "personal_data_request", "severity": "warn"}, format="json")
    assert settings.status_code == 200
    assert next(r for r in settings.json() if r["code"] == "personal_data_request")["severity"] == "warn"
    assert api.put(api_url("playbooks-lint-settings", organization), {"code": "nope"}, format="json").status_code == 400
    created = api.post(api_url("lint-rule-list", organization),
                       {"kind": "forbidden", "name": "Competitors", "pattern": "RivalAir", "severity": "block"},
                       format="json")
    assert created.status_code == 201
    findings = lint(api_for(agent), organization, text="Mieux que RivalAir ! Votre mail svp ?", channel=channel.pk,
                    visibility="public").json()["findings"]
    assert [(f["rule"], f["severity"]) for f in findings] == [("custom:Competitors", "block"),
                                                               ("personal_data_request", "warn")]


def test_perimeter_rules_are_validated(api_for, lead, organization):
    api = api_for(lead)
    bad = api.post(api_url("perimeter-rule-list", organization), {"name": "x", "conditions": {"colour": "red"}},
                   format="json")
    assert bad.status_code == 400 and "colour" in bad.json()["detail"]
    good = api.post(api_url("perimeter-rule-list", organization),
                    {"name": "VIP", "conditions": {"min_followers": 10000}, "approver_role": "admin"}, format="json")
    assert good.status_code == 201 and good.json()["conditions"] == {"min_followers": 10000}


def test_suggestions_for_a_conversation(api_for, agent, organization, conversation, published_guide):
    body = api_for(agent).get(api_url("playbooks-suggestions", organization), {"conversation": conversation.pk}).json()
    [delay] = body["suggested"]
    assert delay["key"] == "delay" and delay["templates"][0]["language"] == "fr"
    filled = delay["templates"][0]["filled"]
    assert filled.startswith("Bonjour Marie, toutes nos excuses") and "https://air.example/status" in filled
    assert "<strong>Apologise</strong>" in delay["do"] and delay["sources"][0]["url"] == "https://air.example/status"
    assert {t["key"] for t in body["templates"]} == {"delay-fr", "delay-en", "baggage-fr"}
    other = Conversation.objects.for_organization(organization).count() + 1000
    assert api_for(agent).get(api_url("playbooks-suggestions", organization), {"conversation": other}).status_code == 404


def test_reply_records_say_what_decided_each_reply(api_for, agent, lead, organization, conversation, published_guide,
                                                 django_capture_on_commit_callbacks):
    version = published_guide.published_version
    text = "Bonjour Marie, toutes nos excuses pour ce retard. Suivez votre vol sur https://air.example/status. Camille"
    with django_capture_on_commit_callbacks(execute=False):
        sent = api_for(agent).post(api_url("conversation-reply", organization, pk=conversation.pk),
                                   {"text": text, "guidance": {"template": "delay-fr", "guide_version": version.pk}},
                                   format="json")
    assert sent.status_code == 201
    [record] = api_for(lead).get(api_url("reply-record-list", organization), {"conversation": conversation.pk}).json()[
        "results"]
    assert record["message_id"] == sent.json()["id"] and record["template_key"] == "delay-fr"
    assert record["guide_version_number"] == 1 and record["unmodified_template"] and record["rule_name"] == ""
    assert api_for(lead).get(api_url("reply-record-list", organization), {"conversation": "x"}).status_code == 400
