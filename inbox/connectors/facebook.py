"""A Facebook Page through the Graph API: comments under the Page's posts, Messenger, replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.connectors.base import (
    AccountInfo,
    FetchResult,
    ItemKind,
    PlatformAuthor,
    PlatformItem,
    SentMessage,
)
from inbox.connectors.common import Watermark, parse_time
from inbox.connectors.graph import GraphConnector

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


class FacebookConnector(GraphConnector):
    platform = "facebook"
    label = "Facebook"

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: `comments` and `messages`, each {"since": ISO time, "ids": ids seen at that time}."""
        comments, comments_state = self._read_comments(cursor.get("comments"))
        messages, messages_state = self.read_private_messages(cursor.get("messages"), inbox="messenger")
        items = sorted(comments + messages, key=lambda item: item.created_at)
        return FetchResult(items=items, cursor={"comments": comments_state, "messages": messages_state})

    def _read_comments(self, state: dict[str, Any] | None) -> tuple[list[PlatformItem], dict[str, Any]]:
        watermark = Watermark(state)
        items: list[PlatformItem] = []
        posts = self.pages(f"{self.page_id}/feed", {"fields": POST_FIELDS, "limit": 25}, action="reading the feed")
        for index, post in enumerate(posts):
            if index >= self.posts_scanned:
                break
            updated = parse_time(post.get("updated_time") or post.get("created_time"))
            if updated and not watermark.covers(updated):
                continue  # nobody commented on this post since the last fetch
            listing = self.pages(f"{post['id']}/comments", {
                "filter": "stream", "order": "reverse_chronological", "fields": COMMENT_FIELDS, "limit": 100},
                action="reading comments")
            for comment in listing:
                moment = parse_time(comment["created_time"])
                if moment is None or not watermark.covers(moment):
                    break
                if (comment.get("from") or {}).get("id") != self.page_id and watermark.is_new(comment["id"], moment):
                    items.append(comment_item(comment, post))
        for item in items:
            watermark.saw(item.external_id, item.created_at)
        return items, watermark.state()

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

    def check_credentials(self) -> AccountInfo:
        page = self.call(self.page_id, args={"fields": "id,name,username,picture"}, action="checking the Page")
        picture = ((page.get("picture") or {}).get("data") or {}).get("url", "")
        return AccountInfo(external_id=page["id"], handle=page.get("username") or page.get("name", ""),
                           name=page.get("name", ""), avatar_url=picture)
