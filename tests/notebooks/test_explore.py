import nbformat
from conftest import ROOT
from nbclient import NotebookClient


def test_explore_notebook_runs_headless_on_a_published_run(published_run, monkeypatch):
    run, _ = published_run
    monkeypatch.setenv("MNIST_LR_RUN", str(run))
    notebook = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)

    NotebookClient(notebook, timeout=180, kernel_name="python3").execute(
        cwd=str(ROOT / "notebooks")
    )

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert str(run) in code[0].outputs[0]["data"]["text/plain"]
    images = [o for cell in code for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 6
    assert not [o for cell in code for o in cell.outputs if o.get("output_type") == "error"]
