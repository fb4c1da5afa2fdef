"""Build the instructor and student editions of the lessons, and an nbgrader course.

Usage: python scripts/editions.py [notebooks/NN_name.ipynb ...]  (default: all)

  build/instructor/NN_name.ipynb  every exercise with its reference solution, executed:
                                  each check says "Correct" (the build fails if not);
                                  each section opens with a note for the lecturer (its
                                  minutes, the question to ask: scripts/slide_types.py)
  build/student/NN_name.ipynb     the lesson as set, with its `...` blanks; the outputs
                                  of the code cell after every *Predict* question
                                  cleared, so the learner predicts before seeing
  build/nbgrader/                 an nbgrader course folder: nbgrader_config.py and
                                  source/NN_name/NN_name.ipynb, each solution between
                                  ### BEGIN SOLUTION and ### END SOLUTION

The solutions come from solutions/solutions.py, the one place they are written. In all
three, each exercise cell is an nbgrader answer cell, followed by a locked test cell
worth 1 point that asserts the exercise's check passes (a blank `...` scores 0); every
other cell is locked (read-only). `nbgrader generate_assignment` on the source gives
the student edition (README: "Grading with nbgrader").
"""

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import slide_types  # scripts/, put on sys.path above

from course import use_course_env
from solutions.solutions import SOLUTIONS

BUILD = ROOT / "build"
CHECK = re.compile(r"helpers\.exercises\.(check_\w+)\(")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
NBGRADER_CONFIG = """c = get_config()  # noqa: F821  (nbgrader's config file, written by scripts/editions.py)
c.CourseDirectory.course_id = "softmax-gradients"
# the released cell is the lesson's own: its `...` blanks stay, the solution goes
c.ClearSolutions.code_stub = {"python": ""}
# the lessons' stored figures and results stay in the release (Predict cells are empty)
c.ClearOutput.enabled = False
# a lesson's longest cell trains for several seconds; nbgrader's default is 30 s
c.Execute.timeout = 600
"""


def exercises(notebook):
    """[(cell index, check name)] of every exercise cell: a code cell calling a check."""
    found = []
    for index, cell in enumerate(notebook.cells):
        match = cell.cell_type == "code" and CHECK.search(cell.source)
        if match:
            found.append((index, match.group(1)))
    return found


def fill_blanks(source, fills):
    """`source` with each `...` of its code (not of its comments) replaced by the next
    of `fills`, in order."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    blanks = [token.start for token in tokens if token.string == "..."]
    if len(blanks) != len(fills):
        raise ValueError(
            f"{len(blanks)} blanks in the cell, {len(fills)} fills:\n{source}"
        )
    lines = source.split("\n")
    for (row, col), fill in reversed(list(zip(blanks, fills))):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + fill + line[col + 3 :]
    return "\n".join(lines)


def solved(stem, check, source):
    """The exercise cell `source` (lesson `stem`, calling `check`) with its solution."""
    solution = SOLUTIONS[stem][check]
    return solution if isinstance(solution, str) else fill_blanks(source, solution)


def check_call(source):
    """The source of the solved cell's last statement: its call of the check."""
    tree = ast.parse(source)
    last = tree.body[-1]
    if not (isinstance(last, ast.Expr) and CHECK.match(ast.unparse(last.value))):
        raise ValueError(f"the cell does not end with its check:\n{source}")
    return ast.get_source_segment(source, last.value)


def nbgrader(grade_id, solution=False, grade=False, points=None):
    """A cell's nbgrader metadata: an answer cell (`solution`), a test cell (`grade`,
    with `points`), or a locked read-only cell (neither)."""
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    return meta


def lock(cell, meta):
    """Give `cell` nbgrader's metadata, and JupyterLab's read-only flags as nbgrader's
    release sets them (an answer cell stays editable)."""
    cell.metadata["nbgrader"] = meta
    cell.metadata["deletable"] = False
    if meta["locked"]:
        cell.metadata["editable"] = False


