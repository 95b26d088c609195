"""Layer 4, a face: the sources of the parametrised notebooks and the worksheet helpers they call."""
