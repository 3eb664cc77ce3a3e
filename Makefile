# make run   : set up the environment and train on the embedded default data
# make test  : set up the environment, lint, and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := data/mnist5k
RUNS := data/runs
export PYSPARK_PYTHON := $(abspath $(BIN)/python)
export PYSPARK_DRIVER_PYTHON := $(abspath $(BIN)/python)
export SPARK_LOCAL_IP ?= 127.0.0.1
SPARK_SUBMIT := $(BIN)/spark-submit --properties-file conf/spark-local.conf
# Spark's classes, pre-parsed for this JDK: local spark-submit runs map it (conf/spark-local.conf).
CLASS_ARCHIVE := $(VENV)/spark-classes.jsa
# The project's JVM code (jvm/), compiled against this environment's Spark: spark.jars in conf/.
JAR := dist/mnist_lr.jar

.PHONY: run test lint format check-java venv jar sample class-archive notebook clean

run: venv check-java jar sample class-archive
	$(SPARK_SUBMIT) jobs/train.py --config conf/default.yaml --input $(SAMPLE) --output $(RUNS)

test: venv check-java jar lint airflow-setup class-archive
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-java:
	@scripts/check-java.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "error: $(PYTHON) is not Python 3.11+ (the pinned pyspark, numpy and scikit-learn need it): install one, or run make PYTHON=python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

jar: $(JAR)

$(JAR): $(shell find jvm -name '*.java') scripts/build-jar.sh $(VENV)/.installed | check-java
	scripts/build-jar.sh $@

sample: venv $(SAMPLE)/train-labels-idx1-ubyte.gz

$(SAMPLE)/train-labels-idx1-ubyte.gz: | $(VENV)/.installed
	$(BIN)/python -m mnist_lr.sample $(SAMPLE)

class-archive: $(CLASS_ARCHIVE)

$(CLASS_ARCHIVE): $(VENV)/.installed | check-java sample $(JAR)
	scripts/build-class-archive.sh $@ $(SAMPLE)

notebook: venv
	cd notebooks && ../$(BIN)/python -c "import nbformat; from nbclient import NotebookClient; \
	nb = nbformat.read('explore.ipynb', 4); NotebookClient(nb, timeout=300).execute(); \
	nbformat.write(nb, '../data/explore.ipynb')"
	@echo "wrote data/explore.ipynb"

clean:
	rm -rf $(VENV) .venv-airflow data dist

# Targets of other areas (cluster, packaging, Airflow, benchmark) live in make/*.mk.
-include make/*.mk
