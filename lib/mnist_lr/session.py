"""The Spark session of a job: master and settings come from spark-submit, not from code."""

from pyspark.sql import SparkSession


def build_session(app_name: str, verbose: bool) -> SparkSession:
    """Gets or creates the session; Spark logs at WARN unless ``verbose``."""
    spark = SparkSession.builder.appName(app_name).getOrCreate()
    spark.sparkContext.setLogLevel("INFO" if verbose else "WARN")
    return spark
