"""The stored lessons follow the skeleton and stay tidy (what nbval does not check)."""

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import helpers

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALLOWED_TAGS = {"raises-exception", "nbval-ignore-output", "navigation", "course-map"}
ROOT = Path(__file__).parent.parent


def load(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_lessons_are_numbered_without_gaps():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), numbers


def test_map_and_navigation_match_the_lesson_list():
    # The README's map, lesson 00's map and every lesson's last cell come from one list.
    result = subprocess.run(
        [sys.executable, "scripts/sync_navigation.py", "--check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout


def test_lesson_minutes_follow_the_stated_rule():
    sys.path.insert(0, str(ROOT / "scripts"))
    import sync_navigation

    def cell(kind, source, tags=()):
        return {"cell_type": kind, "source": [source], "metadata": {"tags": list(tags)}}

    # 1,500 words (10 min), 12 code cells (6), one explorer (4), 2 exercises (10): 30
    notebook = {"cells": [
        cell("markdown", "word " * 1500),
        *[cell("code", "x = 1") for _ in range(9)],
        cell("code", "explorer = helpers.widgets.x_explorer()"),
        *[cell("code", "helpers.exercises.check_y(...)") for _ in range(2)],
        cell("markdown", "not counted " * 900, tags=["navigation"]),
    ]}
    assert sync_navigation.lesson_minutes(notebook) == 30
    notebook["cells"].append(cell("code", "helpers.exercises.check_z(...)"))
    assert sync_navigation.lesson_minutes(notebook) == 35  # 35.5 rounds to 35
    # the map shows what the rule gives for the lessons on disk, not a number typed in
    minutes = sync_navigation.minutes_of_lessons(sync_navigation.lesson_texts())
    assert set(minutes) == {path.stem for path in NOTEBOOKS}
    assert all(minutes[path.stem] >= 15 for path in NOTEBOOKS[1:])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_explorer_asks_then_takes_a_prediction_then_explains(path):
    cells = load(path).cells
    launches = [index for index, cell in enumerate(cells)
                if cell.cell_type == "code" and "helpers.widgets." in cell.source]
    assert launches, "a lesson has at least one explorer"
    for index in launches:
        asked = next(cell for cell in reversed(cells[:index]) if cell.cell_type == "markdown")
        assert "Predict" in asked.source, f"cell {index}: no Predict question before it"
        named = re.match(r"\s*(\w+) = helpers\.widgets\.\w+\(\)", cells[index].source)
        assert named, f"cell {index}: name the explorer, to set() it after the explanation"
        told = next(cell for cell in cells[index + 1:] if cell.cell_type == "markdown")
        assert "prediction" in told.source.lower(), (
            f"cell {index}: the text after the explorer first asks for the prediction")
        assert any(f"{named.group(1)}.set(" in cell.source for cell in cells[index + 1:]
                   if cell.cell_type == "code"), (
            f"cell {index}: no {named.group(1)}.set(...) to show the point when saved")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_an_explorers_fallback_png_is_its_figure_as_saved(path):
    # renderers that draw no widgets (GitHub) show the state explorer.set() chose too
    sys.path.insert(0, str(ROOT / "scripts"))
    import execute_notebooks

    def fallbacks(notebook):
        return [output.data["image/png"] for cell in notebook.cells
                for output in cell.get("outputs", []) if "image/png" in output.get("data", {})
                and execute_notebooks.WIDGET_VIEW in output.data]

    notebook = load(path)
    stored = fallbacks(notebook)
    assert stored, "an explorer's output carries a PNG"
    execute_notebooks.final_figures(notebook)
    assert fallbacks(notebook) == stored


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_stored_exercises_show_no_hint_before_the_learner_tries(path):
    exercises = [cell for cell in load(path).cells if cell.cell_type == "code"
                 and "helpers.exercises.check_" in cell.source]
    assert len(exercises) >= 2, "a lesson ends with at least two checked exercises"
    for cell in exercises:
        shown = json.dumps(cell.get("outputs", []))
        assert "Not yet" in shown and "Hint" not in shown, cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_lesson_ends_with_links_to_its_neighbours(path):
    last = load(path).cells[-1]
    assert "navigation" in last.metadata.get("tags", [])
    index = NOTEBOOKS.index(path)
    for neighbour in NOTEBOOKS[max(index - 1, 0):index + 2]:
        if neighbour != path:
            assert f"]({neighbour.name})" in last.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_lesson_is_executed_in_order_with_tidy_metadata(path):
    notebook = load(path)
    counts = [cell.execution_count for cell in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}"
    assert set(notebook.metadata) <= {"kernelspec", "language_info", "widgets"}
    for cell in notebook.cells:
        assert set(cell.metadata) <= {"tags", "slideshow"}, cell.metadata
        assert set(cell.metadata.get("tags", [])) <= ALLOWED_TAGS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_lesson_follows_the_skeleton(path):
    notebook = load(path)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    source = "\n".join(cell.source for cell in code_cells(notebook))
    assert notebook.cells[0].source.startswith(f"# {path.name[:2]} · ")
    opening = itertools.takewhile(lambda cell: not cell.source.startswith("## "),
                                  notebook.cells)  # the title slide and its notes
    assert "What you will learn" in "\n".join(cell.source for cell in opening)
    assert "helpers.seed_everything(" in code_cells(notebook)[0].source
    assert re.search(r"^## Summary", markdown, re.MULTILINE), "no ## Summary section"
    assert len(re.findall(r"helpers\.exercises\.check_\w+\(", source)) >= 2
    assert re.search(r"helpers\.widgets\.\w+_explorer\(\)", source), "no explorer"
    assert not re.search(r"TODO|FIXME|XXX", markdown + source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_stored_outputs_are_clean(path):
    for cell in code_cells(load(path)):
        tags = cell.metadata.get("tags", [])
        for output in cell.outputs:
            if output.output_type == "stream":
                assert output.name != "stderr", f"stderr in a stored output: {output.text}"
            if output.output_type == "error":
                assert "raises-exception" in tags, f"unexpected error: {output.ename}"
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not re.search(r" at 0x[0-9a-f]+", text), f"memory address in {text!r}"
            assert "Warning" not in text or "raises-exception" in tags, text


def test_every_explorer_and_check_is_used_in_a_lesson():
    sources = "\n".join(cell.source for path in NOTEBOOKS for cell in code_cells(load(path)))
    names = [n for n in dir(helpers.widgets) if n.endswith("_explorer")]
    names += [n for n in dir(helpers.exercises) if n.startswith("check_")]
    unused = [name for name in names if f"{name}(" not in sources]
    assert not unused, f"defined but no lesson uses them: {unused}"
