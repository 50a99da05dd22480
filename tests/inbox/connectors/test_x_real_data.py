"""What replayed real X API v2 responses showed: escaped text, pages without authors, a credential check
on every poll, group conversations and edited posts. Worker-level cases go through `poll_channel` and
`send_message` against the sandbox."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from inbox.api.serializers import MessageSerializer
from inbox.connectors.base import ItemKind
from inbox.connectors.registry import connector_for
from inbox.connectors.webhooks import parse_x_payload
from inbox.connectors.x import items_from_tweets
from inbox.credentials import encrypt_credentials
from inbox.models import Conversation, DeliveryState, Message
from inbox.services import channels as channel_services
from inbox.tasks import poll_channel, send_message
from tests.factories import ChannelFactory, MessageFactory, OrganizationFactory

from .test_x import recorded

AWKWARD = "Tom & Jerry <3 > all & the \"quotes\" stay &amp; literal"


def x_connector(sandbox, **settings):
    """Built as the worker builds it: from the channel's settings, the account id under its stored name."""
    config = sandbox.config()["x"]
    return connector_for("x", credentials={"bearer_token": "t"}, settings={
        "base_url": sandbox.base_url, "timeout": 3.0, "account_id": config["user_id"],
        "username": config["username"], **settings})


def test_text_is_stored_as_the_author_wrote_it_in_polls_and_webhooks(sandbox):
    mention = sandbox.inject_x_mention(f"@vigie_brand {AWKWARD}", author="ann")
    dm = sandbox.inject_x_dm(AWKWARD, sender="ben")

    items = {item.external_id: item for item in x_connector(sandbox).fetch({}).items}

    assert items[mention["id"]].text == f"@vigie_brand {AWKWARD}"
    assert items[dm["id"]].text == AWKWARD
    # X escapes exactly &, < and > on the wire; the sandbox does too.
    assert "&amp;amp;" in mention["webhook"]["tweet_create_events"][0]["text"]
    from_webhooks = {item.external_id: item.text for item in
                     parse_x_payload(mention["webhook"]) + parse_x_payload(dm["webhook"])}
    assert from_webhooks == {mention["id"]: f"@vigie_brand {AWKWARD}", dm["id"]: AWKWARD}


def test_recorded_pages_keep_unescaped_text():
    page = recorded("get_users_mentions.json")[0]["response"]["body"]
    page["data"][0]["text"] = "Fish &amp; chips &lt;3"
    assert items_from_tweets(page)[0].text == "Fish & chips <3"


@pytest.mark.parametrize("quirk", ["omit_users", "omit_author_id"])
def test_pages_without_authors_are_completed_by_batched_lookups_never_dropped(sandbox, quirk):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand {n}", "author": f"fan{n % 3}",
                                                 "followers": 10 + n % 3} for n in range(12)])
    dm = sandbox.inject_x_dm("hello", sender="dan")
    sandbox.quirks("x", **{quirk: True})

    result = x_connector(sandbox, page_size=5).fetch({})

    by_id = {item.external_id: item for item in result.items}
    assert set(by_id) == {*ids, dm["id"]}
    assert {by_id[i].author.handle for i in ids} == {"@fan0", "@fan1", "@fan2"}
    assert by_id[ids[4]].author.followers == 11 and by_id[ids[4]].url.endswith(f"/fan1/status/{ids[4]}")
    assert by_id[dm["id"]].author.handle == "@dan"
    # Batched: one lookup for all, not one per item (the posts lookup brings their authors along).
    assert sandbox.calls("GET /2/users") == (1 if quirk == "omit_users" else 0)
    assert sandbox.calls("GET /2/tweets") == (1 if quirk == "omit_author_id" else 0)


def test_a_rate_limited_users_lookup_keeps_the_items_with_their_author_ids(sandbox):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand {n}", "author": "eve"} for n in range(3)])
    sandbox.quirks("x", omit_users=True)
    sandbox.fail("x", "rate_limit", path="^/2/users$", times=1)

    items = x_connector(sandbox).fetch({}).items

    assert [item.external_id for item in items] == ids
    assert all(item.author.external_id and not item.author.handle for item in items)


def test_polls_never_spend_the_credential_check_quota(sandbox):
    sandbox.inject_x_mention("@vigie_brand hi")
    connector = x_connector(sandbox)
    cursor = {}
    for _ in range(3):
        cursor = connector.fetch(cursor).cursor
    assert sandbox.calls("GET /2/users/me") == 0
    assert sandbox.calls(f"GET /2/users/{sandbox.config()['x']['user_id']}/mentions") == 3


