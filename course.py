"""Set up the course and run it: `python3 course.py lab | test | execute | bench`.

Needs only Python 3.10+. Creates .venv beside this file, installs the pinned
requirements into it (again only when a requirements file changed), then:
  lab      opens lesson 00 in JupyterLab on 127.0.0.1 (Jupyter's token stays on)
  test     runs every test: helpers' unit tests, every lesson under nbval, browsers
  execute  writes the course map and lesson links, then re-executes every lesson
           in place to regenerate its stored outputs
  bench    runs the benchmarks and prints their tables
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
REQUIREMENTS = {"lab": "requirements.txt", "test": "requirements-test.txt",
                "execute": "requirements-test.txt", "bench": "requirements-test.txt"}


def install(requirements):
    """Create .venv if needed and install `requirements` unless already installed."""
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
        run([BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    files = sorted(ROOT.glob("requirements*.txt")) + [ROOT / "pyproject.toml"]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing {requirements} into {VENV}", flush=True)
    run([BIN / "python", "-m", "pip", "install", "--quiet", "-r", ROOT / requirements])
    stamp.write_text(digest)


def run(command, **kwargs):
    """Run a command from the repository root; exit with its code if it fails."""
    result = subprocess.run(
        [str(part) for part in command], cwd=ROOT, check=False, **kwargs
    )
    if result.returncode != 0:
        sys.exit(result.returncode)


def main(argv):
    if len(argv) != 1 or argv[0] not in REQUIREMENTS:
        sys.exit(__doc__)
    task = argv[0]
    install(REQUIREMENTS[task])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0"}
    if task == "lab":
        os.execve(BIN / "jupyter", [
            "jupyter", "lab", "--ip=127.0.0.1", f"--ServerApp.root_dir={ROOT}",
            "notebooks/00_start_here.ipynb"], env)
    elif task == "test":
        run([BIN / "python", "-m", "pytest"], env=env)
    elif task == "execute":
        run([BIN / "python", ROOT / "scripts" / "sync_navigation.py"], env=env)
        run([BIN / "python", ROOT / "scripts" / "execute_notebooks.py"], env=env)
    elif task == "bench":
        for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
            run([BIN / "python", script], env=env)


if __name__ == "__main__":
    main(sys.argv[1:])
