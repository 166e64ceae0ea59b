"""Run the Python examples of ``docs/recording-hours.md`` in order, in one namespace."""

from __future__ import annotations

from pathlib import Path

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

PAGE = Path(__file__).resolve().parents[2] / "docs" / "recording-hours.md"


def test_recording_hours_page_examples_run() -> None:
    """Every ```python block of the recording-hours page runs and its asserts hold.

    The docs are also collected by the project's Sybil configuration when it exists; this test
    keeps the page checked together with the hours tests.
    """
    document = Sybil(parsers=[PythonCodeBlockParser()]).parse(PAGE)
    examples = list(document.examples())
    assert len(examples) >= 15
    for example in examples:
        example.evaluate()
