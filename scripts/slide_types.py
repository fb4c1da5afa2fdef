"""Give every cell of the lessons a slide type, so each lesson is also a slide deck.

Usage: python scripts/slide_types.py [--check] [notebooks/NN_name.ipynb ...]  (default: all)

A cell's slide type is `metadata.slideshow.slide_type`, which nbconvert's reveal.js
export (`python3 course.py slides`), RISE and JupyterLab's slide view read. This script
fills it in, by the rules below, only for cells that have none: a type stored in a cell
(a lecturer's choice, made in JupyterLab's property inspector) always wins. With
--check it writes nothing and exits 1 if any cell has no slide type.

The rules, one idea per slide:
  - the title cell (the first) is a `slide`, and so is every `## ` section;
  - a `### ` heading, and any other markdown cell (a sub-idea: a counterexample, "the
    fix", a "See." paragraph) opens a `subslide` below its section;
  - a code cell stays with the markdown above it (`-`), so the claim and the cell that
    proves it are on one slide; after a markdown cell that asks the room to *predict*,
    the code is a `fragment`, revealed on the next key press;
  - left out (`skip`): the setup section (imports, seeds), a section holding the
    environment report, the exercises (cells calling `helpers.exercises.check_…`, the
    text just above them, and everything under `## Exercises`);
  - explorers stay in the deck, each on a `subslide` of its own just after the markdown
    that asks its question (the explorer's header repeats the question), so that its
    controls and figure fit one screen.
A markdown cell whose `## ` heading comes after a paragraph (the end of one section and
the start of the next in one cell) takes its type from how it starts; the export splits
it at the heading (scripts/export_site.py), and the split-off part follows the rules.
"""

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")

EXERCISE_CALL = re.compile(r"\bexercises\.check_\w+\(")
SETUP_CALL = re.compile(r"\b(seed_everything|environment_report)\(")
ENVIRONMENT_CALL = re.compile(r"\benvironment_report\(")
SKIPPED_SECTION = re.compile(r"(setup|exercises?)\b", re.IGNORECASE)
SECTION = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)
EXPLORER_CALL = re.compile(r"\b\w+_explorer\(")
PREDICT = re.compile(r"\*\*predict\b|\*predict:?\*", re.IGNORECASE)


def slide_type(cell):
    """The cell's stored slide type, or None."""
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def is_exercise(cell):
    return cell.cell_type == "code" and bool(EXERCISE_CALL.search(cell.source))


def is_setup(cell):
    return cell.cell_type == "code" and bool(SETUP_CALL.search(cell.source))


def heading_level(cell):
    """The level of the heading a markdown cell starts with (1 for `# `), else 0."""
    if cell.cell_type != "markdown":
        return 0
    match = re.match(r"(#{1,6}) ", cell.source.lstrip())
    return len(match.group(1)) if match else 0


def section_titles(cell):
    """The `## ` headings in a markdown cell, in order."""
    return SECTION.findall(cell.source) if cell.cell_type == "markdown" else []


def sections(cells):
    """For each cell, the title of the `## ` section it opens or sits in ('' before any).

    A cell that starts with a paragraph belongs to the section above it, even when a
    `## ` heading follows the paragraph (the export splits such cells at the heading)."""
    titles, current = [], ""
    for cell in cells:
        found = section_titles(cell)
        titles.append(found[0] if found and heading_level(cell) == 2 else current)
        current = found[-1] if found else current
    return titles


def skipped_sections(cells, titles):
    """Sections left out of the deck: setup, exercises, the environment report."""
    skipped = {title for title in titles if SKIPPED_SECTION.match(title)}
    skipped |= {title for cell, title in zip(cells, titles, strict=True)
                if cell.cell_type == "code" and ENVIRONMENT_CALL.search(cell.source)}
    return skipped


def rule_types(cells):
    """The slide type the rules give each cell (stored types are not consulted)."""
    titles = sections(cells)
    skipped = skipped_sections(cells, titles)
    types = []
    for index, cell in enumerate(cells):
        following = cells[index + 1] if index + 1 < len(cells) else None
        level = heading_level(cell)
        if index == 0:
            kind = "slide"
        elif titles[index] in skipped or is_exercise(cell) or is_setup(cell):
            kind = "skip"
        elif cell.cell_type == "markdown":
            if level == 2:
                kind = "slide"
            elif level == 0 and following is not None and is_exercise(following):
                kind = "skip"  # an exercise's question, without its answer cell
            else:
                kind = "subslide"
        elif EXPLORER_CALL.search(cell.source):
            kind = "subslide"  # a figure with controls: a slide of its own, to fit
        else:
            above = cells[index - 1]
            asks = above.cell_type == "markdown" and PREDICT.search(above.source)
            kind = "fragment" if asks else "-"
        types.append(kind)
    return types


def assign(notebook):
    """Give every cell without a slide type the rules' type; return how many changed."""
    changed = 0
    for cell, kind in zip(notebook.cells, rule_types(notebook.cells), strict=True):
        if slide_type(cell) is None:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
            changed += 1
    return changed


def missing(notebook):
    """Indexes of cells with no slide type, or one nbconvert does not know."""
    return [index for index, cell in enumerate(notebook.cells)
            if slide_type(cell) not in SLIDE_TYPES]


def main(argv):
    check = "--check" in argv
    paths = [Path(arg) for arg in argv if arg != "--check"] or sorted(
        NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    problems = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        if check:
            problems += [f"{path.name}: cell {index} has no slide type"
                         for index in missing(notebook)]
        elif assign(notebook):
            nbformat.write(notebook, path)
            print(f"{path.name}: slide types written")
    for line in problems:
        print(line)
    if problems:
        print("Run: python scripts/slide_types.py")
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
