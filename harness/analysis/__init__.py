"""Analysis: summary metrics of each variant (pandas) and the scenario's checks."""
