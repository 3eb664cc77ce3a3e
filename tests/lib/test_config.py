import pytest
from conftest import ROOT

from mnist_lr.config import load_config, parse_digits
from mnist_lr.errors import ConfigError

DEFAULT = ROOT / "conf" / "default.yaml"


def test_default_config_loads_with_every_key():
    config = load_config(DEFAULT)
    assert config["digits"] == {"negative": 3, "positive": 7}
    assert config["logistic_regression"]["max_iter"] >= 1


def test_overrides_are_parsed_as_yaml_and_ints_widen_to_floats():
    config = load_config(
        DEFAULT,
        ["logistic_regression.reg_param=1", "logistic_regression.standardization=true"],
    )
    assert config["logistic_regression"]["reg_param"] == 1.0
    assert isinstance(config["logistic_regression"]["reg_param"], float)
    assert config["logistic_regression"]["standardization"] is True


def test_exponents_without_a_dot_are_floats():
    config = load_config(DEFAULT, ["logistic_regression.tol=1e-4"])
    assert config["logistic_regression"]["tol"] == 1e-4


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("logistic_regression.reg_parm=0.1", "unknown key 'logistic_regression.reg_parm'"),
        ("model.depth=3", "unknown section 'model'"),
        ("logistic_regression.max_iter=ten", "max_iter must be int, got 'ten'"),
        ("logistic_regression.max_iter=0", r"max_iter = 0 is out of range \(1..2\^31-1\)"),
        ("logistic_regression.reg_param=-0.1", "reg_param = -0.1 is out of range"),
        ("logistic_regression.elastic_net_param=1.5", "elastic_net_param = 1.5 is out of range"),
        ("logistic_regression.standardization=1", "standardization must be bool"),
        ("logistic_regression.max_block_size_mb=-1", "max_block_size_mb = -1.0 is out of range"),
        ("logistic_regression.reg_param=.inf", "reg_param = inf is not a finite number"),
        ("logistic_regression.tol=.nan", "tol = nan is not a finite number"),
        ("logistic_regression.max_block_size_mb=1e400", "max_block_size_mb = inf is not a finite"),
        ("logistic_regression.max_iter=2147483648", r"max_iter = 2147483648 is out of range"),
        ("input.partitions=2147483648", r"partitions = 2147483648 is out of range \(0..2\^31-1\)"),
        ("split.seed=9223372036854775808", r"seed = 9223372036854775808 is out of range"),
        ("logistic_regression.threshold=1", r"threshold = 1.0 is out of range \(between 0 and 1\)"),
        ("logistic_regression.threshold=0", r"threshold = 0.0 is out of range"),
        ("digits.positive=3", "the two digits must differ"),
        ("digits.positive=12", "digits.positive = 12 is out of range"),
        ("reg_param=0.1", "expected section.key=value"),
    ],
)
def test_invalid_overrides_are_refused_with_the_key_named(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(DEFAULT, [override])


@pytest.mark.parametrize(
    ("overrides", "digits", "message"),
    [
        (
            ["logistic_regression.reg_parm=0.1"],
            None,
            "--set logistic_regression.reg_parm=0.1: unknown key 'logistic_regression.reg_parm' "
            "(known: reg_param, ",
        ),
        (["model.depth=3"], None, "--set model.depth=3: unknown section 'model' (known: digits, "),
        (
            ["logistic_regression.max_iter=ten"],
            None,
            "--set logistic_regression.max_iter=ten: logistic_regression.max_iter must be int, "
            "got 'ten'",
        ),
        ([], "3,3", "--digits 3,3: the two digits must differ (both are 3)"),
        ([], "3,10", "--digits 3,10: digits.positive = 10 is out of range (0..9)"),
        (
            ["digits.positive=3"],
            None,
            f"{DEFAULT} and --set digits.positive=3: the two digits must differ (both are 3)",
        ),
        (
            ["digits.negative=9"],
            "4,9",
            "--digits 4,9 and --set digits.negative=9: both set the digits",
        ),
    ],
)
def test_errors_name_the_option_that_gave_the_wrong_value(overrides, digits, message):
    with pytest.raises(ConfigError) as refused:
        load_config(DEFAULT, overrides, digits)
    assert str(refused.value).startswith(message)


def test_errors_in_the_file_name_the_file_and_an_option_can_mend_them(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(DEFAULT.read_text().replace("max_iter: 100", "max_iter: ten"))
    with pytest.raises(ConfigError) as refused:
        load_config(config, ["logistic_regression.tol=1e-4"], "4,9")
    assert str(refused.value) == f"{config}: logistic_regression.max_iter must be int, got 'ten'"

    mended = load_config(config, ["logistic_regression.max_iter=10"], "4,9")
    assert mended["logistic_regression"]["max_iter"] == 10
    assert mended["digits"] == {"negative": 4, "positive": 9}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "digits:\n  negative: 3\n  positive: 7\ndigits:\n  negative: 4\n",
            "section 'digits' is given twice (lines 1 and 4)",
        ),
        (
            "digits:\n  negative: 3\n  positive: 7\n  positive: 9\n",
            "key 'digits.positive' is given twice (lines 3 and 4)",
        ),
    ],
)
def test_a_section_or_key_given_twice_in_the_file_is_refused(text, message, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_config(config)
    assert str(refused.value) == f"{config}: {message}"


def test_missing_keys_and_files_are_refused(tmp_path):
    partial = tmp_path / "partial.yaml"
    partial.write_text("digits: {negative: 3, positive: 7}\n")
    with pytest.raises(ConfigError, match="missing key 'split.test_fraction'"):
        load_config(partial)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yaml")
    (tmp_path / "picture.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ConfigError, match="picture.yaml: not a UTF-8 text file"):
        load_config(tmp_path / "picture.yaml")


def test_parse_digits():
    assert parse_digits("4, 9") == (4, 9)
    with pytest.raises(ConfigError, match="expected two digits"):
        parse_digits("3,7,9")
