"""JupyterLab / Notebook 7 and headless Chromium, for the browser tests and benchmarks.

Shared by tests/test_browser.py and benchmarks/bench_explorers.py:

- `JupyterServer`: `jupyter lab` (or `jupyter notebook`) on 127.0.0.1, a free port and a
  random token, with its own temporary config, data, runtime, settings and workspace
  folders, serving a temporary folder (never the repository's notebooks), the news
  check off and cell windowing off (user settings in the temporary settings folder).
- `launch_chromium()`: Debian's /usr/bin/chromium driven by Playwright (no download).
- `NotebookPage`: open a notebook, Run All through the menu, wait for the kernel.
- `ExplorerHandle`: one explorer on the page (a VBox holding an <img> from the
  explorer's figure): its controls, a hash of the image it shows, its error pane.

The DOM these selectors rely on (JupyterLab 4.6, Notebook 7.6, ipywidgets 8.1) is
described next to each selector.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Debian's Chromium; COURSE_CHROMIUM may name another Chromium binary (never downloaded).
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
INSTALL_HINT = (f"Debian's Chromium is needed at {CHROMIUM} for the browser tests: "
                "sudo apt-get install chromium  (Playwright's own browser download is "
                "not used)")

# User settings written into the server's temporary JUPYTERLAB_SETTINGS_DIR (names
# checked against .venv/share/jupyter/lab/schemas): no news/update check, every cell
# attached to the DOM (windowing off) so every output can be found and scrolled to.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none"},
}


# Page errors that come from the front end itself, not from the course, matched on
# (front end, message). Notebook 7.6.5 throws this one while opening any notebook, even
# an empty one with no user settings (its shortcuts extension reads the schema of a
# plugin it has not loaded).
KNOWN_PAGE_ERRORS = [
    ("notebook", "Cannot read properties of undefined (reading 'schema')"),
]


def lessons():
    """The lessons on disk now: notebooks/NN_*.ipynb, sorted."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium_available():
    return CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)


def launch_chromium(playwright):
    """Headless Debian Chromium (never a Playwright-downloaded browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)


# axe-core (package.json, installed by `npm ci` with the decks' JavaScript), and the rules
# it runs: WCAG 2.1 A and AA. A violation of impact serious or critical fails a test.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async (context, tags) => {
    const found = await axe.run(context, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
    return found.violations.filter(rule => ['serious', 'critical'].includes(rule.impact))
        .flatMap(rule => rule.nodes.map(node =>
            `${rule.id}: ${node.target.join(' ')}: ${node.failureSummary}`)); }"""


def axe_violations(page, within=None):
    """axe-core's serious and critical WCAG 2.1 AA violations on `page`, or only within
    the element `within` (a Locator), one line per element at fault."""
    if not AXE.exists():  # fetched with the decks' JavaScript by `npm ci`
        sys.path.insert(0, str(ROOT / "scripts"))
        import export_site

        export_site.install_assets()
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    if within is None:
        return page.evaluate(f"tags => ({AXE_RUN})(document, tags)", AXE_TAGS)
    return within.evaluate(f"(element, tags) => ({AXE_RUN})(element, tags)", AXE_TAGS)


