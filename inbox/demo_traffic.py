"""Traffic for the demo, played into the platform sandbox: a normal day, or a crisis storm.

The sandbox plays X, Meta, Mastodon, Bluesky and the web; the demo organization's channels point at it
(`demo_channels_connect`), so what is injected here reaches the inbox through the real connectors,
workers and webhooks, exactly as production traffic would.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts.models import Organization, User

from .connectors.base import AccountInfo
from .connectors.mastodon import instance_account_id
from .demo_texts import MentionTextGenerator
from .models import Channel, Platform
from .sandbox import SandboxClient, bluesky_api, graph_api, x_api
from .sandbox.control import X_CONSUMER_SECRET
from .services.channels import channel_connect

DEMO_FEEDS = ("airdemo-press", "travel-forum")
DEMO_WATCH_TERMS = ["AirDemo", "#AirDemoFail"]
MASTODON_ACCT = "vigie"


def sandbox_url() -> str:
    url = settings.PLATFORM_SANDBOX_URL
    if not url:
        raise RuntimeError("PLATFORM_SANDBOX_URL is not set: start the sandbox (manage.py platform_sandbox) and "
                           "export PLATFORM_SANDBOX_URL=http://127.0.0.1:8100 (its address).")
    return url.rstrip("/")


def demo_channel_specs(base_url: str) -> list[dict[str, Any]]:
    """What each demo channel is on the sandbox: its account, credentials and connection settings.

    Only fixed sandbox values, so the seeder needs no running sandbox."""
    meta_credentials = {"page_access_token": "sandbox-page-token", "app_secret": graph_api.APP_SECRET,
                        "verify_token": "sandbox-verify-token"}
    return [
        {"platform": Platform.X,
         "account": AccountInfo(external_id=x_api.BRAND_USER["id"], handle=f"@{x_api.BRAND_USER['username']}",
                                name=x_api.BRAND_USER.get("name", "")),
         "credentials": {"bearer_token": "sandbox-user-token", "consumer_secret": X_CONSUMER_SECRET},
         "connection": {"user_id": x_api.BRAND_USER["id"], "username": x_api.BRAND_USER["username"],
                        "watch_terms": DEMO_WATCH_TERMS}},
        {"platform": Platform.FACEBOOK,
         "account": AccountInfo(external_id=graph_api.PAGE["id"], handle=graph_api.PAGE["name"],
                                name=graph_api.PAGE["name"]),
         "credentials": meta_credentials, "connection": {"page_id": graph_api.PAGE["id"]}},
        {"platform": Platform.INSTAGRAM,
         "account": AccountInfo(external_id=graph_api.IG_USER["id"], handle=f"@{graph_api.IG_USER['username']}",
                                name=graph_api.IG_USER["name"]),
         "credentials": meta_credentials,
         "connection": {"page_id": graph_api.PAGE["id"], "ig_user_id": graph_api.IG_USER["id"]}},
        {"platform": Platform.MASTODON,
         "account": AccountInfo(external_id=instance_account_id(MASTODON_ACCT, base_url), handle=f"@{MASTODON_ACCT}"),
         "credentials": {"access_token": "sandbox-token"}, "connection": {"base_url": base_url}},
        {"platform": Platform.BLUESKY,
         "account": AccountInfo(external_id=bluesky_api.BRAND["did"], handle=f"@{bluesky_api.BRAND['handle']}"),
         "credentials": {"handle": bluesky_api.BRAND["handle"], "app_password": "sandbox-app-password"},
         "connection": {}},
        {"platform": Platform.WEB,
         "account": AccountInfo(external_id="web", handle=f"{len(DEMO_FEEDS)} feeds", name="Web monitoring"),
         "credentials": {},
         "connection": {"feed_urls": [f"{base_url}/feeds/{feed}.xml" for feed in DEMO_FEEDS],
                        "watch_terms": DEMO_WATCH_TERMS}},
    ]


def demo_channels_connect(organization: Organization, actor: User, *, base_url: str | None = None) -> list[Channel]:
    """Connect the demo organization's six channels to the sandbox. Idempotent: a channel that exists
    with the same settings is left as it is (paused stays paused); one whose settings changed (the
    sandbox moved to another port) is connected again."""
    base_url = (base_url or sandbox_url()).rstrip("/")
    channels = []
    for spec in demo_channel_specs(base_url):
        existing = Channel.objects.for_organization(organization).filter(
            platform=spec["platform"], external_account_id=spec["account"].external_id).first()
        if existing and existing.connection == spec["connection"]:
            channels.append(existing)
            continue
        channels.append(channel_connect(
            organization=organization, platform=spec["platform"], credentials=spec["credentials"],
            connection=spec["connection"], actor=actor, confirmed_brand_account=True, account=spec["account"],
            replace_credentials=existing is not None))
    return channels


# -- a normal day -----------------------------------------------------------------------------------


@dataclass
class DemoTraffic:
    """Injects one plausible item at a time: X mentions, Facebook comments, Messenger DMs, Mastodon and
    Bluesky mentions, press entries, and follow-ups inside threads already started."""

    client: SandboxClient
    seed: int = 2026
    texts: MentionTextGenerator = field(init=False)
    random: random.Random = field(init=False)
    # Threads started so far, to answer in: (platform, id, language).
    threads: list[tuple[str, str, str]] = field(default_factory=list)
    facebook_post_id: str = ""

    def __post_init__(self) -> None:
        self.texts = MentionTextGenerator(seed=self.seed)
        self.random = random.Random(self.seed)

    def kinds(self) -> list[tuple[Callable[[], dict[str, Any]], float]]:
        return [(self.x_mention, 40), (self.facebook_comment, 18), (self.messenger_dm, 10),
                (self.mastodon_mention, 10), (self.bluesky_mention, 6), (self.press_entry, 2),
                (self.thread_reply, 14)]

    def one(self) -> dict[str, Any]:
        makers, weights = zip(*self.kinds(), strict=True)
        return self.random.choices(makers, weights=weights)[0]()

    def many(self, count: int) -> list[dict[str, Any]]:
        return [self.one() for _ in range(count)]

    def _author(self, language: str) -> tuple[str, str, int]:
        handle, name = self.texts.author(language=language)
        return handle, name, self.texts.followers()

    def x_mention(self) -> dict[str, Any]:
        text, language = self.texts.normal()
        handle, name, followers = self._author(language)
        created = self.client.inject_x_mention(text, author=handle, author_name=name, followers=followers,
                                               lang=language)
        self.threads.append(("x", created["id"], language))
        return {"platform": "x", "id": created["id"], "text": text}

    def facebook_comment(self) -> dict[str, Any]:
        if not self.facebook_post_id:
            self.facebook_post_id = self.client.inject_facebook_post(
                "Nouveautés de l'hiver : plus de vols vers les Antilles ✈️ / More winter flights to the Caribbean")["id"]
        text, language = self.texts.normal()
        _, name, _ = self._author(language)
        created = self.client.inject_facebook_comment(text, author=name, post_id=self.facebook_post_id)
        return {"platform": "facebook", "id": created["id"], "text": text}

    def messenger_dm(self) -> dict[str, Any]:
        text, language = self.texts.normal()
        _, name, _ = self._author(language)
        created = self.client.inject_facebook_message(text, sender=name)
        return {"platform": "facebook", "id": created["id"], "text": text, "private": True}

    def mastodon_mention(self) -> dict[str, Any]:
        text, language = self.texts.normal()
        handle, name, followers = self._author(language)
        created = self.client.inject_mastodon_mention(text, author=handle, display_name=name, followers=followers,
                                                      language=language)
        status_id = (created.get("status") or {}).get("id") or created.get("id", "")
        return {"platform": "mastodon", "id": status_id, "text": text}

    def bluesky_mention(self) -> dict[str, Any]:
        text, language = self.texts.normal()
        handle, name, followers = self._author(language)
        created = self.client.inject_bluesky_mention(text, author=f"{handle}.bsky.social", display_name=name,
                                                     followers=followers, langs=[language])
        return {"platform": "bluesky", "id": created.get("uri", ""), "text": text}

    def press_entry(self) -> dict[str, Any]:
        text, language = self.texts.normal()
        feed = self.random.choice(DEMO_FEEDS)
        title = ("AirDemo : " if language == "fr" else "AirDemo: ") + text[:90]
        created = self.client.inject_feed_entry(feed, title, summary=text)
        return {"platform": "web", "id": created.get("id", ""), "text": title}

    def thread_reply(self) -> dict[str, Any]:
        x_threads = [thread for thread in self.threads if thread[0] == "x"]
        if not x_threads:
            return self.x_mention()
        _, parent_id, language = self.random.choice(x_threads[-50:])
        text, language = self.texts.reply(language=language)
        handle, name, followers = self._author(language)
        created = self.client.inject_x_mention(text, author=handle, author_name=name, followers=followers,
                                               in_reply_to=parent_id, lang=language)
        return {"platform": "x", "id": created["id"], "text": text, "in_reply_to": parent_id}


def run_normal_day(client: SandboxClient, *, per_minute: float, seed: int, should_stop: Callable[[], bool],
                   report: Callable[[dict[str, Any]], None] = lambda item: None) -> int:
    """A few items a minute, evenly spaced with some jitter, until `should_stop()` (Ctrl-C)."""
    traffic = DemoTraffic(client, seed=seed)
    injected = 0
    while not should_stop():
        report(traffic.one())
        injected += 1
        time.sleep(traffic.random.uniform(0.5, 1.5) * 60 / per_minute)
    return injected


# -- a crisis storm ---------------------------------------------------------------------------------


def crisis_storm_minute(client: SandboxClient, texts: MentionTextGenerator, rng: random.Random, *, minute: int,
                        count: int) -> list[str]:
    """One minute of the storm: `count` angry X mentions whose retweet counts climb as it spreads, with
    a share of comments and Messenger messages. Injected in one call per platform, so hundreds a minute
    cost a handful of requests."""
    spread = (minute + 1) ** 2
    mentions = []
    for text, language in texts.many(count, angry_share=0.9):
        handle, name = texts.author(language=language)
        mentions.append({"text": text, "author": handle, "author_name": name, "followers": texts.followers(),
                         "lang": language, "retweets": int(rng.paretovariate(1.3) * spread),
                         "likes": int(rng.paretovariate(1.2) * spread * 2)})
    ids = client.inject_many("x", "mentions", mentions[: int(count * 0.8)])
    ids += client.inject_many("facebook", "comments", [{"message": m["text"], "author": m["author_name"]}
                                                      for m in mentions[int(count * 0.8):int(count * 0.93)]])
    ids += client.inject_many("facebook", "messages", [{"text": m["text"], "sender": m["author_name"]}
                                                      for m in mentions[int(count * 0.93):]])
    return ids


def crisis_opening(client: SandboxClient) -> list[str]:
    """The spark: a journalist and a stranded traveller with a big audience, on a Sunday at 2 a.m."""
    return [
        client.inject_x_mention(
            "🚨 Tous les vols @AirDemo au départ de CDG annulés cette nuit, des centaines de passagers bloqués "
            "au terminal 2E sans information ni hôtel. #AirDemoFail", author="journaliste_aero",
            author_name="Claire Dumas — Aéro Info", followers=480_000, lang="fr", retweets=900, likes=2100)["id"],
        client.inject_x_mention(
            "@AirDemo 400 of us stuck at CDG at 2am, flights cancelled, no staff, no food, no answers. "
            "#stranded #AirDemoFail", author="travelwithtom", author_name="Tom Evans", followers=120_000,
            lang="en", retweets=350, likes=800)["id"],
    ]


def run_crisis(client: SandboxClient, *, minutes: float, per_minute: int, seed: int,
               should_stop: Callable[[], bool], report: Callable[[int, int], None] = lambda minute, count: None,
               sleep: Callable[[float], None] = time.sleep) -> int:
    """The storm: `per_minute` items a minute for `minutes`, injected in bursts every few seconds."""
    texts, rng = MentionTextGenerator(seed=seed), random.Random(seed)
    injected = len(crisis_opening(client))
    burst_seconds = 5
    bursts = int(minutes * 60 / burst_seconds)
    for burst in range(bursts):
        if should_stop():
            break
        minute = burst * burst_seconds // 60
        # The storm swells over the first minutes, then holds.
        count = max(1, round(per_minute * burst_seconds / 60 * min(1.0, 0.4 + 0.2 * minute)))
        injected += len(crisis_storm_minute(client, texts, rng, minute=minute, count=count))
        report(minute, injected)
        sleep(burst_seconds)
    return injected


def wait_for_sandbox(client: SandboxClient, *, timeout: float = 60, sleep: Callable[[float], None] = time.sleep) -> None:
    """The traffic process starts with the sandbox: wait until it answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.config()
            return
        except Exception as error:  # noqa: BLE001 - connection refused while the sandbox starts
            if time.monotonic() > deadline:
                raise RuntimeError(f"The platform sandbox at {client.base_url} does not answer: {error}") from error
            sleep(0.5)
