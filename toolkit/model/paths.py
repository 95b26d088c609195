"""Where the project's data lives: templates, samples and notebooks, overridable for tests and clients."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ROOT", "notebooks_dir", "samples_dir", "templates_dir"]

ROOT = Path(__file__).resolve().parents[2]  # toolkit/model/paths.py → the checkout


def templates_dir() -> Path:
    """``templates/`` (indicator catalogue, role presets, message catalogue, document templates)."""
    return Path(os.environ.get("APPRAISAL_TEMPLATES", ROOT / "templates"))


def samples_dir() -> Path:
    return Path(os.environ.get("APPRAISAL_SAMPLES", ROOT / "data_samples"))


def notebooks_dir() -> Path:
    return Path(os.environ.get("APPRAISAL_NOTEBOOKS", ROOT / "notebooks"))
