"""history: the recorder of what happened (append-only files, flushed as they go)."""
