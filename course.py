"""Set up the course and run it: `python3 course.py TASK`, one of the TASKs below.

Needs only Python 3.10+. Creates .venv beside this file, installs the pinned
requirements into it (again only when a requirements file changed), then:
  lab      opens lesson 00 in JupyterLab on 127.0.0.1 (Jupyter's token stays on)
  test     runs every test: helpers' unit tests, every lesson under nbval, browsers
  execute  writes the course map and lesson links, then re-executes every lesson
           in place to regenerate its stored outputs
  bench    runs every benchmark (benchmarks/bench_*.py: speed, and each lesson's
           peak kernel memory), prints their tables, fails if any target is missed
  test-oldest  builds .venv-oldest from requirements-oldest.txt (TensorFlow 2.16)
           and runs the unit tests and every lesson under nbval --nbval-lax: every
           cell must run and every assert hold; stored outputs are not compared
  slides   builds a reveal.js slide deck per lesson into build/slides/ (open
           build/slides/index.html; works offline: see README, "Teaching with it")
  html     exports every lesson as a static page into build/html/ (works offline)
  wheel    builds the helpers package as a wheel into build/wheel/, for lessons run
           outside this repository (Colab, VS Code, a hub image: see README)
  handout  writes build/handout.html, the printable checklist and None/zero/NaN table
  editions writes build/instructor/ (every exercise solved, executed), build/student/
           (the lessons as set, Predict outputs cleared) and build/nbgrader/, an
           nbgrader course folder (see README, "Grading with nbgrader")
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
OLDEST_VENV = ROOT / ".venv-oldest"
REQUIREMENTS = {"lab": "requirements.txt", "test": "requirements-test.txt",
                "execute": "requirements-test.txt", "bench": "requirements-test.txt",
                "test-oldest": "requirements-oldest.txt",
                "slides": "requirements.txt", "html": "requirements.txt",
                "wheel": "requirements.txt", "handout": "requirements.txt",
                "editions": "requirements-test.txt"}


def scripts(venv_dir):
    """The folder holding a virtualenv's python and console scripts."""
    return venv_dir / ("Scripts" if os.name == "nt" else "bin")


BIN = scripts(VENV)
# What every process of the course runs with: TensorFlow's C++ INFO and WARNING lines
# off (they would land in stored outputs); oneDNN's custom ops off, because TensorFlow
# turns them on for some x86 CPUs and not others, and their summation order changes the
# last bits of float32 results (the stored 0.0 becomes 7e-9); fixed string hashing.
COURSE_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0",
              "PYTHONHASHSEED": "0"}


def use_course_env():
    """Put COURSE_ENV into this process's environment, keeping what is already set (for
    scripts run directly, not through course.py); set it before TensorFlow is imported."""
    for name, value in COURSE_ENV.items():
        os.environ.setdefault(name, value)


NBGRADER_SERVER_EXTENSIONS = ("formgrader", "validate_assignment", "assignment_list",
                              "course_list")


def install(requirements, venv_dir=VENV):
    """Create `venv_dir` if needed and install `requirements` unless already installed."""
    python = scripts(venv_dir) / "python"
    if not (python.exists() or python.with_suffix(".exe").exists()):  # .exe: Windows
        print(f"creating {venv_dir}", flush=True)
        venv.create(venv_dir, with_pip=True)
        run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    files = sorted(ROOT.glob("requirements*.txt")) + [ROOT / "pyproject.toml"]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = venv_dir / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing {requirements} into {venv_dir}", flush=True)
    run([python, "-m", "pip", "install", "--quiet", "-r", ROOT / requirements])
    if "nbgrader" in (ROOT / requirements).read_text():
        # nbgrader is the lecturer's command-line tool (README): keep its panels and
        # server extensions out of the learners' JupyterLab in the same venv
        jupyter = scripts(venv_dir) / "jupyter"
        run([jupyter, "labextension", "disable", "--level=sys_prefix", "@jupyter/nbgrader"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name in NBGRADER_SERVER_EXTENSIONS:
            run([jupyter, "server", "extension", "disable", "--sys-prefix",
                 f"nbgrader.server_extensions.{name}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stamp.write_text(digest)


def run(command, **kwargs):
    """Run a command from the repository root; exit with its code if it fails."""
    result = subprocess.run(
        [str(part) for part in command], cwd=ROOT, check=False, **kwargs
    )
    if result.returncode != 0:
        sys.exit(result.returncode)


def build_wheel(folder, python=BIN / "python"):
    """Build the helpers wheel into `folder` and return its path. It is built from a
    clean copy of the package: setuptools would also pack files left in build/lib."""
    with tempfile.TemporaryDirectory() as source:
        shutil.copy(ROOT / "pyproject.toml", source)
        shutil.copytree(ROOT / "helpers", Path(source, "helpers"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([str(python), "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--wheel-dir", str(folder), source], check=True)
    return next(Path(folder).glob("softmax_gradients_course_helpers-*.whl"))


def main(argv):
    if len(argv) != 1 or argv[0] not in REQUIREMENTS:
        sys.exit(__doc__)
    task = argv[0]
    install(REQUIREMENTS[task], OLDEST_VENV if task == "test-oldest" else VENV)
    env = {**os.environ, **COURSE_ENV}
    if task == "lab":
        os.execve(BIN / "jupyter", [
            "jupyter", "lab", "--ip=127.0.0.1", f"--ServerApp.root_dir={ROOT}",
            # offline: the extension manager would query PyPI when opened
            "--LabApp.extension_manager=readonly",
            # containers often run as root, which Jupyter refuses unless told
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
            "notebooks/00_start_here.ipynb"], env)
    elif task == "test":
        run([BIN / "python", "-m", "pytest"], env=env)
    elif task == "execute":
        run([BIN / "python", ROOT / "scripts" / "sync_navigation.py"], env=env)
        run([BIN / "python", ROOT / "scripts" / "execute_notebooks.py"], env=env)
    elif task == "bench":
        # every benchmark runs, even after one missed its target; then fail if any did
        missed = []
        for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
            result = subprocess.run([BIN / "python", script], cwd=ROOT, env=env, check=False)
            if result.returncode != 0:
                missed.append(script.name)
        if missed:
            sys.exit(f"missed a target: {', '.join(missed)}")
    elif task == "test-oldest":
        # the stored outputs come from requirements.txt's versions: run, do not compare
        run([scripts(OLDEST_VENV) / "python", "-m", "pytest", "--nbval-lax",
             "-m", "not browser"], env=env)
    elif task in ("slides", "html"):
        # nbconvert (installed with JupyterLab) exports; npm fetches the decks' JS once
        run([BIN / "python", ROOT / "scripts" / "export_site.py", task], env=env)
    elif task == "editions":
        run([BIN / "python", ROOT / "scripts" / "editions.py"], env=env)
    elif task == "handout":
        run([BIN / "python", ROOT / "scripts" / "handout.py"], env=env)
    elif task == "wheel":
        # the folder holds one wheel, the one just built
        shutil.rmtree(ROOT / "build" / "wheel", ignore_errors=True)
        print(build_wheel(ROOT / "build" / "wheel"))


if __name__ == "__main__":
    main(sys.argv[1:])
