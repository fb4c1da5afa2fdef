"""Re-execute lessons in place so their stored outputs are what nbval will compare.

Usage: python scripts/execute_notebooks.py [notebooks/NN_name.ipynb ...]  (default: all)

The kernel runs with ipykernel's fd capture off, so C-level lines that TensorFlow writes
to stderr at import never land in a stored output (nbval's kernels do not see them
either). Widget state is stored so the saved notebook shows each explorer's last state
(the state a lesson's `explorer.set(...)` chose), and each explorer's fallback PNG, for
renderers that draw no widgets, is replaced by the figure of that same last state.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course import use_course_env


def tidy(notebook):
    """Keep only the metadata a reader needs, so diffs show content changes only."""
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
        **({"widgets": notebook.metadata["widgets"]} if "widgets" in notebook.metadata
           else {}),
    }
    for cell in notebook.cells:
        keep = {key: cell.metadata[key] for key in ("tags", "slideshow")
                if key in cell.metadata}
        cell.metadata = keep
        cell.pop("id", None)
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:02d}"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def widget_state(notebook):
    """{model id: model} of the widget state stored in `notebook`'s metadata."""
    return notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def images_below(state, model_id):
    """One entry per Image model at or below `model_id` in a stored widget state, in
    order: its PNG as stored (base64), or None if it holds no value."""
    model = state.get(model_id, {})
    if model.get("model_name") == "ImageModel":
        buffers = model.get("buffers", [])
        return [next((b["data"] for b in buffers if b["path"] == ["value"]), None)]
    children = model.get("state", {}).get("children", [])
    return [image for child in children
            for image in images_below(state, child.removeprefix("IPY_MODEL_"))]


def final_figures(notebook):
    """Each explorer output's fallback PNG becomes its figure as last saved: the Image
    model under the output's widget view in the stored widget state."""
    state = widget_state(notebook)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "image/png" in data:
                images = images_below(state, data[WIDGET_VIEW]["model_id"])
                data["image/png"] = (images and images[0]) or data["image/png"]


def run(notebook, folder):
    """Execute `notebook` in place, its kernel working in `folder`: fd capture off,
    widget state stored, each explorer's fallback PNG its final figure."""
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(folder)}},
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        store_widget_state=True,
    ).execute()
    final_figures(notebook)


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    run(notebook, path.parent)
    tidy(notebook)
    nbformat.write(notebook, path)


def main(paths):
    use_course_env()
    paths = [Path(p).resolve() for p in paths] or sorted(
        (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        start = time.perf_counter()
        execute(path)
        print(f"{path.relative_to(ROOT)}: executed in {time.perf_counter() - start:.1f} s",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
