"""Reading a person's own calendar over HTTP: https only, public addresses only, small, conditional.

The address is a secret (whoever has it reads the calendar): it is never logged, and errors name the host
at most. Every connection, redirects included, goes to an address checked at connect time, so a name that
resolves to a private address (or is re-pointed there between a check and the connection) is refused.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend

MAX_BYTES = 2 * 1024 * 1024  # a year of a busy calendar is well under this
MAX_REDIRECTS = 3
MAX_URL_LENGTH = 2000
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEADLINE_SECONDS = 30.0  # in all, so a server dripping bytes under the read timeout can't hold the job
USER_AGENT = "1on1-bot (busy times only)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[str]]  # host, port -> the addresses it resolves to
Permitted = Callable[[IPAddress], bool]


class FetchError(Exception):
    """Why a calendar could not be read, in plain words for its owner (never the address itself)."""


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the last read (304)
    etag: str | None
    last_modified: str | None


def url_problem(url: str, *, allow_private: bool = False) -> str | None:
    """What is wrong with this address as a calendar to read (None: nothing we can tell without DNS)."""
    if len(url) > MAX_URL_LENGTH:
        return f"That address is too long (over {MAX_URL_LENGTH} characters)."
    if any(c.isspace() for c in url):
        return "That doesn't look like a web address: it has spaces in it."
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "That doesn't look like a web address."
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme.lower() not in ("https", "http") or not host:
        return "That doesn't look like a web address: give the secret iCal address, starting with https://."
    if parts.scheme.lower() not in schemes:
        return (
            "The address must start with https:// (a calendar read over plain http could be read by anyone)."
        )
    if parts.username or parts.password:
        return "The address must not contain a user name or password."
    if port == 0:
        return "That doesn't look like a web address."
    literal = _literal_ip(host)
    if not allow_private and (host.lower() == "localhost" or (literal and not is_public(literal))):
        return "That address points inside a private network; give your calendar's public iCal address."
    return None


def host_of(url: str) -> str:
    """The host alone, to show the person which address is meant without showing its secret part."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def is_public(ip: IPAddress) -> bool:
    """An address on the public internet: not private, loopback, link-local, multicast or reserved."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve_host(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"The name {host} could not be found (DNS).") from None
    return [str(info[4][0]) for info in infos]


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    permitted: Permitted | None = None,
    resolve: Resolve = resolve_host,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """GET the calendar (conditionally), following at most MAX_REDIRECTS redirects, each one checked.

    `permitted` says which addresses may be connected to (default: public ones; every one with
    `allow_private`); `resolve` is DNS; `transport` replaces the network (tests). Raises FetchError
    saying why, in words for the calendar's owner.
    """
    allowed: Permitted = permitted or ((lambda _ip: True) if allow_private else is_public)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + DEADLINE_SECONDS
    transport = transport or _GuardedTransport(_GuardedBackend(allowed, resolve))
    with httpx.Client(
        transport=transport, timeout=TIMEOUT, follow_redirects=False, trust_env=False
    ) as client:
        for hop in range(MAX_REDIRECTS + 1):
            problem = url_problem(url, allow_private=allow_private)
            if problem:
                raise FetchError(
                    problem if hop == 0 else f"It redirected to an address I can't use. {problem}"
                )
            try:
                with client.stream("GET", url, headers=headers) as response:
                    if response.has_redirect_location:
                        url = urljoin(url, response.headers.get("Location", ""))
                        continue
                    return _answer(response, deadline)
            except httpx.TimeoutException:
                raise FetchError(f"{host_of(url)} took too long to answer.") from None
            except httpx.HTTPError as error:
                raise FetchError(f"{host_of(url)} could not be reached ({type(error).__name__}).") from None
    raise FetchError(f"It redirected more than {MAX_REDIRECTS} times.")


def _answer(response: httpx.Response, deadline: float) -> Fetched:
    if response.status_code == 304:
        return Fetched(None, response.headers.get("ETag"), response.headers.get("Last-Modified"))
    if response.status_code != 200:
        raise FetchError(f"{response.url.host} answered HTTP {response.status_code}.")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise FetchError(_too_big())
    return Fetched(
        _read_capped(response.iter_bytes(), deadline),
        response.headers.get("ETag"),
        response.headers.get("Last-Modified"),
    )


def _read_capped(chunks: Iterable[bytes], deadline: float) -> bytes:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > MAX_BYTES:
            raise FetchError(_too_big())
        if time.monotonic() > deadline:
            raise FetchError(f"The calendar took longer than {DEADLINE_SECONDS:.0f} seconds to download.")
    return bytes(body)


def _too_big() -> str:
    return f"The calendar is larger than {MAX_BYTES // (1024 * 1024)} MB."


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class AddressRefused(FetchError):
    pass


class _GuardedBackend(SyncBackend):
    """Resolves the host itself, refuses it unless every address it resolves to is permitted, and
    connects to the address it checked (not to a second, possibly different, resolution)."""

    def __init__(self, permitted: Permitted, resolve: Resolve) -> None:
        self._permitted = permitted
        self._resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        literal = _literal_ip(host)
        found = (
            [literal]
            if literal
            else [ipaddress.ip_address(a.split("%")[0]) for a in self._resolve(host, port)]
        )
        if not found:
            raise FetchError(f"The name {host} could not be found (DNS).")
        if not all(self._permitted(ip) for ip in found):
            raise AddressRefused(
                f"{host} is a private or reserved network address; I only read public calendars."
            )
        return super().connect_tcp(str(found[0]), port, timeout, local_address, socket_options)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the guarded backend under it (no proxies: they would connect for us)."""

    def __init__(self, backend: _GuardedBackend) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=2,
            network_backend=backend,
        )