def test_an_edited_post_is_one_item_under_its_original_id_with_the_latest_text(sandbox):
    original = sandbox.inject_x_mention("@vigie_brand my flight AD12 is late", author="ann")
    connector = x_connector(sandbox)
    first = connector.fetch({})
    assert [(i.external_id, i.edited) for i in first.items] == [(original["id"], False)]

    edit = sandbox.edit_x_post(original["id"], "@vigie_brand my flight AD12 is cancelled")
    second = connector.fetch(first.cursor)

    (item,) = second.items
    assert (item.external_id, item.edited, item.text) == (original["id"], True, "@vigie_brand my flight AD12 is cancelled")
    assert item.raw["id"] == edit["id"] and item.thread_external_id == original["id"]
    (pushed,) = parse_x_payload(edit["webhook"])  # the Account Activity delivery of the edit
    assert (pushed.external_id, pushed.edited, pushed.text) == (original["id"], True, item.text)
    # Read together (a back-fill), the two versions still make one item: the latest.
    (both,) = connector.fetch({}).items
    assert both.text.endswith("cancelled") and both.edited


def test_a_group_conversation_is_threaded_and_answered_as_a_group(sandbox):
    message = sandbox.inject_x_group_dm("are we all booked?", sender="ann", others=["ben", "cid"])
    connector = x_connector(sandbox)

    (item,) = connector.fetch({}).items
    assert item.thread_external_id == f"group:{message['dm_conversation_id']}" and item.kind == ItemKind.PRIVATE_MESSAGE

    connector.send_private_message(recipient_external_id=item.thread_external_id, text="Yes, all three",
                                   idempotency_key="k")
    (posted,) = sandbox.posted("x")
    assert posted["dm_conversation_id"] == message["dm_conversation_id"] and posted["participant_id"] == ""


# -- through the worker -------------------------------------------------------------------------------


@pytest.fixture
def x_channel(db, sandbox):
    organization = OrganizationFactory(slug="x-real-data")
    config = sandbox.config()["x"]
    # Like a connected channel: the account id is stored on the channel, not in its connection settings.
    return ChannelFactory(organization=organization, platform="x", external_account_id=config["user_id"],
                          handle="@vigie_brand", credentials_encrypted=encrypt_credentials({"bearer_token": "t"}),
                          connection={"base_url": sandbox.base_url, "timeout": 3.0, "username": config["username"]},
                          next_poll_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_the_worker_shows_an_edit_as_one_edited_message(x_channel, sandbox):
    original = sandbox.inject_x_mention("@vigie_brand AT&T lost my bag", author="ann")
    assert poll_channel(x_channel.pk) == 1
    sandbox.edit_x_post(original["id"], "@vigie_brand AT&T lost my bag <again>")

    assert poll_channel(x_channel.pk) == 0
    (message,) = Message.objects.for_organization(x_channel.organization_id).filter(channel=x_channel)
    assert (message.external_id, message.edited, message.text) == (
        original["id"], True, "@vigie_brand AT&T lost my bag <again>")
    assert sandbox.calls("GET /2/users/me") == 0
    html = render_to_string("inbox/_thread.html", {"entries": [("message", message.created_at, message)],
                                                   "conversation": message.conversation})
    assert 'data-testid="edited"' in html and "AT&amp;T lost my bag &lt;again&gt;" in html
    assert MessageSerializer(message).data["edited"] is True
    conversation = message.conversation
    assert conversation.preview == message.text and "<again>" in conversation.search_text


@pytest.mark.django_db(transaction=True)
def test_the_worker_answers_a_group_conversation_in_the_group(x_channel, sandbox):
    group = sandbox.inject_x_group_dm("are we all booked?", sender="ann", others=["ben"])
    sandbox.inject_x_group_dm("I still have no seat", sender="ben", others=["ann"])
    poll_channel(x_channel.pk)
    conversation = Conversation.objects.for_organization(x_channel.organization_id).get(channel=x_channel)
    assert conversation.messages.count() == 2 and conversation.is_private
    reply = MessageFactory(conversation=conversation, direction="out", kind="private_message", platform="x",
                           external_id=None, is_private=True, text="Both seats are confirmed",
                           parent_external_id="", author_contact=None, state=DeliveryState.QUEUED)

    assert send_message.apply(args=[reply.pk]).get() == "sent"

    (posted,) = sandbox.posted("x")
    assert posted["dm_conversation_id"] == group["dm_conversation_id"]  # the group, not ben alone
    assert channel_services.connector_settings(x_channel)["account_id"] == x_channel.external_account_id
