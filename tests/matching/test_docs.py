"""Run the Python examples of ``docs/matching.md`` in order, in one namespace."""

from __future__ import annotations

from pathlib import Path

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

PAGE = Path(__file__).resolve().parents[2] / "docs" / "matching.md"


def test_matching_page_examples_run():
    """Every ```python block of the matching page runs and its asserts hold."""
    document = Sybil(parsers=[PythonCodeBlockParser()]).parse(PAGE)
    examples = list(document.examples())
    assert len(examples) >= 10
    for example in examples:
        example.evaluate()
