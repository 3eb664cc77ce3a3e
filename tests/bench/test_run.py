"""The benchmark's bookkeeping (its measurements need spark-submit and are not tested here)."""

from run import fresh_runs_directory


def test_each_invocation_starts_from_an_empty_runs_directory(tmp_path):
    earlier_run = tmp_path / "runs" / "bench-1x-all-1"
    earlier_run.mkdir(parents=True)
    (earlier_run / "manifest.json").write_text("{}")
    (tmp_path / "results.json").write_text("{}")

    runs = fresh_runs_directory(tmp_path)

    assert runs == tmp_path / "runs" and runs.is_dir()
    assert list(runs.iterdir()) == []
    assert (tmp_path / "results.json").exists()


def test_the_first_invocation_creates_the_directories(tmp_path):
    runs = fresh_runs_directory(tmp_path / "bench")
    assert runs.is_dir()
