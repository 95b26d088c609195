"""Layer 2, the checks: SMART goals and strategy alignment, engagement and scheme checks, labour-law compliance.
Each returns findings with a location; none prints or renders."""
