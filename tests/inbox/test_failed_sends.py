"""Failures in plain sight (issue 10, item 4): a reply that failed or may have been posted shows on
its conversation's row, in the "Failed sends" view and its counter; a retry or a newer reply
clears it; the composer warns before anyone writes on a channel that cannot send."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from inbox import services
from inbox.models import Conversation, DeliveryState
from inbox.selectors import ConversationFilters, conversation_list
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory, member

pytestmark = pytest.mark.django_db


def page(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.fixture
def conversation(organization):
    channel = ChannelFactory(organization=organization, handle="@AirDemo")
    return MessageFactory(conversation__organization=organization, conversation__channel=channel,
                          conversation__preview="Valise perdue à CDG", text="Valise perdue à CDG").conversation


def failed_reply(conversation, agent, *, code="maybe_sent", error="The worker stopped after handing it over."):
    message = MessageFactory(conversation=conversation, direction="out", kind="reply", text="Nous regardons.",
                             author_user=agent, author_contact=None, external_id=None, state=DeliveryState.SENDING)
    return services.message_mark_failed(message=message, error=error, code=code)


def refreshed(conversation):
    return Conversation.all_organizations.get(pk=conversation.pk)


def test_a_failed_reply_marks_its_conversation_and_a_successful_retry_clears_it(agent, conversation,
                                                                                 django_capture_on_commit_callbacks):
    message = failed_reply(conversation, agent)
    assert refreshed(conversation).reply_failure_code == "maybe_sent"
    with django_capture_on_commit_callbacks():
        services.reply_retry(message=message, actor=agent)
    assert refreshed(conversation).reply_failure_code == ""  # queued again: no badge while it is tried
    message.refresh_from_db()
    message.state = DeliveryState.SENDING
    message.save()
    with django_capture_on_commit_callbacks():
        services.message_mark_sent(message=message, external_id="x-1")
    assert refreshed(conversation).reply_failure_code == ""


def test_a_newer_reply_that_went_out_clears_an_older_failure(agent, conversation):
    failed_reply(conversation, agent)
    later = MessageFactory(conversation=conversation, direction="out", kind="reply", text="Voilà", author_user=agent,
                           author_contact=None, external_id=None, state=DeliveryState.SENDING,
                           created_at=timezone.now() + timezone.timedelta(seconds=5))
    services.message_mark_sent(message=later, external_id="x-2")
    assert refreshed(conversation).reply_failure_code == ""


def test_failed_sends_filter_finds_them_in_any_status(organization, agent, conversation):
    failed_reply(conversation, agent)
    Conversation.all_organizations.filter(pk=conversation.pk).update(status="closed")
    ConversationFactory(organization=organization, preview="Tout va bien")
    filters = ConversationFilters.from_params({"delivery": "failed", "status": "all"})
    assert list(conversation_list(organization=organization, filters=filters)) == [refreshed(conversation)]


@pytest.mark.parametrize(("language", "view", "badge", "reason"), [
    ("en", "Failed sends", "Maybe sent", "Check the brand account&#x27;s replies on the platform before retrying"),
    ("fr", "Envois échoués", "Peut-être envoyé", "Vérifiez les réponses du compte de la marque sur la plateforme"),
])
def test_the_row_and_the_view_show_the_failure_in_the_readers_language(client_for, organization, conversation,
                                                                        language, view, badge, reason):
    person = member(organization, Role.AGENT, language=language, email=f"{language}@airdemo.example")
    failed_reply(conversation, person)
    ConversationFactory(organization=organization, preview="Tout va bien")
    client = client_for(person)
    html = client.get(page("inbox", organization)).content.decode()
    assert view in html and 'data-count="failed">1<' in html
    assert badge in html and reason in html  # the reason is the badge's hover text
    failed_view = client.get(page("inbox", organization), {"delivery": "failed", "status": "all"}).content.decode()
    assert "Valise perdue à CDG" in failed_view and "Tout va bien" not in failed_view
    assert client.get(page("inbox-counts", organization)).json()["failed"] == 1


def test_a_platform_refusal_quotes_the_platforms_reason(client_for, agent, organization, conversation):
    failed_reply(conversation, agent, code="forbidden", error="X refused the message: not allowed to reply")
    html = client_for(agent).get(page("inbox", organization)).content.decode()
    assert "Send failed" in html and "not allowed to reply" in html


def test_an_unknown_delivery_filter_is_refused_with_a_reason(organization):
    with pytest.raises(Exception, match="Use failed"):
        ConversationFilters.from_params({"delivery": "maybe"})


@pytest.mark.parametrize(("status", "language", "words"), [
    ("needs_reconnect", "en", ["needs reconnecting", "Reconnect"]),
    ("disabled", "en", ["is paused", "Resume"]),
    ("needs_reconnect", "fr", ["doit être reconnecté", "Reconnecter"]),
    ("disabled", "fr", ["est en pause", "Reprendre"]),
])
def test_the_composer_warns_before_writing_on_a_channel_that_cannot_send(client_for, organization, conversation,
                                                                         status, language, words):
    person = member(organization, Role.AGENT, language=language, email=f"c-{language}@airdemo.example")
    conversation.channel.status = status
    conversation.channel.save()
    html = client_for(person).get(page("conversation", organization, pk=conversation.pk)).content.decode()
    warning = html.split('data-testid="channel-warning"', 1)[1].split("</p>", 1)[0]
    assert "hidden" not in warning.split(">", 1)[0]
    assert all(word in warning for word in words), warning


def test_no_warning_on_a_healthy_channel(client_for, agent, organization, conversation):
    html = client_for(agent).get(page("conversation", organization, pk=conversation.pk)).content.decode()
    assert 'data-testid="channel-warning" role="alert" hidden' in html


def test_a_row_that_left_the_view_still_shows_its_new_status_and_snooze(client_for, agent, organization,
                                                                         conversation):
    """What the inbox's script fetches for rows an action took out of the view (status=all)."""
    until = timezone.now() + timezone.timedelta(days=1)
    services.conversation_snooze(conversation=conversation, until=until, actor=agent)
    html = client_for(agent).get(page("inbox-rows", organization),
                                 {"status": "all", "ids": str(conversation.pk)}).content.decode()
    assert 'data-testid="row-status"' in html and "Snoozed until" in html
    services.conversation_set_status(conversation=refreshed(conversation), status="closed", actor=agent)
    html = client_for(agent).get(page("inbox-rows", organization),
                                 {"status": "all", "ids": str(conversation.pk)}).content.decode()
    assert ">Closed<" in html


def test_search_finds_people_by_name_and_handle(client_for, agent, organization):
    ConversationFactory(organization=organization, preview="Bagage en retard", contact__handle="@marie_l",
                        contact__name="Marie Lefèvre")
    ConversationFactory(organization=organization, preview="Autre client", contact__handle="@paul",
                        contact__name="Paul Martin")
    client = client_for(agent)
    for query in ("@marie_l", "marie_l", "Lefèvre", "marie lef"):
        html = client.get(page("inbox", organization), {"q": query}).content.decode()
        assert "Bagage en retard" in html and "Autre client" not in html, query


def test_the_api_lists_failed_sends_with_their_code(api_for, agent, organization, conversation):
    failed_reply(conversation, agent, code="needs_reconnect", error="@AirDemo needs to be reconnected")
    ConversationFactory(organization=organization, preview="Tout va bien")
    api = api_for(agent)
    listing = reverse("api:conversation-list", kwargs={"organization_slug": organization.slug})
    response = api.get(listing, {"delivery": "failed", "status": "all"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == conversation.pk and row["reply_failure_code"] == "needs_reconnect"
    refused = api.get(listing, {"delivery": "sometimes"})
    assert refused.status_code == 400 and "Use failed" in str(refused.json())
