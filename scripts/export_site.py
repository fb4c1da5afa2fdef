"""Export the lessons as reveal.js slide decks and static HTML pages that work offline.

Usage: python scripts/export_site.py slides|html [--force]

  slides  build/slides/NN_name.slides.html, one reveal.js deck per lesson, and
          build/slides/index.html. Cells' slide types are the stored ones (written by
          scripts/slide_types.py, or chosen by hand); a cell with none gets the
          script's rule. Tracebacks are cut to the lesson's own lines.
  html    build/html/NN_name.html, each lesson as one page, and build/html/index.html

Both show each explorer as the notebook saved it (the widget state stored in the
notebook, drawn by @jupyter-widgets/html-manager) and every figure. Nothing is fetched
when a page opens: reveal.js, require.js, jQuery, MathJax 2 and the widget renderer
come from the npm registry once, at build time (package.json, package-lock.json,
`npm ci`), and are copied into an assets/ folder beside the pages. A build is skipped
when its inputs (lessons, this script, the lock file) have not changed since the last
one; --force rebuilds anyway.
"""

import hashlib
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import slide_types  # scripts/, beside this file

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
NODE_MODULES = ROOT / "node_modules"
LOCK = ROOT / "package-lock.json"
KINDS = ("slides", "html")
STAMP = ".build-inputs"
NPM_HINT = ("npm (Node.js 18 or newer) is needed once, to fetch reveal.js, MathJax and "
            "the widget renderer from the npm registry: sudo apt-get install npm")

# What each kind of page loads, as (source under node_modules, target under assets).
REVEAL = ("reveal.js", "reveal.js")
ASSETS = {
    "slides": [REVEAL, ("requirejs/require.js", "require.js"),
               ("jquery/dist/jquery.min.js", "jquery.min.js"),
               ("mathjax", "mathjax"),
               ("@jupyter-widgets/html-manager/dist", "html-manager")],
    "html": [("requirejs/require.js", "require.js"), ("mathjax", "mathjax"),
             ("@jupyter-widgets/html-manager/dist", "html-manager")],
}
# Left out of the copies: sources, maps, tests, bundles the pages do not load, and the
# MathJax fonts other than TeX (the default; the others are about 35 MB).
IGNORED = shutil.ignore_patterns(
    "*.map", "unpacked", "test", "embed.js", "libembed-amd.js", "*.LICENSE.txt",
    "Asana-Math", "Gyre-Pagella", "Gyre-Termes", "Latin-Modern", "Neo-Euler", "STIX-Web")
ASSET_DIRS = {"reveal.js": ("dist", "plugin")}  # only these folders of a package

