"""The slide decks and HTML pages work offline: headless Chromium, network cut off.

Builds build/slides and build/html once per session (scripts/export_site.py; a build
whose inputs have not changed is reused), serves build/ from 127.0.0.1 and opens every
deck and page in Debian's Chromium with every request that would leave the machine
aborted and recorded. Each deck must be ready (Reveal.isReady()) with more than a few
slides; on every page MathJax must typeset the math (where the markdown has any), and
every stored widget view must be drawn from the widget state saved in the notebook
(each explorer's image loaded and, on its slide, visible), every figure loaded, no
request to another machine, no page error, no console error and no failed request.
axe-core (pinned in package.json) finds no serious or critical WCAG 2.1 AA violation on
any page, on any slide of any deck, or on the index pages. Screenshots (a slide with
math, each explorer's slide, a page's first figure) go to test-artifacts/offline/.

Needs Debian's Chromium at /usr/bin/chromium and npm, the first time, to fetch the
decks' JavaScript; without either the tests skip with a hint, and fail under CI=true.
"""

import functools
import http.server
import json
import os
import re
import sys
import threading
import urllib.request

import browser_support as bs  # tests/ is on sys.path (pytest rootdir-relative import)
import nbformat
import pytest

from helpers.explorer import CHOOSE

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

sys.path.insert(0, str(bs.ROOT / "scripts"))
import execute_notebooks  # scripts/ (not a package), put on sys.path above
import export_site
import slide_types

LESSONS = export_site.lessons()
ARTIFACTS = bs.ROOT / "test-artifacts" / "offline"
MIN_SLIDES = 6            # "more than a few"
LOAD_TIMEOUT = 30_000     # ms for a page's scripts, math and widgets
REVEAL = "assets/reveal.js/dist/reveal.js"
WIDGET_VIEW = execute_notebooks.WIDGET_VIEW
MATH = re.compile(r"\$[^$\n]+\$")
NO_ALT = "No description has been provided"  # nbconvert's alt for a figure given none


