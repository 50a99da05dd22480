"""The `/_sandbox/` control API: inject traffic, steer failures, read what was posted, send webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests

from inbox.sandbox import graph_api, x_api
from inbox.sandbox.http import Request, Response, Router, json_response
from inbox.sandbox.state import FailureRule

if TYPE_CHECKING:
    from inbox.sandbox.server import PlatformSandbox

X_CONSUMER_SECRET = "sandbox-consumer-secret"
FAILURE_MODES = ("rate_limit", "revoked", "error", "slow", "slow_accept")
PLATFORMS = ("x", "facebook", "instagram", "mastodon", "bluesky", "web")


def x_signature(body: bytes, consumer_secret: str = X_CONSUMER_SECRET) -> str:
    digest = hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def twitter_time(value: str) -> str:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%a %b %d %H:%M:%S +0000 %Y")


def unix(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00")).timestamp())


class Control:
    def __init__(self, sandbox: PlatformSandbox) -> None:
        self.sandbox = sandbox

    def injectors(self) -> dict[tuple[str, str], Callable[..., dict[str, Any]]]:
        world = self.sandbox.worlds
        return {
            ("x", "mentions"): lambda **kw: self.x_tweet_with_webhook(world["x"].add_tweet(**kw)),
            ("x", "posts"): lambda **kw: world["x"].add_tweet(mention_brand=False, **kw),
            ("x", "dms"): lambda **kw: self.x_dm_with_webhook(world["x"].add_dm(**kw)),
            ("x", "group_dms"): world["x"].add_group_dm,
            ("x", "edits"): lambda **kw: self.x_tweet_with_webhook(world["x"].edit_tweet(**kw)),
            ("facebook", "posts"): world["graph"].add_post,
            ("facebook", "comments"): lambda **kw: self.fb_comment_with_webhook(world["graph"].add_comment(**kw)),
            ("facebook", "messages"): lambda **kw: self.messaging_webhook(world["graph"].add_message(**kw)),
            ("instagram", "media"): world["graph"].add_media,
            ("instagram", "tags"): lambda **kw: world["graph"].add_media(tagged=True, **kw),
            ("instagram", "comments"): lambda **kw: self.ig_comment_with_webhook(
                world["graph"].add_ig_comment(**kw)),
            ("instagram", "messages"): lambda **kw: self.messaging_webhook(
                world["graph"].add_message(platform="instagram", **kw), "instagram"),
            ("mastodon", "mentions"): world["mastodon"].add_mention,
            ("bluesky", "mentions"): world["bluesky"].add_mention,
            ("web", "entries"): world["web"].add_entry,
            ("web", "raw"): world["web"].set_raw,
        }

    # -- webhook payloads, as the platforms would send them for the injected item -------------

    def x_tweet_with_webhook(self, tweet: dict[str, Any]) -> dict[str, Any]:
        user = self.sandbox.worlds["x"].users[tweet["author_id"]]
        replied = next((r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "replied_to"), None)
        event = {"created_at": twitter_time(tweet["created_at"]), "id": int(tweet["id"]), "id_str": tweet["id"],
                 "text": x_api.x_escaped(tweet["text"]), "in_reply_to_status_id_str": replied, "lang": tweet["lang"],
                 "edit_history": {"initial_tweet_id": tweet["edit_history_tweet_ids"][0],
                                  "edit_tweet_ids": tweet["edit_history_tweet_ids"]},
                 "retweet_count": tweet["public_metrics"]["retweet_count"],
                 "favorite_count": tweet["public_metrics"]["like_count"],
                 "user": {"id_str": user["id"], "screen_name": user["username"], "name": user["name"],
                          "profile_image_url_https": user["profile_image_url"],
                          "followers_count": user["public_metrics"]["followers_count"],
                          "verified": user["verified"]}}
        webhook = {"for_user_id": x_api.BRAND_USER["id"], "tweet_create_events": [event]}
        return {**tweet, "webhook": webhook}

    def x_dm_with_webhook(self, event: dict[str, Any]) -> dict[str, Any]:
        sender = self.sandbox.worlds["x"].users[event["sender_id"]]
        webhook = {"for_user_id": x_api.BRAND_USER["id"], "direct_message_events": [{
            "type": "message_create", "id": event["id"],
            "created_timestamp": str(unix(event["created_at"]) * 1000),
            "message_create": {"target": {"recipient_id": x_api.BRAND_USER["id"]}, "sender_id": sender["id"],
                               "message_data": {"text": x_api.x_escaped(event["text"]), "entities": {}}}}],
            "users": {sender["id"]: {"id": sender["id"], "name": sender["name"], "screen_name": sender["username"],
                                     "profile_image_url_https": sender["profile_image_url"]}}}
        return {**event, "webhook": webhook}

    def fb_comment_with_webhook(self, comment: dict[str, Any]) -> dict[str, Any]:
        value = {"from": comment["from"], "post": {"id": comment["post_id"], "status_type": "added_photos"},
                 "message": comment["message"], "post_id": comment["post_id"], "comment_id": comment["id"],
                 "created_time": unix(comment["created_time"]), "item": "comment", "verb": "add",
                 "parent_id": comment.get("parent", {}).get("id", comment["post_id"])}
        webhook = {"object": "page", "entry": [{"id": graph_api.PAGE["id"], "time": value["created_time"],
                                                "changes": [{"field": "feed", "value": value}]}]}
        return {**self.public(comment), "webhook": webhook}

    def ig_comment_with_webhook(self, comment: dict[str, Any]) -> dict[str, Any]:
        value = {"from": comment["from"], "media": {"id": comment["media"]["id"], "media_product_type": "FEED"},
                 "id": comment["id"], "text": comment["text"]}
        if comment.get("parent_id"):
            value["parent_id"] = comment["parent_id"]
        webhook = {"object": "instagram", "entry": [{"id": graph_api.IG_USER["id"], "time": unix(
            comment["timestamp"]), "changes": [{"field": "comments", "value": value}]}]}
        return {**self.public(comment), "webhook": webhook}

    def messaging_webhook(self, message: dict[str, Any], platform: str = "page") -> dict[str, Any]:
        recipient = graph_api.IG_USER["id"] if platform == "instagram" else graph_api.PAGE["id"]
        event = {"sender": {"id": message["psid"]}, "recipient": {"id": recipient},
                 "timestamp": unix(message["created_time"]) * 1000,
                 "message": {"mid": message["id"], "text": message["message"]}}
        webhook = {"object": platform, "entry": [{"id": recipient, "time": event["timestamp"],
                                                  "messaging": [event]}]}
        return {**self.public(message), "webhook": webhook}

    @staticmethod
    def public(obj: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in obj.items() if not key.startswith("_")}

    # -- routes --------------------------------------------------------------------------------

    def reset(self, request: Request) -> Response:
        self.sandbox.reset()
        return json_response(200, {"reset": True})

    def config(self, request: Request) -> Response:
        return json_response(200, {
            "x": {"user_id": x_api.BRAND_USER["id"], "username": x_api.BRAND_USER["username"],
                  "consumer_secret": X_CONSUMER_SECRET},
            "facebook": {"page_id": graph_api.PAGE["id"], "app_secret": graph_api.APP_SECRET},
            "instagram": {"ig_user_id": graph_api.IG_USER["id"], "username": graph_api.IG_USER["username"],
                          "page_id": graph_api.PAGE["id"], "app_secret": graph_api.APP_SECRET},
            "mastodon": {"acct": self.sandbox.worlds["mastodon"].me["acct"],
                         "account_id": self.sandbox.worlds["mastodon"].me["id"]},
            "bluesky": {"did": "did:plc:vigiebrand0000000000000", "handle": "vigie.sandbox.social"},
        })

    def inject(self, request: Request, platform: str, kind: str) -> Response:
        injector = self.injectors().get((platform, kind))
        if not injector:
            return json_response(404, {"error": f"Nothing to inject as {platform}/{kind}."})
        payload = request.json()
        try:
            if "items" in payload:
                created = [injector(**item) for item in payload["items"]]
                return json_response(201, {"ids": [self.id_of(c) for c in created], "items": created})
            return json_response(201, injector(**payload))
        except TypeError as error:
            return json_response(400, {"error": str(error)})

    @staticmethod
    def id_of(created: dict[str, Any]) -> str:
        return created.get("id") or created.get("uri") or created.get("status", {}).get("id", "")

    def fail(self, request: Request) -> Response:
        payload = request.json()
        if payload.get("platform") not in PLATFORMS or payload.get("mode") not in FAILURE_MODES:
            return json_response(400, {"error": f"platform must be one of {PLATFORMS}, mode one of {FAILURE_MODES}"})
        rule = FailureRule(platform=payload["platform"], mode=payload["mode"], path=payload.get("path", ""),
                           remaining=payload.get("times"), seconds=int(payload.get("seconds", 60)),
                           delay_ms=int(payload.get("delay_ms", 0)))
        self.sandbox.state.failures.append(rule)
        return json_response(201, {"platform": rule.platform, "mode": rule.mode, "times": rule.remaining})

    def clear(self, request: Request) -> Response:
        self.sandbox.state.clear_failures(request.json().get("platform"))
        return json_response(200, {"cleared": True})

    def posted(self, request: Request) -> Response:
        platform = request.arg("platform")
        posted = self.sandbox.state.posted
        return json_response(200, posted.get(platform, []) if platform else posted)

    def requests_seen(self, request: Request) -> Response:
        return json_response(200, self.sandbox.state.requests_seen)

    def paths_seen(self, request: Request) -> Response:
        return json_response(200, self.sandbox.state.paths_seen)

    def quirks(self, request: Request) -> Response:
        """Switch on a platform's awkward habits, e.g. {"platform": "x", "omit_users": true}."""
        payload = request.json()
        platform = payload.pop("platform", "")
        if platform not in PLATFORMS:
            return json_response(400, {"error": f"platform must be one of {PLATFORMS}"})
        self.sandbox.state.quirks.setdefault(platform, {}).update(payload)
        return json_response(200, self.sandbox.state.quirks[platform])

    def deliver_webhook(self, request: Request) -> Response:
        """Runs outside the state lock (see PlatformSandbox.handle): the receiver may call us back."""
        payload = request.json()
        body = json.dumps(payload["payload"]).encode("utf-8")
        if payload.get("platform", "meta") == "x":
            signature = x_signature(body, payload.get("secret", X_CONSUMER_SECRET))
            header = "x-twitter-webhooks-signature"
        else:
            signature = graph_api.meta_signature(body, payload.get("secret", graph_api.APP_SECRET))
            header = "X-Hub-Signature-256"
        if not payload.get("valid", True):
            signature = signature[:-6] + ("AAAAAA" if signature[-6:] != "AAAAAA" else "BBBBBB")
        try:
            answer = requests.post(payload["url"], data=body, timeout=10,
                                   headers={"Content-Type": "application/json", header: signature})
        except requests.RequestException as error:
            return json_response(502, {"error": f"Could not deliver the webhook: {error}"})
        return json_response(200, {"status": answer.status_code, "body": answer.text, "signature": signature})

    def crc_check(self, request: Request) -> Response:
        """X's Challenge-Response Check: GET the webhook address with a random crc_token (base64, as X
        sends) and check the answer like X does. Runs outside the state lock, like deliveries."""
        payload = request.json()
        crc_token = base64.b64encode(secrets.token_bytes(24)).decode()
        try:
            answer = requests.get(payload["url"], params={"crc_token": crc_token}, timeout=10)
        except requests.RequestException as error:
            return json_response(502, {"error": f"Could not reach the webhook: {error}"})
        expected = x_signature(crc_token.encode(), payload.get("secret", X_CONSUMER_SECRET))
        try:
            valid = answer.json().get("response_token") == expected
        except ValueError:
            valid = False
        return json_response(200, {"status": answer.status_code, "valid": valid})

    def register(self, router: Router) -> None:
        router.add("POST", r"/_sandbox/reset", self.reset)
        router.add("GET", r"/_sandbox/config", self.config)
        router.add("POST", r"/_sandbox/fail", self.fail)
        router.add("POST", r"/_sandbox/clear", self.clear)
        router.add("GET", r"/_sandbox/posted", self.posted)
        router.add("GET", r"/_sandbox/requests", self.requests_seen)
        router.add("GET", r"/_sandbox/requests/paths", self.paths_seen)
        router.add("POST", r"/_sandbox/quirks", self.quirks)
        router.add("POST", r"/_sandbox/webhooks/deliver", self.deliver_webhook)
        router.add("POST", r"/_sandbox/webhooks/crc", self.crc_check)
        router.add("POST", r"/_sandbox/(?P<platform>\w+)/(?P<kind>\w+)", self.inject)
