"""The benchmark: the training job against the scikit-learn reference and Spark's floor.

For each size (1x = MNIST, 10x, 100x), each system runs at least 3 times, interleaved, and the
median is reported: wall time, peak memory of the whole process tree, phase timings, iterations,
accuracy and area under ROC. Writes data/bench/results.{json,md} and data/bench/wall_vs_rows.png.

The reference runs twice per round: with the job's ``tol`` (which scikit-learn's lbfgs tests
against the gradient, MLlib against the change in loss, so the two stop at different
iterations), and capped at the job's own iteration count at that size (``MATCHED``), the same
optimisation work.

    python bench/run.py --sizes 1,10,100 [--repeats 3]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq
from bench_report import MATCHED, plot_wall_vs_rows, render_tables

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "data" / "bench"
SOURCE = ROOT.parent / "shared" / "data" / "mnist"
SPARK_SUBMIT = [str(BIN / "spark-submit"), "--properties-file", "conf/spark-local.conf"]
DIGITS_ONLY_FROM = 100  # sizes from here on are written with the two digits only
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def measure(command: list[str]) -> tuple[float, int, str]:
    """Runs a command; returns wall seconds, peak RSS of its process tree (bytes), stdout.

    RSS, not PSS: reading a process's PSS walks its page tables (6.8 ms for a 320 MiB JVM,
    measured here, against 0.012 ms for RSS): at 10 samples a second, 7% of a core taken from
    the job being measured, more for a larger JVM. The price is that pages PySpark's forked
    Python workers share with their daemon count once per worker (tens of MiB each)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    root = psutil.Process(process.pid)
    peak = 0
    output: list[str] = []
    reader = _drain(process, output)
    while True:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(_rss(p) for p in tree if not _spawned_by_jvm(p)))
        except psutil.NoSuchProcess:
            pass
        try:
            process.wait(timeout=0.1)  # returns the moment it exits: the wall time is exact
            break
        except subprocess.TimeoutExpired:
            continue
    wall = time.perf_counter() - start
    reader.join()
    text = "".join(output)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{text[-3000:]}")
    return wall, peak, text


