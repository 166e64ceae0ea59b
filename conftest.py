"""Every ```python block in README.md and docs/*.md runs as a test (Sybil).

Blocks of one page share a namespace and run in order, so a page reads as one worked example.
"""

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

pytest_collect_file = Sybil(parsers=[PythonCodeBlockParser()], patterns=["*.md"]).pytest()
