"""pool-harness: reproduce database connection-pool incidents on a laptop."""

__version__ = "0.1.0"
