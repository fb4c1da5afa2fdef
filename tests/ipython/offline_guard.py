"""The offline guard: any socket connection or DNS lookup that would leave this machine
raises `NetworkBlocked` (and is recorded), so a test run proves nothing reaches the
network. Loopback (127.0.0.0/8, ::1, "localhost"), Unix sockets and passive lookups
(host None or "", as servers bind) stay allowed: Jupyter and the browser tests use
127.0.0.1.

It is a `sys.addaudithook` on the socket events CPython raises before it resolves or
connects, so it sees everything Python code does, whatever the library (urllib,
requests, asyncio, http.client). It cannot see C code that opens its own sockets
(libzmq, libcurl) nor child processes. An audit hook cannot be removed: installed once
per process, by the root conftest.py (pytest) and by the IPython startup file beside it
(every kernel started with IPYTHONDIR pointing here).
"""

import ipaddress
import socket
import sys

# event -> how to find the host in its arguments (see the audit events table in the
# Python docs, "socket.*")
DNS_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr")
ADDRESS_EVENTS = ("socket.connect", "socket.sendto", "socket.sendmsg")
WATCHED = frozenset((*DNS_EVENTS, *ADDRESS_EVENTS, "socket.getnameinfo"))
LOCAL_NAMES = frozenset(("", "localhost", "localhost.localdomain", "ip6-localhost",
                         "ip6-loopback"))
INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)
# this machine's own name: jupyter_client may resolve it to list the local interfaces
OWN_HOSTNAME = socket.gethostname().lower()

blocked = []  # one "event host:port" string per refused attempt, oldest first
_installed = False


class NetworkBlocked(RuntimeError):
    """Raised instead of a network access: tests and lessons must work offline.

    A RuntimeError, not an OSError, so that code written to tolerate a missing network
    (`except OSError`) does not hide the attempt.
    """


def is_local(host):
    """Whether `host` (a name or an address, str or bytes, or None) stays on this machine."""
    if host is None:
        return True
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    host = str(host).strip().rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost") or host == OWN_HOSTNAME:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return False  # any other name needs a DNS lookup
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_unspecified


def _destination(event, args):
    """(host, port) an audited socket event is about to reach, or None if it is local."""
    if event in DNS_EVENTS:
        return args[0], (args[1] if event == "socket.getaddrinfo" else None)
    if event == "socket.getnameinfo":
        sockaddr = args[0]
        return sockaddr[0], sockaddr[1] if len(sockaddr) > 1 else None
    sock, address = args[0], args[-1]
    if getattr(sock, "family", None) not in INET_FAMILIES or address is None:
        return None  # a Unix or netlink socket, or sendmsg on a connected socket
    if not isinstance(address, tuple) or not address:
        return None
    return address[0], address[1] if len(address) > 1 else None


def _hook(event, args):
    if event not in WATCHED:
        return
    destination = _destination(event, args)
    if destination is None or is_local(destination[0]):
        return
    host, port = destination
    where = f"{host}:{port}" if port is not None else f"{host}"
    blocked.append(f"{event} {where}")
    message = (
        f"offline guard: {event} to {where} refused. Nothing in the helpers, lessons "
        "or tests may reach the network (loopback is allowed); see "
        "tests/ipython/offline_guard.py."
    )
    # also on stderr: shown even when the caller swallows the exception (in a kernel,
    # stderr is the cell's output, which nbval compares)
    print(message, file=sys.stderr)
    raise NetworkBlocked(message)


def install():
    """Add the audit hook to this process, once."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
