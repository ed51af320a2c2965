"""One module per external service: its payload schema, its parser and its small API client."""
