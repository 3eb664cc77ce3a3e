"""The pyspark.ml stages of the model, and the Pipeline that chains them.

The fitted PipelineModel takes the canonical dataset as input: pixel scaling, VectorAssembler,
LogisticRegression, then the decoding of 0/1 back to the two digits. So
``PipelineModel.load(path).transform(canonical_df)`` scores new specimens with no extra code.
Training makes the features once, equal to the feature stages' but in one JVM pass
(:func:`pixel_features`), and fits the rest on them.
"""

import numpy as np
from pyspark import keyword_only
from pyspark.errors import AnalysisException
from pyspark.ml import Estimator, Pipeline, PipelineModel, Transformer
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import ElementwiseProduct, VectorAssembler
from pyspark.ml.functions import array_to_vector, vector_to_array
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasInputCol, HasOutputCol
from pyspark.ml.pipeline import PipelineSharedReadWrite
from pyspark.ml.util import (
    DefaultParamsReadable,
    DefaultParamsWritable,
    DefaultParamsWriter,
    JavaMLWritable,
)
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from mnist_lr.dataset import PIXELS
from mnist_lr.jvm import missing_jar_error
from mnist_lr.storage import Storage

SCALED_PIXELS = "scaled_pixels"
FEATURES = "features"
PREDICTION = "prediction"
RAW_PREDICTION = "raw_prediction"
PROBABILITY_VECTOR = "probability_vector"
PREDICTED_DIGIT = "predicted_digit"
PROBABILITY = "probability"
MARGIN = "margin"
MAX_PIXEL = 255.0


class PixelScaler(
    Transformer, HasInputCol, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable
):
    """Turns an array of pixel values 0..maxValue into a vector of values 0..1.

    Refuses (fails the Spark job with a clear message) arrays whose length is not the number
    of pixels the model was trained on, so specimens of another image size are never scored.
    """

    maxValue = Param(Params._dummy(), "maxValue", "largest pixel value", TypeConverters.toFloat)
    pixelCount = Param(
        Params._dummy(), "pixelCount", "number of pixels per image", TypeConverters.toInt
    )

    @keyword_only
    def __init__(
        self,
        inputCol: str = PIXELS,
        outputCol: str = SCALED_PIXELS,
        maxValue: float = MAX_PIXEL,
        pixelCount: int = 784,
    ):
        super().__init__()
        self._setDefault(
            inputCol=PIXELS, outputCol=SCALED_PIXELS, maxValue=MAX_PIXEL, pixelCount=784
        )
        self._set(**self._input_kwargs)

    def _transform(self, dataset: DataFrame) -> DataFrame:
        pixels = F.col(self.getInputCol())
        count = self.getOrDefault(self.pixelCount)
        scale = self.getOrDefault(self.maxValue)
        checked = F.when(F.size(pixels) == count, pixels).otherwise(
            F.raise_error(
                F.concat(
                    F.lit("image has "),
                    F.size(pixels).cast("string"),
                    F.lit(f" pixels but the model was trained on {count}"),
                )
            )
        )
        # A cast and MLlib's ElementwiseProduct run as generated code; a per-pixel SQL lambda
        # (F.transform) is interpreted and cost ~3 s per pass over 10x MNIST.
        unscaled = f"{self.getOutputCol()}_unscaled"
        scaler = ElementwiseProduct(
            scalingVec=Vectors.dense(np.full(count, 1.0 / scale)),
            inputCol=unscaled,
            outputCol=self.getOutputCol(),
        )
        with_vector = dataset.withColumn(unscaled, array_to_vector(checked.cast("array<double>")))
        return scaler.transform(with_vector).drop(unscaled)


