"""The editions (scripts/editions.py, `python3 course.py editions`) and nbgrader grading
them (issue 12): every exercise has one reference solution (solutions/solutions.py),
each passes its own check while the blank fails it; the student edition is the lesson
as set with nbgrader's metadata; and real nbgrader, on a temporary course folder, gives
the instructor edition full marks and the untouched student release zero.

The nbgrader test needs nbgrader (requirements-test.txt): skipped where it is not
installed (.venv-oldest), a failure under CI=true in the main environment.
"""

import ast
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from scripts import editions
from solutions.solutions import SOLUTIONS

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# a lesson whose exercises are functions to write, and lesson 10's programs fixed in place
GRADED = ("06_custom_gradients", "10_gradient_clinic")


def lesson(stem):
    return ROOT / "notebooks" / f"{stem}.ipynb"


def run_cell(source, namespace):
    """Run a cell's code in `namespace`; return the value of its last line."""
    *body, last = ast.parse(source).body
    exec(compile(ast.Module(body, []), "<cell>", "exec"), namespace)  # noqa: S102
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)


def blanks(source):
    return sum(
        token.string == "..."
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
    )


def test_every_exercise_has_exactly_one_solution():
    found = {
        path.stem: {check for _, check in editions.exercises(nbformat.read(path, 4))}
        for path in LESSONS
    }
    assert {stem: set(checks) for stem, checks in SOLUTIONS.items()} == found
    assert sum(map(len, found.values())) >= 2 * len(LESSONS)


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem[:2])
def test_every_solution_passes_its_check_and_the_blank_does_not(path):
    notebook = nbformat.read(path, as_version=4)
    setup = next(
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "seed_everything(0)" in cell.source
    )
    namespace = {}
    exec(TransformerManager().transform_cell(setup), namespace)  # noqa: S102
    for index, check in editions.exercises(notebook):
        cell = notebook.cells[index].source
        assert not run_cell(cell, namespace), f"{check}: the blank exercise passes"
        solved = editions.solved(path.stem, check, cell)
        assert blanks(solved) == 0, f"{check}: the solution still holds a ..."
        feedback = run_cell(solved, namespace)
        assert feedback, f"{check}: {feedback!r}"
        assert repr(feedback).startswith("Correct.")


def is_test_cell(cell):
    return cell.metadata["nbgrader"]["grade"]


@pytest.mark.parametrize("stem", ["01_gradient_tape", "10_gradient_clinic"])
def test_editions_differ_from_the_lesson_only_where_they_should(stem):
    original = nbformat.read(lesson(stem), as_version=4)
    exercise = dict(editions.exercises(original))
    predict = editions.predicts(original)
    assert predict, "no Predict question found"
    student, instructor, source = (
        editions.edition(lesson(stem), kind)
        for kind in ("student", "instructor", "source")
    )
    for edition in (student, instructor, source):
        cells = [cell for cell in edition.cells if not is_test_cell(cell)]
        assert len(cells) == len(original.cells)
        tests = [cell for cell in edition.cells if is_test_cell(cell)]
        assert [cell.metadata["nbgrader"]["points"] for cell in tests] == [1] * len(
            exercise
        )
        for index, cell in enumerate(cells):
            meta = cell.metadata["nbgrader"]
            assert meta["solution"] == (index in exercise) != meta["locked"]
            assert cell.metadata.get("editable", True) == (index in exercise)
    lesson_cells = [cell for cell in student.cells if not is_test_cell(cell)]
    for index, (cell, before) in enumerate(zip(lesson_cells, original.cells)):
        assert cell.source == before.source
        expected = [] if index in predict else before.get("outputs")
        assert cell.get("outputs") == expected
    assert any(original.cells[index].get("outputs") for index in predict)
    # the test cell after each exercise asserts that exercise's check
    after = [
        student.cells[position + 1].source
        for position, cell in enumerate(student.cells)
        if cell.metadata["nbgrader"]["solution"]
    ]
    assert len(after) == len(exercise)
    for check, test in zip(exercise.values(), after):
        assert f"feedback = helpers.exercises.{check}(" in test
    # what nbgrader's ClearSolutions (with our empty stub) leaves of the source: the
    # student edition
    for mine, marked in zip(student.cells, source.cells):
        assert marked.source.split(editions.BEGIN)[0].rstrip("\n") == mine.source
    solved = [
        cell.source for cell in instructor.cells if cell.metadata["nbgrader"]["solution"]
    ]
    assert all(blanks(source) == 0 for source in solved)


def nbgrader_command():
    """`python -m nbgrader`, or a skip where nbgrader is not installed (.venv-oldest)."""
    if importlib.util.find_spec("nbgrader") is None:
        if os.environ.get("CI") == "true" and importlib.util.find_spec("jupyterlab"):
            pytest.fail(
                "CI=true, but nbgrader is missing from the course environment: "
                "pip install -r requirements-test.txt"
            )
        pytest.skip("nbgrader is not installed (requirements-test.txt has it)")
    return [sys.executable, "-m", "nbgrader"]


def test_nbgrader_gives_the_instructor_edition_full_marks_and_the_blank_release_zero(
    tmp_path,
):
    nbgrader = nbgrader_command()
    editions.build([lesson(stem) for stem in GRADED], out=tmp_path, run=False)
    course = tmp_path / "nbgrader"
    # nbgrader runs `alembic` (its database migrations) from PATH: this environment's
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }

    def run(*arguments):
        result = subprocess.run(
            [*nbgrader, *arguments],
            cwd=course,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    for stem in GRADED:
        run("generate_assignment", stem)
        release = course / "release" / stem / f"{stem}.ipynb"
        student = nbformat.read(tmp_path / "student" / f"{stem}.ipynb", as_version=4)
        released = nbformat.read(release, as_version=4)
        assert [cell.source.rstrip("\n") for cell in released.cells] == [
            cell.source for cell in student.cells
        ]
        for submitter, notebook in (
            ("full", tmp_path / "instructor" / f"{stem}.ipynb"),
            ("blank", release),
        ):
            (course / "submitted" / submitter / stem).mkdir(parents=True)
            shutil.copy(notebook, course / "submitted" / submitter / stem)
        run("autograde", stem)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for stem in GRADED:
            full = gradebook.find_submission(stem, "full")
            blank = gradebook.find_submission(stem, "blank")
            exercises = len(SOLUTIONS[stem])
            assert (full.score, full.max_score) == (exercises, exercises), stem
            assert (blank.score, blank.max_score) == (0, exercises), stem
    for submitter in ("full", "blank"):
        for stem in GRADED:
            graded = nbformat.read(
                course / "autograded" / submitter / stem / f"{stem}.ipynb", as_version=4
            )
            failed = [
                cell.metadata["nbgrader"]["grade_id"]
                for cell in graded.cells
                if any(out.output_type == "error" for out in cell.get("outputs", []))
                and "raises-exception" not in cell.metadata.get("tags", [])
            ]
            # the blank release fails only its test cells, and with an AssertionError
            expected = (
                []
                if submitter == "full"
                else [f"{check}-test" for check in SOLUTIONS[stem]]
            )
            assert sorted(failed) == sorted(expected), (submitter, stem)
