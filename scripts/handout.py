"""Build the printable handout: the gradient checklist and the None / zero / NaN table.

Usage: python scripts/handout.py [OUT]     (default: build/handout.html)

One self-contained HTML page with print CSS (no scripts, fonts or anything else to
load): open it in a browser and print it, on A4 or Letter. The checklist is lesson 10's
("## The checklist", which tests/test_lesson10_clinic.py keeps equal to helpers'
CHECKLIST), read from the notebook; the table is TABLE below. Every cause in it is one
a lesson proves in a cell, and WHERE says which: tests/test_handout.py checks that each
cited section exists and that each `code` span of a row appears in the lessons.
Standard library only.
"""

import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLINIC = ROOT / "notebooks" / "10_gradient_clinic.ipynb"
OUT = ROOT / "build" / "handout.html"

SYMPTOMS = {
    "None": "no recorded path from the source to the loss",
    "zero": "a path whose slope is 0",
    "NaN": "an infinite slope met by a 0",
}
# (symptom, cause: what the program does and what you see, the fix, where it is proved)
TABLE = [
    (
        "None",
        (
            "A value left TensorFlow: `.numpy()`, `np.*` or `float()` on the path "
            "(a NumPy loss: `tape.gradient` raises `AttributeError`; `float(a) * a`: a wrong "
            "number)."
        ),
        "TensorFlow ops from the source to the loss; `.numpy()` only on results you look at.",
        "08 §1",
    ),
    (
        "None",
        "`tf.stop_gradient` on the path.",
        "Remove it (if you mean it, say why in a comment).",
        "08 §2",
    ),
    (
        "None",
        (
            "An integer source (`tf.Variable(3)`) or a cast to `tf.int32` on the path; "
            "no warning."
        ),
        "Float sources (`tf.Variable(3.0)`); integer casts off the path.",
        "08 §3",
    ),
    (
        "None",
        "A plain tensor (`tf.constant`): the tape watches only trainable variables.",
        "`tape.watch(x)` inside the tape, or make it a `tf.Variable`.",
        "08 §4",
    ),
    (
        "None",
        "`x = x + 1` replaced the variable by a tensor.",
        "Update in place: `assign`, `assign_add`, `assign_sub`.",
        "08 §5",
    ),
    (
        "None",
        "The loss was finished after the `with` block: `None` for every source.",
        "Compute everything up to the loss inside the block.",
        "08 §6",
    ),
    (
        "None",
        "`Variable.assign` on the path, also inside a layer's `call`.",
        "Compute with the tensor itself; `assign` only for state.",
        "08 §7–8",
    ),
    (
        "None",
        "A step: `round`, `floor`, `argmax`, a cast to an integer, a comparison.",
        (
            "A smooth stand-in (`tf.sigmoid(k * x)`, `tf.nn.softmax`) or a straight-through "
            "estimator."
        ),
        "07 §6; 06 §4",
    ),
    (
        "None",
        "A variable made with `trainable=False` (`tf.Variable` or `keras.Variable`).",
        (
            "Create it trainable, or `tape.watch` its `tf.Variable` (a `keras.Variable`'s "
            "`.value`)."
        ),
        "09 §1",
    ),
    (
        "None",
        "The loss never uses the source (a typo: `w[0]` where `b` was meant).",
        "Make the loss use it, or leave it out of the list.",
        "10 `None`: the path…",
    ),
    (
        "None",
        (
            "No variables: a layer not built yet, or all frozen. "
            "`tape.gradient(loss, [])` is `[]`; Keras' `apply_gradients` raises `ValueError`."
        ),
        (
            "Build first (`keras.Input` or one call), unfreeze what should learn, then take "
            "`model.trainable_variables`."
        ),
        "09 §2–3",
    ),
    (
        "None",
        (
            "All `None` in a training loop (the model ran before the tape): “No "
            "gradients provided for any variable.” Some `None`: only a warning."
        ),
        "Run the model inside the tape.",
        "09 §6",
    ),
    (
        "zero",
        (
            "ReLU off: `tf.nn.relu` has slope 0 for x ≤ 0. A unit off on every input "
            "is dead: too large a learning rate, a negative initial bias."
        ),
        "`leaky_relu`; a smaller learning rate.",
        "07 §1–2",
    ),
    (
        "zero",
        (
            "Saturation in float32: `sigmoid'(20)` and `tanh'(±20)` are exactly 0 "
            "(`sigmoid'(-20)` is 2.06e-9)."
        ),
        (
            "Moderate pre-activations (initialisation, normalisation, pixels / 255); a loss "
            "from logits."
        ),
        "07 §3; 10 Zero…",
    ),
    (
        "zero",
        (
            "`tf.where` (or a clip, `tf.maximum`) selected the other branch. Mind the "
            "order: `tf.where(condition, if_true, if_false)`."
        ),
        "Change the condition or the order, or blend smoothly.",
        "07 §4; 10 Zero…",
    ),
    (
        "zero",
        "`tf.sign`: its registered gradient is zeros.",
        "A smooth stand-in or a straight-through estimator.",
        "07 §6",
    ),
    (
        "zero",
        (
            "The target is the probabilities: `tape.gradient(probs, logits)` "
            "differentiates their sum, always 1."
        ),
        "A scalar loss, or one output: `probs[k]`, `output_gradients`.",
        "03 Pitfall 1",
    ),
    (
        "zero",
        ("float16: a gradient at or below 2⁻²⁵ ≈ 3e-8 rounds to exactly 0; no warning."),
        "Loss scaling by a power of two (`LossScaleOptimizer`), or bfloat16.",
        "12 §4–5; 12 §7",
    ),
    (
        "zero",
        (
            "A `None` shown as 0: `unconnected_gradients=ZERO`, or `tf.stop_gradient` "
            "in a compiled `tf.cond`."
        ),
        "Debug with the default (`NONE`); `helpers.diagnose` names the cause.",
        "08 `None` is not zero; 10 How `diagnose`…",
    ),
    (
        "NaN",
        (
            "`log`, `1/x` or `pow` in the branch `tf.where` did not select: "
            "0 · ∞ = NaN. `sqrt` only under XLA (`jit_compile=True`)."
        ),
        "A double `tf.where`: feed the op `tf.where(x > 0, x, 1.0)`, then select.",
        "07 §5",
    ),
    (
        "NaN",
        (
            "`log(softmax(z))` at extreme logits (±45 suffice): a probability "
            "underflows to 0, 0 · log 0 = NaN, then Adam turns every weight NaN."
        ),
        "A loss from logits: `softmax_cross_entropy_with_logits`, `from_logits=True`.",
        "04 Pitfall 1; 05 Correct…",
    ),
    (
        "NaN",
        (
            "`tf.exp` overflows above z ≈ 88.72 in float32 (12 in float16): the naive "
            "softmax gives ∞/∞ = NaN, the naive softplus a NaN gradient."
        ),
        "Subtract the largest logit (`tf.nn.softmax`); a stable custom gradient.",
        "02 Counterexamples; 06 §3; 12 §3",
    ),
    (
        "NaN",
        (
            "Exploding: too large steps (SGD at learning rate 3, ten ReLU layers) grow "
            "the logits to inf: the loss is NaN from step 3."
        ),
        "A smaller learning rate; `tf.clip_by_global_norm`.",
        "11 Exploding…",
    ),
]

