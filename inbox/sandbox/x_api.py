"""X API v2: the mentions timeline, recent search, posting, and direct messages."""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, datetime
from typing import Any

from inbox.sandbox.http import Request, Response, Router, json_response
from inbox.sandbox.state import SandboxState, Timeline, epoch_in, iso

TWITTER_EPOCH_MS = 1288834974657


def snowflake(sequence: int) -> int:
    """An id like X's: milliseconds since X's epoch in the high bits, so ids order by time and carry it."""
    return ((int(time.time() * 1000) - TWITTER_EPOCH_MS) << 22) | (sequence % 4096)
BRAND_USER = {"id": "1500000000000000001", "username": "vigie_brand", "name": "Vigie Brand"}


def encode_token(until: int) -> str:
    return base64.b32encode(str(until).encode()).decode().rstrip("=").lower()


def decode_token(token: str) -> int:
    padded = token.upper() + "=" * (-len(token) % 8)
    return int(base64.b32decode(padded).decode())


def rate_limit_headers(remaining: int = 449, reset_in: int = 900) -> dict[str, str]:
    return {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(epoch_in(reset_in)),
    }


def parse_iso(value: str) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(
        status,
        {"title": title, "detail": detail, "type": "about:blank", "status": status},
        {**rate_limit_headers(), **(headers or {})},
    )


def x_escaped(text: str) -> str:
    """X escapes exactly these three characters in the text of posts and DMs it serves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def query_matches(query: str, text: str) -> bool:
    """Enough of X's query language for keyword monitoring: OR groups of words and "phrases"."""
    lowered = text.lower()
    for group in re.split(r"\s+OR\s+", query.strip("() ")):
        terms = re.findall(r'"([^"]+)"|(\S+)', group)
        words = [phrase or word for phrase, word in terms]
        wanted = [w.lower().strip("()") for w in words if ":" not in w and not w.startswith("-")]
        if wanted and all(word in lowered for word in wanted):
            return True
    return False


