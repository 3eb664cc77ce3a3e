"""Tests of mnist_lr.report: the page shows every metric, confusion count and figure given."""

from html.parser import HTMLParser

import pandas as pd
import pytest

from mnist_lr.report import render_report

METRICS = pd.DataFrame(
    {
        "split": ["train", "train", "test", "test", "train", "test"],
        "metric": ["accuracy", "areaUnderROC", "accuracy", "areaUnderROC", "rows", "recall"],
        "value": [0.98761, 0.99871, 0.97654, 0.99512, 12396.0, 1.0],
    }
)
CONFUSION = pd.DataFrame(
    {
        "split": ["train"] * 4 + ["test"] * 3,
        "actual_digit": [3, 3, 7, 7, 3, 7, 7],
        "predicted_digit": [3, 7, 3, 7, 3, 3, 7],
        "count": [6020, 111, 42, 6223, 1001, 9, 1019],
    }
)
FIGURES = [
    ("Learned coefficients", "figures/coefficients.png"),
    ("ROC & PR curves", "figures/roc_pr.png"),
]


class _Page(HTMLParser):
    """Collects tables (captions and cell texts), image sources and alt texts, and tags used."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.images: list[dict] = []
        self.tags: set[str] = set()
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th", "caption"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "caption":
            self.tables[-1]["caption"] = "".join(self._cell).strip()
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def test_report_shows_metrics_by_metric_and_split():
    page = parse(render_report("Run 42", METRICS, CONFUSION, FIGURES))
    assert page.tables[0]["rows"] == [
        ["metric", "train", "test"],
        ["accuracy", "0.9876", "0.9765"],
        ["areaUnderROC", "0.9987", "0.9951"],
        ["rows", "12396", "–"],
        ["recall", "–", "1.0000"],
    ]


def test_report_shows_one_confusion_table_per_split_with_zero_for_absent_cells():
    page = parse(render_report("Run 42", METRICS, CONFUSION, FIGURES))
    confusion = {table["caption"]: table["rows"] for table in page.tables[1:]}
    assert confusion == {
        "train": [
            ["", "predicted 3", "predicted 7"],
            ["actual 3", "6020", "111"],
            ["actual 7", "42", "6223"],
        ],
        "test": [
            ["", "predicted 3", "predicted 7"],
            ["actual 3", "1001", "0"],
            ["actual 7", "9", "1019"],
        ],
    }


def test_report_references_every_figure_by_its_relative_path_with_its_caption():
    page_text = render_report("Run 42", METRICS, CONFUSION, FIGURES)
    page = parse(page_text)
    assert [(image["alt"], image["src"]) for image in page.images] == FIGURES
    assert "<figcaption>ROC &amp; PR curves</figcaption>" in page_text


def test_report_is_self_contained_and_escapes_text():
    page_text = render_report("<script>alert(1)</script> & co", METRICS, CONFUSION, FIGURES)
    page = parse(page_text)
    assert "script" not in page.tags and "link" not in page.tags
    assert "http" not in page_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page_text
    assert page_text.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("path", ["/tmp/figures/a.png", "https://example.org/a.png", "C:\\a.png"])
def test_report_refuses_figure_paths_that_are_not_relative(path):
    with pytest.raises(ValueError, match="must be relative"):
        render_report("Run", METRICS, CONFUSION, [("a", path)])


def test_report_refuses_frames_without_the_contract_columns_or_with_repeats():
    with pytest.raises(ValueError, match="lacks columns \\['value'\\]"):
        render_report("Run", METRICS.drop(columns="value"), CONFUSION, FIGURES)
    with pytest.raises(ValueError, match="confusion repeats"):
        render_report("Run", METRICS, pd.concat([CONFUSION, CONFUSION.head(1)]), FIGURES)


def test_report_orders_confusion_tables_as_the_metrics_and_shows_notes_escaped():
    metrics = METRICS.iloc[[2, 3, 0, 1]]  # test first
    page_text = render_report("Run", metrics, CONFUSION, FIGURES, notes=["7 is <positive>"])
    page = parse(page_text)
    assert [table["caption"] for table in page.tables[1:]] == ["test", "train"]
    assert "<p>7 is &lt;positive&gt;</p>" in page_text


def test_report_shows_a_missing_area_as_a_dash_also_in_a_float_column():
    metrics = pd.DataFrame(
        {"split": ["test", "test"], "metric": ["accuracy", "areaUnderROC"], "value": [1.0, None]}
    )
    assert metrics["value"].dtype == float  # None is NaN here
    page = parse(render_report("Run", metrics, CONFUSION, FIGURES))
    assert page.tables[0]["rows"][2] == ["areaUnderROC", "–"]
