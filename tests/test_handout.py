"""The printable handout (scripts/handout.py) and the README's lecture plans: the page
builds, loads nothing, prints, holds every checklist item and table row, and names only
causes the lessons prove; the plans add up to 50 and 75 minutes and name real sections,
explorers and checks. Standard library only (runs in .venv-oldest too)."""

import ast
import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
VOID = {"meta", "col", "br", "hr", "img", "input", "link", "wbr"}


def load_handout():
    spec = importlib.util.spec_from_file_location(
        "handout", ROOT / "scripts" / "handout.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


handout = load_handout()


def cells(number):
    path = next(p for p in NOTEBOOKS if p.name.startswith(number))
    return [
        "".join(cell["source"]) for cell in json.loads(path.read_text("utf-8"))["cells"]
    ]


LESSON_TEXT = {path.name[:2]: "\n".join(cells(path.name[:2])) for path in NOTEBOOKS}
ALL_TEXT = "\n".join(LESSON_TEXT.values())


def headings(number):
    return [
        line[3:] for line in LESSON_TEXT[number].splitlines() if line.startswith("## ")
    ]


class Page(HTMLParser):
    """Checks that tags nest, and collects the table's rows and the checklist's items."""

    def __init__(self):
        super().__init__()
        self.stack, self.problems, self.tags = [], [], []
        self.rows, self.items, self.cell = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th", "li"):
            self.cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing open")
        if tag in ("td", "th"):
            self.rows[-1].append("".join(self.cell).strip())
        if tag == "li":
            self.items.append("".join(self.cell).strip())

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def plain(text):
    """What a `code`-marked text reads as on the page."""
    return text.replace("`", "")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = handout.build(tmp_path_factory.mktemp("handout") / "handout.html")
    text = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    page.close()
    return text, page


def test_the_handout_is_valid_self_contained_html(built):
    text, page = built
    assert text.startswith("<!DOCTYPE html>")
    assert not page.problems and not page.stack, (page.problems, page.stack)
    tags = {tag for tag, _ in page.tags}
    assert {"html", "head", "title", "body", "table"} <= tags
    assert ("meta", {"charset": "utf-8"}) in page.tags
    assert ("html", {"lang": "en"}) in page.tags
    # nothing to load: no URL, no script, no stylesheet link, no font, no image
    assert not re.search(r"https?:|//[\w.-]+\.\w", text)
    assert not tags & {"script", "link", "img", "iframe", "object"}
    assert not re.search(r"@import|@font-face|url\(", text)


def test_the_handout_has_print_css(built):
    text, _ = built
    assert "@page" in text and "@media print" in text
    assert re.search(r"tr \{[^}]*break-inside: avoid", text)  # no row split by a page
    assert "display: table-header-group" in text  # headers repeat on a second page
    assert not re.search(r"(?<![-\w])color: #(?!000\b|fff\b)", text)  # black and white


def test_the_handout_holds_every_checklist_item_and_table_row(built):
    _, page = built
    groups = handout.checklist()
    items = [item for _, group in groups for item in group]
    assert [len(group) for _, group in groups] == [9, 4, 2]  # lesson 10: 15 questions
    assert page.items == [" ".join([plain(q), cause, where]) for q, cause, where in items]
    rows = [row for row in page.rows if len(row) == 3 and row[0] != page.rows[0][0]]
    assert rows == [
        [plain(cause), plain(fix), plain(where)] for _, cause, fix, where in handout.TABLE
    ]
    groups_seen = [row[0] for row in page.rows if len(row) == 1]
    assert [group.split(":")[0] for group in groups_seen] == list(handout.SYMPTOMS)
    assert {symptom for symptom, *_ in handout.TABLE} == set(handout.SYMPTOMS)


def unproved(row):
    """What in a table row the lessons do not back: a `code` span no lesson contains,
    or a cited section ('07 §5', '08 §7–8', '03 Pitfall 1', '10 Zero…') that does not
    exist in that lesson."""
    _, cause, fix, where = row
    problems = [
        f"`{span}` is in no lesson"
        for span in re.findall(r"`([^`]+)`", cause + fix)
        if span not in ALL_TEXT
    ]
    for ref in where.split("; "):
        number, label = ref.split(" ", 1)
        if number not in LESSON_TEXT:
            problems.append(f"{ref}: no lesson {number}")
            continue
        span = re.fullmatch(r"§(\d+)(?:–(\d+))?", label)
        sections = range(int(span[1]), int(span[2] or span[1]) + 1) if span else []
        found = (
            [any(re.match(rf"{k}\s*[.·]", h) for h in headings(number)) for k in sections]
            if span
            else [any(h.startswith(label.rstrip("…")) for h in headings(number))]
        )
        if not all(found):
            problems.append(f"{ref}: no such section in lesson {number}")
    return problems


@pytest.mark.parametrize("row", handout.TABLE, ids=lambda row: row[1][:40])
def test_each_cause_is_one_a_lesson_proves(row):
    assert not unproved(row)


def test_a_cause_no_lesson_teaches_is_caught():
    made_up = ("NaN", "`tf.math.lgamma` at 0.", "`tf.experimental.safe_lgamma`.", "07 §9")
    assert len(unproved(made_up)) == 3
    assert unproved(("zero", "`tf.sign`.", "A stand-in.", "03 Pitfall 9"))


# ---------------------------------------------------------------------- lecture plans


def names_in(module):
    """The names helpers/<module>.py imports or defines, read without importing it."""
    tree = ast.parse((ROOT / "helpers" / f"{module}.py").read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    } | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def plan(minutes):
    """The rows of the README's `#### A {minutes}-minute lecture` table, as cell lists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    teaching = readme.split("<!-- teaching:start -->")[1].split("<!-- teaching:end -->")[
        0
    ]
    section = teaching.split(f"#### A {minutes}-minute lecture\n")[1].strip()
    lines = section.split("\n\n")[0].splitlines()
    assert lines[0].startswith("| min |"), lines[0]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


@pytest.mark.parametrize("minutes", [50, 75])
def test_a_lecture_plan_fits_its_slot(minutes):
    rows = plan(minutes)
    assert sum(int(row[0]) for row in rows) == minutes
    assert all(len(row) == 4 for row in rows)
    assert rows[-1][2] == "homework" and re.search(r"`check_\w+`", rows[-1][3])


@pytest.mark.parametrize("minutes", [50, 75])
def test_a_lecture_plan_names_real_sections_explorers_and_checks(minutes):
    explorers, checks = names_in("widgets"), names_in("exercises")
    named = set()
    for _, lesson, sections, action in plan(minutes):
        for title in re.findall(r"“([^”]+)”", sections):
            assert title in headings(lesson), f"{lesson}: no section ## {title}"
        for name in re.findall(r"`(\w+_explorer)`", action):
            assert name in explorers, name
            assert f"helpers.widgets.{name}()" in LESSON_TEXT[lesson], (lesson, name)
            named.add(name)
        for name in re.findall(r"`(check_\w+)`", action):
            assert name in checks, name
            assert f"helpers.exercises.{name}(" in ALL_TEXT, name
    assert len(named) >= 4  # the room moves explorers, not only reads slides


def test_the_plan_checker_catches_a_wrong_name():
    assert "dead_relu_explorer" not in names_in("widgets")
    assert "dying_relu_explorer" in names_in("widgets")
    assert "check_xlogx" not in names_in("exercises") and "check_safe_xlogx" in names_in(
        "exercises"
    )
    assert "3. Saturated sigmoid" not in headings("07")