class DigitDecoder(Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Maps LogisticRegression's 0/1 output back to the two digits.

    Adds ``predicted_digit``, ``probability`` (of the positive digit) and ``margin`` (the
    linear score beta^T x + b, whose sigmoid is the probability).
    """

    negativeDigit = Param(
        Params._dummy(), "negativeDigit", "digit of label 0", TypeConverters.toInt
    )
    positiveDigit = Param(
        Params._dummy(), "positiveDigit", "digit of label 1", TypeConverters.toInt
    )

    @keyword_only
    def __init__(self, negativeDigit: int = 3, positiveDigit: int = 7):
        super().__init__()
        self._setDefault(negativeDigit=3, positiveDigit=7)
        self._set(**self._input_kwargs)

    def _transform(self, dataset: DataFrame) -> DataFrame:
        negative = self.getOrDefault(self.negativeDigit)
        positive = self.getOrDefault(self.positiveDigit)
        digit = F.when(F.col(PREDICTION) == 1.0, positive).otherwise(negative)
        return (
            dataset.withColumn(PREDICTED_DIGIT, digit.cast("int"))
            .withColumn(PROBABILITY, vector_to_array(F.col(PROBABILITY_VECTOR))[1])
            .withColumn(MARGIN, vector_to_array(F.col(RAW_PREDICTION))[1])
        )


def feature_stages(pixel_count: int) -> list[Transformer]:
    """The model's first stages: PixelScaler, then VectorAssembler into ``features``."""
    return [
        PixelScaler(inputCol=PIXELS, outputCol=SCALED_PIXELS, pixelCount=pixel_count),
        VectorAssembler(inputCols=[SCALED_PIXELS], outputCol=FEATURES, handleInvalid="error"),
    ]


FEATURE_STAGES = 2  # len(feature_stages(n)): where the fitted stages start in a model

JVM_PIXEL_FEATURES = "mnist_lr.PixelFeatures"  # jvm/mnist_lr/PixelFeatures.java
CLASS_NOT_LOADED = "_LEGACY_ERROR_TEMP_1329"  # Spark's "Can not load class ..."


def pixel_features(spark: SparkSession, pixels: Column, pixel_count: int) -> Column:
    """The ``features`` :func:`feature_stages` make from ``pixels``, made in one JVM pass.

    Equal to the stages' output, value for value and sparse or dense alike. The stages box every
    pixel and convert the vector twice: on the 10x training digits, in one warm session, they
    added 1.6-1.7 s to the parse and persist, this function 0.3-0.7 s. The function is
    ``mnist_lr.PixelFeatures`` from the project's jar, which Spark must have on its classpath.
    Models keep the stages, so a model is loaded and applied without the jar.

    Raises:
        ConfigError: when the jar is not on Spark's classpath.
    """
    name = JVM_PIXEL_FEATURES.replace(".", "_")
    try:
        # Registered once per session: registering again makes Spark log a warning.
        if not spark.catalog.functionExists(name):
            spark.udf.registerJavaFunction(name, JVM_PIXEL_FEATURES, VectorUDT())
    except AnalysisException as error:
        if error.getCondition() != CLASS_NOT_LOADED:
            raise
        raise missing_jar_error(JVM_PIXEL_FEATURES) from None
    features = F.call_function(name, pixels, F.lit(1.0 / MAX_PIXEL))
    return features.alias(FEATURES, metadata={"ml_attr": {"num_attrs": pixel_count}})


def pixels_from_features(features: Column) -> Column:
    """The pixel array a ``features`` vector was made from by :func:`feature_stages`.

    Exact: every value is a whole pixel value times 1/255, so rounding recovers it.
    """
    return F.transform(vector_to_array(features), lambda v: F.round(v * MAX_PIXEL).cast("int"))


def model_stages(
    negative_digit: int,
    positive_digit: int,
    reg_param: float,
    elastic_net_param: float,
    max_iter: int,
    tol: float,
    threshold: float,
    standardization: bool,
    max_block_size_mb: float,
) -> list[Estimator | Transformer]:
    """The stages after the features: LogisticRegression, then digit decoding."""
    return [
        LogisticRegression(
            featuresCol=FEATURES,
            labelCol="label",
            predictionCol=PREDICTION,
            rawPredictionCol=RAW_PREDICTION,
            probabilityCol=PROBABILITY_VECTOR,
            family="binomial",
            regParam=reg_param,
            elasticNetParam=elastic_net_param,
            maxIter=max_iter,
            tol=tol,
            threshold=threshold,
            standardization=standardization,
            maxBlockSizeInMB=max_block_size_mb,
        ),
        DigitDecoder(negativeDigit=negative_digit, positiveDigit=positive_digit),
    ]


def fit_on_features(featured: DataFrame, pixel_count: int, **model_parameters) -> PipelineModel:
    """Fits the model's stages on rows whose ``features`` :func:`feature_stages` already made.

    Returns the whole model, feature stages first, so it scores canonical pixel arrays.
    ``model_parameters`` are those of :func:`model_stages`.
    """
    fitted = Pipeline(stages=model_stages(**model_parameters)).fit(featured)
    return PipelineModel([*feature_stages(pixel_count), *fitted.stages])


def save_model(model: PipelineModel, path: str, storage: Storage) -> None:
    """Saves ``model`` as ``model.save(path)`` does, for ``PipelineModel.load``.

    PySpark writes the metadata of the pipeline and of each Python stage with a one-row Spark
    job that needs a Python worker; the first of them took 1.2 s in a 1x run, beside the figures.
    Here the driver writes those JSON lines itself, and the Java stages save themselves. The
    JSON comes from PySpark's own (private) helper, pinned with PySpark in requirements.txt; the
    tests compare the saved files with ``model.save``'s.
    """
    spark = SparkSession.active()
    stage_uids = [stage.uid for stage in model.stages]
    _write_metadata(
        storage,
        path,
        DefaultParamsWriter._get_metadata_to_save(
            model, spark, paramMap={"stageUids": stage_uids, "language": "Python"}
        ),
    )
    for index, stage in enumerate(model.stages):
        stage_path = PipelineSharedReadWrite.getStagePath(
            stage.uid, index, len(stage_uids), f"{path}/stages"
        )
        if isinstance(stage, JavaMLWritable):
            stage.write().save(stage_path)
        else:
            _write_metadata(
                storage, stage_path, DefaultParamsWriter._get_metadata_to_save(stage, spark)
            )


def _write_metadata(storage: Storage, path: str, metadata_json: str) -> None:
    """The ``metadata`` directory that ``DefaultParamsWriter.saveMetadata`` writes: one JSON line
    in a part file, and the ``_SUCCESS`` marker."""
    storage.write_text(f"{path}/metadata/part-00000", metadata_json + "\n")
    storage.write_text(f"{path}/metadata/_SUCCESS", "")
