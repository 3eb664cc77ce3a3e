"""The benchmark's bookkeeping, its measuring of one command and its reference (spark-submit is
not run here)."""

import sys

import pytest
import run
from bench_report import MATCHED
from mnist_files import tiny_digits, write_idx_pair
from run import fresh_runs_directory, measure


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


def test_measure_returns_the_output_and_the_process_trees_peak_memory():
    # The child holds its 50 MiB for a second: measure samples the tree every 0.1 s.
    child = (
        "import sys, time; held = bytearray(50 * 2**20); time.sleep(1); "
        "sys.stdout.write(f'child {len(held)}')"
    )
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"

    wall, peak, output = measure([sys.executable, "-c", parent])

    assert output == f"child {50 * 2**20}"
    # The 50 MiB, plus two interpreters, counted once each.
    assert 50 * 2**20 < peak < 100 * 2**20
    assert wall > 0


def test_measure_names_a_failed_command_with_its_output():
    with pytest.raises(RuntimeError, match=r"failed \(3\):\nbroken"):
        measure([sys.executable, "-c", "import sys; print('broken'); sys.exit(3)"])


def test_the_matched_reference_is_capped_at_the_jobs_iteration_count(tmp_path):
    # The real reference (scikit-learn) on tiny random digits, which take it many iterations.
    for prefix, seed in (("train", 0), ("t10k", 1)):
        write_idx_pair(tmp_path, prefix, *tiny_digits(400, side=8, seed=seed))
    runs = {"job": [{"failed": "boom"}, {"wall": 20.0, "iterations": 3}]}

    matched = run.run_system(MATCHED, tmp_path, "local[*]", runs)
    unmatched = run.run_system("reference", tmp_path, "local[*]", runs)

    assert matched["iterations"] == 3 < unmatched["iterations"]
    assert matched["train_rows"] == unmatched["train_rows"] == 80
    with pytest.raises(RuntimeError, match="no job run succeeded"):
        run.run_system(MATCHED, tmp_path, "local[*]", {"job": [{"failed": "boom"}]})
