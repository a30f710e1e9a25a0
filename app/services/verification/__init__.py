"""Sampling verification and batch acceptance (V1–V7, P7, P8): plans, reviews, decisions,
corrections, agreement and arbitration, supervision and release. One module per concern."""
