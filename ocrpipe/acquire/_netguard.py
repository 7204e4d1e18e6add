"""Which hosts and files an article may make ocrpipe read: the fetch policy by origin.

A *local* article (a file, directory or list the user handed over) may name
local paths and any http(s) host. A *remote* article (a page fetched over
http/https) may name only http(s) URLs, and its images may not reach loopback,
private, link-local, multicast, unspecified or reserved addresses, except the
article's own host and port (the user chose that one) or when the user allows
private addresses (``--allow-private``).

The address rule is enforced where the socket is opened (`GuardedAdapter`), so
it holds for every redirect hop and for unwrapped proxy URLs alike, and the
address that was checked is the address connected to: DNS cannot change
between the check and the request.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as u3conn

from ocrpipe.config import on_both

Resolver = Callable[[str, int], list[str]]

REMOTE_SCHEMES = ("http", "https")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (raises socket.gaierror like getaddrinfo)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _fam, _t, _p, _c, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


class AddressRefused(Exception):
    """A connection the fetch policy does not allow; never retried."""


def address_class(addr: str) -> str | None:
    """Why an address is not public ('loopback', 'private', ...), or None for a public one."""
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attr, label in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(ip, attr):
            return label
    if not ip.is_global:
        return "non-public"
    return None


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


@dataclass(frozen=True)
class FetchPolicy:
    """What one article may fetch. The default (no origin) is a local article's: anything."""

    origin: str | None = None  # the remote article's URL; None for a local article
    allow_private: bool = False
    resolver: Resolver = field(default=system_resolver, compare=False, repr=False)

    @classmethod
    def for_article(cls, location: str | None, allow_private: bool = False, resolver: Resolver | None = None) -> "FetchPolicy":
        remote = bool(location) and urlsplit(location or "").scheme.lower() in REMOTE_SCHEMES
        return cls(origin=location if remote else None, allow_private=allow_private, resolver=resolver or system_resolver)

    @property
    def remote(self) -> bool:
        return self.origin is not None

    def trusted(self, host: str, port: int | None) -> bool:
        """The article's own host and port: the user chose it."""
        if self.origin is None:
            return True
        o = urlsplit(self.origin)
        oport = o.port or _default_port(o.scheme.lower())
        return (o.hostname or "").lower() == host.lower().strip("[]") and (port or 80) == oport

    def check_url(self, url: str) -> None:
        """Refuse a URL a remote article may not name (raises AddressRefused)."""
        if self.origin is None:
            return
        scheme = urlsplit(url).scheme.lower()
        if scheme not in REMOTE_SCHEMES:
            raise AddressRefused(
                f"refused: a remote article may name only http(s) images, not {scheme or 'a local path'}:"
                " (rule: remote articles cannot read local files)"
            )

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to, after the address rule; raises AddressRefused."""
        addrs = self.resolver(host, port)
        if self.origin is None or self.allow_private or self.trusted(host, port):
            return addrs
        for a in addrs:
            why = address_class(a)
            if why is not None:
                raise AddressRefused(
                    f"refused: {host} resolves to {a}, a {why} address (rule: a remote article may not reach "
                    f"internal hosts; {on_both('allow_private')} allows it)"
                )
        return addrs

    def check(self, url: str) -> None:
        """The one question "may this article have these bytes?", asked before a download and
        before a cache hit alike: the scheme rule, then the address rule for the URL's host.

        Raises AddressRefused; a host that does not resolve is refused too (nothing to check).
        """
        self.check_url(url)
        if self.origin is None or self.allow_private:
            return
        parts = urlsplit(url)
        host = (parts.hostname or "").strip("[]")
        try:
            port = parts.port or _default_port(parts.scheme.lower())
        except ValueError as exc:
            raise AddressRefused(f"refused: invalid port in {url!r}") from exc
        if not host:
            raise AddressRefused(f"refused: {url!r} names no host")
        try:
            self.addresses(host, port)
        except (socket.gaierror, OSError, UnicodeError) as exc:
            raise AddressRefused(f"refused: cannot resolve {host!r} to check it against the fetch policy ({exc})") from exc


class _GuardMixin(HTTPConnection):
    """Opens the socket to an address the policy checked (pinned: no second lookup)."""

    policy: FetchPolicy

    def _new_conn(self) -> socket.socket:
        try:
            addrs = self.policy.addresses(self.host.strip("[]"), self.port)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        last: OSError | None = None
        for addr in addrs:
            try:
                return u3conn.create_connection(
                    (addr, self.port), self.timeout, source_address=self.source_address, socket_options=self.socket_options
                )
            except TimeoutError as e:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from e
            except OSError as e:
                last = e
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}")


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections obey a FetchPolicy."""

    def __init__(self, policy: FetchPolicy, **kw: Any) -> None:
        self.policy = policy
        super().__init__(**kw)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        policy = self.policy

        class _Http(_GuardMixin):
            pass

        class _Https(_GuardMixin, HTTPSConnection):
            pass

        _Http.policy = policy
        _Https.policy = policy

        class _HttpPool(HTTPConnectionPool):
            ConnectionCls = _Http

        class _HttpsPool(HTTPSConnectionPool):
            ConnectionCls = _Https

        self.poolmanager.pool_classes_by_scheme = {"http": _HttpPool, "https": _HttpsPool}
