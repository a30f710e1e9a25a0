"""The reference for the webhook benchmark: a bare Flask endpoint that answers 200."""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/webhooks/label-studio/<int:batch_id>")
def receive(batch_id: int):
    """Read the body and answer 200, doing nothing else."""
    request.get_data()
    return jsonify(status="ok", batch=batch_id)


@app.get("/")
def index():
    """Answer the readiness probe."""
    return "ok"
