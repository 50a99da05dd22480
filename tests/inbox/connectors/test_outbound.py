"""Server-side fetches to addresses admins or platforms chose never reach private networks.

A small HTTP server on 127.0.0.5 stands for "a public site": the tests make the address check treat
that one address as public, while every other loopback, link-local or private address stays
refused. Another server on 127.0.0.1 stands for an internal service, and counts the requests that
reach it: each bypass must leave it untouched.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests

from inbox.channel_forms import MastodonConnectForm, WebFeedConnectForm
from inbox.connectors import outbound
from inbox.connectors.base import ConnectorError, PlatformUnavailable
from inbox.connectors.bluesky import BlueskyConnector
from inbox.connectors.mastodon import MastodonConnector
from inbox.connectors.webfeed import WebFeedConnector

PUBLIC_STAND_IN = "127.0.0.5"
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>
<item><guid>e1</guid><title>Vigie is great</title><description>yes</description></item></channel></rss>"""


class _Site:
    def __init__(self, host: str, tls: ssl.SSLContext | None = None) -> None:
        self.hits: list[tuple[str, str]] = []  # (path, Host header)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.hits.append((self.path, self.headers.get("Host", "")))
                query = parse_qs(urlsplit(self.path).query)
                if "to" in query:
                    self.send_response(302)
                    self.send_header("Location", query["to"][0])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(FEED)))
                self.end_headers()
                self.wfile.write(FEED)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def production(settings):
    settings.ALLOW_PRIVATE_CHANNEL_ADDRESSES = False
    return settings


@pytest.fixture
def public_site(monkeypatch):
    original = outbound.is_public_address
    monkeypatch.setattr(outbound, "is_public_address",
                        lambda ip: str(ip) == PUBLIC_STAND_IN or original(ip))
    site = _Site(PUBLIC_STAND_IN)
    yield site
    site.close()


@pytest.fixture
def internal_service():
    site = _Site("127.0.0.1")
    yield site
    site.close()


@pytest.fixture
def dns(monkeypatch):
    """A resolver the test controls: name -> list of answers, one per lookup (the last one repeats)."""
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []
    real = outbound.system_resolver

    def resolve(host, port):
        if host in answers:
            lookups.append(host)
            queue = answers[host]
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return real(host, port)

    monkeypatch.setattr(outbound, "system_resolver", resolve)
    resolve.answers = answers
    resolve.lookups = lookups
    return resolve


def feed_connector(*urls: str) -> WebFeedConnector:
    return WebFeedConnector(feed_urls=list(urls), watch_terms=["Vigie"], timeout=2.0)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "::1", "::", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "::127.0.0.1", "2002:7f00:1::", "2002:a9fe:a9fe::", "64:ff9b::7f00:1", "2001:0:4136:e378:8000:63bf:80ff:fffe",
])
def test_private_loopback_link_local_and_embedded_ipv4_forms_are_not_public(address):
    assert not outbound.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:1.1.1.1"])
def test_public_addresses_pass(address):
    assert outbound.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", [
    "http://2130706433/feed.xml", "http://0x7f.1/feed.xml", "http://0177.0.0.1/feed.xml", "http://127.1/feed.xml",
    "http://[::1]/feed.xml", "http://[::ffff:127.0.0.1]/feed.xml", "http://[::ffff:7f00:1]/feed.xml",
    "http://169.254.169.254/latest/meta-data/", "http://localhost/feed.xml",
])
def test_numeric_and_bracketed_hosts_are_read_as_the_address_they_mean(production, url):
    with pytest.raises(outbound.AddressRefused, match="private network"):
        outbound.OutboundGuard().check_url(url)
    with pytest.raises(PlatformUnavailable, match="private network"):
        feed_connector(url).fetch({})


