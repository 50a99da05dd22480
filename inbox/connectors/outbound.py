"""Outbound HTTP to addresses someone else chose: feeds an admin typed, a Mastodon instance, the
Bluesky server a DID document names, every address those servers redirect to.

Checking a URL's host before fetching it is not enough: the HTTP client may read the URL
differently from the check (`http://127.0.0.1:80\\@1.1.1.1/`), a redirect may point anywhere, and
DNS may answer a public address to the check and a private one to the connection a second later.
So the check lives where the socket is opened: the host is resolved once, every address it
resolves to must be public, and the socket connects to one of those very addresses. TLS still
verifies the certificate against the host name and sends it as SNI, and the Host header is
untouched, so virtual hosts keep working. Each redirect opens its own connection through the same
code, so each hop is checked.

`requests` sessions (web feeds, Mastodon.py) get `guarded_session()`; httpx clients (atproto) get
`GuardedHTTPXTransport`. The setting `ALLOW_PRIVATE_CHANNEL_ADDRESSES` (on in debug and tests,
where the platform sandbox listens on 127.0.0.1) lets private addresses through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from inbox.connectors.base import ConnectorError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

MAX_REDIRECTS = 5


class AddressRefused(ConnectorError):
    """The address is inside a private network (or is not a usable address at all)."""

    def __init__(self, host: str, address: str = "") -> None:
        self.host = host
        self.address = address
        where = f"{host} ({address})" if address and address != host else host
        super().__init__(f"{where} is inside a private network: Vigie only fetches public addresses.")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`, in its order of preference. Numeric forms
    the C library accepts (2130706433, 0x7f.1, 0177.0.0.1) come back as the address they mean."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and may be routed to (mapped, 6to4, Teredo, NAT64,
    the deprecated IPv4-compatible form)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    packed = int(ip)
    if ip in ipaddress.IPv6Network("64:ff9b::/96") or ip in ipaddress.IPv6Network("::/96"):
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def is_public_address(ip: IPAddress) -> bool:
    if ip.is_multicast or not ip.is_global:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    return True


def _private_allowed() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "ALLOW_PRIVATE_CHANNEL_ADDRESSES", False))


class OutboundGuard:
    """Resolves a host once and hands back only addresses that may be connected to."""

    def __init__(self, *, resolver: Resolver | None = None, allow_private: bool | None = None) -> None:
        self.resolver = resolver or system_resolver
        # None: read the setting at connect time, so a change of setting needs no new session.
        self.allow_private = allow_private

    def addresses(self, host: str, port: int) -> list[str]:
        host = host.strip("[]").rstrip(".")
        try:
            resolved = self.resolver(host, port)
        except UnicodeError as error:
            # Not found is an ordinary connection failure: the HTTP libraries report it as theirs.
            raise socket.gaierror(f"{host} is not a valid host name") from error
        allow_private = _private_allowed() if self.allow_private is None else self.allow_private
        usable = []
        for address in resolved:
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError:
                raise AddressRefused(host, address) from None
            # One private answer refuses the host: trying only the public ones would still let a
            # name that mixes both reach the private one through another client or a retry.
            if not allow_private and not is_public_address(ip):
                raise AddressRefused(host, address)
            usable.append(str(ip))
        if not usable:
            raise socket.gaierror(f"{host} has no address")
        return usable

    def check_url(self, url: str) -> None:
        """The host as `requests` itself reads it from `url`, resolved and checked now. The same check
        runs again on every connection; this one only tells an admin early."""
        prepared = requests.PreparedRequest()
        try:
            prepared.prepare_url(url, None)
        except requests.RequestException as error:
            raise ConnectorError(f"{url} is not a web address Vigie can fetch.") from error
        parsed = requests.utils.urlparse(prepared.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConnectorError(f"{url} is not a web address Vigie can fetch.")
        try:
            self.addresses(parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
        except OSError as error:
            raise ConnectorError(f"{parsed.hostname} could not be found: check the address.") from error


def _connect(guard: OutboundGuard, host: str, port: int, connect: Callable[[str], Any],
             failures: tuple[type[Exception], ...] = (OSError,)) -> Any:
    last_error: Exception | None = None
    for address in guard.addresses(host, port):
        try:
            return connect(address)
        except failures as error:  # the next address of the same host, as a browser would
            last_error = error
    assert last_error is not None
    raise last_error


# -- requests / urllib3 ----------------------------------------------------------------------------


class _GuardedConnectionMixin:
    guard: OutboundGuard

    def _new_conn(self):
        # urllib3 connects to `_dns_host`; TLS (SNI, certificate) and the Host header use `host`.
        name = self._dns_host

        def connect(address: str):
            self._dns_host = address
            try:
                return super(_GuardedConnectionMixin, self)._new_conn()
            finally:
                self._dns_host = name

        return _connect(self.guard, name, self.port, connect)


class GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: OutboundGuard, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        attributes = {"guard": self.guard}
        http_connection = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attributes)
        https_connection = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), attributes)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_connection}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection}),
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any):
        # Through a proxy, the socket would reach the proxy and the check would mean nothing.
        raise ConnectorError("Outbound fetches to channel addresses never go through a proxy.")


def guarded_session(guard: OutboundGuard | None = None) -> requests.Session:
    """A requests session whose every connection, redirects included, reaches public addresses only."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment, no .netrc credentials sent along
    session.max_redirects = MAX_REDIRECTS
    adapter = GuardedAdapter(guard or OutboundGuard())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# -- httpx / httpcore ------------------------------------------------------------------------------


class _GuardedNetworkBackend(httpcore.NetworkBackend):
    def __init__(self, guard: OutboundGuard) -> None:
        self.guard = guard
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        # httpcore starts TLS afterwards with the origin's host name, so SNI and the certificate
        # check still see the name while the socket goes to the checked address.
        try:
            return _connect(self.guard, host, port, lambda address: self.inner.connect_tcp(
                address, port, timeout=timeout, local_address=local_address, socket_options=socket_options),
                failures=(httpcore.ConnectError, httpcore.ConnectTimeout))
        except OSError as error:  # not found: the error httpx reports for any unreachable host
            raise httpcore.ConnectError(str(error)) from error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise ConnectorError("Outbound fetches to channel addresses never use local sockets.")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class GuardedHTTPXTransport(httpx.HTTPTransport):
    """httpx's own transport (its error mapping included) over a connection pool whose sockets only
    reach checked addresses. Environment proxies do not apply: a transport given to a client
    replaces them."""

    def __init__(self, guard: OutboundGuard | None = None, *, verify: Any = True) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(verify=verify),
                                             network_backend=_GuardedNetworkBackend(guard or OutboundGuard()))


def refused_in(error: BaseException | None) -> AddressRefused | None:
    """The refusal behind an error some library wrapped in its own (Mastodon.py, urllib3)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, AddressRefused):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None
