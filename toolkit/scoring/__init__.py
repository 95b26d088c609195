"""Layer 2, the scoring engine: score rules, raters, totals, grades and forced distribution, pay, reading
actuals, the calibration review and simulated actuals. Pure functions over the model and the resolved scheme."""