def test_cell(check, call):
    """The autograder's cell after exercise `check`: 1 point when the check passes."""
    source = (
        f"# autograded, 1 point: the exercise above passes its check\n"
        f"feedback = {call}\n"
        "assert feedback, feedback"
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"{check}-test"
    lock(cell, nbgrader(f"{check}-test", grade=True, points=1))
    return cell


def predicts(notebook):
    """Indices of the code cells right after a markdown cell that asks to Predict."""
    cells = notebook.cells
    return {
        index
        for index in range(1, len(cells))
        if cells[index].cell_type == "code"
        and cells[index - 1].cell_type == "markdown"
        and "Predict" in cells[index - 1].source
    }


def edition(path, kind):
    """Lesson `path` as the `kind` edition: "instructor" (solved, not yet executed),
    "student" (as set) or "source" (for nbgrader: both, the solution marked)."""
    notebook = nbformat.read(path, as_version=4)
    stem, blanks = Path(path).stem, dict(exercises(notebook))
    cleared = predicts(notebook) if kind != "instructor" else set()
    missing = set(blanks.values()) ^ set(SOLUTIONS.get(stem, {}))
    if missing:
        raise ValueError(f"{stem}: exercises and solutions differ in {sorted(missing)}")
    cells = []
    for index, cell in enumerate(notebook.cells):
        cell.setdefault("id", f"cell-{index:02d}")
        if index in cleared:
            cell.outputs, cell.execution_count = [], None
        if index not in blanks:
            lock(cell, nbgrader(f"{stem[:2]}-{cell.id}"))
            cells.append(cell)
            continue
        check = blanks[index]
        answer = solved(stem, check, cell.source)
        if kind == "instructor":
            cell.source, cell.outputs, cell.execution_count = answer, [], None
        elif kind == "source":
            cell.source = f"{cell.source}\n{BEGIN}\n{answer}\n{END}"
        lock(cell, nbgrader(check, solution=True))
        cells += [cell, test_cell(check, check_call(answer))]
    notebook.cells = cells
    return notebook


def execute(notebook):
    """Run `notebook` as scripts/execute_notebooks.py does (widget state and the
    explorers' final figures kept); raise if an exercise's check is not Correct."""
    from scripts.execute_notebooks import run

    run(notebook, ROOT / "notebooks")
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            *printed, result = cell.outputs or [{}]
            verdict = str(result.get("data", {}).get("text/plain"))
            # what the cell prints is the lesson's (lesson 10 prints a program), but
            # never a warning
            noise = [
                out.get("text", "")
                for out in printed
                if out.get("output_type") == "stream"
                and (out.get("name") != "stdout" or "warn" in out.get("text", "").lower())
            ]
            if not verdict.startswith("Correct.") or noise:
                raise AssertionError(f"{cell.source}\n gives {verdict} {noise}")
    return notebook


def build(paths, out=BUILD, run=True):
    """Write the three editions of each lesson under `out`; execute the instructor
    edition unless `run` is False."""
    (out / "nbgrader").mkdir(parents=True, exist_ok=True)
    (out / "nbgrader" / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    for path in paths:
        stem = Path(path).stem
        instructor = edition(path, "instructor")
        if run:
            instructor = execute(instructor)
        slide_types.section_notes(instructor)  # each section's minutes and question
        source = out / "nbgrader" / "source" / stem / f"{stem}.ipynb"
        for notebook, target in (
            (instructor, out / "instructor" / f"{stem}.ipynb"),
            (edition(path, "student"), out / "student" / f"{stem}.ipynb"),
            (edition(path, "source"), source),
        ):
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
        print(f"{stem}: editions written", flush=True)


def main(argv):
    use_course_env()
    paths = [Path(p).resolve() for p in argv] or sorted(
        (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
    )
    build(paths)


if __name__ == "__main__":
    main(sys.argv[1:])
