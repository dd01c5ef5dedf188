"""Load generation. Only ``harness.load.runner`` (run as its own process) imports locust;
``harness.load.plan`` is the plain-data contract between the orchestrator and that process."""
