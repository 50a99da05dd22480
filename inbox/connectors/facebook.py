"""A Facebook Page through the Graph API: comments under the Page's posts, Messenger, replies."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from inbox.connectors.base import (
    AccountInfo,
    FetchResult,
    ItemKind,
    PlatformAuthor,
    PlatformItem,
    SentMessage,
)
from inbox.connectors.common import FIRST_READ_HISTORY, Watermark, now, parse_time
from inbox.connectors.graph import GraphConnector

RECENT_ACTIVITY = timedelta(seconds=60)
POST_FIELDS = "id,message,created_time,updated_time,permalink_url"
COMMENT_FIELDS = "id,message,created_time,from,parent{id},permalink_url"


def comment_item(comment: dict[str, Any], post: dict[str, Any]) -> PlatformItem:
    author = comment.get("from") or {}
    parent = (comment.get("parent") or {}).get("id")
    return PlatformItem(
        external_id=comment["id"],
        kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
        text=comment.get("message", ""),
        # Without the MODERATE task Graph withholds `from`: the comment stays, its author unknown.
        author=PlatformAuthor(external_id=author.get("id", ""), name=author.get("name", ""),
                              profile_url=f"https://www.facebook.com/{author['id']}" if author.get("id") else ""),
        created_at=parse_time(comment["created_time"]),  # type: ignore[arg-type]
        thread_external_id=post["id"],
        parent_external_id=parent,
        url=comment.get("permalink_url", ""),
        context_text=post.get("message", ""),
        raw=comment,
    )


def activity_mark(post: dict[str, Any]) -> str:
    """What tells that a post has new comments: its updated_time, which a comment moves. Graph counts
    in whole seconds, so a comment written in the same second as the last read would not move it: a
    post active in the last minute (room for clock skew too) is read again whatever its mark."""
    updated = parse_time(post.get("updated_time") or post.get("created_time"))
    if updated is None or updated > now() - RECENT_ACTIVITY:
        return ""
    return updated.isoformat()


class FacebookConnector(GraphConnector):
    platform = "facebook"
    label = "Facebook"

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: `comments` (per post, where its comments were last read: see `read_children`) and
        `messages` (see `read_private_messages`)."""
        comments, comments_state, comments_done = self._read_comments(cursor.get("comments"))
        messages, messages_state, messages_done = self.read_private_messages(cursor.get("messages"),
                                                                             inbox="messenger")
        items = sorted(comments + messages, key=lambda item: item.created_at)
        return FetchResult(items=items, cursor={"comments": comments_state, "messages": messages_state},
                           exhausted=comments_done and messages_done)

    def _read_comments(self, state: dict[str, Any] | None) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """The comments of the Page's recent posts, all levels (`filter=stream`), oldest first
        (`order=chronological`), each post continued from the last comment read."""
        state = state or {}
        # A cursor from before per-post positions: its time still tells old comments from new ones on
        # posts this fetch meets for the first time.
        legacy = Watermark(state) if state.get("since") else None
        # A channel's very first read takes the last week's comments, not years of them: the limit is kept
        # (a first read may take several fetches), and later comments are all newer than it anyway.
        horizon = parse_time(state.get("horizon")) or (now() - FIRST_READ_HISTORY if not state else None)
        posts = itertools.islice(
            self.pages(f"{self.page_id}/feed", {"fields": POST_FIELDS, "limit": 25}, action="reading the feed"),
            self.posts_scanned)
        found, new_state, exhausted = self.read_children(
            posts, state, edge="comments", action="reading comments",
            args={"filter": "stream", "order": "chronological", "fields": COMMENT_FIELDS,
                  "limit": self.page_size},
            changed=activity_mark)
        items = []
        for comment, post in found:
            moment = parse_time(comment.get("created_time"))
            if moment is None or (comment.get("from") or {}).get("id") == self.page_id:
                continue
            if legacy and not (state.get("parents") or {}).get(post["id"]) and not legacy.is_new(comment["id"], moment):
                continue
            if horizon and moment < horizon:
                continue
            items.append(comment_item(comment, post))
        if legacy:
            new_state |= legacy.state()
        if horizon:
            new_state["horizon"] = horizon.isoformat()
        return items, new_state, exhausted

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage:
        # Graph has no idempotency key for comments; the inbox records the send before any retry.
        answer = self.call(f"{in_reply_to_external_id}/comments", post={"message": text},
                           action="replying to a comment")
        return SentMessage(external_id=answer["id"],
                           url=f"https://www.facebook.com/{answer['id']}", raw=answer)

    def find_sent(self, *, text: str, in_reply_to_external_id: str, recipient_external_id: str = "",
                  private: bool = False, since: datetime) -> SentMessage | None:
        """Our comment with this text under that post or comment, or our Messenger message with this
        text to that person."""
        if private:
            return self.find_sent_private_message(text=text, recipient_external_id=recipient_external_id,
                                                  since=since, inbox="messenger")
        node = self.find_in_edge(
            f"{in_reply_to_external_id}/comments", text=text, text_field="message",
            fields="id,message,from,created_time", since=since, time_field="created_time", newest_first=True,
            args={"order": "reverse_chronological"},
            ours=lambda comment: (comment.get("from") or {}).get("id") == self.page_id)
        if node is None:
            return None
        return SentMessage(external_id=node["id"], url=f"https://www.facebook.com/{node['id']}",
                           raw={**node, "found_by_lookup": True})

    # -- brand posts ---------------------------------------------------------------------------

    def publish_post(self, *, text: str, idempotency_key: str) -> SentMessage:
        """POST /{page-id}/feed with `message`: a post of the Page. Graph takes no idempotency key."""
        answer = self.call(f"{self.page_id}/feed", post={"message": text}, action="publishing a post")
        return SentMessage(external_id=answer["id"], url=f"https://www.facebook.com/{answer['id']}", raw=answer)

    def find_post(self, *, text: str, since: datetime) -> SentMessage | None:
        """The Page's own post with exactly this text on its feed (newest first) since `since`."""
        node = self.find_in_edge(
            f"{self.page_id}/feed", text=text, text_field="message", fields="id,message,from,created_time",
            since=since, time_field="created_time", newest_first=True,
            ours=lambda post: (post.get("from") or {}).get("id", self.page_id) == self.page_id)
        if node is None:
            return None
        return SentMessage(external_id=node["id"], url=f"https://www.facebook.com/{node['id']}",
                           raw={**node, "found_by_lookup": True})

    def pin_post(self, *, external_id: str) -> None:
        """POST /{page-post-id} with is_pinned=true: the post stays at the top of the Page."""
        self.call(external_id, post={"is_pinned": "true"}, action="pinning a post")

    def check_credentials(self) -> AccountInfo:
        page = self.call(self.page_id, args={"fields": "id,name,username,picture"}, action="checking the Page")
        picture = ((page.get("picture") or {}).get("data") or {}).get("url", "")
        return AccountInfo(external_id=page["id"], handle=page.get("username") or page.get("name", ""),
                           name=page.get("name", ""), avatar_url=picture)
