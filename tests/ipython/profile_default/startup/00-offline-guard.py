# Runs in every IPython kernel started with IPYTHONDIR=tests/ipython (set by the root
# conftest.py): the offline guard refuses any network access that leaves this machine.
# Everything happens inside a function that is deleted afterwards, so the notebook's
# namespace gains no names; nothing is printed.


def _install_offline_guard():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "offline_guard.py"
    spec = importlib.util.spec_from_file_location("offline_guard", path)
    guard = sys.modules.setdefault("offline_guard", importlib.util.module_from_spec(spec))
    if not hasattr(guard, "install"):
        spec.loader.exec_module(guard)
    guard.install()


_install_offline_guard()
del _install_offline_guard
