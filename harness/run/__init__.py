"""The orchestrator: one variant's lifecycle and the loop over variants. Owns no mechanism."""
