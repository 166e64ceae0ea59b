"""Hypothesis strategies for service certificates and bulk-import reports.

Needs the ``hypothesis`` package (a test dependency, not a runtime one). Certificates are built
through :func:`volunteerkit.hours.certificates.issue_certificate`, so every one drawn is valid and
carries a real number and hash.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from volunteerkit.hours.bulk import ImportReport, Progress, RowError
from volunteerkit.hours.certificates import Certificate, Issuer, ServiceLine, issue_certificate
from volunteerkit.hours.windows import LIFETIME, CalendarYear, DateRange, Window
from volunteerkit.registry.identity import cn_ric

__all__ = [
    "certificates",
    "cn_ric_numbers",
    "import_reports",
    "issuers",
    "progresses",
    "row_errors",
    "service_lines",
]

_chars = st.characters(codec="utf-8", exclude_characters="\x00")
_names = st.text(alphabet=_chars, min_size=1, max_size=30).filter(lambda s: bool(s.strip()))
_texts = st.text(alphabet=_chars, max_size=40)
_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}", fullmatch=True)


def cn_ric_numbers() -> st.SearchStrategy[str]:
    """Valid 18-character PRC resident identity card numbers (Beijing Chaoyang, born 1950-2010).

    Returns:
        The strategy.
    """

    def build(born: date, sequence: int) -> str:
        body = f"110105{born:%Y%m%d}{sequence:03d}"
        return body + cn_ric.calc_check_digit(body)

    return st.builds(
        build,
        st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 12, 31)),
        st.integers(min_value=0, max_value=999),
    )


def issuers() -> st.SearchStrategy[Issuer]:
    """Valid issuers with any Unicode names.

    Returns:
        The strategy.
    """
    return st.builds(
        Issuer,
        organization_id=_ids,
        name=_names,
        person_in_charge=_names,
        handler=_names,
        handler_contact=_names,
        seal_ref=_names,
    )


def service_lines(
    first: date = date(2026, 1, 1), last: date = date(2026, 12, 31)
) -> st.SearchStrategy[ServiceLine]:
    """Service lines whose days fall between ``first`` and ``last``.

    Args:
        first: Earliest first day.
        last: Latest last day.

    Returns:
        The strategy.
    """

    @st.composite
    def build(draw: st.DrawFn) -> ServiceLine:
        a = draw(st.dates(min_value=first, max_value=last))
        b = draw(st.dates(min_value=a, max_value=min(last, a + timedelta(days=60))))
        return ServiceLine(
            content=draw(_names),
            first_day=a,
            last_day=b,
            minutes=draw(st.integers(min_value=1, max_value=100_000)),
        )

    return build()


@st.composite
def certificates(draw: st.DrawFn) -> Certificate:
    """Valid certificates over a calendar year, a date range or the lifetime window.

    Args:
        draw: Hypothesis's draw function (supplied by ``@composite``).

    Returns:
        A certificate carrying the full identity number.
    """
    choices: list[Window] = [
        LIFETIME,
        CalendarYear(year=2026),
        DateRange(first=date(2026, 3, 1), last=date(2026, 9, 30)),
    ]
    window = draw(st.sampled_from(choices))
    first = getattr(window, "first", None) or date(2024, 1, 1)
    last = getattr(window, "last", None) or date(2026, 12, 31)
    lines = draw(st.lists(service_lines(first, last), min_size=1, max_size=5))
    latest = max(line.last_day for line in lines)
    return issue_certificate(
        volunteer_name=draw(_names),
        document_scheme="cn_ric",
        document_number=draw(cn_ric_numbers()),
        volunteer_number=draw(_names),
        issuer=draw(issuers()),
        lines=lines,
        total=sum(line.minutes for line in lines),
        window=window,
        issued_on=latest + timedelta(days=draw(st.integers(min_value=0, max_value=400))),
        notes=draw(_texts),
    )


def row_errors() -> st.SearchStrategy[RowError]:
    """Row errors as an import reports them.

    Returns:
        The strategy.
    """
    return st.builds(
        RowError,
        line=st.integers(min_value=1, max_value=10**7),
        field=st.sampled_from(["$", "$.start", "$.end", "$.zone", "$.id"]),
        code=st.sampled_from(["time.naive_datetime", "bulk.field_count", "hours.entry_conflict"]),
        message=_texts,
        message_zh=_texts,
    )


def progresses() -> st.SearchStrategy[Progress]:
    """Progress reports.

    Returns:
        The strategy.
    """
    counts = st.integers(min_value=0, max_value=10**9)
    return st.builds(
        Progress,
        phase=st.sampled_from(["validate", "write"]),
        rows_read=counts,
        rows_imported=counts,
        rows_rejected=counts,
        bytes_read=counts,
        total_bytes=st.none() | counts,
    )


@st.composite
def import_reports(draw: st.DrawFn) -> ImportReport:
    """Import reports (counts need not add up; the model does not require it).

    Args:
        draw: Hypothesis's draw function (supplied by ``@composite``).

    Returns:
        An import report.
    """
    errors = tuple(draw(st.lists(row_errors(), max_size=4)))
    return ImportReport(
        format=draw(st.sampled_from(["csv", "jsonl"])),
        mode=draw(st.sampled_from(["best_effort", "all_or_nothing"])),
        rows_read=draw(st.integers(0, 10**6)),
        imported=draw(st.integers(0, 10**6)),
        unchanged=draw(st.integers(0, 10**6)),
        rejected=draw(st.integers(0, 10**6)),
        errors=errors,
        errors_total=len(errors) + draw(st.integers(0, 10)),
    )
