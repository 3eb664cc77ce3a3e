# Packaging for spark-submit, a local Spark standalone cluster, and the Airflow environment.
# Included by the main Makefile (VENV, BIN, SAMPLE, RUNS and the PYSPARK_* exports come from it).
#
# make package        dist/mnist_lr.zip (--py-files), dist/mnist_lr.jar, and the spark-submit line
# make cluster-up     start a master and two 1-core workers on 127.0.0.1, print the master URL
# make cluster-run    ingest, train and score the embedded sample on that cluster (starts it)
# make cluster-status the master URL and the workers' states
# make cluster-down   stop exactly the processes cluster-up started
# make airflow-setup  the Airflow virtual environment (.venv-airflow)
# make airflow-run    one run of the DAG (airflow dags test), by default against local[*]

CLUSTER_DIR ?= data/cluster
CLUSTER_WORKERS ?= 2
WORKER_CORES ?= 1
CLUSTER_OUT ?= data/cluster-out
CLUSTER_RUN_ID := $(shell date -u +%Y%m%dT%H%M%SZ)
# spark.cores.max: the workers' cores. On standalone, Spark waits for the executors
# (spark.scheduler.minRegisteredResourcesRatio) only when it knows how many cores to expect.
# Each executor takes 1 core and 1 GiB (conf/spark-cluster.conf): a worker with more cores than
# GiB of WORKER_MEMORY cannot give them all, and each job then waits the 30 s limit first.
CLUSTER_SUBMIT = $(BIN)/spark-submit --master $$(scripts/cluster.sh url) \
	--properties-file conf/spark-cluster.conf --py-files dist/mnist_lr.zip \
	--conf spark.cores.max=$$(($(CLUSTER_WORKERS) * $(WORKER_CORES))) \
	--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=$(CLUSTER_DIR)/events
AIRFLOW_VENV := .venv-airflow

export CLUSTER_DIR CLUSTER_WORKERS WORKER_CORES

.PHONY: package cluster-up cluster-down cluster-status cluster-run airflow-setup

package: venv
	$(BIN)/python scripts/package.py

cluster-up: venv check-java
	@scripts/cluster.sh up

cluster-down:
	@scripts/cluster.sh down

cluster-status:
	@scripts/cluster.sh status

cluster-run: package sample cluster-up
	mkdir -p $(CLUSTER_DIR)/events
	$(CLUSTER_SUBMIT) jobs/ingest.py --input $(SAMPLE) --output $(CLUSTER_OUT)/mnist5k --overwrite
	$(CLUSTER_SUBMIT) jobs/train.py --config conf/cluster.yaml \
		--input $(CLUSTER_OUT)/mnist5k --output $(CLUSTER_OUT)/runs --run-id $(CLUSTER_RUN_ID)
	$(CLUSTER_SUBMIT) jobs/score.py --run $(CLUSTER_OUT)/runs/$(CLUSTER_RUN_ID) \
		--input $(SAMPLE) --output $(CLUSTER_OUT)/scores/$(CLUSTER_RUN_ID)

airflow-setup: $(AIRFLOW_VENV)/.installed

$(AIRFLOW_VENV)/.installed: requirements-airflow.txt
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/pip install --quiet -r requirements-airflow.txt
	touch $@

# make airflow-run: one run of the DAG with `airflow dags test` (no scheduler or web server),
# Airflow's state in $(AIRFLOW_HOME_DIR) (SQLite), outputs in data/airflow/. Against the local
# cluster: make cluster-up, then
#   make airflow-run SPARK_CONN='{"conn_type": "spark", "host": "spark://127.0.0.1", "port": PORT}'
AIRFLOW_HOME_DIR ?= $(abspath data/airflow-home)
SPARK_CONN ?= {"conn_type": "spark", "host": "local[*]"}
DAG_CONF ?= {}
AIRFLOW_ENV = AIRFLOW_HOME=$(AIRFLOW_HOME_DIR) AIRFLOW__CORE__DAGS_FOLDER=$(abspath dags) \
	AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW_CONN_SPARK_DEFAULT='$(SPARK_CONN)'

.PHONY: airflow-run

airflow-run: airflow-setup package sample
	$(AIRFLOW_ENV) $(AIRFLOW_VENV)/bin/airflow db migrate >/dev/null
	$(AIRFLOW_ENV) $(AIRFLOW_VENV)/bin/airflow dags test mnist_lr -c '$(DAG_CONF)'