# The exporters' settings (nbconvert 7.17 traits); URLs are relative to the page.
MATHJAX_URL = "assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
COMMON = {
    "require_js_url": "assets/require.js",
    "mathjax_url": MATHJAX_URL,
    "widget_renderer_url": "assets/html-manager/embed-amd.js",
}
SETTINGS = {
    "slides": {**COMMON, "jquery_url": "assets/jquery.min.js",
               "reveal_url_prefix": "assets/reveal.js", "reveal_theme": "white",
               "reveal_transition": "none", "reveal_scroll": True,
               "reveal_number": "c/t", "reveal_width": "1280", "reveal_height": "800",
               "exclude_input_prompt": True, "exclude_output_prompt": True},
    "html": {**COMMON},
}
SUFFIX = {"slides": ".slides.html", "html": ".html"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
OWN_FRAME = re.compile(r"Cell In\[\d+\]")

# nbconvert's templates, with the one remote script they would load taken out: MermaidJS
# (from cdnjs; the lessons draw no Mermaid diagrams, and build() checks that they do not),
# and a figure's text alternative, `display(figure, metadata={"image/png": {"alt": ...}})`
# in a lesson, as its alt (nbconvert 7.17 would write "No description has been provided").
TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_png scoped -%}
{%- set alt = output | get_metadata('alt', 'image/png') -%}
{%- if alt -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
     alt="{{ alt | escape_html }}">
</div>
{%- else -%}{{ super() }}{%- endif -%}
{%- endblock data_png -%}
{%- block html_head_css -%}
<style type="text/css">COURSE_CSS</style>
{%- endblock html_head_css -%}
"""
# Both kinds, for WCAG 2.1 AA (axe-core, tests/test_offline_export.py): text at 4.5:1
# contrast or more where JupyterLab's light theme is lighter (numbers, comments and `in`
# in code on #f5f5f5, a prompt faded to half, a traceback's colours on its pink, the
# deck's slide number), and links in prose underlined, not told apart by colour alone.
ACCESSIBLE_CSS = """
:root { --jp-mirror-editor-number-color: #006e00; --jp-mirror-editor-comment-color: #336b6b;
        --jp-mirror-editor-operator-color: #8a17d6; --jp-mirror-editor-meta-color: #8a17d6;
        --jp-cell-prompt-not-active-opacity: 1; }
.jp-RenderedText pre span[class*="ansi-"], .jp-RenderedText pre span[style*="color"] {
  color: inherit !important; }
.jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited {
  text-decoration: underline; }
.reveal .slide-number { background-color: rgba(0, 0, 0, 0.75); }
"""
# Slides: code and output a little smaller than nbconvert's 19-20 px so a cell of ~90
# characters fits the 1280 px wide slide, and figures never wider than the slide.
CSS = {
    "slides": """
:root { --jp-code-font-size: 17px; --jp-content-font-size1: 20px; }
.reveal .slides h1, .reveal .slides h2, .reveal .slides h3 { text-transform: none; }
/* explorers: JupyterLab's control widths (80 px labels) hold 16 px text, not 20 px */
.reveal .jupyter-widgets { --jp-widgets-font-size: 16px; }
.reveal .jp-OutputArea-output img, .reveal .widget-image { max-width: 100%; height: auto; }
.reveal .jp-RenderedHTMLCommon table { font-size: 17px; }
""",
    "html": """
main { max-width: 1100px; margin: 0 auto; padding: 1em; }
body { font-family: var(--jp-ui-font-family); }  /* widgets' text, as in JupyterLab */
""",
}

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 48em; margin: 2em auto;
       padding: 0 1em; line-height: 1.5; }}
li {{ margin: 0.3em 0; }}
kbd {{ border: 1px solid #aaa; border-radius: 3px; padding: 0 0.3em; }}
</style>
</head>
<body>
<h1>{title}</h1>
{intro}
<ol start="0">
{items}
</ol>
</body>
</html>
"""
INTRO = {
    "slides": "<p>One deck per lesson. Keys: <kbd>Space</kbd> next, <kbd>Shift</kbd>+"
              "<kbd>Space</kbd> previous, <kbd>Esc</kbd> overview, <kbd>F</kbd> full "
              "screen, <kbd>S</kbd> speaker view, <kbd>B</kbd> black screen, <kbd>?</kbd> "
              "all keys. Explorers show the figure the notebook saved; to move them "
              "live, open the lesson in JupyterLab (<code>python3 course.py lab</code>).</p>",
    "html": "<p>Every lesson on one page, as it was last executed, with the figures "
            "each explorer saved. To run the lessons and move the explorers: "
            "<code>python3 course.py lab</code>.</p>",
}
TITLE = {"slides": "Softmax gradients: slide decks",
         "html": "Softmax gradients: the lessons"}


class MissingNpm(RuntimeError):
    """npm is not installed, so the assets cannot be fetched."""


def lessons():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def digest(paths):
    """A hash of the files' names and contents."""
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def install_assets():
    """`npm ci` into node_modules/, unless it already holds what package-lock.json pins."""
    stamp = NODE_MODULES / ".course-lock-sha256"
    wanted = digest([LOCK])
    if stamp.exists() and stamp.read_text() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise MissingNpm(NPM_HINT)
    print("npm ci: fetching the decks' JavaScript and CSS (once)", flush=True)
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                   cwd=ROOT, check=True)
    stamp.write_text(wanted)


def copy_assets(kind, out):
    for source, target in ASSETS[kind]:
        origin, destination = NODE_MODULES / source, out / "assets" / target
        if origin.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, destination)
            continue
        for folder in ASSET_DIRS.get(source, ("",)):
            shutil.copytree(origin / folder, destination / folder, ignore=IGNORED,
                            dirs_exist_ok=True)


def exporter(kind):
    from nbconvert import HTMLExporter, SlidesExporter
    from traitlets.config import Config

    cls = SlidesExporter if kind == "slides" else HTMLExporter
    config = Config({cls.__name__: SETTINGS[kind]})
    result = cls(config=config)
    result.raw_template = TEMPLATE.replace("COURSE_CSS", ACCESSIBLE_CSS + CSS[kind])
    return result


