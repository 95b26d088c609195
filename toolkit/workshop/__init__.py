"""Layer 4, a face: the live workshop (state, ipywidgets panels, the crash-safe journal of answers)."""