def artifact_path(name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


# --------------------------------------------------------------------------- server


class JupyterServer:
    """`jupyter lab` or `jupyter notebook` serving a temporary copy of notebooks.

    Use as a context manager; it stops the server (and the kernels it started)
    whatever happens: shut kernels down through the REST API, terminate, then kill.
    """

    def __init__(self, app="lab", startup_timeout=120):
        if app not in ("lab", "notebook"):
            raise ValueError(f"app must be 'lab' or 'notebook', not {app!r}")
        self.app = app
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.process = None
        self._tmp = None
        self.root_dir = None
        self.log_path = None

    # -- lifetime
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self._tmp = Path(tempfile.mkdtemp(prefix=f"course-{self.app}-"))
        dirs = {name: self._tmp / name for name in
                ("config", "data", "runtime", "settings", "workspaces", "root")}
        for path in dirs.values():
            path.mkdir()
        for relative, values in USER_SETTINGS.items():
            target = dirs["settings"] / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values, indent=2))
        self.root_dir = dirs["root"]
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        env.pop("JUPYTER_TOKEN", None)
        module = "jupyterlab" if self.app == "lab" else "notebook"
        command = [sys.executable, "-m", module, "--no-browser",
                   "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
                   f"--ServerApp.root_dir={self.root_dir}",
                   f"--IdentityProvider.token={self.token}",
                   "--ServerApp.terminals_enabled=False",
                   "--MappingKernelManager.cull_idle_timeout=0"]
        if self.app == "lab":
            command += ["--LabApp.news_url=None",
                        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                        "--LabApp.extension_manager=readonly"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI run as root
        self.log_path = self._tmp / "server.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open while the server runs
        self.process = subprocess.Popen(command, cwd=self.root_dir, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited with "
                                   f"{self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "status", timeout=2)
                return
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter {self.app} did not answer within "
                                       f"{self.startup_timeout} s:\n{self.log_tail()}")
                time.sleep(0.3)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            children = []
            with contextlib.suppress(Exception):
                import psutil
                children = psutil.Process(self.process.pid).children(recursive=True)
            with contextlib.suppress(Exception):
                self.shutdown_kernels()
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
            for child in children:  # kernels left behind, by pid
                with contextlib.suppress(Exception):
                    if child.is_running():
                        child.terminate()
                        child.wait(timeout=5)
                with contextlib.suppress(Exception):
                    if child.is_running():
                        child.send_signal(signal.SIGKILL)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def log_tail(self, chars=4000):
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    # -- REST API
    def api(self, method, path, body=None, timeout=30):
        request = urllib.request.Request(
            f"{self.base}/api/{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def shutdown_kernels(self):
        """Shut down every kernel (and session) of this server."""
        for session in self.api("GET", "sessions"):
            with contextlib.suppress(Exception):
                self.api("DELETE", f"sessions/{session['id']}")
        for kernel in self.api("GET", "kernels"):
            with contextlib.suppress(Exception):
                self.api("DELETE", f"kernels/{kernel['id']}")

    # -- files
    def add_notebook(self, source, name=None):
        """Copy a notebook into the served folder; return its path relative to it."""
        target = self.root_dir / (name or Path(source).name)
        shutil.copyfile(source, target)
        return target.relative_to(self.root_dir).as_posix()

    def write_notebook(self, name, notebook):
        import nbformat
        nbformat.write(notebook, self.root_dir / name)
        return name

    def url(self, relative):
        if self.app == "lab":
            return f"{self.base}/lab/tree/{relative}?reset&token={self.token}"
        return f"{self.base}/notebooks/{relative}?token={self.token}"


# --------------------------------------------------------------------------- notebook

# Both front ends render cells as .jp-Cell inside .jp-Notebook; a code cell's prompt
# (.jp-InputArea-prompt) reads "[ ]:", "[*]:" (queued or running) or "[12]:".
CODE_CELL = ".jp-Notebook .jp-Cell.jp-CodeCell"
PROMPT = ".jp-InputArea .jp-InputArea-prompt"
# An explorer (helpers.explorer.Explorer) is an ipywidgets VBox whose children are
# [HTML header, HBox of controls, Image, any extra (an HTML code panel), HTML status,
# Output errors]. ipywidgets 8
# renders it as div.widget-vbox > (div.widget-html, div.widget-hbox, img.widget-image,
# div.widget-html, div.widget-output); the Image's src is a blob: URL replaced on every
# new value.
EXPLORER = ".jp-Notebook .widget-vbox:has(> img.widget-image)"

# JavaScript run in the page -------------------------------------------------------
JS_IMAGE_HASH = """async (root) => {
    const img = root.querySelector(':scope > img.widget-image');
    if (!img || !img.src) return null;
    const response = await fetch(img.src);
    const bytes = await response.arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0'))
        .join('') + ':' + bytes.byteLength;
}"""
JS_ERRORS_TEXT = """(root) => {
    const out = root.querySelector(':scope > .widget-output');
    return out ? out.innerText.trim() : '';
}"""
JS_STATUS_TEXT = """(root) => {
    const status = root.querySelector(':scope > .explorer-status');
    return status ? status.innerText.trim() : '';
}"""
JS_VERDICT_TEXT = """(root) => {
    const verdict = root.querySelector(':scope > .explorer-verdict');
    return verdict ? verdict.innerText.trim() : '';
}"""
JS_PROMPTS = """(selector) => Array.from(document.querySelectorAll(selector)).map(cell => {
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    return prompt ? prompt.textContent.trim() : '';
})"""
JS_CELL_INDEX = """(root) => {
    const cell = root.closest('.jp-Cell');
    return Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).indexOf(cell);
}"""


class NotebookPage:
    """One notebook open in a Playwright page of JupyterLab or Notebook 7."""

    def __init__(self, page, server, relative):
        self.page = page
        self.server = server
        self.relative = relative
        self.console = []
        self.page_errors = []
        page.on("console", lambda msg: self.console.append(
            f"[{msg.type}] {msg.text}"))
        page.on("pageerror", lambda error: self._page_error(error))

    def _page_error(self, error):
        self.console.append(f"[pageerror] {error}\n{getattr(error, 'stack', '')}")
        if (self.server.app, str(error)) not in KNOWN_PAGE_ERRORS:
            self.page_errors.append(f"{error}\n{getattr(error, 'stack', '')}")

    @property
    def path(self):
        return self.server.root_dir / self.relative

    def open(self, timeout=120):
        self.page.goto(self.server.url(self.relative))
        self.page.wait_for_selector(CODE_CELL, timeout=timeout * 1000)
        self.wait_for_kernel_idle(timeout)

    def kernel_states(self):
        """execution_state of the kernels of this notebook's sessions (REST API)."""
        states = []
        for session in self.server.api("GET", "sessions"):
            if session.get("path") == self.relative and session.get("kernel"):
                states.append(session["kernel"].get("execution_state"))
        return states

    def wait_for_kernel_idle(self, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            states = self.kernel_states()
            if states and all(state == "idle" for state in states):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"kernel of {self.relative} not idle after {timeout} s "
                                   f"(states {states})")
            time.sleep(0.25)

    def menu(self, top, item):
        """Click a top menu (e.g. 'Run') then one of its items (e.g. 'Run All Cells')."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=top).filter(
            has_text=re.compile(f"^{top}$")).first.click()
        entry = self.page.locator(".lm-Menu .lm-Menu-itemLabel").filter(
            has_text=re.compile(f"^{item}$")).first
        entry.wait_for(state="visible", timeout=10_000)
        entry.click()

    def prompts(self):
        return self.page.evaluate(JS_PROMPTS, CODE_CELL)

    def run_all(self, timeout=600):
        """Clear every output, Run → Run All Cells, wait until the run has finished.

        Finished: every code cell shows an execution count, or (a cell failed and the
        kernel dropped the rest) nothing is queued and the kernel has stayed idle.
        Returns the prompts seen at the end.
        """
        self.menu("Edit", "Clear Outputs of All Cells")
        self.page.wait_for_function(
            """(s) => Array.from(document.querySelectorAll(s)).every(c =>
                 !/\\[\\d+\\]/.test(c.querySelector('.jp-InputArea-prompt')?.textContent
                                     || ''))""", arg=CODE_CELL, timeout=30_000)
        self.menu("Run", "Run All Cells")
        deadline = time.monotonic() + timeout
        idle_polls = 0
        started = time.monotonic()
        while True:
            time.sleep(0.5)
            prompts = self.prompts()
            running = any("*" in p for p in prompts)
            counted = all(re_count(p) for p in prompts)
            states = self.kernel_states()
            idle = bool(states) and all(s == "idle" for s in states)
            if counted and idle and not running:
                return prompts
            idle_polls = idle_polls + 1 if (idle and not running) else 0
            if idle_polls >= 6 and time.monotonic() - started > 5:
                return prompts
            if time.monotonic() > deadline:
                raise TimeoutError(f"Run All of {self.relative} not finished after "
                                   f"{timeout} s; prompts {prompts}")

    def save(self, timeout=30):
        """File → Save (Notebook); wait until the file on disk has been rewritten."""
        before = self.path.stat().st_mtime_ns
        self.page.keyboard.press("Escape")
        self.menu("File", "Save( Notebook)?")
        deadline = time.monotonic() + timeout
        while self.path.stat().st_mtime_ns == before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.relative} was not saved within {timeout} s")
            time.sleep(0.2)
        time.sleep(0.3)

    def explorers(self):
        """The explorers on the page, in document order."""
        return [ExplorerHandle(self, self.page.locator(EXPLORER).nth(i), i)
                for i in range(self.page.locator(EXPLORER).count())]

    def dump(self, name):
        """Save a full-page screenshot and the console log; return their paths."""
        shot = artifact_path(f"{name}.png")
        log = artifact_path(f"{name}.console.txt")
        with contextlib.suppress(Exception):
            self.page.screenshot(path=str(shot), full_page=True)
        log.write_text("\n".join(self.console) + "\n")
        return shot, log


def re_count(prompt):
    return re.fullmatch(r"\[\d+\]:?", prompt.strip()) is not None


def notebook_problems(path):
    """Problems in an executed notebook file: error outputs outside cells tagged
    raises-exception, and non-empty code cells without an execution count."""
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        tags = cell.metadata.get("tags", [])
        if cell.get("execution_count") is None:
            problems.append(f"cell {index} was not executed:\n{cell.source[:300]}")
        if "raises-exception" in tags:
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                trace = "\n".join(output.get("traceback", []))
                problems.append(f"cell {index} raised {output.get('ename')}: "
                                f"{output.get('evalue')}\n{strip_ansi(trace)[-2000:]}")
    return problems


def readout_number(text):
    """A slider readout as typeable text: ipywidgets (d3-format) writes negative
    numbers with U+2212 MINUS SIGN, which the readout does not accept back."""
    return text.strip().replace("\u2212", "-")


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


# --------------------------------------------------------------------------- explorers


class Control:
    """One control of an explorer: kind is slider / dropdown / checkbox / toggle /
    toggles / radio / button; `locator` is the element to act on."""

    def __init__(self, kind, locator, label):
        self.kind = kind
        self.locator = locator
        self.label = label

    def __repr__(self):
        return f"{self.kind} {self.label!r}"


def scroll_to(locator):
    """Scroll an element to the middle of its scrolling panel.

    (Playwright's scroll_into_view_if_needed waits for the element to be "stable",
    which a Notebook 7 page that is still settling its scroll position can refuse.)"""
    locator.evaluate("(e) => e.scrollIntoView({block: 'center', inline: 'nearest'})")
    time.sleep(0.15)


class ExplorerHandle:
    def __init__(self, notebook, root, index):
        self.notebook = notebook
        self.page = notebook.page
        self.root = root
        self.index = index
        self.skipped = []  # moves not made: the control was disabled at the time

    # -- reading
    def image_hash(self, attempts=20):
        for _ in range(attempts):
            with contextlib.suppress(Exception):
                value = self.root.evaluate(JS_IMAGE_HASH)
                if value:
                    return value
            time.sleep(0.1)  # the blob URL was replaced while being read
        return None

    def errors_text(self):
        return self.root.evaluate(JS_ERRORS_TEXT)

    def status_text(self):
        return self.root.evaluate(JS_STATUS_TEXT)

    def title(self):
        return self.root.locator(":scope > .widget-html").first.inner_text().split("\n")[0]

    def accessibility_problems(self):
        """axe-core's serious and critical violations within the explorer (an unnamed
        slider, a figure without a text alternative, low contrast), and one thing axe
        does not ask: that the status line is a live region, read out when it changes."""
        live = self.root.evaluate(
            "root => root.querySelector(':scope > .explorer-status').getAttribute('aria-live')")
        problems = [f"axe: {line}" for line in axe_violations(self.page, self.root)]
        return problems + ([] if live == "polite" else [f"status line aria-live={live!r}"])

    def cell_index(self):
        return self.root.evaluate(JS_CELL_INDEX)

    def controls(self):
        """Every control in the explorer's control row, in order."""
        found = []
        box = self.root.locator(":scope > .widget-hbox, :scope > .widget-box").first
        scope = box if box.count() else self.root

        def label_of(widget):
            label = widget.locator(".widget-label").first
            text = label.inner_text().strip() if label.count() else ""
            return text or widget.inner_text().strip()[:40]

        for widget in scope.locator(".widget-slider").all():
            found.append(Control("slider", widget.locator(".noUi-handle").first,
                                 label_of(widget)))
        for widget in scope.locator(".widget-dropdown").all():
            found.append(Control("dropdown", widget.locator("select").first,
                                 label_of(widget)))
        for widget in scope.locator(".widget-checkbox").all():
            found.append(Control("checkbox", widget.locator("input[type=checkbox]").first,
                                 label_of(widget)))
        for widget in scope.locator(".widget-toggle-buttons").all():
            found.append(Control("toggles", widget, label_of(widget)))
        for widget in scope.locator(".widget-radio-box").all():
            found.append(Control("radio", widget, label_of(widget)))
        for widget in scope.locator("button.widget-toggle-button").all():
            if not widget.evaluate("(b) => !!b.closest('.widget-toggle-buttons')"):
                found.append(Control("toggle", widget, widget.inner_text().strip()))
        for widget in scope.locator("button.widget-button").all():
            if not widget.evaluate("(b) => b.classList.contains('widget-toggle-button')"
                                   " || !!b.closest('.widget-toggle-buttons')"):
                found.append(Control("button", widget, widget.inner_text().strip()))
        return found

    # -- acting
    def slider_direction(self, handle):
        """+1 if the handle has more room to the right/top, else -1."""
        now, low, high = handle.evaluate(
            "(h) => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax']"
            ".map(a => parseFloat(h.getAttribute(a)))")
        return 1 if (high - now) >= (now - low) else -1

    def slider_keys(self, handle, direction):
        vertical = handle.evaluate(
            "(h) => h.getAttribute('aria-orientation') === 'vertical'")
        if vertical:
            return "ArrowUp" if direction > 0 else "ArrowDown"
        return "ArrowRight" if direction > 0 else "ArrowLeft"

    def press_slider(self, handle, presses=3):
        scroll_to(handle)
        direction = self.slider_direction(handle)
        key = self.slider_keys(handle, direction)
        handle.focus()
        for _ in range(presses):
            self.page.keyboard.press(key)
            time.sleep(0.05)

    def drag_slider(self, handle, fraction=0.3):
        scroll_to(handle)
        direction = self.slider_direction(handle)
        track = handle.locator("xpath=ancestor::div[contains(@class,'noUi-base')]").first
        hbox, tbox = handle.bounding_box(), track.bounding_box()
        x0, y0 = hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2
        vertical = tbox["height"] > tbox["width"]
        mouse = self.page.mouse
        mouse.move(x0, y0)
        mouse.down()
        if vertical:
            y1 = min(max(y0 - direction * fraction * tbox["height"], tbox["y"]),
                     tbox["y"] + tbox["height"])
            mouse.move(x0, y1, steps=8)
        else:
            x1 = min(max(x0 + direction * fraction * tbox["width"], tbox["x"]),
                     tbox["x"] + tbox["width"])
            mouse.move(x1, y0, steps=8)
        mouse.up()

    def readout_of(self, control):
        """The editable number beside a slider (ipywidgets' .widget-readout)."""
        return control.locator.locator(
            "xpath=ancestor::div[contains(@class,'widget-slider')]").first.locator(
            ".widget-readout").first

    def type_into_readout(self, readout, text):
        scroll_to(readout)
        readout.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")

    def type_readout(self, control, fraction=0.25):
        """Type a new value into the slider's readout (the number beside it), Enter."""
        readout = self.readout_of(control)
        now, low, high = control.locator.evaluate(
            "(h) => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax']"
            ".map(a => parseFloat(h.getAttribute(a)))")
        direction = self.slider_direction(control.locator)
        target = now + direction * fraction * (high - low)
        shown = readout_number(readout.inner_text())
        try:
            log_scale = abs(float(shown) - now) > 1e-6 * max(1.0, abs(now)) and \
                not (low <= float(shown) <= high)
        except ValueError:
            log_scale = False
        value = 10 ** target if log_scale else target
        self.type_into_readout(readout, f"{value:.6g}")

    def choose(self, select):
        scroll_to(select)
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("(s) => s.selectedIndex")
        if len(options) < 2:
            raise AssertionError(f"dropdown has {len(options)} option(s): nothing to choose")
        select.select_option(index=(current + 1) % len(options))

    def act(self, control, how=None):
        """Move a control once (how: 'keyboard' or 'drag' for sliders)."""
        if how == "restore":
            if control.kind == "slider":
                self.type_into_readout(self.readout_of(control), control.original)
            else:
                scroll_to(control.locator)
                control.locator.select_option(index=control.original)
        elif control.kind == "dropdown":
            control.original = control.locator.evaluate("(s) => s.selectedIndex")
            self.choose(control.locator)
        elif control.kind == "slider":
            if how == "drag":
                self.drag_slider(control.locator)
            elif how == "readout":
                self.type_readout(control)
            else:
                self.press_slider(control.locator)
        elif control.kind in ("checkbox", "toggle", "button"):
            scroll_to(control.locator)
            control.locator.click()
        elif control.kind == "toggles":
            control.locator.locator("button:not(.mod-active)").first.click()
        elif control.kind == "radio":
            control.locator.locator("input[type=radio]:not(:checked)").first.click()
        else:
            raise ValueError(f"unknown control kind {control.kind}")

    def wait_for_new_image(self, before, timeout=60.0, settle=0.5):
        """Wait until the image differs from `before` and has stopped changing.

        Returns (new_hash or None if it never changed, errors text)."""
        deadline = time.monotonic() + timeout
        current = before
        while time.monotonic() < deadline:
            errors = self.errors_text()
            if errors:
                return None, errors
            current = self.image_hash()
            if current != before:
                break
            time.sleep(0.05)
        else:
            return None, self.errors_text()
        # settle: the same image for `settle` seconds (drags send many updates)
        stable_since = time.monotonic()
        while time.monotonic() - stable_since < settle and time.monotonic() < deadline:
            time.sleep(0.1)
            latest = self.image_hash()
            if latest != current:
                current, stable_since = latest, time.monotonic()
        return current, self.errors_text()

    def is_disabled(self, control):
        """A disabled control (e.g. 'activation' while the model is linear)."""
        return control.locator.evaluate(
            "(e) => e.disabled === true || !!e.closest('[disabled], .mod-disabled')")

    def move_and_check(self, control, how=None, timeout=60.0):
        """Act on a control; return a problem string, or None when the image changed
        and no error was shown. Sliders that did not change the image after a few key
        presses get a few more (a small step can leave the picture the same)."""
        if how == "restore" and not hasattr(control, "original"):
            return None  # it was never moved (disabled at the time)
        if self.is_disabled(control):
            self.skipped.append(f"{control} ({how or 'click'}): disabled")
            return None
        before = self.image_hash()
        self.act(control, how)
        if how == "restore":  # back to the value as found, without an error
            after, errors = self.wait_for_new_image(before, timeout=3)
            if errors:
                return f"{control} (restore) showed an error:\n{errors}"
            if control.kind == "slider":
                now = readout_number(self.readout_of(control).inner_text())
                if now != control.original:
                    return (f"{control}: typing {control.original!r} into its readout "
                            f"left it at {now!r}")
            return None
        after, errors = self.wait_for_new_image(before, timeout)
        if after is None and not errors and control.kind == "slider" and how == "keyboard":
            self.press_slider(control.locator, presses=7)
            after, errors = self.wait_for_new_image(before, timeout)
        if errors:
            return f"{control} ({how or 'click'}) showed an error:\n{errors}"
        if after is None:
            return (f"{control} ({how or 'click'}): the image did not change within "
                    f"{timeout:.0f} s (status: {self.status_text()!r})")
        return None

    def prediction(self):
        """The "Your prediction" dropdown under the status line (a direct child of the
        explorer, outside its control row), or None."""
        for widget in self.root.locator(":scope > .widget-dropdown").all():
            if "Your prediction" in widget.inner_text():
                return widget.locator("select").first
        return None

    def predict_and_check(self, timeout=30.0):
        """Commit the first real choice; return a problem string, or None when the
        explanation appeared only after it and the dropdown locked."""
        select = self.prediction()
        if select is None:
            return "no 'Your prediction' dropdown"
        if self.root.evaluate(JS_VERDICT_TEXT):
            return "the explanation shows before a prediction was committed"
        scroll_to(select)
        select.select_option(index=1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            verdict = self.root.evaluate(JS_VERDICT_TEXT)
            if verdict.startswith(("Your prediction held", "You predicted")):
                break
            time.sleep(0.1)
        else:
            return f"committing a prediction showed no verdict within {timeout:.0f} s"
        if not select.evaluate("(s) => s.disabled"):
            return "the prediction dropdown stayed open after the learner committed"
        return None

    def screenshot(self, path):
        with contextlib.suppress(Exception):
            self.root.screenshot(path=str(path))
            return path
        return None

    def moves(self, slider_moves=("keyboard", "drag")):
        """The moves the browser tests make, as (control, how) pairs.

        Each slider is moved once per entry of `slider_moves` (keyboard, drag, readout)
        and then put back to its value as found ("restore": typed into its readout),
        so every slider is tried near the explorer's defaults rather than in the state
        the previous moves left (all ReLUs dead, say, where the learning rate no longer
        changes anything). Then every dropdown goes to its next option (one dropdown
        can enable another: 'activation' needs model 'mlp'), and all are restored in
        reverse order. Checkboxes and toggles are clicked twice, buttons once, last.
        """
        controls = self.controls()
        result = []
        for control in (c for c in controls if c.kind == "slider"):
            control.original = readout_number(self.readout_of(control).inner_text())
            result += [(control, how) for how in slider_moves]
            result.append((control, "restore"))
        dropdowns = [c for c in controls if c.kind == "dropdown"]
        for control in dropdowns:
            result.append((control, None))
        for control in reversed(dropdowns):
            result.append((control, "restore"))
        for control in controls:
            if control.kind in ("checkbox", "toggle"):
                result += [(control, None), (control, None)]
            elif control.kind in ("toggles", "radio"):
                result.append((control, None))
        result += [(control, None) for control in controls if control.kind == "button"]
        return result
