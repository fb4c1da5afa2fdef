"""Give every cell of the lessons a slide type, so each lesson is also a slide deck.

Usage: python scripts/slide_types.py [--check | --prose] [notebooks/NN_name.ipynb ...]
(default: all lessons)

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
it at the heading (`split_at_sections`), and the split-off part follows the rules.

Speaker notes: a slide carries at most PROSE_LIMIT words of prose (the question, a
claim); the paragraphs that explain are cells of type `notes`, which the notebook shows
like any cell and reveal.js puts in its speaker view (key S). The slide deck and the
instructor edition also open every section with a generated note (`section_notes`):
its minutes by the course's timing rule (scripts/sync_navigation.py) and the question
to ask the room, the section's first Predict or question. Every section shown must ask
one. With --prose this script lists the slides over the limit and the sections that ask
nothing.
"""

import re
import sys
from pathlib import Path

import nbformat
import sync_navigation  # scripts/, beside this file

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
PROSE_LIMIT = 40  # words of prose on one projected slide; the rest are speaker notes
HEADING_LINE = re.compile(r"^ {0,3}#{1,6} .*$", re.MULTILINE)
INLINE_CODE_OR_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`", re.DOTALL)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(])|\n\s*\n")


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


def split_at_sections(notebook):
    """Cut each markdown cell that holds a `## ` heading below a paragraph at that
    heading, so that every section of the deck starts on a slide of its own; the part
    cut off is skipped when its section is (setup, exercises), like the rest of it."""
    cells = []
    for cell in notebook.cells:
        parts = [part for part in re.split(r"(?m)^(?=## )", cell.source) if part.strip()]
        if cell.cell_type != "markdown" or len(parts) < 2:
            cells.append(cell)
            continue
        cell.source = parts[0]
        cells.append(cell)
        for part in parts[1:]:
            title = SECTION.match(part).group(1)
            skipped = (slide_type(cell) == "skip"
                       or SKIPPED_SECTION.match(title))
            cells.append(nbformat.v4.new_markdown_cell(part, metadata={
                "slideshow": {"slide_type": "skip" if skipped else "slide"}}))
    notebook.cells = cells
    return notebook


def prose_words(cell):
    """Words of prose in a markdown cell: headings left out, a formula or a code span
    counted as one word, a token without a letter or digit (a bullet, a dash) as none."""
    if cell.cell_type != "markdown":
        return 0
    text = INLINE_CODE_OR_MATH.sub(" x ", HEADING_LINE.sub("", cell.source))
    text = re.sub(r"\]\([^)]*\)", "]", text)  # a link counts by its words, not its URL
    return sum(1 for token in text.split() if re.search(r"\w", token))


def projected_slides(cells):
    """The deck's slides, each the list of cells it shows (a fragment is revealed on the
    same slide; `skip` and `notes` cells are not projected)."""
    slides = []
    for cell in cells:
        kind = slide_type(cell)
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or not slides:
            slides.append([])
        slides[-1].append(cell)
    return slides


def section_question(cells):
    """The question a section's projected cells ask the room: its first Predict (the
    paragraph from that word on), else its first sentence that ends in '?', else ''."""
    for cell in cells:
        if cell.cell_type != "markdown" or slide_type(cell) == "notes":
            continue  # a question asked only in the speaker notes is not asked the room
        text = HEADING_LINE.sub("", cell.source)
        if match := PREDICT.search(text):
            paragraph = text[match.start():].split("\n\n")[0]
            return " ".join(paragraph.split())
        asked = [part for part in SENTENCE_END.split(text) if part.strip().endswith("?")]
        if asked:
            return " ".join(asked[0].split())
    return ""


def projected_sections(cells):
    """The `## ` sections the deck shows, as (index of the cell that opens it, its
    cells): a cell holding a heading opens the section of its last heading (the export
    splits it there); a section whose every cell is skipped (setup, exercises) is left
    out, and so are the cells before the first heading."""
    groups = []
    for index, cell in enumerate(cells):
        if section_titles(cell):
            groups.append((index, []))
        if groups:
            groups[-1][1].append(cell)
    return [(index, section) for index, section in groups
            if any(slide_type(cell) != "skip" for cell in section)]


def section_notes(notebook):
    """The notebook with a speaker note after each cell that opens a projected `## `
    section: the section's minutes and the question it asks the room."""
    notes = {}
    for index, section in projected_sections(notebook.cells):
        minutes = max(1, round(sum(map(sync_navigation.cell_minutes, section))))
        question = section_question(section) or "(this section asks nothing)"
        notes[index] = nbformat.v4.new_markdown_cell(
            f"**For the room, about {minutes} min.** Ask: {question}",
            metadata={"slideshow": {"slide_type": "notes"}})
    notebook.cells = [new for index, cell in enumerate(notebook.cells)
                      for new in ([cell, notes[index]] if index in notes else [cell])]
    return notebook


def prose_problems(notebook):
    """Slides over PROSE_LIMIT words of prose, and projected sections that ask nothing."""
    cells = split_at_sections(nbformat.from_dict(notebook)).cells
    problems = [f"slide {number} has {words} words of prose: {slide[0].source[:60]!r}"
                for number, slide in enumerate(projected_slides(cells), start=1)
                if (words := sum(map(prose_words, slide))) > PROSE_LIMIT]
    problems += [f"section {section_titles(cells[index])[-1]!r} asks the room nothing"
                 for index, section in projected_sections(cells)
                 if not section_question(section)]
    return problems


def missing(notebook):
    """Indexes of cells with no slide type, or one nbconvert does not know."""
    return [index for index, cell in enumerate(notebook.cells)
            if slide_type(cell) not in SLIDE_TYPES]


def main(argv):
    check, prose = "--check" in argv, "--prose" in argv
    paths = [Path(arg) for arg in argv if not arg.startswith("--")] or sorted(
        NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    problems = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        if prose:
            problems += [f"{path.name}: {line}" for line in prose_problems(notebook)]
        elif check:
            problems += [f"{path.name}: cell {index} has no slide type"
                         for index in missing(notebook)]
        elif assign(notebook):
            nbformat.write(notebook, path)
            print(f"{path.name}: slide types written")
    for line in problems:
        print(line)
    if problems:
        if not prose:
            print("Run: python scripts/slide_types.py")
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
