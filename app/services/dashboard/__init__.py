"""Read-only queries behind the QA lead's dashboard: aggregated in SQL, never a table of
annotations loaded into Python per request (the pages stay fast at a million annotations)."""
