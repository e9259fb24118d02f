"""A minimal third-party connector: an in-memory list of contacts."""
