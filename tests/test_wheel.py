"""A lesson runs outside this repository (Colab, VS Code, a hub image) with only the
helpers wheel and the pinned requirements: slow (a fresh virtualenv: about 95 s with
pip's cache warm, 60 s of it pip) but the real thing a learner does.

`course.build_wheel` builds the wheel; a fresh virtualenv gets requirements.txt's pins
(its `-e .` left out) and nbval; lesson 03 is copied with the wheel into an empty folder.
Its setup cell installs the wheel (helpers is missing), every cell runs (nbval-lax);
then `import helpers` comes from the virtualenv, and the lesson passes nbval strict.
Runs where TensorFlow is requirements.txt's pin (the main .venv, not .venv-oldest).
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import pytest

import course

ROOT = course.ROOT
LESSON = ROOT / "notebooks" / "03_softmax_jacobian.ipynb"
TEST_TOOLS = ("pytest", "nbval", "nbclient", "nbformat")


def pinned(name):
    """The version requirements.txt pins for package `name`, or None."""
    text = (ROOT / "requirements.txt").read_text()
    found = re.search(rf"^{name}==(\S+);", text, re.MULTILINE)
    return found and found.group(1)


def requirements():
    """requirements.txt without its `-e .`, and the test tools pinned as in
    requirements-test.txt."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    lines += [line for line in (ROOT / "requirements-test.txt").read_text().splitlines()
              if line.split("==")[0] in TEST_TOOLS]
    return [line for line in lines if line.strip() and not line.startswith(("#", "-e"))]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The helpers wheel, built once by `course.build_wheel`."""
    tf = pytest.importorskip("tensorflow")
    if tf.__version__ != pinned("tensorflow-cpu"):
        pytest.skip(f"TensorFlow {tf.__version__} is not requirements.txt's pin: the "
                    "fresh virtualenv gets the pins, checked in the main .venv")
    return course.build_wheel(tmp_path_factory.mktemp("wheel"), python=sys.executable)


def test_the_wheel_holds_every_file_of_the_package(wheel):
    packed = {name for name in zipfile.ZipFile(wheel).namelist()
              if name.startswith("helpers/")}
    shipped = {path.relative_to(ROOT).as_posix() for path in (ROOT / "helpers").rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}
    assert {"helpers/data/digits.npz", "helpers/lessons/__init__.py",
            "helpers/diagnosis/__init__.py"} <= shipped
    assert packed == shipped


def run(command, cwd, what):
    """Run `command` with the course's environment and no path back to this checkout."""
    env = {**os.environ, **course.COURSE_ENV}
    env.pop("PYTHONPATH", None)
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                            capture_output=True, text=True, check=False)
    output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"{what} failed:\n{output}"
    return result.stdout


def test_a_lesson_runs_from_an_empty_folder_with_only_the_wheel(wheel, tmp_path):
    folder = tmp_path / "lesson"
    folder.mkdir()
    for source in (wheel, LESSON):
        shutil.copy(source, folder)
    venv.create(tmp_path / "venv", with_pip=True)
    python = course.scripts(tmp_path / "venv") / "python"
    started = time.perf_counter()
    run([python, "-m", "pip", "install", "--quiet", *requirements()], folder,
        "pip install (a package index, or pip's cache, is needed)")
    print(f"pip install into a fresh virtualenv: {time.perf_counter() - started:.0f} s")
    nbval = [python, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-current-env",
             folder / LESSON.name]
    # helpers is missing: the setup cell installs the wheel beside the lesson
    run([*nbval, "--nbval-lax"], folder, "the lesson, installing the wheel itself")
    code = ("import helpers; from helpers.digits import load_digits; "
            "print(len(load_digits()[1])); print(helpers.__file__)")
    found = run([python, "-c", code], folder, "import helpers")
    count, location = found.split()
    site_packages = sysconfig.get_path("purelib", vars={"base": str(tmp_path / "venv")})
    assert count == "1797"
    assert Path(location).resolve().is_relative_to(Path(site_packages).resolve())
    run([python, "-m", "pip", "check"], folder, "the wheel's requirements")
    assert wheel.name in run([python, "-m", "pip", "freeze"], folder, "pip freeze")
    run([*nbval, "--nbval"], folder, "nbval strict on the lesson")