CSS = """
@page { margin: 10mm; }  /* no size: the printer's paper, A4 or Letter, both fit */
* { box-sizing: border-box; }
body { font: 7.4pt/1.2 "DejaVu Sans", Arial, Helvetica, sans-serif; color: #000;
       background: #fff; max-width: 186mm; margin: 0 auto; }
h1 { font-size: 13pt; margin: 0 0 1mm; }
h2 { font-size: 9.5pt; margin: 1.5mm 0 1mm; border-bottom: 1.5pt solid #000; }
p { margin: 0 0 1mm; }
code { font: 6.9pt "DejaVu Sans Mono", Consolas, "Courier New", monospace; }
.checklist { columns: 2; column-gap: 5mm; }
.checklist h3 { font-size: 7.4pt; margin: 0 0 0.5mm; break-after: avoid; }
.checklist ol { margin: 0 0 1.5mm; padding-left: 5mm; }
.checklist li { break-inside: avoid; page-break-inside: avoid; }
.cause { font-weight: bold; }
.where { font-style: italic; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
thead { display: table-header-group; }  /* repeated if a printer needs two pages */
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.75pt solid #000; padding: 0.3mm 1mm; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
th.group { border-top: 1.5pt solid #000; }
col.cause-col { width: 47%; } col.fix-col { width: 39%; } col.where-col { width: 14%; }
footer { margin-top: 1.5mm; font-size: 7.5pt; }
@media screen { body { margin: 1em auto; } }
@media print { a { color: #000; text-decoration: none; } }
"""
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>When a gradient is None, zero or NaN: the handout</title>
<style>{css}</style>
</head>
<body>
<h1>When a gradient is <code>None</code>, zero or NaN</h1>
<p>{summary}</p>
<h2>The checklist (lesson 10): ask in order; the cause <code>helpers.diagnose</code>
names; where it is proved</h2>
<div class="checklist">
{checklist}
</div>
<h2>Causes and fixes: each proved in a cell of the lesson named (lesson §section)</h2>
<table>
<colgroup><col class="cause-col"><col class="fix-col"><col class="where-col"></colgroup>
<thead><tr><th scope="col">cause: what the program does, what you see</th>
<th scope="col">the fix</th><th scope="col">lesson</th></tr></thead>
{rows}
</table>
<footer>{footer}</footer>
</body>
</html>
"""
FOOTER = (
    "Proved in TensorFlow 2.16 to 2.21 (CPU, float32 unless said), eagerly unless "
    "said. Build: <code>python3 course.py handout</code> (scripts/handout.py)."
)


def inline(text):
    """Markdown's `code` spans as <code>, everything else escaped."""
    parts = re.split(r"`([^`]*)`", text)
    return "".join(
        f"<code>{html.escape(part)}</code>" if odd else html.escape(part)
        for odd, part in zip([0, 1] * len(parts), parts)
    )


