"""Posts the sandbox did not create but must know: what the demo's inbox already shows.

The sandbox keeps its world in memory, so a restarted sandbox has forgotten the posts, comments and
private messages of every conversation the inbox holds, and replying to any of them fails ("the
Tweet you are replying to does not exist"). At start, `platform_sandbox` hands it the inbox's
inbound messages (inbox/demo.py: `known_posts`) and `remember` puts each back into its platform's
world under its own id, as the platform would still have it. Remembered items go into no timeline:
they were read already, and polls resume from the channels' stored cursors.

An item is a plain dict (no Django here): platform, id, private, text, created_at (ISO 8601),
author {id, handle, name}, thread_id (the item itself when it opens the thread), parent_id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.sandbox import bluesky_api, graph_api, mastodon_api, x_api
from inbox.sandbox.state import iso

if TYPE_CHECKING:
    from inbox.sandbox.server import PlatformSandbox


def remember(sandbox: PlatformSandbox, items: Iterable[dict[str, Any]]) -> int:
    """Adds each item to its platform's world, idempotently; returns how many it knows now."""
    known = 0
    with sandbox.state.lock:
        for item in items:
            remember_one = REMEMBER.get(item["platform"])
            if remember_one and item.get("id"):
                remember_one(sandbox.world_for(item["platform"]), item)
                known += 1
    return known


def _when(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["created_at"])


def _handle(item: dict[str, Any]) -> str:
    author = item["author"]
    return (author.get("handle") or "").lstrip("@") or author.get("name") or author["id"]


def _x(world: x_api.XWorld, item: dict[str, Any]) -> None:
    author_id, username = item["author"]["id"], _handle(item)
    if author_id and author_id not in world.users:
        world.users[author_id] = {
            "id": author_id, "username": username, "name": item["author"].get("name") or username,
            "profile_image_url": f"https://pbs.twimg.com/profile_images/{username}_normal.jpg", "verified": False,
            "public_metrics": {"followers_count": 0, "following_count": 10, "tweet_count": 100}}
        world.user_ids_by_handle.setdefault(username, author_id)
    # Private messages only need their sender to exist: DMs are sent to the person, not to an event.
    if item["private"] or not item["id"].isdigit() or int(item["id"]) in world.tweets:
        return
    tweet: dict[str, Any] = {
        "id": item["id"], "text": item["text"], "edit_history_tweet_ids": [item["id"]], "author_id": author_id,
        "created_at": iso(_when(item)), "conversation_id": item.get("thread_id") or item["id"], "lang": "en",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0,
                           "impression_count": 0}}
    if item.get("parent_id"):
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": item["parent_id"]}]
        tweet["in_reply_to_user_id"] = world.me["id"]
    world.tweets[int(item["id"])] = tweet


