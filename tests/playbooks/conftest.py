import pytest
from django.urls import reverse

from accounts.roles import Role
from playbooks import services
from playbooks.models import Outcome
from tests.factories import ChannelFactory, MessageFactory, member

AIRLINE_CONTENT = {"scenarios": [
    {"key": "delay", "name": "Flight delay", "triggers": {"keywords": ["retard", "delayed"]},
     "do": "**Apologise** and point to [the status page](https://air.example/status)",
     "dont": "Never promise a departure time", "escalation": "Over 3 hours: tell the lead",
     "sources": [{"label": "Flight status", "url": "https://air.example/status"}],
     "templates": [
         {"key": "delay-fr", "language": "fr", "label": "Excuses retard",
          "text": "Bonjour {first_name}, toutes nos excuses pour ce retard. Suivez votre vol sur {info_url}. {agent_first_name}"},
         {"key": "delay-en", "language": "en", "label": "Delay apology",
          "text": "Hello {first_name}, we are sorry for the delay. Follow your flight on {info_url}. {agent_first_name}"}]},
    {"key": "baggage", "name": "Lost baggage", "triggers": {"keywords": ["valise", "bagage", "baggage"]},
     "templates": [{"key": "baggage-fr", "language": "fr", "label": "Bagage",
                    "text": "Bonjour {first_name}, écrivez-nous en message privé, nous retrouvons votre bagage."}]},
]}


def api_url(name, organization, **kwargs):
    return reverse(f"api:{name}", kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.fixture
def lead(organization):
    return member(organization, Role.LEAD, email="lead@airdemo.example", full_name="Lea Lead")


@pytest.fixture
def second_lead(organization):
    return member(organization, Role.LEAD, email="lead2@airdemo.example", full_name="Sam Second")


@pytest.fixture
def channel(organization):
    return ChannelFactory(organization=organization, handle="@AirDemo")


@pytest.fixture
def conversation(organization, channel):
    message = MessageFactory(conversation__organization=organization, conversation__channel=channel,
                             conversation__language="fr", conversation__priority=2,
                             conversation__contact__name="Marie Lefèvre",
                             text="Mon vol a 4h de retard et personne ne répond", external_id="in-1")
    return message.conversation


@pytest.fixture
def published_guide(organization, admin_user):
    guide = services.guide_create(organization=organization, actor=admin_user, name="Airline", content=AIRLINE_CONTENT)
    version = guide.versions.get()
    services.guide_version_submit(version=version, actor=admin_user)
    services.guide_version_publish(version=version, actor=admin_user)
    guide.refresh_from_db()
    return guide


@pytest.fixture
def sensitive_rule(organization):
    """New agents' free-text public replies on high-priority threads go to a lead."""
    return services.perimeter_rule_save(
        organization=organization, name="New agents, sensitive threads", outcome=Outcome.APPROVAL,
        conditions={"free_text": True, "visibility": "public", "priority_at_least": 2, "author_roles": ["agent"],
                    "author_days_at_most": 90})