def short_tracebacks(notebook):
    """Error outputs cut to what a room reads: the lesson's own frames (`Cell In[5]`)
    and the exception's last line, without TensorFlow's internal frames."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("traceback"):
                *frames, last = output["traceback"]
                output["traceback"] = [frame for frame in frames if OWN_FRAME.match(
                    ANSI.sub("", frame))] + [last]
    return notebook


def local_links(page, kind):
    """Links between lessons point at the exported pages, the course map at the index."""
    page = re.sub(r'href="(\d\d_\w+)\.ipynb"', rf'href="\1{SUFFIX[kind]}"', page)
    return page.replace('href="../README.md#the-course"', 'href="index.html"')


def without_comment_urls(page):
    """The page without the comments that cite web pages (JupyterLab's stylesheets credit
    their sources, the reveal template its docs), so that every URL left in it is one a
    reader can click."""
    page = re.sub(r"/\*(?:(?!\*/).)*?https?://(?:(?!\*/).)*?\*/", "", page, flags=re.DOTALL)
    return re.sub(r"^[ \t]*//[^\n]*https?://[^\n]*\n", "", page, flags=re.MULTILINE)


def remote_loads(page):
    """URLs the page would fetch from another machine: script/img/link sources,
    CSS url()s and imports. Links a reader may click (<a href>) do not count."""
    found = re.findall(r'<(?:script|img|link|iframe|source)\b[^>]*?'
                       r'(?:src|href)\s*=\s*["\']((?:https?:)?//[^"\']+)', page)
    found += re.findall(r'url\(\s*["\']?((?:https?:)?//[^)"\']+)', page)
    found += re.findall(r'(?:import\s*\(?|from)\s*["\']((?:https?:)?//[^"\']+)', page)
    found += re.findall(r'["\']((?:https?:)?//[^"\']+\.m?js)["\']', page)
    return sorted(set(found))


def title_of(notebook):
    first = notebook.cells[0].source.strip().splitlines()[0]
    return first.lstrip("# ").strip()


def index_page(kind, entries):
    items = "\n".join(f'<li><a href="{html.escape(name)}">{html.escape(title)}</a></li>'
                      for name, title in entries)
    return INDEX.format(title=TITLE[kind], intro=INTRO[kind], items=items)


def up_to_date(out, inputs):
    stamp = out / STAMP
    return stamp.exists() and stamp.read_text() == inputs


def build(kind, force=False):
    """Build `kind` ('slides' or 'html') into build/<kind>/; return that folder."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    out = BUILD / kind
    inputs = digest([*lessons(), Path(__file__), Path(slide_types.__file__), LOCK])
    if not force and up_to_date(out, inputs):
        print(f"{kind}: up to date in {out}")
        return out
    install_assets()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_assets(kind, out)
    export = exporter(kind)
    entries, problems = [], []
    for path in lessons():
        notebook = nbformat.read(path, as_version=4)
        if any("text/vnd.mermaid" in output.get("data", {})
               for cell in notebook.cells for output in cell.get("outputs", [])):
            problems.append(f"{path.name}: a Mermaid diagram needs mermaid.js, "
                            "which the offline export does not ship")
        notebook.metadata["title"] = title_of(notebook)  # the page's <title>
        if kind == "slides":  # cells with no stored slide type get the rules' type
            slide_types.assign(notebook)
            split = slide_types.split_at_sections(notebook)
            short_tracebacks(slide_types.section_notes(split))
        page, _ = export.from_notebook_node(notebook, resources={
            "metadata": {"name": path.stem, "path": str(path.parent)}})
        page = without_comment_urls(local_links(page, kind))
        problems += [f"{path.name}: loads {url}" for url in remote_loads(page)]
        name = path.stem + SUFFIX[kind]
        (out / name).write_text(page, encoding="utf-8")
        entries.append((name, title_of(notebook)))
    (out / "index.html").write_text(index_page(kind, entries), encoding="utf-8")
    if problems:
        raise RuntimeError("the export would reach the network:\n" + "\n".join(problems))
    (out / STAMP).write_text(inputs)
    print(f"{kind}: {len(entries)} lessons in {out}; open {out / 'index.html'}")
    return out


def main(argv):
    kinds = [arg for arg in argv if arg in KINDS]
    if len(kinds) != 1 or set(argv) - {*KINDS, "--force"}:
        sys.exit(__doc__)
    try:
        build(kinds[0], force="--force" in argv)
    except MissingNpm as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main(sys.argv[1:])
