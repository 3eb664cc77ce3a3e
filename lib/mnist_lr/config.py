"""Job parameters: loaded from YAML, overridden from the CLI, validated before Spark starts."""

import contextlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mnist_lr.errors import ConfigError


@dataclass(frozen=True)
class Key:
    """One configuration key: its type, the check its value must pass, and what it means."""

    type: type | tuple[type, ...]
    check: Callable[[Any], bool]
    rule: str
    meaning: str


def _any(_: Any) -> bool:
    return True


def _digit(value: int) -> bool:
    return 0 <= value <= 9


# Integers that reach Spark as a Java int (32 bits) or long (64 bits).
JAVA_INT_MAX = 2**31 - 1
JAVA_LONG_MAX = 2**63 - 1


SCHEMA: dict[str, dict[str, Key]] = {
    "digits": {
        "negative": Key(int, _digit, "0..9", "digit relabelled 0.0"),
        "positive": Key(int, _digit, "0..9", "digit relabelled 1.0"),
    },
    "split": {
        "test_fraction": Key(
            float, lambda v: 0 < v < 1, "between 0 and 1", "share of hashed ids in the test split"
        ),
        "seed": Key(
            int,
            lambda v: -JAVA_LONG_MAX - 1 <= v <= JAVA_LONG_MAX,
            "a 64-bit integer",
            "seed of the id hash that decides the split",
        ),
    },
    "input": {
        "partitions": Key(
            int,
            lambda v: 0 <= v <= JAVA_INT_MAX,
            "0..2^31-1",
            "partitions of each input (IDX: slices per file); 0 = Spark's default parallelism",
        ),
    },
    "fit": {
        "single_partition_max_rows": Key(
            int,
            lambda v: v >= 0,
            ">= 0",
            "train rows up to which MLlib fits on one partition; 0 = never",
        ),
    },
    "logistic_regression": {
        "reg_param": Key(
            float, lambda v: v >= 0, ">= 0", "regularisation strength (MLlib regParam)"
        ),
        "elastic_net_param": Key(
            float, lambda v: 0 <= v <= 1, "0..1", "L1 share of the penalty: 0 = L2, 1 = L1"
        ),
        "max_iter": Key(
            int, lambda v: 1 <= v <= JAVA_INT_MAX, "1..2^31-1", "maximum optimiser iterations"
        ),
        "tol": Key(float, lambda v: v >= 0, ">= 0", "convergence tolerance"),
        "threshold": Key(
            float,
            lambda v: 0 < v < 1,
            "between 0 and 1",
            "probability above which the positive digit is predicted",
        ),
        "standardization": Key(bool, _any, "true or false", "standardise features before fitting"),
        "max_block_size_mb": Key(
            float,
            lambda v: v >= 0,
            ">= 0",
            "MiB of training rows per MLlib block (maxBlockSizeInMB); 0 = MLlib's 1.0",
        ),
    },
}

Config = dict[str, dict[str, Any]]


DIGIT_KEYS = ("digits.negative", "digits.positive")


def load_config(
    path: str | Path, overrides: Iterable[str] = (), digits: str | None = None
) -> Config:
    """Reads a YAML config, applies ``section.key=value`` overrides (``--set``) and the two
    digits of ``--digits NEG,POS``, and validates the result.

    An error names where the wrong value came from: the file, the ``--set`` override or
    ``--digits``.

    Raises:
        ConfigError: a missing or unreadable file, a key given twice in it, unknown or missing
            keys, wrong types, values out of range, digits set by both ``--digits`` and ``--set``.
    """
    source = str(path)
    config = _read_yaml(path)
    origins: dict[str, str] = {}
    for override in overrides:
        name, value = _parsed_override(override)
        _set(config, name, value, f"--set {override}", origins, source)
    if digits is not None:
        option = f"--digits {digits}"
        for name in DIGIT_KEYS:
            if name in origins:
                raise ConfigError(
                    f"{option} and {origins[name]}: both set the digits",
                    hint="pass --digits NEG,POS or --set digits.negative=... and "
                    "--set digits.positive=..., not both",
                )
        for name, digit in zip(DIGIT_KEYS, parse_digits(digits), strict=True):
            _set(config, name, digit, option, origins, source)
    return validate(config, source, origins)


