"""One static, self-contained HTML page for a published run: metrics, confusion matrices, figures.

The page has no external CSS or JavaScript; figures are linked by paths relative to the page, so
the run directory can be moved or copied whole and still render.
"""

import html
import math
import re
from collections.abc import Iterable, Sequence
from numbers import Real
from pathlib import PurePosixPath
from urllib.parse import quote

import pandas as pd

from mnist_lr.evaluate import COUNT_METRICS

_STYLE = """
body { font-family: system-ui, sans-serif; color: #222; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 1.5em 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.7em; }
th { background: #f2f2f2; }
td { text-align: right; font-variant-numeric: tabular-nums; }
td.hit { background: #e6f2e6; }
caption { font-weight: bold; text-align: left; padding-bottom: 0.3em; }
.confusion { display: flex; flex-wrap: wrap; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; margin-top: 0.3em; }
"""
_MISSING = "–"


def render_report(
    title: str,
    headline_metrics: pd.DataFrame,
    confusion: pd.DataFrame,
    figure_files: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
) -> str:
    """Render the report page.

    Args:
        title: page title and heading.
        headline_metrics: columns split, metric, value; one row per (split, metric). Shown as one
            row per metric and one column per split, in order of first appearance.
        confusion: columns split, actual_digit, predicted_digit, count; shown as one table per
            split, actual digits as rows, predicted digits as columns, absent cells as 0; the
            splits in the metrics' order.
        figure_files: (caption, path) pairs, the path relative to the page, e.g.
            ("Learned coefficients", "figures/coefficients.png").
        notes: paragraphs of plain text under the title, e.g. what the metrics are of.

    Returns:
        The HTML document.

    Raises:
        ValueError: a column is missing, a (split, metric) or confusion cell is repeated, or a
            figure path is absolute or a URL.
    """
    _check_frame(headline_metrics, "headline_metrics", ["split", "metric", "value"])
    _check_frame(confusion, "confusion", ["split", "actual_digit", "predicted_digit", "count"])
    escaped_title = html.escape(title)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escaped_title}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escaped_title}</h1>",
        *(f"<p>{html.escape(note)}</p>" for note in notes),
        "<h2>Headline metrics</h2>",
        _metrics_table(headline_metrics),
        "<h2>Confusion matrices</h2>",
        _confusion_tables(confusion, _first_appearance(headline_metrics["split"])),
        "<h2>Figures</h2>",
        *(_figure(caption, path) for caption, path in figure_files),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _check_frame(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}; it has {list(frame.columns)}")
    keys = columns[:-1]
    if frame.duplicated(keys).any():
        raise ValueError(f"{name} repeats some ({', '.join(keys)}) rows")


def _metrics_table(metrics: pd.DataFrame) -> str:
    splits = _first_appearance(metrics["split"])
    names = _first_appearance(metrics["metric"])
    columns = (metrics["split"], metrics["metric"], metrics["value"])
    values = {(split, name): value for split, name, value in zip(*columns, strict=True)}
    header = "".join(f"<th>{html.escape(str(split))}</th>" for split in splits)
    rows = []
    for name in names:
        cells = "".join(
            f"<td>{html.escape(_format_value(values.get((split, name)), name))}</td>"
            for split in splits
        )
        rows.append(f"<tr><th>{html.escape(str(name))}</th>{cells}</tr>")
    return _table(f"<tr><th>metric</th>{header}</tr>", rows)


def _confusion_tables(confusion: pd.DataFrame, split_order: list) -> str:
    splits = _first_appearance(confusion["split"])
    tables = []
    for split in [s for s in split_order if s in splits] + [
        s for s in splits if s not in split_order
    ]:
        part = confusion[confusion["split"] == split]
        counts = {
            (int(actual), int(predicted)): int(count)
            for actual, predicted, count in zip(
                part["actual_digit"], part["predicted_digit"], part["count"], strict=True
            )
        }
        digits = sorted({digit for pair in counts for digit in pair})
        header = "".join(f"<th>predicted {digit}</th>" for digit in digits)
        rows = []
        for actual in digits:
            cells = "".join(
                _count_cell(counts.get((actual, predicted), 0), hit=actual == predicted)
                for predicted in digits
            )
            rows.append(f"<tr><th>actual {actual}</th>{cells}</tr>")
        caption = f"<caption>{html.escape(str(split))}</caption>"
        tables.append(_table(f"<tr><th></th>{header}</tr>", rows, caption))
    return '<div class="confusion">\n' + "\n".join(tables) + "\n</div>"


def _count_cell(count: int, hit: bool) -> str:
    return f'<td class="hit">{count}</td>' if hit else f"<td>{count}</td>"


def _figure(caption: str, path: str) -> str:
    if PurePosixPath(path).is_absolute() or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", path):
        raise ValueError(f"figure path {path!r} must be relative to the report, like figures/x.png")
    source = html.escape(quote(path))
    text = html.escape(caption)
    return f'<figure><img src="{source}" alt="{text}">\n<figcaption>{text}</figcaption></figure>'


def _table(header_row: str, rows: Iterable[str], caption: str = "") -> str:
    body = "\n".join(rows)
    return f"<table>{caption}\n<thead>{header_row}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _first_appearance(values: pd.Series) -> list:
    return list(dict.fromkeys(values))


def _format_value(value: object, metric: str) -> str:
    """A metric's value: counts (rows, positives, iterations) bare, other numbers with 4
    decimals, even when whole (a recall of 1 is 1.0000), gaps as a dash."""
    if value is None:
        return _MISSING
    if isinstance(value, Real):
        number = float(value)
        if math.isnan(number):  # a missing area, once the value column is float
            return _MISSING
        if not math.isfinite(number):
            return str(number)
        return str(int(number)) if metric in COUNT_METRICS else f"{number:.4f}"
    return str(value)
