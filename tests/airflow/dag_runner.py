"""Runs inside the Airflow virtual environment (.venv-airflow), called by test_dag.py.

    python dag_runner.py describe          the DagBag's import errors and the DAG's shape, as JSON
    python dag_runner.py run CONF_JSON     one dag.test() run with that conf; its states, as JSON
    python dag_runner.py names IDS_JSON    each run id's folder name (the DAG's safe_id)
    python dag_runner.py paths PATHS_JSON  each path as the quality gate hands it to pyarrow

AIRFLOW_HOME, the DAGs folder, the database and the spark_default connection come from the
environment that test_dag.py sets.
"""

import json
import sys
from pathlib import Path

from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[2] / "dags"


def load_bag() -> DagBag:
    return DagBag(dag_folder=str(DAGS))


def describe() -> dict:
    bag = load_bag()
    dag = bag.dags.get("mnist_lr")
    if dag is None:
        return {"import_errors": {str(k): v for k, v in bag.import_errors.items()}}
    return {
        "import_errors": {},
        "dag_ids": sorted(bag.dag_ids),
        "downstream": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks},
        "tasks": {
            t.task_id: {
                "type": type(t).__name__,
                "retries": t.retries,
                "retry_delay": t.retry_delay.total_seconds(),
                "name": getattr(t, "name", None),
                "conn_id": getattr(t, "_conn_id", None),
                "application": getattr(t, "application", None),
            }
            for t in dag.tasks
        },
    }


def run(conf: dict) -> dict:
    dag = load_bag().dags["mnist_lr"]
    for operator in dag.tasks:
        if operator.task_id != "quality_gate":  # the gate keeps its retries: it must not use them
            operator.retries = 0  # a Spark failure shows at once, not after the retry delays
    dag_run = dag.test(run_conf=conf)
    return {
        "run_id": dag_run.run_id,
        "state": str(dag_run.state),
        "tasks": {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()},
        "tries": {ti.task_id: ti.try_number for ti in dag_run.get_task_instances()},
    }


def dag_module():
    sys.path.insert(0, str(DAGS))
    import mnist_lr  # the DAG file

    return mnist_lr


if __name__ == "__main__":
    action = sys.argv[1]
    if action == "describe":
        result = describe()
    elif action == "names":
        result = [dag_module().safe_id(run_id) for run_id in json.loads(sys.argv[2])]
    elif action == "paths":
        result = [dag_module().pyarrow_path(path) for path in json.loads(sys.argv[2])]
    else:
        result = run(json.loads(sys.argv[2]))
    print("RESULT " + json.dumps(result))
