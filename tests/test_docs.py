"""The user guide's commands run: every ``bash`` and ``python`` block of each page in docs/guide/.

Each page runs in its own temporary directory, top to bottom, so a page can use the files its earlier
blocks wrote. ``bash`` blocks may hold only ``salience ...`` commands (run in-process through the
CLI's ``main``, which must return 0) and comments; ``python`` blocks share one namespace per page.
Blocks fenced as ``text`` or ``console`` are shown, not run (installation, cluster addresses).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from salience.cli import main

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide"
PAGES = sorted(GUIDE.glob("*.md"))
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)

pytestmark = [pytest.mark.reproduction, pytest.mark.usefixtures("one_thread")]


def blocks(page: Path) -> list[tuple[str, str]]:
    """The page's fenced blocks as (language, body)."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text())]


def commands(body: str) -> list[list[str]]:
    """The shell commands of a bash block (comments dropped, backslash continuations joined)."""
    joined = re.sub(r"\\\n", " ", body)
    out = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            out.append(words)
    return out


def test_the_guide_has_its_pages():
    names = {page.stem for page in PAGES}
    assert {
        "getting-started", "your-own-data", "models-and-methods", "reading-the-report",
        "reproducing-the-papers", "scaling-out",
    } <= names  # fmt: skip
    for page in PAGES:
        assert any(language in ("bash", "python") for language, _ in blocks(page)), page.name


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_every_command_of_the_page_runs(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__guide__"}
    ran = 0
    for language, body in blocks(page):
        if language == "python":
            exec(compile(body, f"{page.name}:python", "exec"), namespace)
            ran += 1
        elif language == "bash":
            for words in commands(body):
                assert words[0] == "salience", f"{page.name}: only salience commands may run, got {words}"
                code = main(words[1:])
                output = capsys.readouterr()
                assert code == 0, f"{page.name}: {' '.join(words)} exited {code}\n{output.err}"
                ran += 1
    assert ran > 0
    assert os.listdir(tmp_path)  # the page produced something
