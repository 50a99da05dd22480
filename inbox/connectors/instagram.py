"""An Instagram professional account through the Graph API: comments on the brand's media, posts
that tag it, mentions in comments, replies and private messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.connectors.base import (
    AccountInfo,
    FetchResult,
    ItemKind,
    LookupUnsupported,
    PlatformAuthor,
    PlatformItem,
    SentMessage,
)
from inbox.connectors.common import DEFAULT_TIMEOUT, Watermark, parse_time
from inbox.connectors.graph import API_VERSION, GRAPH_ORIGIN, GraphConnector

MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count,username"
COMMENT_FIELDS = "id,text,timestamp,username,from,replies{id,text,timestamp,username,from}"


def ig_author(node: dict[str, Any]) -> PlatformAuthor:
    sender = node.get("from") or {}
    username = sender.get("username") or node.get("username", "")
    return PlatformAuthor(external_id=str(sender.get("id") or username), handle=f"@{username}" if username else "",
                          profile_url=f"https://www.instagram.com/{username}/" if username else "")


class InstagramConnector(GraphConnector):
    platform = "instagram"
    label = "Instagram"

    def __init__(self, *, credentials: dict[str, str], page_id: str, ig_user_id: str, base_url: str = GRAPH_ORIGIN,
                 api_version: str = API_VERSION, page_limit: int = 5, posts_scanned: int = 25,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        """`page_id`: the Facebook Page linked to the account (it sends private messages)."""
        super().__init__(credentials=credentials, page_id=page_id, base_url=base_url, api_version=api_version,
                         page_limit=page_limit, posts_scanned=posts_scanned, timeout=timeout)
        self.ig_user_id = ig_user_id

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: `comments`, `tags`, `messages`, each {"since": ISO time, "ids": ids seen at that time}."""
        comments, comments_state = self._read_comments(cursor.get("comments"))
        tags, tags_state = self._read_tags(cursor.get("tags"))
        messages, messages_state = self.read_private_messages(cursor.get("messages"), inbox="instagram")
        items = sorted(comments + tags + messages, key=lambda item: item.created_at)
        return FetchResult(items=items, cursor={"comments": comments_state, "tags": tags_state,
                                                "messages": messages_state})

    def _read_comments(self, state: dict[str, Any] | None) -> tuple[list[PlatformItem], dict[str, Any]]:
        watermark = Watermark(state)
        items: list[PlatformItem] = []
        media_list = self.pages(f"{self.ig_user_id}/media", {"fields": MEDIA_FIELDS, "limit": 25},
                                action="reading the account's posts")
        for index, media in enumerate(media_list):
            if index >= self.posts_scanned:
                break
            if not media.get("comments_count"):
                continue
            listing = self.pages(f"{media['id']}/comments", {"fields": COMMENT_FIELDS, "limit": 50},
                                 action="reading comments")
            for comment in listing:
                nodes = [(comment, None)] + [(reply, comment["id"]) for reply in
                                             (comment.get("replies") or {}).get("data", [])]
                for node, parent in nodes:
                    moment = parse_time(node.get("timestamp"))
                    if moment is None or ig_author(node).handle == f"@{media.get('username')}":
                        continue  # the brand's own answers
                    if watermark.is_new(node["id"], moment):
                        items.append(PlatformItem(
                            external_id=node["id"], kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
                            text=node.get("text", ""), author=ig_author(node), created_at=moment,
                            thread_external_id=media["id"], parent_external_id=parent,
                            url=media.get("permalink", ""), context_text=media.get("caption", ""), raw=node))
        for item in items:
            watermark.saw(item.external_id, item.created_at)
        return items, watermark.state()

    def _read_tags(self, state: dict[str, Any] | None) -> tuple[list[PlatformItem], dict[str, Any]]:
        watermark = Watermark(state)
        items: list[PlatformItem] = []
        for media in self.pages(f"{self.ig_user_id}/tags", {"fields": MEDIA_FIELDS, "limit": 25},
                                action="reading posts that tag the account"):
            moment = parse_time(media.get("timestamp"))
            if moment is None or not watermark.covers(moment):
                break
            if watermark.is_new(media["id"], moment):
                items.append(PlatformItem(
                    external_id=media["id"], kind=ItemKind.MENTION, text=media.get("caption", ""),
                    author=ig_author(media), created_at=moment, thread_external_id=media["id"],
                    url=media.get("permalink", ""), raw=media))
        for item in items:
            watermark.saw(item.external_id, item.created_at)
        return items, watermark.state()

    def fetch_mention(self, *, media_id: str, comment_id: str = "") -> PlatformItem:
        """Completes a `mentions` webhook, which carries ids only."""
        if comment_id:
            field = f"mentioned_comment.comment_id({comment_id}){{id,text,timestamp,username,from}}"
        else:
            field = f"mentioned_media.media_id({media_id}){{id,caption,timestamp,username,permalink}}"
        body = self.call(self.ig_user_id, args={"fields": field}, action="reading a mention")
        node = body.get("mentioned_comment") or body.get("mentioned_media") or {}
        return PlatformItem(
            external_id=node.get("id", comment_id or media_id), kind=ItemKind.MENTION,
            text=node.get("text") or node.get("caption", ""), author=ig_author(node),
            created_at=parse_time(node.get("timestamp")),  # type: ignore[arg-type]
            thread_external_id=media_id, parent_external_id=media_id if comment_id else None,
            url=node.get("permalink", ""), raw=node)

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage:
        """Answers a comment (on our media or one that mentions us) or comments under a tagging post."""
        target = self.call(in_reply_to_external_id, args={"fields": "id,media_type"}, action="replying")
        if target.get("media_type"):
            # Someone else's post tagging us: only the mentions edge may comment there.
            answer = self.call(f"{self.ig_user_id}/mentions", post={"media_id": in_reply_to_external_id,
                                                                    "message": text}, action="replying")
        else:
            answer = self.call(f"{in_reply_to_external_id}/replies", post={"message": text}, action="replying")
        return SentMessage(external_id=answer["id"], raw=answer)

    def find_sent(self, *, text: str, in_reply_to_external_id: str, recipient_external_id: str = "",
                  private: bool = False, since: datetime) -> SentMessage | None:
        """Our answer with this text under that comment. (A comment under a post tagging us cannot
        be listed: that one is left for a person to check.)"""
        if private:
            return self.find_sent_private_message(text=text, recipient_external_id=recipient_external_id,
                                                  since=since, inbox="instagram")
        target = self.call(in_reply_to_external_id, args={"fields": "id,media_type"},
                           action="looking for a reply that may already be posted")
        if target.get("media_type"):
            raise LookupUnsupported("Instagram does not list our comments under posts that tag us.")
        mine = self.call(self.ig_user_id, args={"fields": "username"}, action="checking the account").get("username")
        node = self.find_in_edge(
            f"{in_reply_to_external_id}/replies", text=text, text_field="text", fields="id,text,username,timestamp",
            since=since, time_field="timestamp", newest_first=False,  # replies come oldest first
            ours=lambda reply: bool(mine) and reply.get("username") == mine)
        return SentMessage(external_id=node["id"], raw={**node, "found_by_lookup": True}) if node else None

    def check_credentials(self) -> AccountInfo:
        account = self.call(self.ig_user_id, args={"fields": "id,username,name,profile_picture_url"},
                            action="checking the account")
        return AccountInfo(external_id=account["id"], handle=f"@{account.get('username', '')}",
                           name=account.get("name", ""), avatar_url=account.get("profile_picture_url", ""))
