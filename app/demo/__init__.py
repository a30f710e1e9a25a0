"""Demo content for `labelgate demo seed` (and so for `make run`)."""
