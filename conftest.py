"""pytest set-up shared by the unit tests and the notebooks under nbval: every kernel
nbval starts inherits this environment (course.COURSE_ENV: quiet TensorFlow C++ logs,
the same float32 rounding on every CPU, fixed hashing; and
IPYTHONDIR=tests/ipython, whose startup file installs the offline guard in the kernel).

The offline guard (tests/ipython/offline_guard.py) is installed here too, before any
test is collected: a socket connection or DNS lookup that would leave this machine
raises NetworkBlocked. Loopback stays allowed (Jupyter and the browser tests use
127.0.0.1). A test that swallows a refused attempt still fails, at teardown.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from course import use_course_env

# Property tests draw the same examples on every run (CI must not pass "most runs");
# no example database, so a local failure cannot hide in .hypothesis/.
settings.register_profile("course", derandomize=True, database=None)
settings.load_profile("course")

IPYTHON_DIR = Path(__file__).parent / "tests" / "ipython"

# run directly (not through course.py), pytest and its kernels get the course's
# environment too
use_course_env()
# kernels read their profile (and its startup files) from here, not from ~/.ipython
os.environ["IPYTHONDIR"] = str(IPYTHON_DIR)


def _load_offline_guard():
    """tests/ipython/offline_guard.py as the module `offline_guard`, installed."""
    spec = importlib.util.spec_from_file_location(
        "offline_guard", IPYTHON_DIR / "offline_guard.py"
    )
    guard = sys.modules.setdefault("offline_guard", importlib.util.module_from_spec(spec))
    if not hasattr(guard, "install"):
        spec.loader.exec_module(guard)
    guard.install()
    return guard


offline_guard = _load_offline_guard()


@pytest.fixture(autouse=True)
def _no_network_attempts():
    """Fail a test during which the offline guard refused anything, even if the code
    under test caught the NetworkBlocked error."""
    already = len(offline_guard.blocked)
    yield
    attempts = offline_guard.blocked[already:]
    del offline_guard.blocked[already:]
    if attempts:
        pytest.fail(f"the test tried to reach the network: {attempts}", pytrace=False)
