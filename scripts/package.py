"""Build dist/mnist_lr.zip for ``spark-submit --py-files`` and dist/mnist_lr.jar (the project's
JVM code, for ``--jars``), and print the submit command.

The zip holds the package ``mnist_lr/`` at its root (sources only, fixed timestamps, so the same
sources give the same bytes). Before writing it, every import in ``jobs/*.py`` is checked: the
jobs may import the standard library, installed third-party packages and ``mnist_lr`` modules that
are in the zip, and nothing else from the repository.

    python scripts/package.py [--dist DIR]
"""

import argparse
import ast
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "mnist_lr"
JOBS = ROOT / "jobs"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def package_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(job: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(job.read_text(), str(job))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def check_job_imports(zipped: set[str]) -> list[str]:
    """Returns one message per job import that the zip and the installed packages do not provide."""
    problems = []
    for job in sorted(JOBS.glob("*.py")):
        for name in sorted(imported_modules(job)):
            top = name.split(".")[0]
            if top == "mnist_lr":
                if name not in zipped:
                    problems.append(f"{job.name}: imports {name}, which is not in the package")
                continue
            spec = importlib.util.find_spec(top)
            origin = Path(spec.origin).resolve() if spec and spec.has_location else None
            if spec is None:
                problems.append(f"{job.name}: imports {top}, which is not installed")
            elif origin and ROOT in origin.parents and ".venv" not in origin.parts:
                problems.append(f"{job.name}: imports {top} from the repository ({origin})")
    return problems


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def build(dist: Path) -> Path:
    files = package_files()
    problems = check_job_imports({module_name(p) for p in files})
    if problems:
        sys.exit("package: error: " + "\n  ".join(["jobs import outside the package:", *problems]))
    dist.mkdir(parents=True, exist_ok=True)
    target = dist / "mnist_lr.zip"
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(str(path.relative_to(PACKAGE.parent)), FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    partial.replace(target)
    subprocess.run([ROOT / "scripts" / "build-jar.sh", target.with_suffix(".jar")], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (%(default)s)")
    args = parser.parse_args()
    target = build(Path(args.dist))
    count = len(zipfile.ZipFile(target).namelist())
    relative = target.relative_to(ROOT) if ROOT in target.parents else target
    jar = relative.with_suffix(".jar")
    print(f"built {relative} ({count} modules, {target.stat().st_size} bytes) and {jar}")
    print("submit with (from the repository root; MASTER e.g. spark://HOST:7077, yarn, k8s://...):")
    print(
        f"  spark-submit --master MASTER --properties-file conf/spark-cluster.conf"
        f" --py-files {relative} --jars {jar} jobs/train.py --config conf/cluster.yaml"
        f" --input PATH --output DIR"
    )


if __name__ == "__main__":
    main()
