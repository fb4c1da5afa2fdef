"""The stored lessons follow the skeleton and stay tidy (what nbval does not check)."""

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
    assert "What you will learn" in notebook.cells[0].source
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