def missing(what):
    """Skip, or fail under CI=true, when a tool the tests need is absent."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what}")
    pytest.skip(what)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class LocalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a page closed while a file was on its way: not a failure
        super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def site():
    """build/ with fresh slides/ and html/, served on 127.0.0.1; yields its base URL."""
    try:
        for kind in export_site.KINDS:
            export_site.build(kind)
    except export_site.MissingNpm as error:
        missing(str(error))
    handler = functools.partial(QuietHandler, directory=str(export_site.BUILD))
    server = LocalServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not bs.chromium_available():
        missing(f"no browser: {bs.INSTALL_HINT}")
    with sync_api.sync_playwright() as playwright:
        chromium = bs.launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


class OfflinePage:
    """A page opened with every request that would leave 127.0.0.1 aborted, and a
    record of those requests, page errors, console errors and failed loads."""

    def __init__(self, browser, base, url):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.left, self.problems = [], []
        self.context.route("**/*", self.only_local)
        self.page = self.context.new_page()
        self.page.set_default_timeout(LOAD_TIMEOUT)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self.on_console)
        self.page.on("requestfailed", lambda request: self.problems.append(
            f"failed: {request.url} ({request.failure})"))
        self.page.on("response", lambda response: response.status >= 400 and
                     self.problems.append(f"HTTP {response.status}: {response.url}"))
        self.page.goto(base + url)

    def only_local(self, route):
        url = route.request.url
        if url.startswith((self.base, "data:", "blob:")):
            route.continue_()
        else:
            self.left.append(url)
            route.abort()

    def on_console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def close(self):
        self.context.close()

    def wait_for_math(self):
        self.page.wait_for_function("window.MathJax && MathJax.isReady === true")
        self.page.evaluate("new Promise(done => MathJax.Hub.Queue(done))")  # typeset done
        return self.page.evaluate("""() => ({
            typeset: document.querySelectorAll('.MathJax_CHTML').length,
            errors: document.querySelectorAll('.MathJax_Error, merror').length})""")

    def wait_for_widget_images(self, count):
        """Wait until `count` explorer images (ipywidgets Image views) have loaded."""
        self.page.wait_for_function(
            """(count) => [...document.querySelectorAll('img.widget-image')]
                .filter(img => img.complete && img.naturalWidth > 0).length >= count""",
            arg=count)
        return self.page.locator("img.widget-image")

    def rendered_views(self):
        """For each stored widget view on the page: whether html-manager drew it (a
        widget inside the .widget-subarea it adds beside the view's <script>)."""
        return self.page.evaluate(f"""() => [...document.querySelectorAll(
            'script[type="{WIDGET_VIEW}"]')].map(script =>
            !!script.parentElement.querySelector('.widget-subarea > .jupyter-widgets'))""")

    def prediction_menus(self):
        """The options of every explorer's "Your prediction" dropdown on the page."""
        return self.page.evaluate("""() => [...document.querySelectorAll(
            '.widget-dropdown')].filter(menu => menu.innerText.includes('Your prediction'))
            .map(menu => [...menu.querySelectorAll('option')].map(o => o.textContent.replace(
            /\u00a0/g, ' ')))""")

    def figures(self):
        """Every image in an output that is not an explorer's: (natural width, shown)."""
        return self.page.evaluate("""() => [...document.querySelectorAll(
            '.jp-OutputArea-output img:not(.widget-image)')].map(img =>
            [img.naturalWidth, img.getBoundingClientRect().width > 0])""")


def shot(locator_or_page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator_or_page.screenshot(path=str(ARTIFACTS / name))


def shown_images(notebook, cells):
    """How many explorer images `cells` display: Image models below their stored views."""
    state = execute_notebooks.widget_state(notebook)
    views = [output["data"][WIDGET_VIEW]["model_id"] for cell in cells
             for output in cell.get("outputs", []) if WIDGET_VIEW in output.get("data", {})]
    return sum(len(execute_notebooks.images_below(state, view)) for view in views)


def widget_views(cells):
    return sum(WIDGET_VIEW in output.get("data", {})
               for cell in cells for output in cell.get("outputs", []))


def static_figures(cells):
    """PNG outputs that are not an explorer's fallback image (shown beside its view)."""
    return sum("image/png" in data and WIDGET_VIEW not in data
               for cell in cells for data in
               (output.get("data", {}) for output in cell.get("outputs", [])))


def has_math(cells):
    """Whether any markdown cell holds TeX between dollar signs."""
    return any(cell.cell_type == "markdown" and MATH.search(cell.source) for cell in cells)


def in_deck(notebook):
    return [cell for cell in notebook.cells if slide_types.slide_type(cell) != "skip"]


def reveal(page, call):
    """Evaluate `call` (JavaScript using `Reveal`) once reveal.js has loaded: the
    template loads it with require.js, which keeps it out of the global scope."""
    return page.evaluate(f"""() => new Promise((done, fail) => require(
        [{json.dumps(REVEAL)}], Reveal => done({call}), fail))""")


def show_slide_of(locator):
    """Go to the slide holding the element (every fragment shown)."""
    locator.evaluate(f"""(element) => new Promise((done, fail) => require(
        [{json.dumps(REVEAL)}], Reveal => {{
            const at = Reveal.getIndices(element.closest('section'));
            Reveal.slide(at.h, at.v, 99);
            done(true); }}, fail))""")
    locator.page.wait_for_timeout(300)  # the slide's layout and MathJax's rerender


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_deck_works_offline(site, browser, lesson):
    notebook = nbformat.read(lesson, as_version=4)
    name = lesson.stem + export_site.SUFFIX["slides"]
    view = OfflinePage(browser, site, f"slides/{name}")
    try:
        view.page.wait_for_selector(".reveal.ready")
        assert reveal(view.page, "Reveal.isReady()") is True
        slides = reveal(view.page, "Reveal.getTotalSlides()")
        assert slides > MIN_SLIDES, f"{name} has only {slides} slides"
        math = view.wait_for_math()
        wants_math = has_math(in_deck(notebook))
        assert (math["typeset"] > 0) == wants_math and math["errors"] == 0, (
            f"MathJax typeset {math['typeset']} formulas with {math['errors']} errors; "
            f"the markdown has math: {wants_math}")

        math_after_title = view.page.locator(  # on a slide, not in its speaker notes
            ".slides > section:not(:first-child) section > :not(aside) .MathJax_CHTML").first
        if math_after_title.count():
            show_slide_of(math_after_title)
            assert math_after_title.is_visible()
            shot(view.page, f"{lesson.stem}-slide-math.png")

        expected = shown_images(notebook, in_deck(notebook))
        images = view.wait_for_widget_images(expected)
        assert view.rendered_views() == [True] * widget_views(in_deck(notebook))
        assert images.count() == expected, f"{images.count()} explorer images, {expected} stored"
        for index in range(expected):
            image = images.nth(index)
            show_slide_of(image)
            assert image.is_visible(), f"explorer {index} is not visible on its slide"
            box = image.bounding_box()
            assert box["width"] > 100 and box["height"] > 100, box
            shot(view.page, f"{lesson.stem}-slide-explorer-{index}.png")
        assert view.left == [], f"requests that left the machine: {view.left}"
        assert view.problems == [], "\n".join(view.problems)
    finally:
        view.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_page_works_offline(site, browser, lesson):
    notebook = nbformat.read(lesson, as_version=4)
    name = lesson.stem + export_site.SUFFIX["html"]
    view = OfflinePage(browser, site, f"html/{name}")
    try:
        math = view.wait_for_math()
        wants_math = has_math(notebook.cells)
        assert (math["typeset"] > 0) == wants_math and math["errors"] == 0, (
            f"MathJax typeset {math['typeset']} formulas with {math['errors']} errors; "
            f"the markdown has math: {wants_math}")
        expected = shown_images(notebook, notebook.cells)
        images = view.wait_for_widget_images(expected)
        assert view.rendered_views() == [True] * widget_views(notebook.cells)
        assert images.count() == expected, f"{images.count()} explorer images, {expected} stored"
        for index in range(expected):
            box = images.nth(index).bounding_box()
            assert box["width"] > 100 and box["height"] > 100, box
        menus = view.prediction_menus()  # a reader without a kernel sees the question
        assert len(menus) == widget_views(notebook.cells), menus
        assert all(menu[0] == CHOOSE and len(menu) >= 3 for menu in menus), menus
        figures = view.figures()
        assert len(figures) == static_figures(notebook.cells), figures
        assert all(width > 0 and shown for width, shown in figures), figures
        assert bs.axe_violations(view.page) == []
        assert NO_ALT not in view.page.content(), "a figure without its text alternative"
        first_figure = view.page.locator(
            ".jp-OutputArea-output img:not(.widget-image), img.widget-image").first
        if first_figure.count():
            first_figure.scroll_into_view_if_needed()
            shot(view.page, f"{lesson.stem}-page-figure.png")
        assert view.left == [], f"requests that left the machine: {view.left}"
        assert view.problems == [], "\n".join(view.problems)
    finally:
        view.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_deck_passes_axe(site, browser, lesson):
    """Every slide of the deck, laid out at once as reveal.js does for printing
    (?print-pdf), has no serious or critical WCAG 2.1 AA violation. The explorers are
    not waited for: in the print layout some never finish loading their image, and
    the same widget views are checked on the pages and in JupyterLab."""
    view = OfflinePage(browser, site, f"slides/{lesson.stem}.slides.html?print-pdf")
    try:
        view.page.wait_for_selector(".reveal.ready")
        view.wait_for_math()
        assert bs.axe_violations(view.page) == []
    finally:
        view.close()


@pytest.mark.parametrize("kind", export_site.KINDS)
def test_index_passes_axe(site, browser, kind):
    view = OfflinePage(browser, site, f"{kind}/index.html")
    try:
        assert bs.axe_violations(view.page) == []
    finally:
        view.close()


@pytest.mark.parametrize("kind", export_site.KINDS)
def test_index_lists_every_lesson(site, kind):
    with urllib.request.urlopen(f"{site}{kind}/index.html", timeout=10) as response:
        index = response.read().decode()
    for lesson in LESSONS:
        page = lesson.stem + export_site.SUFFIX[kind]
        assert f'href="{page}"' in index, f"{page} missing from {kind}/index.html"
        with urllib.request.urlopen(f"{site}{kind}/{page}", timeout=10) as response:
            assert response.status == 200
