"""Write the course map and the lessons' previous/next links from one list.

Usage: python scripts/sync_navigation.py [--check]

LESSONS below is the only place where the lessons' order, titles and contents are kept;
each lesson's minutes are computed from the notebook itself (`lesson_minutes`: the
rule is in CONTRIBUTING.md). From them this script writes
  - the course map in README.md (between the course-map markers),
  - the map in lesson 00 (the markdown cell tagged `course-map`),
  - the last cell of every lesson: links to the previous and the next lesson
    (a markdown cell tagged `navigation`, left out of the slide decks).
With --check it changes nothing and exits 1 if any of these is out of date, or if a
lesson's title cell does not match the list. It needs only the standard library.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
MAP_START, MAP_END = "<!-- course-map:start -->", "<!-- course-map:end -->"

# a learner with some Python and a little ML: technical prose read at 150 words a minute,
# half a minute to read, run and look at each code cell, 4 minutes for each explorer
# (move it, commit a prediction, read why), 5 for each checked exercise
WORDS_PER_MINUTE = 150
MINUTES_PER_CODE_CELL = 0.5
MINUTES_PER_EXPLORER = 4
MINUTES_PER_EXERCISE = 5

# (file stem, title, what the learner leaves with)
LESSONS = [
    ("00_start_here", "Start here",
     "the map, an environment check, a first slider"),
    ("01_gradient_tape", "The gradient tape",
     "recording, `watch`, persistent tapes, `jacobian`, finite differences"),
    ("02_softmax_forward", "Softmax forward",
     ("temperature, shift invariance, overflow of the naive form, the stable form, "
     "`log_softmax`")),
    ("03_softmax_jacobian", "The softmax Jacobian",
     "`diag(p) - p pᵀ`; why `tape.gradient(softmax(z), z)` is zero"),
    ("04_softmax_cross_entropy", "Softmax + cross-entropy",
     ("`p - y`; NaN from the naive loss; `from_logits`; softmax applied twice; "
     "temperature, label smoothing, sparse labels")),
    ("05_training", "Training",
     "the three programs made correct and fast; Adam; loss curves"),
    ("06_custom_gradients", "Custom gradients",
     "`tf.custom_gradient`, gradient checks, a stable gradient, straight-through"),
    ("07_zero_gradients", "Zero gradients from operations",
     "dead ReLUs, saturation, the `tf.where` NaN trap, step functions"),
    ("08_none_gradients", "`None` gradients: a broken tape",
     "every way to break the tape, and each fix"),
    ("09_trainable_or_not", "Trainable or not",
     "`trainable=False`, frozen Keras layers, \"No gradients provided\""),
    ("10_gradient_clinic", "Gradient clinic",
     "a checklist, `helpers.diagnose` on broken programs, find-the-bug exercises"),
    ("11_deep_network", "Gradient health in a deep network",
     ("per-layer gradient norms on real digits; vanishing, exploding, dead units; "
     "init, BatchNorm, clipping; debugging with plain TensorFlow")),
    ("12_low_precision", "Low precision: float16, bfloat16 and loss scaling",
     ("float16 and bfloat16 ranges; gradients that underflow to 0; loss scaling, "
     "`mixed_float16`; updates lost to rounding")),
]


def number(stem):
    return stem.split("_", 1)[0]


def heading(stem, title):
    """The lesson's title line, e.g. '# 01 · The gradient tape'."""
    return f"# {number(stem)} · {title}"


def cell_minutes(cell):
    """A learner's minutes for one cell by the rule above (the course map and lesson
    links, tagged `navigation` and `course-map`, take none)."""
    if {"navigation", "course-map"} & set(cell["metadata"].get("tags", [])):
        return 0
    source = "".join(cell["source"])
    if cell["cell_type"] == "markdown":
        return len(re.findall(r"[A-Za-z0-9']+", source)) / WORDS_PER_MINUTE
    if cell["cell_type"] != "code":
        return 0
    return (MINUTES_PER_CODE_CELL + source.count("helpers.widgets.") * MINUTES_PER_EXPLORER
            + source.count("helpers.exercises.check_") * MINUTES_PER_EXERCISE)


def lesson_minutes(notebook):
    """A learner's minutes for a lesson, by the rule above, rounded to 5."""
    minutes = sum(map(cell_minutes, notebook["cells"]))
    return 5 * max(1, round(minutes / 5))


def lesson_texts():
    """{stem: the notebook's JSON text} for every listed lesson on disk."""
    paths = {stem: NOTEBOOKS / f"{stem}.ipynb" for stem, *_ in LESSONS}
    return {stem: path.read_text(encoding="utf-8") for stem, path in paths.items()
            if path.exists()}


