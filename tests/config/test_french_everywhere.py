"""One language at a time: every page, and the error messages people meet, rendered in French hold
no English left. Deterministic: a small list of English words that French never uses (not a
language detector), looked for in the text people read (not in markup, scripts, codes or user data).

A static check adds that every error raised with a message by the services and the API goes
through translation (a bare string or f-string would reach French screens in English).
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.roles import Role
from inbox import services as inbox_services
from inbox.models import RoutingRule
from tests.factories import (
    ChannelFactory,
    ConversationFactory,
    MessageFactory,
    OrganizationFactory,
    TagFactory,
    TeamFactory,
    member,
)
from tests.tenancy_cases import OBJECT_KWARGS
from tests.test_tenancy_routes import ROUTES, _object_kwargs

pytestmark = pytest.mark.django_db

# English words that are not French words too (so no "on", "a", "me", "plus", "message", "contact",
# "conversation", "invitation", "active", "sent", "date", "note", "urgent", "sentiment"...), each
# common in interface text.
ENGLISH_WORDS = frozenset("""
the and with your you this that these those is are was were not please save cancel remove delete
edit open close closed snoozed assigned unassigned failed queued team teams settings member
members token tokens reply replies send search filter filters inbox channel channels none nobody
yet empty error unknown choose use only must cannot into from will should there what which when
who has have here back more less all any new rule rules hours holidays password forgot invite
role roles yes no preview order priority
""".split())

SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "pre"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Data put in front of people (addresses, handles, time zone names, values quoted “…” such as the
# codes an API accepts, snake_case field names, JSON examples, product names, the "Victim …"
# objects of the route walk's cases): not interface text.
USER_DATA = re.compile(r"\S+@\S+|@\w+|https?://\S+|\b[A-Z][A-Za-z]+/[\w/+-]+|“[^”]*”|\b\w+_\w+\b|\{[^{}]*\}"
                       r"|\bMicrosoft Teams\b|\bVictim \w+")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def english_left(text: str, *, allowed: set[str] = frozenset()) -> list[str]:
    # Whole words, accents included: "allé" is not "all".
    words = re.findall(r"[^\W\d_]+", USER_DATA.sub(" ", text))
    return sorted({w for w in words if w.lower() in ENGLISH_WORDS and w.lower() not in allowed})


def html_english_left(html: str, *, allowed: set[str] = frozenset()) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return english_left(" ".join(parser.parts), allowed=allowed)


def test_the_word_check_finds_english_and_passes_french():
    assert english_left("Choose a password for your account") == ["Choose", "password", "your"]
    assert english_left("Choisissez un mot de passe pour votre compte") == []
    assert html_english_left('<p title="Remove">Retirer <code>closed</code></p>') == ["Remove"]


@pytest.fixture
def french_desk(client):
    """A French admin in an organization with something on every page: conversations with their
    activity (snoozed, closed, assigned), a team, tags, a channel, a routing rule, invitations, tokens."""
    organization = OrganizationFactory(slug="desk-fr", name="Compagnie Aérienne", language="fr")
    admin = member(organization, Role.ADMIN, email="admin@desk-fr.example", full_name="Camille Martin",
                   language="fr")
    colleague = member(organization, Role.AGENT, email="agent@desk-fr.example", full_name="Léa Bernard")
    team = TeamFactory(organization=organization, name="Service client")
    channel = ChannelFactory(organization=organization)
    tag = TagFactory(organization=organization, name="remboursement")
    conversation = ConversationFactory(organization=organization, channel=channel, status="open", team=team)
    MessageFactory(conversation=conversation, text="Mon vol est annulé, je veux être remboursé")
    inbox_services.conversation_assign(conversation=conversation, assignee=colleague, actor=admin)
    inbox_services.conversation_snooze(conversation=conversation, until=timezone.now() + timedelta(hours=3),
                                       actor=admin)
    inbox_services.conversation_set_status(conversation=conversation, status="closed", actor=admin)
    inbox_services.conversation_tag(conversation=conversation, add=[tag.name], actor=admin)
    RoutingRule.objects.create(organization=organization, name="Remboursements", conditions={"keywords": ["rembourse"]})
    account_services.api_token_create(organization=organization, user=admin, name="Export", role=Role.VIEWER)
    account_services.member_invite(organization=organization, email="nouveau@desk-fr.example", role=Role.AGENT,
                                   invited_by=admin, site_url="http://testserver/")
    client.force_login(admin)
    return client, organization, conversation


PAGE_ROUTES = sorted(name for name, route in ROUTES
                     if not route.startswith("api/") and name not in {"healthz", "javascript-catalog", "logout",
                                                                     "set_language", "profile-language"})


def _url(route_name, organization, conversation) -> str:
    route = next(r for n, r in ROUTES if n == route_name)
    names = _object_kwargs(route)
    kwargs = dict(OBJECT_KWARGS[route_name](organization)) if route_name in OBJECT_KWARGS else {}
    if "pk" in names and route_name.startswith("conversation"):
        kwargs["pk"] = conversation.pk
    if "token" in names and "token" not in kwargs:
        kwargs["token"] = "not-a-real-token"
    if "<slug:organization_slug>" in route:
        kwargs["organization_slug"] = organization.slug
    return reverse(route_name, kwargs=kwargs)


@pytest.mark.parametrize("route_name", PAGE_ROUTES)
def test_every_page_in_french_has_no_english_left(route_name, french_desk):
    client, organization, conversation = french_desk
    response = client.get(_url(route_name, organization, conversation), follow=True)
    if not response.get("Content-Type", "").startswith("text/html"):
        return  # JSON and feeds are checked with the API's messages below
    assert html_english_left(response.content.decode()) == [], route_name


def test_the_pages_before_login_are_in_french_too(client):
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    missing = client.get("/no-such-page/", **french)
    assert missing.status_code == 404 and "Page introuvable" in missing.content.decode()
    assert html_english_left(missing.content.decode()) == []
    for url in (reverse("login"), reverse("password_reset"), reverse("password_reset_done"),
                reverse("password_reset_complete"), reverse("invitation-accept", kwargs={"token": "nope"}),
                reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "nope"})):
        response = client.get(url, follow=True, **french)
        assert html_english_left(response.content.decode()) == [], url


def test_error_messages_people_meet_are_in_french(french_desk):
    client, organization, conversation = french_desk
    slug = organization.slug
    answers = [
        client.post(reverse("member-list", kwargs={"organization_slug": slug}),
                    {"email": "agent@desk-fr.example", "role": "agent"}),
        client.post(reverse("routing-rule-list", kwargs={"organization_slug": slug}),
                    {"action": "save", "name": "x", "position": 0, "keywords": "vol", "exclude_keywords": "vol"}),
        client.post(reverse("routing-rule-list", kwargs={"organization_slug": slug}),
                    {"action": "save", "name": "x", "position": 0, "sentiment_above": "0.5", "sentiment_below": "0"}),
        client.post(reverse("inbox-settings-page", kwargs={"organization_slug": slug}),
                    {"target_urgent": 30, "target_high": 60, "target_normal": 120, "target_low": 480,
                     "hours_mon": "9h-18h"}),
        client.post(reverse("conversation-act", kwargs={"organization_slug": slug, "pk": conversation.pk}),
                    {"action": "snooze", "snoozed_until": (timezone.now() - timedelta(hours=1)).isoformat()}),
        client.post(reverse("conversation-act", kwargs={"organization_slug": slug, "pk": conversation.pk}),
                    {"action": "status", "status": "sleeping"}),
        client.post(reverse("conversation-note", kwargs={"organization_slug": slug, "pk": conversation.pk}),
                    {"text": "  "}),
        client.post(reverse("profile"), {"language": "fr", "time_zone": "Mars/Olympus"}),
    ]
    for response in answers:
        assert 400 <= response.status_code < 500, response.status_code
        assert html_english_left(response.content.decode()) == [], response.content.decode()[:300]

    api = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    api.force_authenticate(conversation.assignee or member(organization, Role.AGENT))
    base = f"/api/v1/o/{slug}"
    viewer = member(organization, Role.VIEWER, email="lecteur@desk-fr.example", language="fr")
    api.force_authenticate(viewer)
    api_answers = [
        api.post(f"{base}/conversations/{conversation.pk}/status/", {"status": "open"}, format="json"),
        api.get(f"{base}/conversations/?status=sleeping"),
    ]
    admin_api = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    admin_api.force_authenticate(member(organization, Role.ADMIN, email="admin2@desk-fr.example", language="fr"))
    api_answers += [
        admin_api.post(f"{base}/invitations/", {"email": "agent@desk-fr.example", "role": "agent"}, format="json"),
        admin_api.post(f"{base}/routing-rules/", {"name": "x", "conditions": {"keywords": ["a"],
                                                                            "exclude_keywords": ["a"]}}, format="json"),
        admin_api.post(f"{base}/routing-rules/", {"name": "x", "conditions": {"mood": "sad"}}, format="json"),
    ]
    anonymous = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    anonymous.credentials(HTTP_AUTHORIZATION="Token vgt_revoked-or-never-made")
    api_answers.append(anonymous.get(f"{base}/members/"))
    for response in api_answers:
        assert 400 <= response.status_code < 500, (response.status_code, response.content)
        # Field names and codes are the API's own vocabulary, not text: only the messages are read.
        messages = " ".join(_messages(response.json()))
        assert messages and english_left(messages) == [], messages


def _messages(body) -> list[str]:
    if isinstance(body, str):
        return [body]
    if isinstance(body, list):
        return [m for item in body for m in _messages(item)]
    if isinstance(body, dict):
        return [m for key, value in body.items() if key != "code" for m in _messages(value)]
    return []


# --- every error raised with a message goes through translation ---------------------------------

ERROR_CLASSES = {"ValidationError", "APIValidationError", "PermissionDenied", "NotFound", "TokenRefused"}
CHECKED = ["accounts", "inbox/services", "inbox/api", "inbox/views.py", "inbox/channel_views.py",
           "inbox/selectors.py", "inbox/routing.py", "inbox/settings_views.py", "inbox/settings_forms.py", "config"]


def _bare_messages(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ERROR_CLASSES
                and node.args):
            continue
        message = node.args[0]
        values = message.values if isinstance(message, ast.Dict) else [message]
        for value in values:
            if isinstance(value, ast.Constant | ast.JoinedStr) and (
                    not isinstance(value, ast.Constant) or isinstance(value.value, str)):
                found.append(f"{path}:{node.lineno}")
    return found


def test_every_error_message_goes_through_translation():
    base = Path(settings.BASE_DIR)
    files = [p for entry in CHECKED for p in ((base / entry).rglob("*.py") if (base / entry).is_dir() else [base / entry])
             if "migrations" not in p.parts]
    assert [where for path in files for where in _bare_messages(path)] == []
