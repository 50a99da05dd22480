"""Reaching people: rules with delays, fall-through, chat webhooks, signed JSON, SMS via the sandbox, ack links."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import live
from crisis import ack_links
from crisis.models import AlertSource, AlertStatus, NotificationAttempt
from crisis.services import alerts as alert_services
from crisis.services import notifications as notification_services
from crisis.services.escalation import escalations_run_due
from inbox.sandbox import twilio_api

T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)  # the agent's day in the rota fixture


class Catcher:
    """A local HTTP endpoint recording what chat webhooks receive; answers `status`."""

    def __init__(self):
        self.requests, self.status = [], 200
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                catcher.requests.append((self.path, dict(self.headers), body))
                self.send_response(catcher.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def catcher():
    catcher = Catcher()
    yield catcher
    catcher.server.shutdown()


@pytest.fixture
def twilio(settings, sandbox, platform_sandbox):
    settings.SMS_PROVIDER = "twilio"
    settings.TWILIO_BASE_URL = platform_sandbox.base_url
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = twilio_api.ACCOUNT_SID, twilio_api.AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = twilio_api.FROM_NUMBER

    def sent():
        url = f"{platform_sandbox.base_url}/2010-04-01/Accounts/{twilio_api.ACCOUNT_SID}/Messages.json"
        return requests.get(url, auth=(twilio_api.ACCOUNT_SID, twilio_api.AUTH_TOKEN), timeout=5).json()["messages"]

    return sent


def rules(organization, user, *pairs):
    for kind, address, delay in pairs:
        method = notification_services.contact_method_create(organization=organization, user=user, kind=kind, address=address)
        notification_services.notification_rule_create(organization=organization, user=user, contact_method=method,
                                                       delay_minutes=delay)


def page(organization):
    alert, _ = alert_services.alert_raise(organization=organization, source=AlertSource.MANUAL, severity="critical",
                                          title="Vol AD1234 annulé", now=T0)
    return alert


def test_in_app_at_once_then_email_after_a_minute_with_a_signed_ack_link(organization, climbing_policy, agent, twilio,
                                                                        monkeypatch, django_capture_on_commit_callbacks):
    rules(organization, agent, ("email", "agent@airdemo.example", 1), ("sms", "+33612345678", 3))
    pushed = []
    monkeypatch.setattr(live, "broadcast_many_now", lambda events: pushed.extend(events))
    alert = page(organization)
    with django_capture_on_commit_callbacks(execute=True):
        escalations_run_due(now=T0)
    assert [(organization_id, topic, event["type"]) for organization_id, topic, event in pushed] == [
        (organization.pk, f"user.{agent.pk}", "alert.page")]
    assert notification_services.notifications_deliver_due(now=T0 + timedelta(seconds=59)) == 0
    assert notification_services.notifications_deliver_due(now=T0 + timedelta(minutes=1)) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["agent@airdemo.example"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/ack/" in line).split(": ", 1)[1]
    token = link.rsplit("/ack/", 1)[1].strip("/")
    assert ack_links.read_ack_token(token) == (alert.pk, agent.pk)
    alert_services.alert_acknowledge(alert=alert, actor=agent)
    # The SMS planned at 3 minutes is not sent once someone acknowledged.
    assert notification_services.notifications_deliver_due(now=T0 + timedelta(minutes=3)) == 0
    assert twilio() == []
    statuses = dict(NotificationAttempt.objects.for_organization(organization).values_list("kind", "status"))
    assert statuses == {"in_app": "sent", "email": "sent", "sms": "skipped"}


def test_a_failed_method_falls_through_to_the_next_rule_and_every_attempt_is_logged(organization, climbing_policy, agent,
                                                                                    twilio, catcher):
    catcher.status = 500
    rules(organization, agent, ("slack", f"{catcher.url}/slack", 1), ("sms", "+33612345678", 10))
    alert = page(organization)
    escalations_run_due(now=T0)
    notification_services.notifications_deliver_due(now=T0 + timedelta(minutes=1))
    # Slack answered 500: the SMS planned at 10 minutes is due at once.
    notification_services.notifications_deliver_due(now=T0 + timedelta(minutes=1))
    [sms] = twilio()
    assert sms["to"] == "+33612345678" and "/ack/" in sms["body"]
    outcomes = [(e.data["kind"], e.data["outcome"]) for e in alert.log.filter(kind="notified").order_by("pk")]
    assert outcomes == [("in_app", "sent"), ("slack", "failed"), ("sms", "sent")]
    assert "500" in alert.log.filter(kind="notified", data__kind="slack").get().data["error"]


def test_slack_teams_and_signed_json_webhooks_have_their_shapes(organization, agent, catcher):
    for kind in ("slack", "teams", "webhook"):
        method = notification_services.contact_method_create(organization=organization, user=agent, kind=kind,
                                                             address=f"{catcher.url}/{kind}")
        attempt = notification_services.contact_method_test(method=method, actor=agent)
        assert attempt.status == "sent", attempt.error
    received = {path.strip("/"): (headers, body) for path, headers, body in catcher.requests}
    slack = json.loads(received["slack"][1])
    assert slack["text"] and slack["blocks"][0]["type"] == "section"
    teams = json.loads(received["teams"][1])
    assert teams["type"] == "message"
    assert teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    headers, body = received["webhook"]
    secret = method.secret  # the last one created: the signed JSON webhook
    expected = hmac.new(secret.encode(), headers["X-Vigie-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Vigie-Signature"] == f"sha256={expected}"
    assert json.loads(body)["type"] == "vigie.alert"


def test_the_test_button_reports_what_the_sms_provider_said(organization, agent, twilio):
    good = notification_services.contact_method_create(organization=organization, user=agent, kind="sms", address="+33612345678")
    assert notification_services.contact_method_test(method=good, actor=agent).status == "sent"
    invalid = notification_services.contact_method_create(organization=organization, user=agent, kind="sms",
                                                          address=twilio_api.INVALID_NUMBER)
    attempt = notification_services.contact_method_test(method=invalid, actor=agent)
    assert attempt.status == "failed" and "21211" in attempt.error
    assert [m["to"] for m in twilio()] == ["+33612345678"]


@pytest.mark.parametrize(
    ("kind", "address", "message"),
    [("email", "not-an-address", "e-mail"), ("sms", "0612345678", "international"), ("slack", "ftp://x", "web address"),
     ("pigeon", "", "Unknown kind")],
)
def test_bad_contact_methods_are_refused(organization, agent, kind, address, message):
    with pytest.raises(ValidationError, match=message):
        notification_services.contact_method_create(organization=organization, user=agent, kind=kind, address=address)


def test_the_ack_link_acknowledges_once_and_refuses_expired_or_forged_tokens(organization, climbing_policy, agent, client):
    alert = page(organization)
    token = ack_links.ack_token(alert_id=alert.pk, user_id=agent.pk)
    url = reverse("alert-ack-link", kwargs={"token": token})
    response = client.get(url)
    assert response.status_code == 200 and b"Acknowledge as" in response.content
    alert.refresh_from_db()
    assert alert.status == AlertStatus.TRIGGERED  # opening the link changes nothing (mail scanners open links)
    response = client.post(url)
    assert response.status_code == 200
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, agent)
    assert alert.log.get(kind="acknowledged").data == {"via": "link"}

    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(reverse("alert-ack-link", kwargs={"token": forged}))
    assert response.status_code == 400 and b"not valid" in response.content
    other_salt = signing.dumps({"a": alert.pk, "u": agent.pk}, salt="another.purpose", compress=True)
    with pytest.raises(ack_links.BadAckLink, match="invalid"):
        ack_links.read_ack_token(other_salt)


def test_an_expired_link_says_so(organization, climbing_policy, agent, client, monkeypatch):
    alert = page(organization)
    token = ack_links.ack_token(alert_id=alert.pk, user_id=agent.pk)
    monkeypatch.setattr(ack_links, "LIFETIME", timedelta(seconds=-1))
    response = client.post(reverse("alert-ack-link", kwargs={"token": token}))
    assert response.status_code == 400 and b"expired" in response.content
    alert.refresh_from_db()
    assert alert.status == AlertStatus.TRIGGERED


def test_webhooks_inside_private_networks_are_refused_in_production(organization, agent, settings):
    settings.ALLOW_PRIVATE_CHANNEL_ADDRESSES = False
    with pytest.raises(ValidationError, match="private network"):
        notification_services.contact_method_create(organization=organization, user=agent, kind="webhook",
                                                    address="http://127.0.0.1:8080/internal")
