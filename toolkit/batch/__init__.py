"""Layer 4, a face: batch builds of many roles and clients through papermill, with a manifest."""
