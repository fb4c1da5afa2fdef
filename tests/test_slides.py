"""Every lesson is also a slide deck: each cell has a slide type (scripts/slide_types.py).

The lessons' stored types: the title cell opens the deck, exercises and the setup cell
are left out, explorers stay in. The rules themselves, on made-up notebooks: a stored
type always wins, every cell gets a type nbconvert knows, --check fails on a missing one.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import slide_types  # scripts/ (not a package), put on sys.path above

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load(path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_every_cell_has_a_slide_type(path):
    notebook = load(path)
    missing = slide_types.missing(notebook)
    assert missing == [], (f"cells {missing} of {path.name} have no slide type: "
                           f"run python scripts/slide_types.py {path.relative_to(ROOT)}")


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_deck_starts_with_the_title_and_leaves_out_setup_and_exercises(path):
    cells = load(path).cells
    assert slide_types.slide_type(cells[0]) == "slide"
    assert cells[0].source.startswith(f"# {path.name[:2]} ")
    setup = [cell for cell in cells if slide_types.is_setup(cell)]
    exercises = [cell for cell in cells if slide_types.is_exercise(cell)]
    assert setup, "no setup cell (helpers.seed_everything) found"
    assert exercises, "no exercise cell (helpers.exercises.check_...) found"
    for cell in setup + exercises:
        assert slide_types.slide_type(cell) == "skip", cell.source[:200]


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_explorers_and_sections_are_in_the_deck(path):
    cells = load(path).cells
    explorers = [cell for cell in cells if cell.cell_type == "code"
                 and slide_types.EXPLORER_CALL.search(cell.source)]
    assert explorers, "no explorer in the lesson"
    for cell in explorers:
        assert slide_types.slide_type(cell) != "skip", cell.source
    shown = [cell for cell in cells if slide_types.slide_type(cell) != "skip"]
    new_slides = [cell for cell in shown
                  if slide_types.slide_type(cell) in ("slide", "subslide")]
    assert len(new_slides) > 5, f"only {len(new_slides)} slides"


def test_lesson_00_skips_its_environment_report():
    cells = load(ROOT / "notebooks" / "00_start_here.ipynb").cells
    report = [cell for cell in cells if "environment_report(" in cell.source]
    assert report and all(slide_types.slide_type(cell) == "skip" for cell in report)


# ---------------------------------------------------------------- the rules

def markdown(source, slide_type=None):
    cell = nbformat.v4.new_markdown_cell(source)
    if slide_type:
        cell.metadata["slideshow"] = {"slide_type": slide_type}
    return cell


def code(source, slide_type=None):
    cell = nbformat.v4.new_code_cell(source)
    if slide_type:
        cell.metadata["slideshow"] = {"slide_type": slide_type}
    return cell


def lesson(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def test_rules_on_a_small_lesson():
    notebook = lesson(
        markdown("# 99 · A lesson\n\nWhat you will learn"),
        markdown("## Setup"),
        code("import helpers\nhelpers.seed_everything(0)"),
        markdown("## An idea\n\nThe gradient is 6."),
        code("assert grad == 6"),
        markdown("**Predict:** what does it print?"),
        code("print(tape.gradient(y, x))"),
        code("assert grad is None"),
        markdown("### A detail"),
        markdown("## Explorer\n\n**Find** the point."),
        code("helpers.widgets.tangent_explorer()"),
        markdown("**Exercise.** Compute it."),
        code("answer = ...\nhelpers.exercises.check_answer(answer)"),
        markdown("## Summary\n\n- one idea\n\n## Exercises\n\n**1.** Again."),
        code("answer = ...\nhelpers.exercises.check_other(answer)"),
        markdown("**2.** Once more, with no check in the next cell."),
        code("print('a helper for exercise 2')"),
    )
    assert slide_types.rule_types(notebook.cells) == [
        "slide", "skip", "skip", "slide", "-", "subslide", "fragment", "-", "subslide",
        "slide", "subslide", "skip", "skip", "slide", "skip", "skip", "skip"]


def test_a_section_holding_the_environment_report_is_skipped():
    notebook = lesson(markdown("# 00 · Start"), markdown("## Ready?"),
                      code("report = helpers.environment_report()"),
                      code('assert report["tensorflow_ok"]'),
                      markdown("## Next"), code("x = 1"))
    assert slide_types.rule_types(notebook.cells) == [
        "slide", "skip", "skip", "skip", "slide", "-"]


def test_a_section_that_starts_below_a_paragraph_opens_after_it():
    notebook = lesson(markdown("# 00 · Start"), markdown("## One\n\ntext"), code("x = 1"),
                      markdown("That closes one.\n\n## Two\n\ntext"), code("y = 2"),
                      markdown("Closing two.\n\n## Exercises\n\n**1.**"), code("z = 3"))
    # the cell is typed by how it starts; what follows belongs to the new section
    assert slide_types.rule_types(notebook.cells) == [
        "slide", "slide", "-", "subslide", "-", "subslide", "skip"]


def test_stored_types_win_and_assign_fills_only_the_rest():
    notebook = lesson(markdown("# 99 · A lesson"), markdown("## Idea", "skip"),
                      code("helpers.widgets.tangent_explorer()", "notes"), code("x = 1"))
    assert slide_types.assign(notebook) == 2
    assert [slide_types.slide_type(cell) for cell in notebook.cells] == [
        "slide", "skip", "notes", "-"]
    assert slide_types.assign(notebook) == 0  # nothing left to fill


CELL = st.one_of(
    st.builds(markdown, st.sampled_from([
        "# 01 · Title", "## Setup", "## Exercises", "## A section", "### Detail",
        "Some text", "**Predict:** what?", "Text\n\n## Late section", "## Ready?"]),
        st.sampled_from([None, None, "slide", "skip", "fragment"])),
    st.builds(code, st.sampled_from([
        "x = 1", "helpers.seed_everything(0)", "helpers.widgets.tangent_explorer()",
        "a = ...\nhelpers.exercises.check_a(a)", "r = helpers.environment_report()"]),
        st.sampled_from([None, None, "-", "subslide"])),
)


@given(st.lists(CELL, min_size=1, max_size=25))
def test_assign_gives_every_cell_a_known_type_and_keeps_stored_ones(cells):
    notebook = lesson(*cells)
    stored = [slide_types.slide_type(cell) for cell in notebook.cells]
    slide_types.assign(notebook)
    after = [slide_types.slide_type(cell) for cell in notebook.cells]
    assert slide_types.missing(notebook) == []
    assert all(before in (None, now) for before, now in zip(stored, after, strict=True))
    if stored[0] is None:
        assert after[0] == "slide"
    for cell, before, now in list(zip(notebook.cells, stored, after, strict=True))[1:]:
        if before is None and (slide_types.is_exercise(cell) or slide_types.is_setup(cell)):
            assert now == "skip", cell.source


def test_check_mode_fails_on_a_cell_without_a_type(tmp_path):
    path = tmp_path / "99_lesson.ipynb"
    notebook = lesson(markdown("# 99 · A lesson"), code("x = 1"))
    nbformat.write(notebook, path)
    script = [sys.executable, str(ROOT / "scripts" / "slide_types.py")]
    check = subprocess.run([*script, "--check", str(path)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 1 and "cell 0 has no slide type" in check.stdout
    subprocess.run([*script, str(path)], check=True, capture_output=True)
    check = subprocess.run([*script, "--check", str(path)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and '\n "cells": [\n' in text  # nbformat's layout kept


# ---------------------------------------------------------------- speaker notes

@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_slides_are_short_the_explaining_is_in_notes_and_every_section_asks(path):
    notebook = load(path)
    assert slide_types.prose_problems(notebook) == []
    notes = [cell for cell in notebook.cells if slide_types.slide_type(cell) == "notes"]
    assert notes, "no speaker notes"


def test_prose_words_leave_out_headings_and_count_a_formula_or_code_as_one():
    cell = markdown("## A heading of five words\n\nThe gradient $p - y$ of `loss`, "
                    "see [lesson 03](03_x.ipynb).\n\n- one\n- two")
    assert slide_types.prose_words(cell) == 10
    assert slide_types.prose_words(code("a = 1 + 2")) == 0


def test_projected_slides_leave_out_notes_and_skipped_cells():
    cells = [markdown("# 99 · T", "slide"), markdown("long why", "notes"),
             code("x", "fragment"), markdown("## S", "slide"), code("y", "skip"),
             markdown("more", "subslide"), markdown("why", "notes")]
    slides = slide_types.projected_slides(cells)
    assert [[cell.source for cell in slide] for slide in slides] == [
        ["# 99 · T", "x"], ["## S"], ["more"]]


def test_the_question_is_the_first_projected_predict_or_question():
    asks_in_notes = [markdown("## S", "slide"),
                     markdown("**Predict:** only the lecturer sees this?", "notes"),
                     markdown("It is 3. Is it always 3? Yes.", "-")]
    assert slide_types.section_question(asks_in_notes) == "Is it always 3?"
    predict = markdown("Then: is it so? **Predict:** the value\nat x = 0.\n\nMore.", "-")
    assert slide_types.section_question([predict]) == "**Predict:** the value at x = 0."
    assert slide_types.section_question([markdown("## S\n\nNo question here.")]) == ""


def test_section_notes_give_each_projected_section_its_minutes_and_question():
    notebook = lesson(
        markdown("# 99 · A lesson", "slide"),
        markdown("## Setup", "skip"), code("helpers.seed_everything(0)", "skip"),
        markdown("## Idea\n\nWhat is 2 + 2?", "slide"), code("assert 2 + 2 == 4", "-"),
        code("explorer = helpers.widgets.tangent_explorer()", "subslide"),
        markdown("Words.\n\n## Next\n\n**Predict:** the sign.", "-"), code("-1", "-"))
    cells = slide_types.section_notes(notebook).cells
    notes = [(index, cell.source) for index, cell in enumerate(cells)
             if slide_types.slide_type(cell) == "notes"]
    # Idea: 4 words, 2 code cells (1 min), an explorer (4 min); Next: 6 words, 1 cell
    assert notes == [(4, "**For the room, about 5 min.** Ask: What is 2 + 2?"),
                     (8, "**For the room, about 1 min.** Ask: **Predict:** the sign.")]


def test_prose_problems_name_a_long_slide_and_a_section_that_asks_nothing():
    notebook = lesson(
        markdown("# 99 · A lesson", "slide"),
        markdown("## Setup", "skip"), code("helpers.seed_everything(0)", "skip"),
        markdown("## Long\n\n" + "word " * 41 + "\n\nWhy?", "slide"),
        markdown("## Silent\n\nA claim.", "slide"), markdown("Is it? Yes.", "notes"))
    assert slide_types.prose_problems(notebook) == [
        "slide 2 has 42 words of prose: '## Long\\n\\nword word word word word word word "
        "word word word w'",
        "section 'Silent' asks the room nothing"]
