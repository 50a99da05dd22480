"""Meta Graph API: a Facebook Page (feed, comments, Messenger) and an Instagram professional account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from inbox.sandbox.http import Request, Response, Router, json_response
from inbox.sandbox.state import SandboxState

APP_SECRET = "sandbox-app-secret"
PAGE = {"id": "104000000000001", "name": "Vigie Brand"}
IG_USER = {"id": "17841400000000001", "username": "vigie.brand", "name": "Vigie Brand"}
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S+0000"
MESSAGING_WINDOW = timedelta(hours=24)


def graph_time(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime(GRAPH_TIME)


def parse_graph_time(value: str) -> datetime:
    return datetime.strptime(value, GRAPH_TIME).replace(tzinfo=UTC)


def graph_error(status: int, message: str, code: int, *, error_type: str = "OAuthException",
                subcode: int | None = None, headers: dict[str, str] | None = None) -> Response:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code,
                             "fbtrace_id": secrets.token_urlsafe(8)}
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response(status, {"error": error}, headers)


def failure_response(mode: str, seconds: int) -> Response:
    if mode == "rate_limit":
        usage = {PAGE["id"]: [{"type": "pages", "call_count": 100, "total_cputime": 30, "total_time": 40,
                               "estimated_time_to_regain_access": math.ceil(seconds / 60)}]}
        return graph_error(400, "(#613) Calls to this api have exceeded the rate limit.", 613,
                           headers={"X-Business-Use-Case-Usage": json.dumps(usage)})
    if mode == "revoked":
        return graph_error(400, "Error validating access token: The session has been invalidated because "
                                "the user changed their password or Facebook has changed the session for "
                                "security reasons.", 190, subcode=460)
    return graph_error(500, "An unexpected error has occurred. Please retry your request later.", 2)


def split_fields(spec: str) -> list[str]:
    """Top-level names of a Graph `fields` spec such as `id,messages.limit(5){id,message},from`."""
    names, depth, current = [], 0, ""
    for char in spec:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == "," and depth == 0:
            names.append(current)
            current = ""
        else:
            current += char
    names.append(current)
    return [name for name in (part.strip() for part in names) if name]


def field_name(part: str) -> str:
    return re.split(r"[.{(]", part, maxsplit=1)[0]


class OrderedEdge:
    """An edge's ids in creation order, with a position index so cursors stay O(1) at 10,000s of items."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.position: dict[str, int] = {}

    def add(self, object_id: str) -> None:
        self.position[object_id] = len(self.ids)
        self.ids.append(object_id)

    def move_to_end(self, object_id: str) -> None:
        if object_id in self.position:
            self.ids[self.position[object_id]] = ""
        self.add(object_id)

    def page(self, *, newest_first: bool, after: str | None, limit: int) -> tuple[list[str], bool]:
        if newest_first:
            end = self.position.get(after, len(self.ids)) if after else len(self.ids)
            chunk, index = [], end - 1
            while index >= 0 and len(chunk) < limit:
                if self.ids[index]:
                    chunk.append(self.ids[index])
                index -= 1
            return chunk, any(self.ids[:index + 1])
        start = self.position[after] + 1 if after and after in self.position else 0
        chunk, index = [], start
        while index < len(self.ids) and len(chunk) < limit:
            if self.ids[index]:
                chunk.append(self.ids[index])
            index += 1
        return chunk, any(self.ids[index:])


def encode_cursor(object_id: str) -> str:
    return base64.urlsafe_b64encode(object_id.encode()).decode()


def decode_cursor(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor.encode()).decode()


