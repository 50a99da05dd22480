"""Bluesky XRPC: sessions, the profile lookup login does, notifications, posts and record creation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from inbox.sandbox.http import Request, Response, Router, json_response
from inbox.sandbox.state import SandboxState, Timeline

JWT_SECRET = b"sandbox-jwt-secret"
BRAND = {"did": "did:plc:vigiebrand0000000000000", "handle": "vigie.sandbox.social", "displayName": "Vigie Brand"}
ACCESS_LIFETIME = 2 * 3600
B32 = "abcdefghijklmnopqrstuvwxyz234567"


def iso_ms(moment: datetime) -> str:
    """Bluesky's timestamps carry milliseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(payload: dict[str, Any]) -> str:
    header = b64url(json.dumps({"typ": "at+jwt", "alg": "HS256"}).encode())
    body = b64url(json.dumps(payload).encode())
    signature = hmac.new(JWT_SECRET, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def read_jwt(token: str) -> dict[str, Any] | None:
    try:
        header, body, signature = token.split(".")
        expected = b64url(hmac.new(JWT_SECRET, f"{header}.{body}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            return None
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None


def xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"error": error, "message": message}, headers)


def failure_response(mode: str, seconds: int) -> Response:
    if mode == "rate_limit":
        return xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", {
            "ratelimit-limit": "3000", "ratelimit-remaining": "0",
            "ratelimit-reset": str(int(time.time()) + seconds), "ratelimit-policy": "3000;w=300"})
    if mode == "revoked":
        return xrpc_error(401, "ExpiredToken", "Token has expired")
    return xrpc_error(500, "InternalServerError", "Internal Server Error")


def fake_cid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    bits = "".join(f"{byte:08b}" for byte in digest)
    return "bafyrei" + "".join(B32[int(bits[i:i + 5].ljust(5, "0"), 2)] for i in range(0, len(bits), 5))