def _graph(world: graph_api.GraphWorld, item: dict[str, Any]) -> None:
    if item["id"] in world.objects:
        return
    instagram = item["platform"] == "instagram"
    author_id, name = item["author"]["id"], item["author"].get("name") or _handle(item)
    moment = graph_api.graph_time(_when(item))
    if item["private"]:
        person = {"id": author_id, "username": _handle(item)} if instagram else {"id": author_id, "name": name}
        (world.ig_people if instagram else world.people).setdefault(_handle(item) if instagram else name, person)
        conversation_id = world.conversation_by_psid.setdefault(author_id, f"t_{author_id}")
        world.objects.setdefault(conversation_id, {
            "_kind": "conversation", "id": conversation_id, "psid": author_id,
            "platform": "instagram" if instagram else "messenger",
            "participants": {"data": [person, dict(graph_api.PAGE)]}, "updated_time": moment})
        world.objects[item["id"]] = {"_kind": "message", "id": item["id"], "message": item["text"],
                                     "created_time": moment, "from": person, "to": {"data": [dict(graph_api.PAGE)]}}
        world.edge(conversation_id, "messages").add(item["id"])
        return
    thread_id = item.get("thread_id") or item["id"]
    parent = world.objects.get(item.get("parent_id") or "")
    if instagram:
        username = _handle(item)
        world.ig_people.setdefault(username, {"id": author_id, "username": username})
        if thread_id not in world.objects:
            world.objects[thread_id] = {
                "_kind": "ig_media", "id": thread_id, "media_type": "IMAGE", "timestamp": moment,
                "caption": item["text"] if thread_id == item["id"] else "",
                "username": username if thread_id == item["id"] else graph_api.IG_USER["username"],
                "owner": {"id": author_id if thread_id == item["id"] else graph_api.IG_USER["id"]},
                "permalink": f"https://www.instagram.com/p/{thread_id}/", "like_count": 0, "comments_count": 0}
        if thread_id == item["id"]:
            return
        comment = {"_kind": "ig_comment", "id": item["id"], "text": item["text"], "timestamp": moment,
                   "username": username, "from": {"id": author_id, "username": username},
                   "media": {"id": thread_id}, "like_count": 0}
        if parent and parent["_kind"] == "ig_comment":
            comment["parent_id"] = parent.get("parent_id") or parent["id"]
        world.objects[item["id"]] = comment
        return
    world.people.setdefault(name, {"id": author_id, "name": name})
    world.objects.setdefault(thread_id, {
        "_kind": "post", "id": thread_id, "message": "", "created_time": moment, "updated_time": moment,
        "from": dict(graph_api.PAGE), "permalink_url": f"https://www.facebook.com/{thread_id.replace('_', '/posts/')}"})
    comment = {"_kind": "comment", "id": item["id"], "message": item["text"], "created_time": moment,
               "from": {"id": author_id, "name": name}, "post_id": thread_id,
               "permalink_url": f"https://www.facebook.com/{thread_id}?comment_id={item['id']}"}
    if parent and parent["_kind"] == "comment":
        comment["parent"] = {key: parent[key] for key in ("id", "message", "created_time", "from")}
    world.objects[item["id"]] = comment


def _mastodon(world: mastodon_api.MastodonWorld, item: dict[str, Any]) -> None:
    account = world.account(item["author"]["id"] or _handle(item), display_name=item["author"].get("name", ""))
    if item["private"] or not item["id"].isdigit() or int(item["id"]) in world.statuses:
        return
    parent_id = item.get("parent_id") or None
    parent = world.statuses.get(int(parent_id)) if parent_id and parent_id.isdigit() else None
    mention = {"id": world.me["id"], "username": world.me["username"], "acct": world.me["acct"], "url": world.me["url"]}
    world.statuses[int(item["id"])] = {
        "id": item["id"], "uri": f"https://{mastodon_api.INSTANCE}/users/{account['username']}/statuses/{item['id']}",
        "url": f"https://{mastodon_api.INSTANCE}/@{account['username']}/{item['id']}",
        "created_at": iso(_when(item)), "account": account, "content": f"<p>{item['text']}</p>",
        "visibility": "public", "sensitive": False, "spoiler_text": "", "media_attachments": [],
        "mentions": [mention], "tags": [], "emojis": [], "reblogs_count": 0, "favourites_count": 0,
        "replies_count": 0, "in_reply_to_id": parent_id,
        "in_reply_to_account_id": parent["account"]["id"] if parent else None, "reblog": None, "language": "en",
        "application": None, "edited_at": None, "card": None, "poll": None}


def _bluesky(world: bluesky_api.BlueskyWorld, item: dict[str, Any]) -> None:
    did, handle = item["author"]["id"], _handle(item)
    if did not in world.profiles:
        world.profiles[did] = world.profile_view(did=did, handle=handle,
                                                 displayName=item["author"].get("name") or handle)
        world.dids_by_handle.setdefault(handle, did)
    uri = item["id"]
    if item["private"] or uri in world.posts:
        return
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": item["text"], "createdAt": iso(_when(item)),
                              "langs": ["en"]}
    root, parent = item.get("thread_id") or uri, item.get("parent_id")
    if parent and root != uri:
        # Content ids are derived from the uri in the sandbox, so the strong references rebuild exactly.
        record["reply"] = {"root": {"uri": root, "cid": bluesky_api.fake_cid(root)},
                           "parent": {"uri": parent, "cid": bluesky_api.fake_cid(parent)}}
    world.posts[uri] = {"uri": uri, "cid": bluesky_api.fake_cid(uri), "author": world.profiles[did], "record": record,
                        "indexedAt": record["createdAt"], "replyCount": 0, "repostCount": 0, "likeCount": 0,
                        "quoteCount": 0, "labels": []}


REMEMBER = {"x": _x, "facebook": _graph, "instagram": _graph, "mastodon": _mastodon, "bluesky": _bluesky}
