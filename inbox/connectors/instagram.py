"""An Instagram professional account through the Graph API: comments on the brand's media, posts
that tag it, mentions in comments, replies and private messages."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
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
from inbox.connectors.common import (
    DEFAULT_TIMEOUT,
    FIRST_READ_HISTORY,
    Entry,
    Watermark,
    now,
    parse_time,
    read_newest_first,
    read_oldest_first,
)
from inbox.connectors.graph import API_VERSION, GRAPH_ORIGIN, GraphConnector

MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count,username"
REPLY_FIELDS = "id,text,timestamp,username,from"
COMMENT_FIELDS = f"id,text,timestamp,username,from,replies{{{REPLY_FIELDS}}}"


def ig_author(node: dict[str, Any]) -> PlatformAuthor:
    sender = node.get("from") or {}
    username = sender.get("username") or node.get("username", "")
    return PlatformAuthor(external_id=str(sender.get("id") or username), handle=f"@{username}" if username else "",
                          profile_url=f"https://www.instagram.com/{username}/" if username else "")


class InstagramConnector(GraphConnector):
    platform = "instagram"
    label = "Instagram"

    def __init__(self, *, credentials: dict[str, str], page_id: str, ig_user_id: str, base_url: str = GRAPH_ORIGIN,
                 api_version: str = API_VERSION, page_limit: int = 5, page_size: int = 50, posts_scanned: int = 25,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        """`page_id`: the Facebook Page linked to the account (it sends private messages)."""
        super().__init__(credentials=credentials, page_id=page_id, base_url=base_url, api_version=api_version,
                         page_limit=page_limit, page_size=page_size, posts_scanned=posts_scanned,
                         timeout=timeout)
        self.ig_user_id = ig_user_id

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: `comments` (per media, where its comments were last read), `tags` and `messages`
        (newest-first reads, see `read_newest_first`)."""
        comments, comments_state, comments_done = self._read_comments(cursor.get("comments"))
        tags, tags_state, tags_done = self._read_tags(cursor.get("tags"))
        messages, messages_state, messages_done = self.read_private_messages(cursor.get("messages"),
                                                                             inbox="instagram")
        items = sorted(comments + tags + messages, key=lambda item: item.created_at)
        return FetchResult(items=items, cursor={"comments": comments_state, "tags": tags_state,
                                                "messages": messages_state},
                           exhausted=comments_done and tags_done and messages_done)

    def _read_comments(self, state: dict[str, Any] | None) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """Comments on the account's recent media, oldest first, each media continued from the last comment
        read: the 251st comment and every later one are read too. A reply comes with its comment; a reply
        to an older comment is found by a sweep of that media's replies (see `_sweep_replies`)."""
        state = state or {}
        legacy = Watermark(state) if state.get("since") else None  # the cursor's shape before positions
        # A channel's very first read takes the last week's comments, not years of them: the limit is kept
        # (a first read may take several fetches), and later comments are all newer than it anyway.
        horizon = parse_time(state.get("horizon")) or (now() - FIRST_READ_HISTORY if not state else None)
        known = state.get("parents") or {}
        media_list = list(itertools.islice(
            (media for media in self.pages(f"{self.ig_user_id}/media", {"fields": MEDIA_FIELDS, "limit": 25},
                                           action="reading the account's posts") if media.get("comments_count")),
            self.posts_scanned))
        found, new_state, exhausted = self.read_children(
            iter(media_list), state, edge="comments", action="reading comments",
            args={"fields": COMMENT_FIELDS, "limit": self.page_size},
            changed=lambda media: str(media.get("comments_count", "")))
        nodes_read: dict[str, int] = {}
        items = []
        for comment, media in found:
            nodes = [(comment, None)] + [(reply, comment["id"]) for reply in self._replies_of(comment)]
            nodes_read[media["id"]] = nodes_read.get(media["id"], 0) + len(nodes)
            for node, parent in nodes:
                if legacy and not known.get(media["id"]) and not legacy.is_new(
                        node["id"], parse_time(node.get("timestamp")) or now()):
                    continue
                if horizon and (parse_time(node.get("timestamp")) or now()) < horizon:
                    continue
                item = self._comment_item(node, parent, media)
                if item:
                    items.append(item)

        sweeps: dict[str, Any] = {}
        for media in media_list:
            sweep = (state.get("sweeps") or {}).get(media["id"])
            previous_count = (known.get(media["id"]) or {}).get("mark", "")
            grown = int(media.get("comments_count") or 0) - int(previous_count or 0)
            if sweep is None and previous_count and grown > nodes_read.get(media["id"], 0):
                # More comments than the forward read found: someone answered an older comment.
                sweep = {"started": self._server_time().isoformat()}
            if sweep is not None:
                replies, sweep, done = self._sweep_replies(media, sweep, (state.get("replies") or {}).get(media["id"]))
                items += replies
                if done:
                    new_state.setdefault("replies", {})[media["id"]] = sweep
                else:
                    sweeps[media["id"]] = sweep
                    exhausted = False
            if media["id"] not in new_state.get("replies", {}) and (state.get("replies") or {}).get(media["id"]):
                new_state.setdefault("replies", {})[media["id"]] = state["replies"][media["id"]]
        if sweeps:
            new_state["sweeps"] = sweeps
        if legacy:
            new_state |= legacy.state()
        if horizon:
            new_state["horizon"] = horizon.isoformat()
        return items, new_state, exhausted

    def _replies_of(self, comment: dict[str, Any]) -> list[dict[str, Any]]:
        """The replies nested in a comment, and the rest of them when they run over one page."""
        nested = comment.get("replies") or {}
        replies = list(nested.get("data", []))
        after = ((nested.get("paging") or {}).get("cursors") or {}).get("after")
        if (nested.get("paging") or {}).get("next") and after:
            replies += read_oldest_first(
                lambda cursor: self.page(f"{comment['id']}/replies", {"fields": REPLY_FIELDS, "limit": self.page_size},
                                         cursor, action="reading replies"),
                after, page_limit=self.page_limit * 4)[0]
        return replies

    def _sweep_replies(self, media: dict[str, Any], sweep: dict[str, Any],
                       replied: dict[str, Any] | None) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """Reads a media's comments again from the start, across fetches, for replies newer than the last
        complete sweep. Once done, the replies watermark moves to the time the sweep started (the
        platform's clock), not to the newest reply seen: a reply to a comment already swept, written
        while the sweep went on, is older than replies met later, and must stay new for the next sweep.

        Answers the replies, the sweep still running or the new watermark, and whether it is done."""
        watermark = Watermark(replied)
        found, after, done = read_oldest_first(
            lambda cursor: self.page(f"{media['id']}/comments", {"fields": COMMENT_FIELDS, "limit": self.page_size},
                                     cursor, action="reading replies"),
            sweep.get("after"), page_limit=self.page_limit)
        items = []
        for comment in found:
            for reply in self._replies_of(comment):
                moment = parse_time(reply.get("timestamp"))
                if moment and watermark.is_new(reply["id"], moment):
                    item = self._comment_item(reply, comment["id"], media)
                    if item:
                        items.append(item)
        if not done:
            return items, {**sweep, **({"after": after} if after else {})}, False
        return items, {"since": sweep["started"], "ids": []}, True

    def _server_time(self) -> datetime:
        """Graph's own clock, from the last answer's Date header (ours may be off)."""
        headers = getattr(self._last_headers, "value", None) or {}
        try:
            return parsedate_to_datetime(headers["Date"]).astimezone(UTC)
        except (KeyError, TypeError, ValueError):
            return now()

    @staticmethod
    def _comment_item(node: dict[str, Any], parent: str | None, media: dict[str, Any]) -> PlatformItem | None:
        moment = parse_time(node.get("timestamp"))
        if moment is None or ig_author(node).handle == f"@{media.get('username')}":
            return None  # the brand's own answers
        return PlatformItem(
            external_id=node["id"], kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
            text=node.get("text", ""), author=ig_author(node), created_at=moment,
            thread_external_id=media["id"], parent_external_id=parent,
            url=media.get("permalink", ""), context_text=media.get("caption", ""), raw=node)

    def _read_tags(self, state: dict[str, Any] | None) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """Media tagging the account, newest first: read down to the last complete read."""

        def read_page(after: str | None) -> tuple[list[Entry], str | None]:
            media_list, next_after, more = self.page(f"{self.ig_user_id}/tags", {"fields": MEDIA_FIELDS,
                                                     "limit": min(25, self.page_size)},
                                                     after, action="reading posts that tag the account")
            entries = [Entry(id=media["id"], moment=moment, value=media) for media in media_list
                       for moment in [parse_time(media.get("timestamp"))] if moment]
            return entries, next_after if more else None

        tagged, new_state, exhausted = read_newest_first(read_page, state, page_limit=self.page_limit)
        items = [PlatformItem(
            external_id=media["id"], kind=ItemKind.MENTION, text=media.get("caption", ""), author=ig_author(media),
            created_at=parse_time(media["timestamp"]), thread_external_id=media["id"],  # type: ignore[arg-type]
            url=media.get("permalink", ""), raw=media) for media in tagged]
        return items, new_state, exhausted

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
