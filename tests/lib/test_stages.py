import json

import pytest
from chispa import assert_approx_df_equality, assert_df_equality
from pyspark.ml import PipelineModel
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
)

from mnist_lr import stages
from mnist_lr.errors import ConfigError
from mnist_lr.stages import (
    DigitDecoder,
    PixelScaler,
    feature_stages,
    fit_on_features,
    pixel_features,
    pixels_from_features,
    save_model,
)
from mnist_lr.storage import Storage


def test_pixel_scaler_turns_pixel_arrays_into_0_to_1_vectors(spark):
    df = spark.createDataFrame([("a", [0, 255, 51, 102])], "image_id string, pixels array<int>")
    expected = spark.createDataFrame(
        [("a", [0, 255, 51, 102], Vectors.dense([0.0, 1.0, 0.2, 0.4]))],
        StructType(
            [
                StructField("image_id", StringType()),
                StructField("pixels", ArrayType(IntegerType())),
                StructField("scaled_pixels", VectorUDT()),
            ]
        ),
    )
    actual = PixelScaler(pixelCount=4).transform(df)
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_metadata=True)


def test_pixel_scaler_refuses_images_of_another_size(spark):
    df = spark.createDataFrame([("a", [0, 255, 51])], "image_id string, pixels array<int>")
    with pytest.raises(Exception, match="image has 3 pixels but the model was trained on 4"):
        PixelScaler(pixelCount=4).transform(df).collect()


def test_digit_decoder_maps_0_1_back_to_digits(spark):
    df = spark.createDataFrame(
        [
            (1.0, Vectors.dense([-2.0, 2.0]), Vectors.dense([0.1192, 0.8808])),
            (0.0, Vectors.dense([0.5, -0.5]), Vectors.dense([0.6225, 0.3775])),
        ],
        StructType(
            [
                StructField("prediction", DoubleType()),
                StructField("raw_prediction", VectorUDT()),
                StructField("probability_vector", VectorUDT()),
            ]
        ),
    )
    actual = (
        DigitDecoder(negativeDigit=4, positiveDigit=9)
        .transform(df)
        .drop("raw_prediction", "probability_vector")
    )
    expected = spark.createDataFrame(
        [(1.0, 9, 0.8808, 2.0), (0.0, 4, 0.3775, -0.5)],
        "prediction double, predicted_digit int, probability double, margin double",
    )
    assert_approx_df_equality(actual, expected, 1e-12, ignore_nullable=True)


MODEL_PARAMETERS = dict(
    negative_digit=3,
    positive_digit=7,
    reg_param=0.01,
    elastic_net_param=0.0,
    max_iter=50,
    tol=1e-6,
    threshold=0.5,
    standardization=False,
    max_block_size_mb=0.45,
)


def test_pixels_come_back_exactly_from_the_features(spark):
    pixels = [list(range(128)), list(range(128, 256)), [0] * 127 + [255]]  # dense and sparse
    df = spark.createDataFrame([(p,) for p in pixels], "pixels array<int>")
    featured = PipelineModel(feature_stages(128)).transform(df)
    back = featured.select(pixels_from_features(featured["features"]).alias("pixels"))
    assert [row.pixels for row in back.collect()] == pixels


def fitted_tiny_model(spark):
    """Forty 3-pixel images and a model fitted on them."""
    rows = [
        (f"i{i}", float(i % 2), [250 * (i % 2), 5 * (i % 3), 250 * (1 - i % 2)]) for i in range(40)
    ]
    train = spark.createDataFrame(rows, "image_id string, label double, pixels array<int>")
    featured = PipelineModel(feature_stages(3)).transform(train)
    return train, fit_on_features(featured, 3, **MODEL_PARAMETERS)


def test_a_model_fitted_on_features_saves_and_reloads_and_scores_pixels(spark, tmp_path):
    train, model = fitted_tiny_model(spark)
    save_model(model, str(tmp_path / "model"), Storage(spark))

    reloaded = PipelineModel.load(str(tmp_path / "model"))

    columns = ["image_id", "predicted_digit", "probability", "margin"]
    before = model.transform(train).select(columns)
    assert_df_equality(reloaded.transform(train).select(columns), before, ignore_row_order=True)
    assert {r.predicted_digit: r.image_id for r in before.collect()}.keys() == {3, 7}
    assert [type(s).__name__ for s in reloaded.stages] == [
        "PixelScaler",
        "VectorAssembler",
        "LogisticRegressionModel",
        "DigitDecoder",
    ]


def saved_layout(root):
    """A saved model's files: each metadata JSON without its timestamp, "data" for the other
    part files (their names are random), "" for the _SUCCESS markers."""
    layout = {}
    for path in sorted(root.rglob("*")):
        directory = str(path.parent.relative_to(root))
        if path.is_dir() or path.name.startswith("."):
            continue
        if path.name == "_SUCCESS":
            layout[f"{directory}/_SUCCESS"] = ""
        elif path.parent.name == "metadata":
            metadata = json.loads(path.read_text())
            del metadata["timestamp"]
            layout[directory] = metadata
        else:
            layout[directory] = "data"
    return layout


def test_save_model_writes_what_pyspark_writes(spark, tmp_path):
    _, model = fitted_tiny_model(spark)
    model.save(str(tmp_path / "by_pyspark"))
    save_model(model, str(tmp_path / "by_driver"), Storage(spark))

    by_pyspark = saved_layout(tmp_path / "by_pyspark")
    assert saved_layout(tmp_path / "by_driver") == by_pyspark
    assert len(by_pyspark) == 12  # 5 metadata directories, 1 data directory, and their markers


def test_the_jvm_pixel_features_equal_the_feature_stages_value_for_value(spark, mnist_sample):
    from mnist_lr.readers import read_digits

    digits = read_digits(spark, str(mnist_sample), partitions=2).train.frame
    edges = spark.createDataFrame(
        [("zeros", 0, [0] * 784), ("full", 0, [255] * 784), ("one", 0, [0] * 783 + [1])],
        digits.schema,
    )
    pixels = digits.unionByName(edges)
    by_stages = PipelineModel(feature_stages(784)).transform(pixels).select("image_id", "features")
    by_jvm = pixels.select("image_id", pixel_features(spark, F.col("pixels"), 784))

    assert_df_equality(by_jvm, by_stages, ignore_row_order=True, ignore_metadata=True)
    kinds = {(r.image_id, type(r.features).__name__) for r in by_stages.collect()}
    assert {(r.image_id, type(r.features).__name__) for r in by_jvm.collect()} == kinds
    assert {"SparseVector", "DenseVector"} <= {kind for _, kind in kinds}
    assert by_jvm.schema["features"].metadata == {"ml_attr": {"num_attrs": 784}}


def test_the_jvm_pixel_features_refuse_a_missing_pixel(spark):
    df = spark.createDataFrame([([0, 255, None],)], "pixels array<int>")
    with pytest.raises(Exception, match="image has no value at pixel 2"):
        df.select(pixel_features(spark, F.col("pixels"), 3)).collect()


def test_without_the_jar_the_error_says_how_to_build_and_pass_it(spark, monkeypatch):
    monkeypatch.setattr(stages, "JVM_PIXEL_FEATURES", "mnist_lr.NotOnTheClasspath")
    with pytest.raises(ConfigError, match="dist/mnist_lr.jar is not on its classpath") as error:
        stages.pixel_features(spark, F.col("pixels"), 3)
    assert error.value.hint.startswith("build it with `make jar`")
