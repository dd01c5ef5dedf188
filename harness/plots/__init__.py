"""Charts (matplotlib, Agg): one style, fault windows shaded on every time-series chart."""