def test_userinfo_parse_confusion_is_read_as_the_client_reads_it(production, internal_service):
    # urlsplit says the host is 1.1.1.1; the HTTP client connects to 127.0.0.1.
    url = f"http://127.0.0.1:{internal_service.port}\\@1.1.1.1/feed.xml"
    form = WebFeedConnectForm(data={"feed_urls": url, "watch_terms": "Vigie", "confirmed_brand_account": "on"})
    assert not form.is_valid()
    assert "private network" in str(form.errors["feed_urls"])
    with pytest.raises(PlatformUnavailable, match=r"cannot be read: 127\.0\.0\.1 is inside a private network"):
        feed_connector(url).fetch({})
    assert internal_service.hits == []


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/feed.xml", "http://[::1]:{port}/feed.xml", "http://[::ffff:127.0.0.1]:{port}/feed.xml",
    "http://169.254.169.254/latest/meta-data/", "http://2130706433:{port}/feed.xml",
])
def test_every_redirect_is_checked(production, public_site, internal_service, target):
    target = target.format(port=internal_service.port)
    start = f"http://{PUBLIC_STAND_IN}:{public_site.port}/feed.xml?to={target}"
    with pytest.raises(PlatformUnavailable, match="private network"):
        feed_connector(start).fetch({})
    assert len(public_site.hits) == 1  # the redirect was asked for, its target never reached
    assert internal_service.hits == []


def test_a_redirect_between_public_addresses_is_followed(production, public_site):
    start = f"http://{PUBLIC_STAND_IN}:{public_site.port}/old?to=/feed.xml"
    result = feed_connector(start).fetch({})
    assert [item.external_id for item in result.items] == ["e1"]


def test_the_connection_goes_to_the_checked_address_and_keeps_the_host_name(production, public_site, dns):
    # feeds.brand.test exists only in this resolver: reaching the site proves the socket used its answer.
    dns.answers["feeds.brand.test"] = [[PUBLIC_STAND_IN]]
    url = f"http://feeds.brand.test:{public_site.port}/feed.xml"
    assert [item.external_id for item in feed_connector(url).fetch({}).items] == ["e1"]
    assert public_site.hits == [("/feed.xml", f"feeds.brand.test:{public_site.port}")]
    assert dns.lookups == ["feeds.brand.test"]  # resolved once, by the check, and not again by the client


def test_dns_rebinding_after_the_check_is_refused_at_connect_time(production, internal_service, dns):
    # Public when the admin connects the channel, loopback when the worker fetches.
    dns.answers["rebind.brand.test"] = [["93.184.216.34"], ["127.0.0.1"]]
    url = f"http://rebind.brand.test:{internal_service.port}/feed.xml"
    form = WebFeedConnectForm(data={"feed_urls": url, "watch_terms": "Vigie", "confirmed_brand_account": "on"})
    assert form.is_valid(), form.errors
    with pytest.raises(PlatformUnavailable, match=r"rebind\.brand\.test \(127\.0\.0\.1\) is inside a private network"):
        feed_connector(url).fetch({})
    assert internal_service.hits == []


def test_a_name_with_one_private_answer_among_public_ones_is_refused(production, internal_service, dns):
    dns.answers["mixed.brand.test"] = [["93.184.216.34", "127.0.0.1"]]
    with pytest.raises(PlatformUnavailable, match="private network"):
        feed_connector(f"http://mixed.brand.test:{internal_service.port}/feed.xml").fetch({})
    assert internal_service.hits == []


