from chispa import assert_df_equality

from mnist_lr.prepare import filter_digits, with_binary_label, with_hash_split, with_split

SCHEMA = "image_id string, label int"


def test_filter_digits_keeps_only_the_two_digits(spark):
    df = spark.createDataFrame([("a", 3), ("b", 5), ("c", 7), ("d", None)], SCHEMA)
    expected = spark.createDataFrame([("a", 3), ("c", 7)], SCHEMA)
    assert_df_equality(df.transform(filter_digits(3, 7)), expected, ignore_row_order=True)


def test_with_binary_label_maps_positive_digit_to_one(spark):
    df = spark.createDataFrame([("a", 3), ("c", 7)], SCHEMA)
    expected = spark.createDataFrame(
        [("a", 0.0, 3), ("c", 1.0, 7)], "image_id string, label double, label_digit int"
    )
    assert_df_equality(df.transform(with_binary_label(7)), expected, ignore_row_order=True)


def test_with_split_adds_a_constant(spark):
    df = spark.createDataFrame([("a", 3)], SCHEMA)
    expected = spark.createDataFrame([("a", 3, "test")], SCHEMA + ", split string")
    assert_df_equality(df.transform(with_split("test")), expected, ignore_nullable=True)


def test_hash_split_is_fixed_by_id_and_seed(spark):
    # Pinned: a change here would move rows between the splits of published runs.

    df = spark.createDataFrame([(f"t10k:{i}", 3) for i in range(6)], SCHEMA)
    expected = spark.createDataFrame(
        [
            (f"t10k:{i}", 3, s)
            for i, s in enumerate(["train", "train", "train", "train", "test", "train"])
        ],
        SCHEMA + ", split string",
    )
    actual = df.transform(with_hash_split(0.2, 42))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_hash_split_ignores_partitioning_and_row_order(spark):
    df = spark.range(5000).selectExpr("concat('train:', id) as image_id", "3 as label")
    one = df.repartition(1).transform(with_hash_split(0.2, 7))
    many = df.orderBy("label", "image_id").repartition(4).transform(with_hash_split(0.2, 7))
    assert_df_equality(one, many, ignore_row_order=True)
    test_share = one.filter("split = 'test'").count() / 5000
    assert 0.18 < test_share < 0.22


def test_hash_split_changes_with_the_seed(spark):
    df = spark.range(200).selectExpr("concat('x:', id) as image_id", "3 as label")
    a = {r.image_id for r in df.transform(with_hash_split(0.5, 1)).filter("split='test'").collect()}
    b = {r.image_id for r in df.transform(with_hash_split(0.5, 2)).filter("split='test'").collect()}
    assert a != b
