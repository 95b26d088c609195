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
from conftest import MIDSIZE
from procs import cmdline, descendants, wait_until

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
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(MIDSIZE)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "converting"

        def office() -> list[int]:
            return [p for p in descendants(child.pid) if "soffice.bin" in cmdline(p)]

        assert wait_until(lambda: bool(office()), 60), "LibreOffice did not start"
        # LibreOffice's launcher may restart soffice.bin (a new profile): what must end is every process of this
        # conversion, found by its working folder (the profile is inside it), whatever its pid
        folders = list(Path(tempfile.gettempdir()).glob(f"appraisal-lo-{child.pid}-*"))
        assert len(folders) == 1, folders
        folder = folders[0]

        def of_conversion() -> list[int]:
            pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
            return [p for p in pids if p != os.getpid() and str(folder) in cmdline(p)]

        assert of_conversion()  # still converting when it is killed
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert wait_until(lambda: not of_conversion(), 15), "LibreOffice outlived its parent"
        docx_pages._sweep_leftovers()  # the next conversion removes what the killed one left
        assert wait_until(lambda: not folder.exists(), 5)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
