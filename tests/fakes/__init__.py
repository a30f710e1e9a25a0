"""In-memory stand-ins for systems outside the workbench, for unit tests of services."""
