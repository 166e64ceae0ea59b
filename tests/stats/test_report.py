"""The HTML report: self-contained, escaped, with the data in its SVG charts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

from volunteerkit.stats.models import Figure, Filters, Row, Window
from volunteerkit.stats.report import render_report

AS_OF = datetime(2026, 7, 1, tzinfo=UTC)
WINDOW = Window(first=date(2026, 1, 1), last=date(2026, 6, 30))


def _figure(definition: str, dims: tuple[str, ...], rows: tuple[Row, ...], unit: str) -> Figure:
    return Figure(
        definition=definition,
        title=definition,
        unit=unit,
        dimensions=dims,
        as_of=AS_OF,
        window=WINDOW,
        filters=Filters(),
        k=5,
        rows=rows,
        total=None,
    )


FIGURES = [
    _figure(
        "hours.credited",
        ("month",),
        (
            Row(key=("2026-01",), value=1150, persons=9),
            Row(key=("2026-02",), value=None, suppressed=True),
        ),
        "minutes",
    ),
    _figure(
        "volunteers.registered",
        ("province",),
        (Row(key=("110000",), value=7, persons=7), Row(key=(None,), value=None, suppressed=True)),
        "volunteers",
    ),
    _figure("awards.held", ("level",), (Row(key=("star-1",), value=8, persons=8),), "volunteers"),
    _figure(
        "hours.credited",
        ("organization",),
        (Row(key=("org-1",), value=600, persons=6),),
        "minutes",
    ),
]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collect:
    parser = _Collect()
    parser.feed(page)
    return parser


def test_report_is_self_contained() -> None:
    """No http(s) reference anywhere, no script, no link, no external image."""
    page = render_report(FIGURES, title="Report", generated_at=AS_OF)
    parsed = _parse(page)
    assert "http" not in page.lower()
    assert all(tag not in ("script", "link", "img", "iframe") for tag, _ in parsed.tags)
    assert "<script" not in page.lower()
    for _, attributes in parsed.tags:
        for name in ("src", "href"):
            assert name not in attributes


def test_svg_charts_carry_the_data() -> None:
    """Each chart's bars carry their key and value; suppressed rows are marked as such."""
    parsed = _parse(render_report(FIGURES, title="Report", generated_at=AS_OF))
    bars = [(a["data-key"], a["data-value"]) for tag, a in parsed.tags if tag == "rect"]
    assert bars == [
        ("2026-01", "1150"),
        ("2026-02", "suppressed"),
        ("110000", "7"),
        ("(unknown)", "suppressed"),
        ("star-1", "8"),
    ]
    assert sum(1 for tag, _ in parsed.tags if tag == "svg") == 3


def test_text_from_data_is_escaped() -> None:
    """An organization name with markup appears as text, never as markup."""
    names = {"org-1": '<img src="http://evil.example/x.png">&'}
    page = render_report(
        FIGURES, title="<b>R</b>", generated_at=AS_OF, names=names, note="demo <only>"
    )
    parsed = _parse(page)
    assert all(tag not in ("img", "b", "only") for tag, _ in parsed.tags)
    text = "".join(parsed.text)
    assert '<img src="http://evil.example/x.png">&' in text
    assert "demo <only>" in text


def test_suppressed_cells_do_not_claim_fewer_than_k() -> None:
    """A suppressed cell reads "suppressed": a complementary one may hold k persons or more."""
    parsed = _parse(render_report(FIGURES, title="Report", generated_at=AS_OF))
    cells = [t for t in parsed.text if t.startswith("suppressed")]
    assert cells and set(cells) == {"suppressed"}
