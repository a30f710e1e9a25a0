"""`labelgate` command groups, one module per concern."""
