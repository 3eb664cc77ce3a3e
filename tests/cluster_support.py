"""The standalone cluster of scripts/cluster.sh as a pytest fixture, for the cluster tests."""

import os
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

CLUSTER = ROOT / "scripts" / "cluster.sh"


def cluster_command(action: str, run_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLUSTER), action],
        env={**os.environ, "CLUSTER_DIR": str(run_dir), **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (exited, waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def started_pids(run_dir: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text()) for p in run_dir.glob("*.pid")}


@pytest.fixture
def cluster(tmp_path):
    """A running cluster: (master URL, run folder); stopped afterwards even when a test fails."""
    run_dir = tmp_path / "cluster"
    started = cluster_command("up", run_dir)
    pids = started_pids(run_dir)
    try:
        assert started.returncode == 0, started.stderr
        yield started.stdout.strip(), run_dir
    finally:
        stopped = cluster_command("down", run_dir)
        assert stopped.returncode == 0, stopped.stderr
        assert not [name for name, pid in pids.items() if alive(pid)]