class GraphWorld:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.objects: dict[str, dict[str, Any]] = {
            PAGE["id"]: {"_kind": "page", **PAGE},
            IG_USER["id"]: {"_kind": "ig_user", **IG_USER},
        }
        self.edges: dict[tuple[str, str], OrderedEdge] = {}
        self.people: dict[str, dict[str, str]] = {}
        self.ig_people: dict[str, dict[str, str]] = {}
        self.conversation_by_psid: dict[str, str] = {}

    def edge(self, object_id: str, name: str) -> OrderedEdge:
        return self.edges.setdefault((object_id, name), OrderedEdge())

    def number(self) -> int:
        return self.state.next_number()

    def person(self, name: str) -> dict[str, str]:
        if name not in self.people:
            self.people[name] = {"id": str(24_000_000_000_000 + self.number()), "name": name}
        return self.people[name]

    def ig_person(self, username: str) -> dict[str, str]:
        if username not in self.ig_people:
            self.ig_people[username] = {"id": str(17_842_000_000_000_000 + self.number()), "username": username}
        return self.ig_people[username]

    def platform_of(self, path: str) -> str:
        parts = path.strip("/").split("/")
        target = self.objects.get(parts[1] if len(parts) > 1 else "", {})
        return "instagram" if target.get("_kind", "").startswith("ig_") else "facebook"

    # -- world building: Facebook --------------------------------------------------------------

    def add_post(self, *, message: str, created_time: str | None = None) -> dict[str, Any]:
        post_id = f"{PAGE['id']}_{self.number()}"
        now = created_time or graph_time()
        post = {"_kind": "post", "id": post_id, "message": message, "created_time": now,
                "updated_time": now, "from": dict(PAGE),
                "permalink_url": f"https://www.facebook.com/{post_id.replace('_', '/posts/')}"}
        self.objects[post_id] = post
        self.edge(PAGE["id"], "feed").add(post_id)
        return post

    def add_comment(self, *, post_id: str = "", parent_id: str = "", message: str, author: str = "Someone",
                    created_time: str | None = None, from_page: bool = False) -> dict[str, Any]:
        if not post_id and not parent_id:
            post_id = self.add_post(message="A post from the brand")["id"]
        parent = self.objects.get(parent_id) if parent_id else None
        post_id = parent["post_id"] if parent else post_id
        comment_id = f"{post_id.split('_')[-1]}_{self.number()}"
        author_ref = dict(PAGE) if from_page else self.person(author)
        comment = {"_kind": "comment", "id": comment_id, "message": message,
                   "created_time": created_time or graph_time(), "from": author_ref, "post_id": post_id,
                   "permalink_url": f"https://www.facebook.com/{post_id}?comment_id={comment_id}"}
        if parent:
            comment["parent"] = {"id": parent["id"], "message": parent["message"],
                                 "created_time": parent["created_time"], "from": parent["from"]}
        self.objects[comment_id] = comment
        self.edge(post_id, "stream").add(comment_id)
        self.edge(parent_id or post_id, "comments").add(comment_id)
        self.objects[post_id]["updated_time"] = comment["created_time"]
        return comment

    def add_message(self, *, text: str, sender: str = "Someone", created_time: str | None = None,
                    platform: str = "messenger") -> dict[str, Any]:
        person = self.person(sender) if platform == "messenger" else self.ig_person(sender)
        return self._message(psid=person["id"], text=text, from_ref=person, created_time=created_time,
                             platform=platform)

    def _message(self, *, psid: str, text: str, from_ref: dict, created_time: str | None,
                 platform: str) -> dict[str, Any]:
        conversation_id = self.conversation_by_psid.get(psid)
        if not conversation_id:
            conversation_id = f"t_{self.number()}"
            self.conversation_by_psid[psid] = conversation_id
            self.objects[conversation_id] = {"_kind": "conversation", "id": conversation_id, "psid": psid,
                                             "platform": platform,
                                             "participants": {"data": [from_ref, dict(PAGE)]}}
        moment = created_time or graph_time()
        message_id = f"m_{secrets.token_urlsafe(18)}"
        recipient = dict(PAGE) if from_ref.get("id") != PAGE["id"] else self.objects[conversation_id][
            "participants"]["data"][0]
        message = {"_kind": "message", "id": message_id, "message": text, "created_time": moment,
                   "from": from_ref, "to": {"data": [recipient]}}
        self.objects[message_id] = message
        self.edge(conversation_id, "messages").add(message_id)
        self.objects[conversation_id]["updated_time"] = moment
        self.edge(PAGE["id"], "conversations").move_to_end(conversation_id)
        return {**message, "conversation_id": conversation_id, "psid": psid}

    # -- world building: Instagram -------------------------------------------------------------

    def add_media(self, *, caption: str, username: str = "", tagged: bool = False,
                  timestamp: str | None = None) -> dict[str, Any]:
        media_id = str(17_900_000_000_000_000 + self.number())
        owner = IG_USER if not username else self.ig_person(username)
        media = {"_kind": "ig_media", "id": media_id, "caption": caption, "media_type": "IMAGE",
                 "timestamp": timestamp or graph_time(), "username": owner["username"],
                 "owner": {"id": owner["id"]}, "permalink": f"https://www.instagram.com/p/{media_id}/",
                 "like_count": 0, "comments_count": 0}
        self.objects[media_id] = media
        self.edge(IG_USER["id"], "tags" if tagged else "media").add(media_id)
        return media

    def add_ig_comment(self, *, media_id: str = "", parent_id: str = "", text: str, username: str = "someone",
                       timestamp: str | None = None) -> dict[str, Any]:
        if not media_id and not parent_id:
            media_id = self.add_media(caption="A post from the brand")["id"]
        parent = self.objects.get(parent_id) if parent_id else None
        media_id = parent["media"]["id"] if parent else media_id
        author = IG_USER if username == IG_USER["username"] else self.ig_person(username)
        comment_id = str(17_800_000_000_000_000 + self.number())
        comment = {"_kind": "ig_comment", "id": comment_id, "text": text, "timestamp": timestamp or graph_time(),
                   "username": author["username"], "from": {"id": author["id"], "username": author["username"]},
                   "media": {"id": media_id}, "like_count": 0}
        if parent:
            comment["parent_id"] = parent["id"]
        self.objects[comment_id] = comment
        self.edge(parent_id, "replies").add(comment_id) if parent else self.edge(media_id, "comments").add(
            comment_id)
        self.objects[media_id]["comments_count"] += 1
        return comment

    # -- rendering -----------------------------------------------------------------------------

    def render(self, object_id: str, request: Request, fields_spec: str | None = None) -> dict[str, Any]:
        obj = self.objects[object_id]
        spec = fields_spec if fields_spec is not None else request.arg("fields")
        if not spec:
            defaults = {"post": ("id", "message", "created_time"), "comment": ("id", "message", "created_time"),
                        "ig_media": ("id",), "ig_comment": ("id", "text", "timestamp")}
            names = defaults.get(obj["_kind"], ("id", "name"))
            return {name: obj[name] for name in names if name in obj}
        shown: dict[str, Any] = {"id": object_id}
        for part in split_fields(spec):
            name = field_name(part)
            if name in ("comments", "messages", "replies"):
                inner = re.search(r"\{(.*)\}$", part)
                ids, more = self.edge(object_id, name).page(newest_first=name == "messages", after=None, limit=25)
                shown[name] = self.edge_body(ids, more, request, inner.group(1) if inner else "")
            elif name in ("mentioned_media", "mentioned_comment") and obj["_kind"] == "ig_user":
                target = re.search(r"\((\d+)\)", part)
                inner = re.search(r"\{(.*)\}$", part)
                if target and target.group(1) in self.objects:
                    shown[name] = self.render(target.group(1), request, inner.group(1) if inner else "id")
            elif name in obj:
                shown[name] = obj[name]
        return shown

    def edge_body(self, ids: list[str], more: bool, request: Request, fields: str) -> dict[str, Any]:
        body: dict[str, Any] = {"data": [self.render(i, request, fields) for i in ids]}
        if ids:
            body["paging"] = {"cursors": {"before": encode_cursor(ids[0]), "after": encode_cursor(ids[-1])}}
            if more:
                query = {k: v[0] for k, v in request.query.items() if k not in ("after", "before")}
                query["after"] = encode_cursor(ids[-1])
                body["paging"]["next"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        return body

    # -- API -----------------------------------------------------------------------------------

    def check_auth(self, request: Request) -> Response | None:
        token = request.arg("access_token")
        if not token:
            return graph_error(400, "An access token is required to request this resource.", 104)
        proof = request.arg("appsecret_proof")
        if not proof:
            return graph_error(400, "API calls from the server require an appsecret_proof argument", 100,
                               error_type="GraphMethodException")
        expected = hmac.new(APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(proof, expected):
            return graph_error(400, "Invalid appsecret_proof provided in the API argument", 100,
                               error_type="GraphMethodException")
        return None

    def missing(self, object_id: str) -> Response:
        return graph_error(400, f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot "
                                "be loaded due to missing permissions, or does not support this operation.",
                           100, error_type="GraphMethodException", subcode=33)

    def get_object(self, request: Request, version: str, object_id: str) -> Response:
        if object_id == "me":
            object_id = PAGE["id"]
        if object_id not in self.objects:
            return self.missing(object_id)
        return json_response(200, self.render(object_id, request))

    def get_edge(self, request: Request, version: str, object_id: str, edge: str) -> Response:
        obj = self.objects.get(object_id)
        if not obj:
            return self.missing(object_id)
        limit = min(int(request.arg("limit") or 25), 100)
        # Graph filters pages after cutting them (privacy, deleted items): a page often holds fewer than
        # `limit` while `next` says more follow. The `page_shortfall` quirk plays that.
        limit = max(1, limit - int(self.state.quirk(self.platform_of(request.path), "page_shortfall", 0)))
        after = decode_cursor(request.arg("after")) if request.arg("after") else None
        if edge == "comments" and obj["_kind"] == "post" and request.arg("filter") == "stream":
            edge = "stream"
        newest_first = edge in ("feed", "conversations", "tags", "media", "messages") or (
            request.arg("order") == "reverse_chronological")
        if edge == "conversations":
            wanted = request.arg("platform") or "messenger"
            ids, more = self.edge(object_id, edge).page(newest_first=True, after=after, limit=100_000)
            ids = [i for i in ids if self.objects[i]["platform"] == wanted]
            if request.arg("user_id"):  # the conversation with one person
                ids = [i for i in ids if self.objects[i].get("psid") == request.arg("user_id")]
            more, ids = len(ids) > limit, ids[:limit]
        else:
            ids, more = self.edge(object_id, edge).page(newest_first=newest_first, after=after, limit=limit)
        return json_response(200, self.edge_body(ids, more, request, request.arg("fields") or ""))

    def post_comment(self, request: Request, version: str, object_id: str) -> Response:
        obj = self.objects.get(object_id)
        message = request.arg("message") or ""
        if not obj:
            return self.missing(object_id)
        if obj["_kind"] in ("ig_media", "ig_comment"):
            return self.post_ig_reply(request, version, object_id)
        is_reply = obj["_kind"] == "comment"
        comment = self.add_comment(post_id="" if is_reply else object_id, parent_id=object_id if is_reply else "",
                                   message=message, from_page=True)
        self.state.record_post("facebook", {"kind": "comment", "id": comment["id"], "text": message,
                                            "in_reply_to": object_id})
        return json_response(200, {"id": comment["id"]})

    def post_to_feed(self, request: Request, version: str, object_id: str) -> Response:
        """POST /{page-id}/feed: the Page publishes a post; Graph answers its id alone."""
        obj = self.objects.get(object_id)
        if not obj:
            return self.missing(object_id)
        if obj["_kind"] != "page":
            return graph_error(400, "(#200) The user hasn't authorized the application to perform this action",
                               200)
        message = request.arg("message") or ""
        if not message.strip() and not request.arg("link"):
            return graph_error(400, "(#100) Missing message or attachment", 100)
        post = self.add_post(message=message)
        self.state.record_post("facebook", {"kind": "post", "id": post["id"], "text": message})
        return json_response(200, {"id": post["id"]})

    def update_object(self, request: Request, version: str, object_id: str) -> Response:
        """POST /{page-post-id}: update a post of the Page; `is_pinned` pins it (one pinned post per
        Page: pinning another unpins the previous one). Graph answers {"success": true}."""
        obj = self.objects.get(object_id)
        if not obj or obj["_kind"] != "post":
            return self.missing(object_id)
        if request.arg("is_pinned") is not None:
            pinned = request.arg("is_pinned") in ("true", "1")
            if pinned:
                for other in self.objects.values():
                    if other.get("_kind") == "post":
                        other["is_pinned"] = False
            obj["is_pinned"] = pinned
            self.state.record_post("facebook", {"kind": "pin" if pinned else "unpin", "id": object_id})
        if request.arg("message") is not None:
            obj["message"] = request.arg("message")
        return json_response(200, {"success": True})

    def send_message(self, request: Request, version: str, object_id: str) -> Response:
        recipient = json.loads(request.arg("recipient") or "{}")
        message = json.loads(request.arg("message") or "{}")
        psid = str(recipient.get("id", ""))
        conversation_id = self.conversation_by_psid.get(psid)
        if not conversation_id:
            return graph_error(400, "(#100) No matching user found", 100, subcode=2018001)
        platform = self.objects[conversation_id]["platform"]
        last_inbound = [self.objects[m] for m in self.edge(conversation_id, "messages").ids
                        if m and self.objects[m]["from"]["id"] == psid]
        latest = max((parse_graph_time(m["created_time"]) for m in last_inbound), default=None)
        if request.arg("messaging_type") == "RESPONSE" and (
                latest is None or datetime.now(UTC) - latest > MESSAGING_WINDOW):
            return graph_error(400, "(#10) This message is sent outside of allowed window.", 10, subcode=2018278)
        sent = self._message(psid=psid, text=message.get("text", ""), from_ref=dict(PAGE), created_time=None,
                             platform=platform)
        self.state.record_post("instagram" if platform == "instagram" else "facebook",
                               {"kind": "message", "id": sent["id"], "text": message.get("text", ""),
                                "recipient_id": psid, "messaging_type": request.arg("messaging_type")})
        return json_response(200, {"recipient_id": psid, "message_id": sent["id"]})

    def post_ig_reply(self, request: Request, version: str, object_id: str) -> Response:
        comment = self.objects.get(object_id)
        if not comment or comment["_kind"] not in ("ig_comment", "ig_media"):
            return self.missing(object_id)
        message = request.arg("message") or ""
        if comment["_kind"] == "ig_media":
            reply = self.add_ig_comment(media_id=object_id, text=message, username=IG_USER["username"])
        else:
            top = comment.get("parent_id") or object_id
            reply = self.add_ig_comment(parent_id=top, text=message, username=IG_USER["username"])
        self.state.record_post("instagram", {"kind": "comment", "id": reply["id"], "text": message,
                                             "in_reply_to": object_id})
        return json_response(200, {"id": reply["id"]})

    def post_ig_mention_reply(self, request: Request, version: str, object_id: str) -> Response:
        media_id = request.arg("media_id") or ""
        comment_id = request.arg("comment_id") or ""
        if media_id not in self.objects:
            return self.missing(media_id)
        message = request.arg("message") or ""
        if comment_id:
            reply = self.add_ig_comment(parent_id=comment_id, text=message, username=IG_USER["username"])
        else:
            reply = self.add_ig_comment(media_id=media_id, text=message, username=IG_USER["username"])
        self.state.record_post("instagram", {"kind": "mention_reply", "id": reply["id"], "text": message,
                                             "in_reply_to": comment_id or media_id})
        return json_response(200, {"id": reply["id"]})

    def register(self, router: Router) -> None:
        prefix = r"/(?P<version>v\d+\.\d+)/(?P<object_id>[\w.-]+)"
        router.add("GET", prefix, self.get_object)
        router.add("GET", prefix + r"/(?P<edge>feed|comments|conversations|messages|tags|media|replies)",
                   self.get_edge)
        router.add("POST", prefix + r"/comments", self.post_comment)
        router.add("POST", prefix + r"/feed", self.post_to_feed)
        router.add("POST", prefix + r"/replies", self.post_ig_reply)
        router.add("POST", prefix + r"/messages", self.send_message)
        router.add("POST", prefix + r"/mentions", self.post_ig_mention_reply)
        router.add("POST", prefix, self.update_object)


def meta_signature(body: bytes, app_secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
