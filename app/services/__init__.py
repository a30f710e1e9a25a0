"""Use cases: one function, one transaction; every state change writes an audit event."""
