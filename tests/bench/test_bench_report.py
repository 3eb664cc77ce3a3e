"""The benchmark's verdicts: every target, against both references, from the medians."""

from bench_report import MATCHED, _gibibytes, targets
from run import driver_memory

SETTINGS = {"driver_memory": "2g", "cpu_count": 2}


def medians(job_10x_fit=6.0, job_100x_fit=50.0, local_1_fit=6.3):
    return {
        "1x": {
            "floor": {"wall": 4.0},
            "reference": {"wall": 2.5, "accuracy": 0.98},
            MATCHED: {"wall": 2.0, "accuracy": 0.9802},
            "job": {"wall": 15.0, "accuracy": 0.98, "phases": {"fit": 3.0}},
        },
        "10x": {
            "reference": {"wall": 12.0, "accuracy": 0.96},
            MATCHED: {"wall": 9.0, "accuracy": 0.96},
            "job": {"wall": 21.0, "accuracy": 0.96, "phases": {"fit": job_10x_fit}},
            "job local[1]": {"wall": 22.0, "phases": {"fit": local_1_fit}},
        },
        "100x": {"job": {"wall": 95.0, "phases": {"fit": job_100x_fit}}},
    }


def test_time_targets_are_judged_against_both_references():
    lines = targets(medians(), SETTINGS)
    assert "1x: job − floor ≤ 1.5 × reference: 11.00 vs 3.75: NOT met" in lines
    assert f"1x: job − floor ≤ 1.5 × {MATCHED}: 11.00 vs 3.00: NOT met" in lines
    assert "10x: job ≤ 2 × reference: 21.00 vs 24.00: met" in lines
    assert f"10x: job ≤ 2 × {MATCHED}: 21.00 vs 18.00: NOT met" in lines
    assert f"1x: accuracy gap to {MATCHED} (points) ≤ 0.5: 0.02 vs 0.50: met" in lines


def test_the_100x_target_needs_the_driver_heap_within_2_gib():
    met = "100x completes (driver heap 2g); fit 100x / fit 10x ≤ 10: 8.33 vs 10.00: met"
    assert met in targets(medians(), SETTINGS)
    too_big = targets(medians(), {**SETTINGS, "driver_memory": "4g"})
    assert (
        "100x completes (driver heap 4g); fit 100x / fit 10x ≤ 10: 8.33 vs 10.00: "
        "NOT met (the driver heap is not at most 2 GiB)"
    ) in too_big


def test_the_cores_target_names_the_cores_local_star_had():
    lines = targets(medians(local_1_fit=9.9), {**SETTINGS, "cpu_count": 4})
    assert "cores: fit at 10x local[1] / local[*] (4 cores) ≥ 1.6: 1.65: met" in lines


def test_a_target_whose_system_failed_says_so_instead_of_vanishing():
    summary = medians()
    summary["10x"][MATCHED] = {"runs": 3, "failed_runs": 1, "error": "boom"}
    summary["10x"]["job"] = {"runs": 3, "failed_runs": 3, "error": "boom"}
    lines = targets(summary, SETTINGS)
    failed = "NOT measured (a run failed; see results.json)"
    assert f"10x: job ≤ 2 × {MATCHED}: {failed}" in lines
    assert f"10x: job ≤ 2 × reference: {failed}" in lines
    assert f"100x completes (driver heap 2g); fit 100x / fit 10x ≤ 10: {failed}" in lines
    assert f"cores: fit at 10x local[1] / local[*] (2 cores) ≥ 1.6: {failed}" in lines


def test_driver_heap_sizes_are_read_as_spark_reads_them(tmp_path):
    assert [_gibibytes(size) for size in ("2g", "1536m", "2048", "3G", "lots")] == [
        2,
        1.5,
        2,
        3,
        None,
    ]
    properties = tmp_path / "spark.conf"
    properties.write_text("# heap\nspark.driver.memory=3g\n")
    assert driver_memory(properties) == "3g"
    properties.write_text("spark.master local[2]\n")
    assert driver_memory(properties) == "1g"