class _DuplicateKeys(yaml.SafeLoader):
    """PyYAML's safe loader, which refuses a section or key given twice (PyYAML keeps the last)."""

    def __init__(self, text: str, source: str):
        super().__init__(text)
        self.source = source

    def construct_document(self, node: yaml.Node) -> Any:
        self._refuse_duplicates(node, "", depth=2)  # sections, and the keys in each section
        return super().construct_document(node)

    def _refuse_duplicates(self, node: yaml.Node, prefix: str, depth: int) -> None:
        if depth == 0 or not isinstance(node, yaml.MappingNode):
            return
        lines: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            name, line = f"{prefix}{key.value}", key.start_mark.line + 1
            if key.value in lines:
                kind, fix = ("key", "keep one") if prefix else ("section", "merge them into one")
                raise ConfigError(
                    f"{self.source}: {kind} '{name}' is given twice "
                    f"(lines {lines[key.value]} and {line})",
                    hint=f"{fix}: YAML would silently use only the last",
                )
            lines[key.value] = line
            self._refuse_duplicates(value, f"{name}.", depth - 1)


def _read_yaml(path: str | Path) -> Config:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file (a YAML config is expected)") from None
    loader = _DuplicateKeys(text, str(path))
    try:
        config = loader.get_single_data() or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    finally:
        loader.dispose()
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected sections of key: value pairs")
    return config


def _parsed_override(override: str) -> tuple[str, Any]:
    """The ``section.key`` name and the value (parsed as YAML) of a ``section.key=value``."""
    name, separator, raw = override.partition("=")
    section, dot, key = name.strip().partition(".")
    if not separator or not dot or not section or not key:
        raise ConfigError(f"--set {override}: expected section.key=value")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return f"{section}.{key}", value


def _set(
    config: Config, name: str, value: Any, origin: str, origins: dict[str, str], source: str
) -> None:
    """Sets a key given on the command line (``origin``), refusing an unknown one."""
    section, _, key = name.partition(".")
    _spec(section, key, origin)
    section_values = config.setdefault(section, {})
    if not isinstance(section_values, dict):
        raise ConfigError(f"{source}: section '{section}' must hold key: value pairs")
    section_values[key] = value
    origins[name] = origin


def _section(section: str, origin: str) -> dict[str, Key]:
    if section not in SCHEMA:
        raise ConfigError(f"{origin}: unknown section '{section}' (known: {', '.join(SCHEMA)})")
    return SCHEMA[section]


def _spec(section: str, key: str, origin: str) -> Key:
    spec = _section(section, origin).get(key)
    if spec is None:
        raise ConfigError(
            f"{origin}: unknown key '{section}.{key}' (known: {', '.join(SCHEMA[section])})"
        )
    return spec


def validate(config: Config, source: str, origins: Mapping[str, str] | None = None) -> Config:
    """Checks every section and key against SCHEMA; returns the config unchanged.

    An error names ``source`` (the file), or for a ``section.key`` in ``origins`` the option
    that set it.
    """
    origins = origins or {}
    for section, values in config.items():
        _section(section, source)
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: section '{section}' must hold key: value pairs")
        for key, value in values.items():
            name = f"{section}.{key}"
            origin = origins.get(name, source)
            values[key] = _checked(name, value, _spec(section, key, origin), origin)
    for section, keys in SCHEMA.items():
        for key in keys:
            if key not in config.get(section, {}):
                raise ConfigError(f"{source}: missing key '{section}.{key}'")
    digits = config["digits"]
    if digits["negative"] == digits["positive"]:
        blamed = " and ".join(dict.fromkeys(origins.get(name, source) for name in DIGIT_KEYS))
        raise ConfigError(f"{blamed}: the two digits must differ (both are {digits['positive']})")
    return config


def _checked(name: str, value: Any, spec: Key, source: str) -> Any:
    if spec.type is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if spec.type is float and isinstance(value, str):
        # PyYAML reads exponents without a dot (1e-6) as strings.
        with contextlib.suppress(ValueError):
            value = float(value)
    if (spec.type is int and isinstance(value, bool)) or not isinstance(value, spec.type):
        expected = spec.type.__name__
        raise ConfigError(f"{source}: {name} must be {expected}, got {value!r}")
    if spec.type is float and not math.isfinite(value):
        raise ConfigError(f"{source}: {name} = {value!r} is not a finite number")
    if not spec.check(value):
        raise ConfigError(f"{source}: {name} = {value!r} is out of range ({spec.rule})")
    return value


def parse_digits(text: str) -> tuple[int, int]:
    """Parses ``--digits 3,7`` into (negative, positive)."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ConfigError(f"--digits {text}: expected two digits like 3,7")
    return int(parts[0]), int(parts[1])
