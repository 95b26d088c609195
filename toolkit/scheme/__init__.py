"""Layer 2, the resolved scheme: each role's indicators with their final weights and rules, the one object the
scoring engine executes and the documents and forms render."""