def _drain(process: subprocess.Popen, output: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    thread.start()
    return thread


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def _spawned_by_jvm(process: psutil.Process) -> bool:
    """A child of the JVM that has not yet exec'd its program.

    Java starts processes with posix_spawn, whose child shares the JVM's memory until the exec:
    its RSS is the JVM's, and counting it would count the JVM twice (seen at 100x: two 2 GiB
    processes, the second named after the Spark thread that spawned it).
    """
    try:
        parent = process.parent()
        return parent is not None and parent.name() == "java" and process.exe() == parent.exe()
    except psutil.Error:
        return False


def build_input(size: int) -> Path:
    directory = OUT / "inputs" / f"{size}x"
    command = [
        sys.executable,
        "bench/make_data.py",
        "--output",
        str(directory),
        "--scale",
        str(size),
    ]
    if SOURCE.exists():
        command += ["--source", str(SOURCE)]
    if size >= DIGITS_ONLY_FROM:
        command += ["--digits", "3,7"]
    subprocess.run(command, cwd=ROOT, check=True)
    return directory


def run_floor(_: Path, master: str) -> dict:
    wall, peak, _ = measure([*SPARK_SUBMIT, "--master", master, "bench/floor.py"])
    return {"wall": wall, "peak_bytes": peak}


def run_reference(data: Path, _: str, max_iter: int | None = None) -> dict:
    command = [sys.executable, "bench/reference.py", "--input", str(data)]
    if max_iter is not None:
        command += ["--max-iter", str(max_iter)]
    wall, peak, text = measure(command)
    result = json.loads(text.strip().splitlines()[-1])
    return {"wall": wall, "peak_bytes": peak, "phases": result["seconds"], **result["metrics"]}


def fresh_runs_directory(out: Path) -> Path:
    """The directory the job publishes its bench runs to, emptied of an earlier invocation's.

    Only the manifests are read, but the latest runs are kept for a look; at 100x each is about
    30 MB, so keeping every invocation's would fill the disk."""
    runs = out / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir(parents=True)
    return runs


def run_job(data: Path, master: str) -> dict:
    cores = master.removeprefix("local[").removesuffix("]").replace("*", "all")
    run_id = f"bench-{data.name}-{cores}-{time.time_ns()}"
    command = [
        *SPARK_SUBMIT,
        "--master",
        master,
        "jobs/train.py",
        "--input",
        str(data),
        "--output",
        str(OUT / "runs"),
        "--run-id",
        run_id,
    ]
    wall, peak, _ = measure(command)
    manifest = json.loads((OUT / "runs" / run_id / "manifest.json").read_text())
    metrics = pq.read_table(OUT / "runs" / run_id / "metrics").to_pylist()
    headline = manifest["headline_metrics"]
    rows = manifest["rows_per_digit"]
    return {
        "wall": wall,
        "peak_bytes": peak,
        "phases": manifest["phase_seconds"],
        "accuracy": headline["accuracy"],
        "areaUnderROC": headline["areaUnderROC"],
        "train_rows": sum(rows["train"].values()),
        "test_rows": sum(rows["test"].values()),
        "iterations": next(int(m["value"]) for m in metrics if m["metric"] == "iterations"),
    }


SYSTEMS = {"floor": run_floor, "reference": run_reference, "job": run_job}


def run_system(name: str, data: Path, master: str, runs: dict[str, list[dict]]) -> dict:
    """One run of a system; the matched reference takes its iteration cap from the job's runs
    at this size (the job's count is the same on every run)."""
    if name == MATCHED:
        job_iterations = [r["iterations"] for r in runs.get("job", []) if "iterations" in r]
        if not job_iterations:
            raise RuntimeError("no job run succeeded at this size: no iteration count to match")
        return run_reference(data, master, max_iter=job_iterations[0])
    return SYSTEMS[name.split()[0]](data, master)


def driver_memory(properties: Path = ROOT / SPARK_SUBMIT[2]) -> str:
    """The driver heap the job runs with, from the properties file spark-submit is given
    (``key value``, ``key=value`` or ``key: value`` lines); Spark's default is 1g."""
    for line in properties.read_text().splitlines():
        key, _, value = line.strip().replace("=", " ", 1).replace(":", " ", 1).partition(" ")
        if key == "spark.driver.memory":
            return value.strip()
    return "1g"


def median_result(results: list[dict]) -> dict:
    """Medians of every numeric field (phases too) over the repeats; failures are counted.

    A system with any failed run reports only its failures: a median of the runs that
    happened to succeed would hide them.
    """
    failures = [r["failed"] for r in results if "failed" in r]
    if failures:
        return {"runs": len(results), "failed_runs": len(failures), "error": failures[0]}
    merged = {}
    for key, value in results[0].items():
        if isinstance(value, dict):
            merged[key] = {k: statistics.median(r[key][k] for r in results) for k in value}
        elif isinstance(value, int | float):
            merged[key] = statistics.median(r[key] for r in results)
    merged["runs"] = len(results)
    return merged


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", "1,10,100"),
        help="comma-separated multiples of MNIST; the embedded default (make run) is always added",
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [0, *(int(s) for s in args.sizes.split(","))]
    fresh_runs_directory(OUT)
    measured: dict[str, dict[str, list[dict]]] = {}
    for size in sizes:
        data = build_input(size) if size else ROOT / "data" / "mnist5k"
        plan = [(name, "local[*]") for name in (*SYSTEMS, MATCHED)]
        if size == 10:
            plan.append(("job local[1]", "local[1]"))
        runs = measured.setdefault(f"{size}x" if size else "embedded", {})
        if not size:
            plan = [("job", "local[*]")]
        for repeat in range(args.repeats):
            for name, master in plan:
                try:
                    result = run_system(name, data, master, runs)
                    print(f"{size}x {name} run {repeat + 1}: {result['wall']:.1f} s", flush=True)
                except RuntimeError as error:
                    result = {"failed": str(error)[-3000:]}
                    print(f"{size}x {name} run {repeat + 1}: FAILED\n{error}", flush=True)
                runs.setdefault(name, []).append(result)
    summary = {
        size: {name: median_result(r) for name, r in runs.items()}
        for size, runs in measured.items()
    }
    settings = {"driver_memory": driver_memory(), "cpu_count": os.cpu_count()}
    (OUT / "results.json").write_text(
        json.dumps({"settings": settings, "median": summary, "runs": measured}, indent=2)
    )
    table = render_tables(summary, DIGITS_ONLY_FROM, settings)
    (OUT / "results.md").write_text(table)
    plot_wall_vs_rows(summary, OUT / "wall_vs_rows.png")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