def checklist(notebook=CLINIC):
    """Lesson 10's checklist: [(group heading, [(question, cause, where), ...]), ...]."""
    sources = [
        "".join(cell["source"])
        for cell in json.loads(notebook.read_text("utf-8"))["cells"]
    ]
    start = next(
        i for i, text in enumerate(sources) if text.startswith("## The checklist")
    )
    end = next(i for i in range(start + 1, len(sources)) if sources[i].startswith("## "))
    text = "\n".join(sources[start:end])  # the section: its slide and its speaker notes
    groups = []
    for line in text.splitlines():
        heading = re.fullmatch(r"\*\*(.+)\*\* \((.+)\)", line)
        item = re.fullmatch(r"\d+\. (.+) → `(\w+)`, \[([^\]]+)\]\([^)]*\)", line)
        if heading:
            groups.append((f"{heading[1]} ({heading[2]})", []))
        elif item:
            groups[-1][1].append(item.groups())
    return groups


def checklist_html(groups):
    blocks, start = [], 1
    for heading, items in groups:
        lines = "\n".join(
            f'<li>{inline(question)} <span class="cause">{html.escape(cause)}</span> '
            f'<span class="where">{html.escape(where)}</span></li>'
            for question, cause, where in items
        )
        blocks.append(f'<h3>{inline(heading)}</h3>\n<ol start="{start}">\n{lines}\n</ol>')
        start += len(items)
    return "\n".join(blocks)


def rows_html(table=TABLE):
    rows = []
    for symptom, meaning in SYMPTOMS.items():
        rows.append(
            f'<tbody>\n<tr><th class="group" colspan="3" scope="rowgroup">'
            f"{inline(f'`{symptom}`' if symptom == 'None' else symptom)}: "
            f"{html.escape(meaning)}</th></tr>"
        )
        rows += [
            f"<tr><td>{inline(cause)}</td><td>{inline(fix)}</td>"
            f'<td class="where">{inline(where)}</td></tr>'
            for kind, cause, fix, where in table
            if kind == symptom
        ]
        rows.append("</tbody>")
    return "\n".join(rows)


def page():
    summary = (
        "<code>None</code>: no recorded path from the source to the loss. "
        "Zero: a path whose slope is 0. NaN: an infinite slope met by a 0. "
        "Start with the list of variables and the sources, then walk the path."
    )
    return PAGE.format(
        css=CSS,
        summary=summary,
        checklist=checklist_html(checklist()),
        rows=rows_html(),
        footer=FOOTER,
    )


def build(out=OUT):
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page(), encoding="utf-8")
    return out


if __name__ == "__main__":
    if len(sys.argv) > 2 or sys.argv[1:] in (["-h"], ["--help"]):
        sys.exit(__doc__)
    print(f"handout: open {build(*sys.argv[1:])} and print it (A4 or Letter)")
