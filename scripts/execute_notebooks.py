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


def final_figures(notebook):
    """Each explorer output's fallback PNG becomes its figure as last saved: the Image
    model under the output's widget view in the stored widget state."""
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def image_below(model_id):
        model = state.get(model_id, {})
        if model.get("model_name") == "ImageModel":
            return next(buffer["data"] for buffer in model.get("buffers", [])
                        if buffer["path"] == ["value"])
        children = model.get("state", {}).get("children", [])
        found = (image_below(child.removeprefix("IPY_MODEL_")) for child in children)
        return next((image for image in found if image), None)

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "image/png" in data:
                data["image/png"] = image_below(data[WIDGET_VIEW]["model_id"]) or data[
                    "image/png"]


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        store_widget_state=True,
    )
    client.execute()
    final_figures(notebook)
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
