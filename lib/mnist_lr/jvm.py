"""The project's JVM code (``jvm/``, built by ``make jar`` into ``dist/mnist_lr.jar``), as the
Python side reaches it."""

from py4j.java_gateway import JavaClass
from pyspark.sql import SparkSession

from mnist_lr.errors import ConfigError

JAR = "dist/mnist_lr.jar"


def missing_jar_error(class_name: str) -> ConfigError:
    """The error for a class of the project's jar that Spark cannot load."""
    return ConfigError(
        f"Spark cannot load {class_name}: {JAR} is not on its classpath",
        hint="build it with `make jar`; conf/spark-local.conf and conf/spark-cluster.conf "
        "pass it as spark.jars from the repository root, elsewhere use --jars PATH "
        "(README 'JVM code')",
    )


def jvm_class(spark: SparkSession, class_name: str) -> JavaClass:
    """The driver's handle on ``class_name``, a class of the project's jar.

    Raises:
        ConfigError: when the jar is not on Spark's classpath (Py4J then takes the name for a
            package).
    """
    member = spark.sparkContext._jvm
    for part in class_name.split("."):
        member = getattr(member, part)
    if not isinstance(member, JavaClass):
        raise missing_jar_error(class_name)
    return member
