# make bench [BENCH_SIZES=1]: the benchmark (bench/run.py); results in data/bench/.
BENCH_SIZES ?= 1,10,100

.PHONY: bench

bench: venv check-java jar sample class-archive
	$(BIN)/python bench/run.py --sizes $(BENCH_SIZES)
