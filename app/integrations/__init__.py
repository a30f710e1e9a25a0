"""Adapters to systems outside the workbench; each speaks the workbench's own types."""