def minutes_of_lessons(texts):
    """{stem: minutes} for each lesson in `texts` ({stem: JSON text})."""
    return {stem: lesson_minutes(json.loads(text)) for stem, text in texts.items()}


def map_table(link_prefix, minutes):
    """The course map as a Markdown table; links are relative to `link_prefix`;
    `minutes` is {stem: minutes}."""
    rows = ["| # | lesson | you leave with | minutes |", "|---|---|---|---|"]
    for stem, title, contents in LESSONS:
        rows.append(f"| {number(stem)} | [{title}]({link_prefix}{stem}.ipynb) "
                    f"| {contents} | {minutes.get(stem, '?')} |")
    total = sum(minutes.values())
    hours, rest = divmod(total, 60)
    rows.append(f"\nAbout {total} minutes in all ({hours} h {rest:02d} min).")
    return "\n".join(rows)


def navigation(index):
    """Markdown for the links at the end of lesson `index`."""
    parts = []
    if index > 0:
        stem, title, *_ = LESSONS[index - 1]
        parts.append(f"← Previous: [{number(stem)} · {title}]({stem}.ipynb)")
    parts.append("[Course map](../README.md#the-course)")
    if index < len(LESSONS) - 1:
        stem, title, *_ = LESSONS[index + 1]
        parts.append(f"Next: [{number(stem)} · {title}]({stem}.ipynb) →")
    return "---\n\n" + " · ".join(parts)


def markdown_cell(source, tag, cell_id):
    return {
        "cell_type": "markdown",
        "id": cell_id,
        "metadata": {"slideshow": {"slide_type": "skip"}, "tags": [tag]},
        "source": source.splitlines(keepends=True),
    }


def tagged(notebook, tag):
    return [cell for cell in notebook["cells"] if tag in cell["metadata"].get("tags", [])]


def synced_notebook(notebook, index, minutes):
    """The notebook with its navigation (and, for lesson 00, its map) up to date."""
    nav_cells = tagged(notebook, "navigation")
    for cell in nav_cells[:-1]:
        notebook["cells"].remove(cell)
    source = navigation(index)
    if nav_cells:
        nav_cells[-1]["source"] = source.splitlines(keepends=True)
    else:
        cell_id = f"cell-{len(notebook['cells']):02d}"
        notebook["cells"].append(markdown_cell(source, "navigation", cell_id))
    for cell in tagged(notebook, "course-map"):
        cell["source"] = ("## The map\n\n" + map_table("", minutes)).splitlines(
            keepends=True)
    return notebook


def synced_readme(text, minutes):
    start, end = text.index(MAP_START) + len(MAP_START), text.index(MAP_END)
    return text[:start] + "\n" + map_table("notebooks/", minutes) + "\n" + text[end:]


def dump(notebook):
    """JSON as nbformat writes it, so a sync never shows up as a formatting diff."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    check = argv == ["--check"]
    if argv not in ([], ["--check"]):
        sys.exit(__doc__)
    stale = []
    texts = lesson_texts()
    minutes = minutes_of_lessons(texts)
    for index, (stem, title, *_) in enumerate(LESSONS):
        path = NOTEBOOKS / f"{stem}.ipynb"
        if stem not in texts:
            stale.append(f"{path.name}: listed in LESSONS but missing")
            continue
        text = texts[stem]
        notebook = json.loads(text)
        first_line = "".join(notebook["cells"][0]["source"]).split("\n", 1)[0]
        if first_line != heading(stem, title):
            stale.append(f"{path.name}: title cell starts {first_line!r}, "
                         f"LESSONS says {heading(stem, title)!r}")
        new_text = dump(synced_notebook(notebook, index, minutes))
        if new_text != text:
            stale.append(f"{path.name}: navigation or map out of date")
            if not check:
                path.write_text(new_text, encoding="utf-8")
    unlisted = {p.stem for p in NOTEBOOKS.glob("*.ipynb")} - {s for s, *_ in LESSONS}
    stale += [f"{stem}.ipynb: not in LESSONS" for stem in sorted(unlisted)]
    readme = README.read_text(encoding="utf-8")
    if synced_readme(readme, minutes) != readme:
        stale.append("README.md: course map out of date")
        if not check:
            README.write_text(synced_readme(readme, minutes), encoding="utf-8")
    for line in stale:
        print(line)
    if check and stale:
        print("Run: python scripts/sync_navigation.py")
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
