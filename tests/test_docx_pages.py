"""LibreOffice paginating the DOCX dies with the process that started it, and leaves no folder behind for long."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import SMALL
from procs import alive, cmdline, descendants, wait_until

from toolkit.documents import docx_pages

pytestmark = pytest.mark.skipif(not docx_pages.paginate_enabled(), reason="LibreOffice or pdftotext missing")


def test_the_folders_of_killed_conversions_are_swept_and_live_ones_kept():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    root = Path(tempfile.gettempdir())
    gone = Path(tempfile.mkdtemp(prefix=f"appraisal-lo-{dead.pid}-", dir=root))
    mine = Path(tempfile.mkdtemp(prefix=f"appraisal-lo-{os.getpid()}-", dir=root))
    other = Path(tempfile.mkdtemp(prefix="appraisal-lo-notapid-", dir=root))
    try:
        docx_pages._sweep_leftovers()
        assert not gone.exists() and mine.exists() and other.exists()
    finally:
        for p in (gone, mine, other):
            shutil.rmtree(p, ignore_errors=True)


CHILD = textwrap.dedent("""
    import sys
    from toolkit.documents.content import build_document
    from toolkit.documents.docx_pages import page_texts
    from toolkit.documents.render_docx import docx_bytes
    from toolkit.model.engagement import load_engagement
    doc = build_document(load_engagement(sys.argv[1]), "zh", figures=False)
    data = docx_bytes(doc, toc_pages=False)
    print("converting", flush=True)
    page_texts(data)
""")


@pytest.mark.slow
def test_kill_9_during_the_conversion_takes_libreoffice_along():
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(SMALL)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "converting"

        def office() -> list[int]:
            return [p for p in descendants(child.pid) if "soffice.bin" in cmdline(p)]

        assert wait_until(lambda: bool(office()), 60), "LibreOffice did not start"
        started = office()
        folder = next(Path(a.split("=", 1)[1].removeprefix("file://")).parent
                      for a in cmdline(started[0]).split() if a.startswith("-env:UserInstallation="))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert wait_until(lambda: not any(alive(p) for p in started), 15), "soffice.bin outlived its parent"
        assert folder.name.startswith(f"appraisal-lo-{child.pid}-")
        docx_pages._sweep_leftovers()  # the next conversion removes what the killed one left
        assert wait_until(lambda: not folder.exists(), 5)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