def test_environment_proxies_are_not_used(production, public_site, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    result = feed_connector(f"http://{PUBLIC_STAND_IN}:{public_site.port}/feed.xml").fetch({})
    assert len(result.items) == 1


def test_mastodon_instance_inside_a_private_network_is_refused_in_plain_words(production, internal_service):
    connector = MastodonConnector(credentials={"access_token": "t"}, base_url=f"http://127.0.0.1:{internal_service.port}",
                                  timeout=2.0)
    with pytest.raises(ConnectorError, match="Mastodon instance cannot be reached: 127.0.0.1 is inside a private"):
        connector.check_credentials()
    assert internal_service.hits == []
    form = MastodonConnectForm(data={"base_url": f"http://[::ffff:127.0.0.1]:{internal_service.port}",
                                     "access_token": "t", "confirmed_brand_account": "on"})
    assert not form.is_valid()
    assert "private network" in str(form.errors["base_url"])


def test_mastodon_redirect_into_a_private_network_is_refused(production, public_site, internal_service):
    base = f"http://{PUBLIC_STAND_IN}:{public_site.port}/?to=http://169.254.169.254/"
    connector = MastodonConnector(credentials={"access_token": "t"}, base_url=base, timeout=2.0)
    with pytest.raises(ConnectorError, match="169.254.169.254 is inside a private network"):
        connector.check_credentials()


def test_bluesky_server_redirecting_into_a_private_network_is_refused(production, public_site, internal_service):
    # atproto follows redirects and moves to the server a DID document names: its transport checks each.
    client = httpx.Client(transport=outbound.GuardedHTTPXTransport(), follow_redirects=True)
    target = f"http://[::1]:{internal_service.port}/"
    with pytest.raises(outbound.AddressRefused):
        client.get(f"http://{PUBLIC_STAND_IN}:{public_site.port}/?to={target}")
    assert len(public_site.hits) == 1
    assert internal_service.hits == []
    connector = BlueskyConnector(credentials={"handle": "brand.test", "app_password": "p"},
                                 base_url=f"http://127.0.0.1:{internal_service.port}", timeout=2.0)
    with pytest.raises(ConnectorError, match="Bluesky server of this account cannot be reached: 127.0.0.1 is"):
        connector.check_credentials()
    assert internal_service.hits == []


def test_private_addresses_are_allowed_when_the_setting_says_so(settings, internal_service):
    # Debug and tests: the platform sandbox listens on 127.0.0.1.
    settings.ALLOW_PRIVATE_CHANNEL_ADDRESSES = True
    result = feed_connector(f"http://127.0.0.1:{internal_service.port}/feed.xml").fetch({})
    assert len(result.items) == 1
    assert len(internal_service.hits) == 1


def _certificate_for(name: str, directory) -> tuple[str, str]:
    """A self-signed certificate for `name` (and only that name), written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(hours=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_https_to_the_pinned_address_still_checks_the_certificate_against_the_host_name(
        production, public_site, dns, tmp_path):
    # The socket goes to the address the check approved; TLS sends the name as SNI and verifies the
    # certificate against it, so pinning neither breaks HTTPS nor lets a wrong certificate through.
    cert, key = _certificate_for("feeds.brand.test", tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    names_asked: list[str | None] = []
    tls.sni_callback = lambda sock, name, context: names_asked.append(name)
    site = _Site(PUBLIC_STAND_IN, tls=tls)
    try:
        dns.answers["feeds.brand.test"] = [[PUBLIC_STAND_IN]]
        dns.answers["other.brand.test"] = [[PUBLIC_STAND_IN]]
        url = f"https://feeds.brand.test:{site.port}/feed.xml"
        session = outbound.guarded_session()
        assert session.get(url, verify=cert, timeout=2).status_code == 200
        client = httpx.Client(transport=outbound.GuardedHTTPXTransport(verify=ssl.create_default_context(cafile=cert)))
        assert client.get(url).status_code == 200
        assert names_asked == ["feeds.brand.test", "feeds.brand.test"]
        assert [host for _, host in site.hits] == [f"feeds.brand.test:{site.port}"] * 2
        # The same address under a name the certificate does not cover: refused by TLS.
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"https://other.brand.test:{site.port}/feed.xml", verify=cert, timeout=2)
        with pytest.raises(httpx.ConnectError):
            client.get(f"https://other.brand.test:{site.port}/feed.xml")
    finally:
        site.close()


def test_a_name_that_does_not_resolve_is_an_ordinary_unreachable_feed(production, dns):
    dns.answers["gone.brand.test"] = [[]]
    url = "https://gone.brand.test/feed.xml"
    with pytest.raises(PlatformUnavailable, match="Could not reach the feed"):
        feed_connector(url).fetch({})
    form = WebFeedConnectForm(data={"feed_urls": url, "watch_terms": "Vigie", "confirmed_brand_account": "on"})
    assert not form.is_valid()
    assert "gone.brand.test could not be found" in str(form.errors["feed_urls"])
