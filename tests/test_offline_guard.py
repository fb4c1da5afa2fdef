"""The offline guard (tests/ipython/offline_guard.py, installed by conftest.py) refuses
every network access that would leave this machine, here and in the kernels nbval and
JupyterLab start, and lets loopback through."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import offline_guard
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, start_new_kernel

IPYTHON_DIR = Path(__file__).parent / "ipython"
STARTUP_FILE = IPYTHON_DIR / "profile_default" / "startup" / "00-offline-guard.py"
# TEST-NET-3 (RFC 5737): an address that is never anyone's real host
REMOTE_ADDRESS = "203.0.113.1"


@pytest.fixture
def refused():
    """The attempts the guard refuses during the test (a live view). They are expected,
    so they leave the record that conftest.py's teardown check reads."""
    start = len(offline_guard.blocked)

    class Since:
        def __call__(self):
            return offline_guard.blocked[start:]

    yield Since()
    del offline_guard.blocked[start:]


@pytest.mark.parametrize("attempt, where", [
    (lambda: socket.create_connection((REMOTE_ADDRESS, 80), timeout=1),
     f"{REMOTE_ADDRESS}:80"),
    (lambda: socket.getaddrinfo("example.com", 443), "example.com:443"),
    (lambda: socket.gethostbyname("example.com"), "example.com"),
    (lambda: socket.gethostbyname_ex("example.org"), "example.org"),
    (lambda: socket.gethostbyaddr("8.8.8.8"), "8.8.8.8"),
])
def test_a_lookup_or_connection_to_a_remote_host_is_refused(attempt, where, refused):
    with pytest.raises(offline_guard.NetworkBlocked, match="offline guard") as raised:
        attempt()
    assert where in str(raised.value)
    assert [where in entry for entry in refused()] == [True]


@pytest.mark.parametrize("kind, address", [
    (socket.SOCK_STREAM, (REMOTE_ADDRESS, 443)),  # socket.connect, no lookup first
    (socket.SOCK_DGRAM, ("192.0.2.53", 53)),  # a DNS query by hand: socket.sendto
])
def test_raw_sockets_to_a_remote_address_are_refused(kind, address, refused):
    with (socket.socket(socket.AF_INET, kind) as sock,
          pytest.raises(offline_guard.NetworkBlocked, match=address[0])):
        if kind == socket.SOCK_DGRAM:
            sock.sendto(b"\x00", address)
        else:
            sock.connect(address)
    assert len(refused()) == 1


def test_a_swallowed_attempt_is_still_recorded(capsys, refused):
    try:
        socket.create_connection((REMOTE_ADDRESS, 80), timeout=1)
    except Exception:  # noqa: BLE001, S110  code that hides a failed connection
        pass
    assert [entry.endswith(f"{REMOTE_ADDRESS}:80") for entry in refused()] == [True]
    assert "offline guard" in capsys.readouterr().err


def test_loopback_tcp_and_localhost_lookups_are_allowed():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
            connection, _ = server.accept()
            with connection:
                client.sendall(b"ping")
                assert connection.recv(4) == b"ping"
        with socket.create_connection(("localhost", port), timeout=2):
            pass
    assert socket.getaddrinfo(None, 0)  # a passive lookup, as a server binds
    assert socket.gethostbyname("localhost").startswith("127.")


def test_unix_sockets_are_allowed(tmp_path):
    path = str(tmp_path / "guard.sock")
    with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
        server.bind(path)
        server.listen()
        client.connect(path)
        client.sendall(b"ok")
        connection, _ = server.accept()
        with connection:
            assert connection.recv(2) == b"ok"


@settings(max_examples=200, deadline=None)
@given(st.ip_addresses())
def test_only_loopback_and_unspecified_addresses_count_as_local(address):
    # an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is the IPv4 address it maps
    target = getattr(address, "ipv4_mapped", None) or address
    expected = target.is_loopback or target.is_unspecified
    assert offline_guard.is_local(str(address)) == expected
    assert offline_guard.is_local(str(address).encode()) == expected


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[a-z][a-z0-9-]{0,20}\.(com|org|net|io)", fullmatch=True))
def test_any_dns_name_but_localhost_is_remote(name):
    assert not offline_guard.is_local(name)
    assert offline_guard.is_local("localhost") and offline_guard.is_local("app.localhost")


def test_conftest_points_kernels_at_the_guarded_profile():
    assert Path(os.environ["IPYTHONDIR"]) == IPYTHON_DIR
    assert STARTUP_FILE.is_file()


def test_the_startup_file_prints_nothing_and_leaves_no_names():
    code = ("import sys; print('offline_guard' in sys.modules, "
            "[n for n in globals() if 'guard' in n or n == 'importlib'])")
    result = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--HistoryManager.enabled=False",
         "-c", code],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "IPYTHONDIR": str(IPYTHON_DIR), "TERM": "dumb"})
    assert (result.stdout, result.stderr) == ("True []\n", "")


KERNEL_PROBE = f"""
import json, os, socket, sys
outcomes = {{}}
for name, attempt in {{
    "connect": lambda: socket.create_connection(("{REMOTE_ADDRESS}", 80), timeout=2),
    "dns": lambda: socket.getaddrinfo("example.com", 443),
}}.items():
    try:
        attempt()
        outcomes[name] = "reached"
    except Exception as error:
        outcomes[name] = type(error).__name__
with socket.create_server(("127.0.0.1", 0)) as server:
    with socket.create_connection(server.getsockname(), timeout=2):
        outcomes["loopback"] = "connected"
outcomes["ipythondir"] = os.environ.get("IPYTHONDIR")
outcomes["guard_loaded"] = "offline_guard" in sys.modules
outcomes["leaked_names"] = [n for n in globals() if "guard" in n or n == "importlib"]
print(json.dumps(outcomes))
"""


def test_a_kernel_started_as_nbval_starts_it_is_guarded():
    # nbval --nbval-current-env starts kernels exactly so: this process's sys.executable,
    # and os.environ (where conftest.py put IPYTHONDIR) as the kernel's environment
    manager, client = start_new_kernel(
        kernel_name=CURRENT_ENV_KERNEL_NAME, stderr=subprocess.DEVNULL)
    streams = []
    try:
        reply = client.execute_interactive(
            KERNEL_PROBE, timeout=60,
            output_hook=lambda msg: streams.append(msg["content"])
            if msg["msg_type"] == "stream" else None)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    stdout = "".join(s["text"] for s in streams if s["name"] == "stdout")
    stderr = "".join(s["text"] for s in streams if s["name"] == "stderr")
    outcomes = json.loads(stdout)
    assert outcomes == {
        "connect": "NetworkBlocked",
        "dns": "NetworkBlocked",
        "loopback": "connected",
        "ipythondir": str(IPYTHON_DIR),
        "guard_loaded": True,
        "leaked_names": [],
    }
    # the refusals are in the cell's own output too, where nbval would see them
    assert f"{REMOTE_ADDRESS}:80 refused" in stderr and "example.com:443 refused" in stderr
