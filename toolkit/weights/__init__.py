"""Layer 2, the weights engine: AHP matrices and consistency, judgment files, group judgments, diagnosis and
repair, hierarchies, sensitivity, and objective (entropy/CRITIC) weights. Pure functions over the model."""