class BlueskyWorld:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.profiles: dict[str, dict[str, Any]] = {BRAND["did"]: self.profile_view(**BRAND)}
        self.dids_by_handle: dict[str, str] = {BRAND["handle"]: BRAND["did"]}
        self.posts: dict[str, dict[str, Any]] = {}
        self.notifications: dict[int, dict[str, Any]] = {}
        self.timeline = Timeline()

    @staticmethod
    def profile_view(*, did: str, handle: str, displayName: str, followers: int = 0) -> dict[str, Any]:  # noqa: N803
        return {"did": did, "handle": handle, "displayName": displayName,
                "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/avatar@jpeg", "followersCount": followers,
                "followsCount": 0, "postsCount": 1, "labels": [], "viewer": {"muted": False, "blockedBy": False},
                "createdAt": "2023-04-01T00:00:00.000Z", "indexedAt": "2023-04-01T00:00:00.000Z"}

    def person(self, handle: str, display_name: str = "", followers: int = 0) -> dict[str, Any]:
        handle = handle if "." in handle else f"{handle}.bsky.social"
        if handle not in self.dids_by_handle:
            did = f"did:plc:{fake_cid(handle)[7:31]}"
            self.dids_by_handle[handle] = did
            self.profiles[did] = self.profile_view(did=did, handle=handle,
                                                   displayName=display_name or handle.split(".")[0].title(),
                                                   followers=followers)
        return self.profiles[self.dids_by_handle[handle]]

    def add_post(self, *, author: dict[str, Any], text: str, reply_to: str | None = None,
                 created_at: str | None = None, langs: list[str] | None = None,
                 record: dict[str, Any] | None = None) -> dict[str, Any]:
        number = self.state.next_number()
        rkey = f"3l{number:011d}"
        uri = f"at://{author['did']}/app.bsky.feed.post/{rkey}"
        record = record or {"$type": "app.bsky.feed.post", "text": text,
                            "createdAt": created_at or iso_ms(datetime.now(UTC)), "langs": langs or ["en"]}
        if reply_to and reply_to in self.posts and "reply" not in record:
            parent = self.posts[reply_to]
            root = parent["record"].get("reply", {}).get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
            record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
        post = {"uri": uri, "cid": fake_cid(uri), "author": author, "record": record,
                "indexedAt": iso_ms(datetime.now(UTC)), "replyCount": 0, "repostCount": 0, "likeCount": 0,
                "quoteCount": 0, "labels": []}
        self.posts[uri] = post
        return post

    def add_mention(self, *, text: str, author: str = "someone", display_name: str = "", followers: int = 0,
                    reply_to: str | None = None, created_at: str | None = None,
                    langs: list[str] | None = None) -> dict[str, Any]:
        person = self.person(author, display_name, followers)
        mentioned = text if f"@{BRAND['handle']}" in text or reply_to else f"@{BRAND['handle']} {text}"
        post = self.add_post(author=person, text=mentioned, reply_to=reply_to, created_at=created_at, langs=langs)
        number = self.state.next_number()
        self.notifications[number] = {
            "uri": post["uri"], "cid": post["cid"], "author": person, "reason": "reply" if reply_to else "mention",
            "record": post["record"], "isRead": False, "indexedAt": post["indexedAt"], "labels": []}
        if reply_to:
            self.notifications[number]["reasonSubject"] = reply_to
        self.timeline.add(number)
        return self.notifications[number]

    # -- API -----------------------------------------------------------------------------------

    def session_for(self, did: str) -> dict[str, Any]:
        now = int(time.time())
        profile = self.profiles[did]
        return {
            "did": did, "handle": profile["handle"], "email": "brand@example.com", "emailConfirmed": True,
            "active": True,
            "accessJwt": make_jwt({"scope": "com.atproto.access", "sub": did, "iat": now,
                                   "exp": now + ACCESS_LIFETIME, "aud": "did:web:sandbox"}),
            "refreshJwt": make_jwt({"scope": "com.atproto.refresh", "sub": did, "iat": now,
                                    "exp": now + 60 * 86400, "aud": "did:web:sandbox",
                                    "jti": str(self.state.next_number())}),
        }

    def check_auth(self, request: Request) -> Response | None:
        if request.path.endswith("com.atproto.server.createSession"):
            return None
        token = request.header("Authorization").removeprefix("Bearer ")
        claims = read_jwt(token)
        wanted = "com.atproto.refresh" if request.path.endswith("refreshSession") else "com.atproto.access"
        if not claims or claims.get("scope") != wanted:
            return xrpc_error(401, "InvalidToken", "Token could not be verified")
        if claims["exp"] < time.time():
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        return None

    def create_session(self, request: Request) -> Response:
        payload = request.json()
        identifier = payload.get("identifier", "")
        did = self.dids_by_handle.get(identifier, identifier if identifier in self.profiles else None)
        if not did or not payload.get("password"):
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        return json_response(200, self.session_for(did))

    def refresh_session(self, request: Request) -> Response:
        claims = read_jwt(request.header("Authorization").removeprefix("Bearer ")) or {}
        return json_response(200, self.session_for(claims.get("sub", BRAND["did"])))

    def get_session(self, request: Request) -> Response:
        claims = read_jwt(request.header("Authorization").removeprefix("Bearer ")) or {}
        profile = self.profiles[claims.get("sub", BRAND["did"])]
        return json_response(200, {"did": profile["did"], "handle": profile["handle"], "active": True})

    def get_profile(self, request: Request) -> Response:
        actor = request.arg("actor") or ""
        did = self.dids_by_handle.get(actor, actor)
        if did not in self.profiles:
            return xrpc_error(400, "InvalidRequest", "Profile not found")
        return json_response(200, self.profiles[did])

    def list_notifications(self, request: Request) -> Response:
        limit = min(int(request.arg("limit") or 50), int(self.state.quirk("bluesky", "max_limit", 100)))
        reasons = set(request.args("reasons"))
        cursor = request.arg("cursor")
        until = int(cursor) if cursor else None
        chosen: list[int] = []
        for number in reversed(self.timeline.ids):
            if until is not None and number >= until:
                continue
            if reasons and self.notifications[number]["reason"] not in reasons:
                continue
            if len(chosen) == limit:
                break
            chosen.append(number)
        body: dict[str, Any] = {"notifications": [self.notifications[n] for n in chosen], "seenAt": None}
        # Like the AppView, every non-empty page carries a cursor, the last one too: only an empty page
        # says the list is over (`more` is not told apart).
        if chosen:
            body["cursor"] = str(chosen[-1])
        return json_response(200, body, {"ratelimit-limit": "3000", "ratelimit-remaining": "2999"})

    def get_posts(self, request: Request) -> Response:
        uris = request.query.get("uris", []) + request.query.get("uris[]", [])
        return json_response(200, {"posts": [self.posts[uri] for uri in uris if uri in self.posts]})

    def get_author_feed(self, request: Request) -> Response:
        """An account's own posts and replies, newest first (what a connector reads to find a post it
        is not sure it published)."""
        actor = request.arg("actor") or ""
        did = self.dids_by_handle.get(actor, actor)
        limit = min(int(request.arg("limit") or 50), 100)
        cursor = request.arg("cursor")
        theirs = [post for post in reversed(self.posts.values()) if post["author"]["did"] == did]
        start = int(cursor) if cursor else 0
        chosen = theirs[start:start + limit]
        body: dict[str, Any] = {"feed": [{"post": post} for post in chosen]}
        if start + limit < len(theirs):
            body["cursor"] = str(start + limit)
        return json_response(200, body)

    def create_record(self, request: Request) -> Response:
        payload = request.json()
        claims = read_jwt(request.header("Authorization").removeprefix("Bearer ")) or {}
        if payload.get("repo") not in (claims.get("sub"), self.profiles[claims.get("sub", BRAND["did"])]["handle"]):
            return xrpc_error(400, "InvalidRequest", "Can not create records in another repo")
        record = payload.get("record", {})
        post = self.add_post(author=self.profiles[BRAND["did"]], text=record.get("text", ""), record=record)
        self.state.record_post("bluesky", {"kind": "post", "id": post["uri"], "text": record.get("text", ""),
                                           "reply": record.get("reply")})
        return json_response(200, {"uri": post["uri"], "cid": post["cid"],
                                   "commit": {"cid": fake_cid(post["uri"] + "commit"), "rev": "3l0000000000"},
                                   "validationStatus": "valid"})

    def register(self, router: Router) -> None:
        router.add("POST", r"/xrpc/com\.atproto\.server\.createSession", self.create_session)
        router.add("POST", r"/xrpc/com\.atproto\.server\.refreshSession", self.refresh_session)
        router.add("GET", r"/xrpc/com\.atproto\.server\.getSession", self.get_session)
        router.add("GET", r"/xrpc/app\.bsky\.actor\.getProfile", self.get_profile)
        router.add("GET", r"/xrpc/app\.bsky\.notification\.listNotifications", self.list_notifications)
        router.add("GET", r"/xrpc/app\.bsky\.feed\.getPosts", self.get_posts)
        router.add("GET", r"/xrpc/app\.bsky\.feed\.getAuthorFeed", self.get_author_feed)
        router.add("POST", r"/xrpc/com\.atproto\.repo\.createRecord", self.create_record)