class XWorld:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.me = dict(BRAND_USER)
        self.users: dict[str, dict[str, Any]] = {self.me["id"]: self.me}
        self.user_ids_by_handle: dict[str, str] = {self.me["username"]: self.me["id"]}
        self.tweets: dict[int, dict[str, Any]] = {}
        self.mentions = Timeline()
        self.everything = Timeline()
        self.dm_events: dict[int, dict[str, Any]] = {}
        self.dm_timeline = Timeline()
        self.groups: dict[str, list[str]] = {}  # group dm_conversation_id -> participant ids
        self.sent_replies: set[tuple[str, str]] = set()

    # -- world building ------------------------------------------------------------------------

    def use_brand(self, *, user_id: str, username: str, name: str = "") -> None:
        """Play another brand account (a drill organization's own, which no other organization has)."""
        self.users.pop(self.me["id"], None)
        self.user_ids_by_handle.pop(self.me["username"], None)
        self.me = {"id": user_id, "username": username, "name": name or username}
        self.users[user_id] = self.me
        self.user_ids_by_handle[username] = user_id

    def next_id(self) -> int:
        """Increasing even within one millisecond, as X's worker sequence makes them."""
        number = snowflake(self.state.next_number())
        self.last_id = max(number, getattr(self, "last_id", 0) + 1)
        return self.last_id

    def user(self, username: str, *, name: str = "", followers: int = 0, verified: bool = False) -> dict:
        if username in self.user_ids_by_handle:
            return self.users[self.user_ids_by_handle[username]]
        user = {
            "id": str(1_600_000_000_000_000_000 + self.state.next_number()),
            "username": username,
            "name": name or username.title(),
            "profile_image_url": f"https://pbs.twimg.com/profile_images/{username}_normal.jpg",
            "verified": verified,
            "public_metrics": {"followers_count": followers, "following_count": 10, "tweet_count": 100},
        }
        self.users[user["id"]] = user
        self.user_ids_by_handle[username] = user["id"]
        return user

    def add_tweet(
        self,
        *,
        text: str,
        author: str = "someone",
        author_name: str = "",
        followers: int = 0,
        in_reply_to: str | None = None,
        # X tags each post with the language it detects, "und" when it cannot tell; a fixed "en"
        # made every French test mention look English (and the guides' language rule object).
        lang: str = "und",
        retweets: int = 0,
        likes: int = 0,
        mention_brand: bool = True,
        created_at: str | None = None,
    ) -> dict[str, Any]:
        user = self.user(author, name=author_name, followers=followers)
        number = self.next_id()
        tweet_id = str(number)
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": user["id"],
            "created_at": created_at or iso(datetime.now(UTC)),
            "conversation_id": tweet_id,
            "lang": lang,
            "public_metrics": {
                "retweet_count": retweets,
                "reply_count": 0,
                "like_count": likes,
                "quote_count": 0,
                "impression_count": 0,
            },
        }
        if in_reply_to:
            parent = self.tweets.get(int(in_reply_to))
            tweet["conversation_id"] = parent["conversation_id"] if parent else in_reply_to
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
            tweet["in_reply_to_user_id"] = parent["author_id"] if parent else self.me["id"]
        self.tweets[number] = tweet
        self.everything.add(number)
        if mention_brand:
            self.mentions.add(number)
        return tweet

    def add_dm(
        self, *, text: str, sender: str = "someone", sender_name: str = "", created_at: str | None = None
    ) -> dict[str, Any]:
        user = self.user(sender, name=sender_name)
        return self._dm_event(sender_id=user["id"], other_id=user["id"], text=text, created_at=created_at)

    def add_group_dm(self, *, text: str, sender: str, others: list[str], created_at: str | None = None) -> dict:
        people = [self.user(sender)["id"], *(self.user(name)["id"] for name in others)]
        participants = sorted({self.me["id"], *people}, key=int)
        group = next((gid for gid, members in self.groups.items() if members == participants), None)
        if group is None:
            group = str(self.next_id())
            self.groups[group] = participants
        return self._dm_event(sender_id=people[0], other_id="", text=text, created_at=created_at, group=group)

    def edit_tweet(self, *, tweet_id: str, text: str) -> dict[str, Any]:
        """A new version of a post: a new id, the same author and thread, the history of ids so far."""
        original = self.tweets[int(tweet_id)]
        history = list(original["edit_history_tweet_ids"])
        latest = self.tweets[int(history[-1])]
        edit = self.add_tweet(text=text, author=self.users[latest["author_id"]]["username"],
                              mention_brand=int(history[0]) in self.mentions.ids)
        edit.update({key: latest[key] for key in ("conversation_id", "referenced_tweets", "in_reply_to_user_id")
                     if key in latest})
        for version in history:
            self.tweets[int(version)]["edit_history_tweet_ids"] = [*history, edit["id"]]
        edit["edit_history_tweet_ids"] = [*history, edit["id"]]
        return edit

    def _dm_event(self, *, sender_id: str, other_id: str, text: str, created_at: str | None = None,
                  group: str = "") -> dict:
        number = self.next_id()
        if group:
            conversation, participants = group, self.groups[group]
        else:
            low, high = sorted([int(self.me["id"]), int(other_id)])
            conversation, participants = f"{low}-{high}", [str(low), str(high)]
        event = {
            "id": str(number),
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender_id,
            "dm_conversation_id": conversation,
            "created_at": created_at or iso(datetime.now(UTC)),
            "participant_ids": participants,
        }
        self.dm_events[number] = event
        self.dm_timeline.add(number)
        return event

    # -- rendering -----------------------------------------------------------------------------

    def render_tweets(self, numbers: list[int], request: Request, meta: dict[str, Any], *,
                      lookup: bool = False) -> dict[str, Any]:
        fields = set(request.args("tweet.fields"))
        expansions = set(request.args("expansions"))
        user_fields = set(request.args("user.fields"))
        data = []
        user_ids: list[str] = []
        referenced: list[dict] = []
        omit_author = self.state.quirk("x", "omit_author_id", False) and not lookup
        for number in numbers:
            tweet = self.tweets[number]
            shown = {key: tweet[key] for key in ("id", "text", "edit_history_tweet_ids")}
            shown.update({key: tweet[key] for key in fields if key in tweet})
            shown["text"] = x_escaped(tweet["text"])
            if omit_author:
                shown.pop("author_id", None)
            data.append(shown)
            if "author_id" in expansions and not omit_author:
                user_ids.append(tweet["author_id"])
            if "in_reply_to_user_id" in expansions and tweet.get("in_reply_to_user_id"):
                user_ids.append(tweet["in_reply_to_user_id"])
            if "referenced_tweets.id" in expansions:
                for ref in tweet.get("referenced_tweets", []):
                    parent = self.tweets.get(int(ref["id"]))
                    if parent:
                        referenced.append({**{k: parent[k] for k in ("id", "author_id", "created_at")},
                                           "text": x_escaped(parent["text"])})
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        includes: dict[str, Any] = {}
        # Real pages come without `includes.users` when the expansion was not asked for, and users
        # that are suspended or protected are missing from it: the `omit_users` quirk plays that.
        if user_ids and not self.state.quirk("x", "omit_users", False):
            includes["users"] = [self.render_user(uid, user_fields) for uid in dict.fromkeys(user_ids)]
        if referenced:
            includes["tweets"] = referenced
        if includes:
            body["includes"] = includes
        body["meta"] = meta
        return body

    def render_user(self, user_id: str, fields: set[str]) -> dict[str, Any]:
        user = self.users.get(user_id) or {"id": user_id, "username": f"user{user_id}", "name": "Unknown"}
        shown = {key: user[key] for key in ("id", "name", "username")}
        shown.update({key: user[key] for key in fields if key in user})
        return shown

    def page_meta(self, numbers: list[int], more: bool, *, full: bool = False) -> dict[str, Any]:
        """Like X, a full page carries a `next_token` even when nothing older is left: the next page is
        then empty, without `newest_id`."""
        meta: dict[str, Any] = {"result_count": len(numbers)}
        if numbers:
            meta = {"newest_id": str(numbers[0]), "oldest_id": str(numbers[-1]), **meta}
            if more or full:
                meta["next_token"] = encode_token(numbers[-1])
        return meta

    # -- API -----------------------------------------------------------------------------------

    def check_auth(self, request: Request) -> Response | None:
        if not request.header("Authorization"):
            return problem(401, "Unauthorized", "Unauthorized")
        return None

    def users_me(self, request: Request) -> Response:
        return json_response(200, {"data": self.render_user(self.me["id"], set(request.args("user.fields")))},
                             rate_limit_headers())

    def mentions_timeline(self, request: Request, user_id: str) -> Response:
        max_results = int(request.arg("max_results") or 10)
        if not 5 <= max_results <= 100:
            return problem(400, "Invalid Request", "The `max_results` query parameter value is not between 5 and 100")
        timeline = self.mentions if user_id == self.me["id"] else Timeline()
        return self._page(timeline, request, max_results, request.arg("pagination_token"))

    def search_recent(self, request: Request) -> Response:
        query = request.arg("query") or ""
        if not query:
            return problem(400, "Invalid Request", "The `query` query parameter can not be empty")
        max_results = int(request.arg("max_results") or 10)
        if not 10 <= max_results <= 100:
            return problem(400, "Invalid Request", "The `max_results` query parameter value is not between 10 and 100")
        since = int(request.arg("since_id") or 0) or None
        until = self.until(request, request.arg("next_token"))
        matches: list[int] = []
        more = False
        for number in reversed(self.everything.ids):
            if until is not None and number >= until:
                continue
            if since is not None and number <= since:
                break
            if query_matches(query, self.tweets[number]["text"]):
                if len(matches) == max_results:
                    more = True
                    break
                matches.append(number)
        meta = self.page_meta(matches, more, full=len(matches) == max_results)
        return json_response(200, self.render_tweets(matches, request, meta), rate_limit_headers())

    def _page(self, timeline: Timeline, request: Request, max_results: int, token: str | None) -> Response:
        since = int(request.arg("since_id") or 0) or None
        until = self.until(request, token)
        numbers, more = timeline.newest_first(since=since, until=until, limit=max_results)
        meta = self.page_meta(numbers, more, full=len(numbers) == max_results)
        return json_response(200, self.render_tweets(numbers, request, meta), rate_limit_headers())

    @staticmethod
    def until(request: Request, token: str | None) -> int | None:
        bounds = [decode_token(token)] if token else []
        if request.arg("until_id"):
            bounds.append(int(request.arg("until_id") or 0))
        return min(bounds) if bounds else None

    def users_tweets(self, request: Request, user_id: str) -> Response:
        """A user's own posts, newest first, from `start_time` on when given."""
        max_results = int(request.arg("max_results") or 10)
        if not 5 <= max_results <= 100:
            return problem(400, "Invalid Request", "The `max_results` query parameter value is not between 5 and 100")
        start_time = parse_iso(request.arg("start_time") or "")
        until = self.until(request, request.arg("pagination_token"))
        chosen: list[int] = []
        more = False
        for number in reversed(self.everything.ids):
            tweet = self.tweets[number]
            if (until is not None and number >= until) or tweet["author_id"] != user_id:
                continue
            if start_time and parse_iso(tweet["created_at"]) < start_time:
                break
            if len(chosen) == max_results:
                more = True
                break
            chosen.append(number)
        return json_response(200, self.render_tweets(chosen, request, self.page_meta(chosen, more)),
                             rate_limit_headers())

    def create_tweet(self, request: Request) -> Response:
        payload = request.json()
        text = payload.get("text", "")
        in_reply_to = (payload.get("reply") or {}).get("in_reply_to_tweet_id", "")
        if (text, in_reply_to) in self.sent_replies:
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        if in_reply_to and int(in_reply_to) not in self.tweets:
            return problem(400, "Invalid Request", "The Tweet you are replying to does not exist.")
        self.sent_replies.add((text, in_reply_to))
        tweet = self.add_tweet(
            text=text, author=self.me["username"], in_reply_to=in_reply_to or None, mention_brand=False
        )
        self.state.record_post("x", {"kind": "tweet", "id": tweet["id"], "text": text,
                                     "in_reply_to_tweet_id": in_reply_to})
        return json_response(201, {"data": {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}},
                             rate_limit_headers(199))

    def list_dm_events(self, request: Request) -> Response:
        max_results = int(request.arg("max_results") or 100)
        if not 1 <= max_results <= 100:
            return problem(400, "Invalid Request", "The `max_results` query parameter value is not between 1 and 100")
        token = request.arg("pagination_token")
        until = decode_token(token) if token else None
        numbers, more = self.dm_timeline.newest_first(until=until, limit=max_results)
        fields = set(request.args("dm_event.fields"))
        data = []
        for number in numbers:
            event = self.dm_events[number]
            shown = {key: event[key] for key in ("id", "event_type", "text")}
            shown.update({key: event[key] for key in fields if key in event})
            shown["text"] = x_escaped(event["text"])
            data.append(shown)
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if "sender_id" in request.args("expansions") and data and not self.state.quirk("x", "omit_users", False):
            senders = dict.fromkeys(self.dm_events[n]["sender_id"] for n in numbers)
            body["includes"] = {"users": [self.render_user(uid, set(request.args("user.fields")))
                                          for uid in senders]}
        meta: dict[str, Any] = {"result_count": len(data)}
        if more and numbers:
            meta["next_token"] = encode_token(numbers[-1])
        body["meta"] = meta
        return json_response(200, body, rate_limit_headers(299))

    def conversation_dm_events(self, request: Request, participant_id: str = "", conversation_id: str = "") -> Response:
        """One conversation's events, newest first (`/with/<participant>/` names the one-to-one one)."""
        if participant_id:
            low, high = sorted([int(self.me["id"]), int(participant_id)])
            conversation_id = f"{low}-{high}"
        max_results = int(request.arg("max_results") or 100)
        token = request.arg("pagination_token")
        until = decode_token(token) if token else None
        numbers = [n for n in reversed(self.dm_timeline.ids) if (until is None or n < until)
                   and self.dm_events[n]["dm_conversation_id"] == conversation_id]
        chosen, more = numbers[:max_results], len(numbers) > max_results
        fields = set(request.args("dm_event.fields"))
        data = [{**{key: self.dm_events[n][key] for key in ("id", "event_type", "text")},
                 **{key: self.dm_events[n][key] for key in fields if key in self.dm_events[n]}} for n in chosen]
        meta: dict[str, Any] = {"result_count": len(data)}
        if more:
            meta["next_token"] = encode_token(chosen[-1])
        return json_response(200, {**({"data": data} if data else {}), "meta": meta}, rate_limit_headers(299))
    def lookup_users(self, request: Request) -> Response:
        ids = request.args("ids")
        if not ids or len(ids) > 100:
            return problem(400, "Invalid Request", "The `ids` query parameter value must hold 1 to 100 ids")
        fields = set(request.args("user.fields"))
        return json_response(200, {"data": [self.render_user(uid, fields) for uid in ids if uid in self.users]},
                             rate_limit_headers(299))

    def lookup_tweets(self, request: Request) -> Response:
        ids = request.args("ids")
        if not ids or len(ids) > 100:
            return problem(400, "Invalid Request", "The `ids` query parameter value must hold 1 to 100 ids")
        numbers = [int(i) for i in ids if int(i) in self.tweets]
        body = self.render_tweets(numbers, request, {}, lookup=True)
        body.pop("meta", None)
        return json_response(200, body, rate_limit_headers(299))

    def send_dm(self, request: Request, participant_id: str = "", conversation_id: str = "") -> Response:
        text = request.json().get("text", "")
        if conversation_id in self.groups:
            event = self._dm_event(sender_id=self.me["id"], other_id="", text=text, group=conversation_id)
            self.state.record_post("x", {"kind": "dm", "id": event["id"], "text": text, "participant_id": "",
                                         "dm_conversation_id": conversation_id})
            return json_response(201, {"data": {"dm_conversation_id": conversation_id, "dm_event_id": event["id"]}},
                                 rate_limit_headers(199))
        if conversation_id:
            others = [p for p in conversation_id.split("-") if p != self.me["id"]]
            participant_id = others[0] if others else ""
        if participant_id not in self.users:
            return problem(400, "Invalid Request", f"Could not find the participant {participant_id}.")
        event = self._dm_event(sender_id=self.me["id"], other_id=participant_id, text=text)
        self.state.record_post("x", {"kind": "dm", "id": event["id"], "text": text,
                                     "participant_id": participant_id,
                                     "dm_conversation_id": event["dm_conversation_id"]})
        return json_response(201, {"data": {"dm_conversation_id": event["dm_conversation_id"],
                                            "dm_event_id": event["id"]}}, rate_limit_headers(199))

    def register(self, router: Router) -> None:
        router.add("GET", r"/2/users/me", self.users_me)
        router.add("GET", r"/2/users", self.lookup_users)
        router.add("GET", r"/2/tweets", self.lookup_tweets)
        router.add("GET", r"/2/users/(?P<user_id>\d+)/mentions", self.mentions_timeline)
        router.add("GET", r"/2/users/(?P<user_id>\d+)/tweets", self.users_tweets)
        router.add("GET", r"/2/dm_conversations/with/(?P<participant_id>\d+)/dm_events", self.conversation_dm_events)
        router.add("GET", r"/2/dm_conversations/(?P<conversation_id>[\d-]+)/dm_events", self.conversation_dm_events)
        router.add("GET", r"/2/tweets/search/recent", self.search_recent)
        router.add("POST", r"/2/tweets", self.create_tweet)
        router.add("GET", r"/2/dm_events", self.list_dm_events)
        router.add("POST", r"/2/dm_conversations/with/(?P<participant_id>\d+)/messages", self.send_dm)
        router.add("POST", r"/2/dm_conversations/(?P<conversation_id>[\d-]+)/messages", self.send_dm)


def failure_response(mode: str, seconds: int) -> Response:
    if mode == "rate_limit":
        return problem(429, "Too Many Requests", "Too Many Requests", rate_limit_headers(0, seconds))
    if mode == "revoked":
        return problem(401, "Unauthorized", "Unauthorized")
    return problem(500, "Internal Server Error", "Something went wrong. Try again later.")

