"""The guides' pages: composer panel, approval queue, guide editing, linter and perimeter rules."""

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, Message
from playbooks import services
from playbooks.models import GuideVersion, LintRule, PerimeterRule, ReplyApproval

from .conftest import AIRLINE_CONTENT


def page(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


def test_the_conversation_page_loads_the_guides_beside_the_composer(client_for, agent, organization, conversation):
    response = client_for(agent).get(page("conversation", organization, pk=conversation.pk))
    html = response.content.decode()
    assert f'data-url="{page("playbooks-panel", organization, pk=conversation.pk)}"' in html
    assert "js/guides.js" in html and 'id="reply-template"' in html and "<script>" not in html


def test_the_panel_suggests_scenarios_with_filled_templates_and_guidance(client_for, agent, organization,
                                                                         conversation, published_guide):
    html = client_for(agent).get(page("playbooks-panel", organization, pk=conversation.pk)).content.decode()
    assert 'data-scenario="delay"' in html and 'data-scenario="baggage"' not in html
    assert "Bonjour Marie, toutes nos excuses pour ce retard" in html
    assert "<strong>Apologise</strong>" in html and "Never promise a departure time" in html
    assert 'href="https://air.example/status"' in html and "Ctrl+/" in html
    templates = json.loads(html.split('data-templates="')[1].split('"')[0].replace("&quot;", '"').replace("&#x27;", "'"))
    assert {t["key"] for t in templates} == {"delay-fr", "delay-en", "baggage-fr"}


def test_the_author_sees_an_approvers_edit_as_a_diff(client_for, agent, lead, organization, conversation):
    services.perimeter_rule_save(organization=organization, name="All", conditions={})
    client_for(agent).post(page("conversation-reply", organization, pk=conversation.pk),
                           {"text": "Nous regardons demain", "visibility": "public"})
    approval = ReplyApproval.objects.for_organization(organization).get()
    services.approval_approve(approval=approval, actor=lead, text="Nous regardons tout de suite")
    html = client_for(agent).get(page("playbooks-panel", organization, pk=conversation.pk)).content.decode()
    assert "<del>demain</del>" in html and "<ins>tout de suite</ins>" in html


def test_the_reply_form_answers_held_blocked_and_warned_as_json(client_for, agent, organization, conversation,
                                                                sensitive_rule):
    client = client_for(agent)
    url = page("conversation-reply", organization, pk=conversation.pk)
    blocked = client.post(url, {"text": "Quel est votre numéro de téléphone ?", "visibility": "public"})
    assert blocked.status_code == 422 and blocked.json()["findings"][0]["rule"] == "personal_data_request"
    held = client.post(url, {"text": "Nous regardons votre vol", "visibility": "public"})
    assert held.status_code == 202 and held.json()["code"] == "held_for_approval"
    warned = client.post(url, {"text": "Calmez-vous, nous regardons", "visibility": "private"})
    assert warned.status_code == 409 and warned.json()["code"] == "guide_warnings"


def test_a_lead_approves_from_the_queue_and_four_eyes_is_explained(client_for, agent, lead, organization,
                                                                   conversation, django_capture_on_commit_callbacks):
    services.perimeter_rule_save(organization=organization, name="All", conditions={})
    Conversation.objects.for_organization(organization).filter(pk=conversation.pk).update(
        sla_due_at=timezone.now() + timedelta(minutes=42))
    client_for(agent).post(page("conversation-reply", organization, pk=conversation.pk),
                           {"text": "Nous regardons votre vol", "visibility": "public"})
    approval = ReplyApproval.objects.for_organization(organization).get()
    queue = client_for(lead).get(page("playbooks-approvals", organization)).content.decode()
    assert "Nous regardons votre vol" in queue and conversation.preview in queue and "“All”" in queue
    assert 'class="sla sla-running" data-due=' in queue  # the clock keeps running while it waits
    changed = client_for(lead).post(page("playbooks-approval-act", organization, pk=approval.pk),
                                    {"action": "approve", "text": "Nous regardons votre vol, promis"}, follow=True)
    assert "You changed the text" in changed.content.decode()
    unchanged = client_for(lead).post(page("playbooks-approval-act", organization, pk=approval.pk),
                                      {"action": "edit", "text": "Nous regardons votre vol"}, follow=True)
    assert "The text is unchanged" in unchanged.content.decode()
    assert not Message.objects.for_organization(organization).filter(direction="out").exists()
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(lead).post(page("playbooks-approval-act", organization, pk=approval.pk),
                                         {"action": "approve", "text": "Nous regardons votre vol"}, follow=True)
    assert "Approved" in response.content.decode()
    assert Message.objects.for_organization(organization).filter(direction="out").count() == 1
    again = client_for(lead).post(page("playbooks-approval-act", organization, pk=approval.pk), {"action": "approve"},
                                  follow=True)
    assert "already approved this reply and it was sent" in again.content.decode()
    assert client_for(agent).get(page("playbooks-approvals", organization)).status_code == 403


def test_guide_pages_edit_review_publish_and_roll_back(client_for, lead, agent, organization):
    client = client_for(lead)
    response = client.post(page("playbooks-guides", organization), {"name": "Airline"})
    guide_url = response["Location"]
    bad = client.post(guide_url, {"action": "save", "content": "{not json"})
    assert bad.status_code == 400 and "not valid JSON" in bad.content.decode()
    unknown = {"scenarios": [{**AIRLINE_CONTENT["scenarios"][0],
                              "templates": [{"key": "t", "language": "fr", "text": "Salut {surnom}"}]}]}
    bad = client.post(guide_url, {"action": "save", "content": json.dumps(unknown)})
    assert bad.status_code == 400 and "{surnom}" in bad.content.decode()
    assert client.post(guide_url, {"action": "save", "content": json.dumps(AIRLINE_CONTENT)}).status_code == 302
    version = GuideVersion.objects.for_organization(organization).get()
    client.post(guide_url, {"action": "submit", "version": version.pk})
    client.post(guide_url, {"action": "publish", "version": version.pk})
    version.refresh_from_db()
    assert version.status == "published"
    html = client.get(guide_url).content.decode()
    assert html.count('data-testid="preview-scenario"') == 2 and "<strong>Apologise</strong>" in html
    assert "Bonjour Marie-Christine, toutes nos excuses" in html  # templates filled with sample values
    client.post(guide_url, {"action": "save", "content": json.dumps({"scenarios": []})})
    second = GuideVersion.objects.for_organization(organization).get(number=2)
    client.post(guide_url, {"action": "submit", "version": second.pk})
    client.post(guide_url, {"action": "publish", "version": second.pk})
    html = client.get(guide_url, {"from": version.pk, "to": second.pk}).content.decode()
    assert 'id="guide-diff"' in html and "Flight delay" in html
    client.post(guide_url, {"action": "rollback", "version": version.pk})
    assert GuideVersion.objects.for_organization(organization).get(number=3).content == version.content
    assert client_for(agent).get(guide_url).status_code == 403


def test_rules_page_refuses_a_catastrophic_expression_and_saves_good_rules(client_for, admin_user, organization):
    client = client_for(admin_user)
    url = page("playbooks-rules", organization)
    bad = client.post(url, {"action": "custom", "kind": "regex", "name": "slow", "pattern": "(a+)+$"})
    assert bad.status_code == 400 and "too slow" in bad.content.decode()
    assert client.post(url, {"action": "custom", "kind": "forbidden", "name": "rivals", "pattern": "RivalAir",
                             "severity": "block"}).status_code == 302
    assert client.post(url, {"action": "built_in", "code": "language", "enabled": "0", "severity": "warn",
                             "options": "{}"}).status_code == 302
    assert client.post(url, {"action": "perimeter", "name": "VIP", "conditions": '{"min_followers": 5000}',
                             "outcome": "approval", "approver_role": "lead"}).status_code == 302
    assert LintRule.objects.for_organization(organization).count() == 2
    assert PerimeterRule.objects.for_organization(organization).get().conditions == {"min_followers": 5000}
    bad = client.post(url, {"action": "perimeter", "name": "x", "conditions": "{oops"})
    assert bad.status_code == 400 and "JSON" in bad.content.decode()


def test_a_scenario_is_added_to_the_draft_from_a_plain_form(client_for, lead, organization, published_guide):
    client = client_for(lead)
    url = page("playbooks-guide", organization, pk=published_guide.pk)
    form = {"action": "scenario", "name": "Surréservation", "key": "overbooking", "keywords": "surbooking, overbooked",
            "sentiment": "negative", "do": "**Excusez-vous**", "sources": "Droits des passagers https://air.example/droits",
            "template_fr": "Bonjour {first_name}, nous sommes désolés. Vos droits : {info_url}",
            "template_en": "Hello {firstname}, we are sorry."}
    bad = client.post(url, form)
    assert bad.status_code == 400 and "{firstname}" in bad.content.decode()
    form["template_en"] = "Hello {first_name}, we are sorry. Your rights: {info_url}"
    assert client.post(url, form).status_code == 302
    draft = GuideVersion.objects.for_organization(organization).get(number=2)
    scenario = next(s for s in draft.content["scenarios"] if s["key"] == "overbooking")
    assert scenario["triggers"]["keywords"] == ["surbooking", "overbooked"]
    assert [t["key"] for t in scenario["templates"]] == ["overbooking-fr", "overbooking-en"]
    assert scenario["sources"] == [{"label": "Droits des passagers", "url": "https://air.example/droits"}]
    assert {s["key"] for s in draft.content["scenarios"]} == {"delay", "baggage", "overbooking"}
