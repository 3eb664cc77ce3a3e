"""The floor: a spark-submit that only starts a session, counts a tiny range and stops."""

from pyspark.sql import SparkSession

if __name__ == "__main__":
    spark = SparkSession.builder.appName("mnist-lr-bench-floor").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    assert spark.range(10).count() == 10
    spark.stop()
