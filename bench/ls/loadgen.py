"""Load with wrk on loopback: Label Studio webhook bodies with a new annotation id per request.

A delivery is a notice: the workbench re-reads the task it names from Label Studio. The
bodies name the tasks of a batch whose annotations were made in a real Label Studio
(`annotated_in_label_studio`), so the worker's reads find them. Each wrk thread numbers its
requests, so no notice names an annotation the workbench already holds (that would hit the
cheap "held" path and flatter the workbench). A Lua `done` hook prints the latency
percentiles wrk's own summary leaves out (p95).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from app.models import Batch, Item
from app.services.label_studio import webhook_secret
from bench.environment import BenchError, gunicorn

WRK_THREADS = 2
# Each measured run numbers its annotations from its own base, so no id repeats across runs
# (a repeat is "unchanged" and stores nothing). Thread t adds t * 1e8.
ID_SPAN = 2_000_000  # runs * ID_SPAN stays below the 1e8 between threads


def annotated_in_label_studio(session, ls, version, batch: Batch, ls_user: int) -> list[Item]:
    """Give the batch a project in the real Label Studio `ls`, one annotation per task made
    there by `ls_user` (bulk import); return the items with their task ids."""
    from app.integrations.label_studio import connect
    from bench.ls.scenarios import _annotated_project, _client

    gateway = connect(ls.url, ls.token, timeout=3600)
    with _client(ls) as client:
        _annotated_project(session, gateway, client, batch, version, ls_user)
    return session.scalars(select(Item).where(Item.batch_id == batch.id).order_by(Item.id)).all()


@dataclass
class WebhookBodies:
    """Label Studio ANNOTATION_CREATED bodies for a batch, one template per item."""

    batch: Batch
    items: list[Item]
    result: list[dict]
    ls_user: int

    def secret(self, app) -> str:
        """Return the batch's webhook secret under `app`'s key."""
        return webhook_secret(self.batch.id, app)

    def path(self) -> str:
        """Return the receiver's path for the batch."""
        return f"/webhooks/label-studio/{self.batch.id}"

    def templates(self) -> list[str]:
        """Return each item's body with `%d` where the annotation id goes."""
        out = []
        for item in self.items:
            body = {
                "action": "ANNOTATION_CREATED",
                "annotation": {
                    "id": 123456789,
                    "task": item.ls_task_id,
                    "completed_by": self.ls_user,
                    "result": self.result,
                    "lead_time": 6.5,
                    "was_cancelled": False,
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z",
                },
                "task": {"id": item.ls_task_id, "data": {**item.data, "lg_item_id": str(item.id)}},
                "project": {"id": self.batch.ls_project_id},
            }
            text = json.dumps(body, ensure_ascii=True).replace("%", "%%")
            out.append(text.replace("123456789", "%d", 1))
        return out


LUA_POST = """
local bodies = {%(bodies)s}
local counter = 0
tid = 0
ok = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  local id = %(base)d + tid * 100000000 + counter
  local body = string.format(bodies[(counter %% #bodies) + 1], id)
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json",
    ["%(header)s"] = "%(secret)s"}, body)
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + tonumber(t:get("ok")) end
  io.write(string.format("LG ok=%%d p50=%%d p95=%%d p99=%%d max=%%d\\n", n,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

LUA_GET = """
local paths = {%(paths)s}
local counter = 0
ok = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Cookie"] = "%(cookie)s"})
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + tonumber(t:get("ok")) end
  io.write(string.format("LG ok=%%d p50=%%d p95=%%d p99=%%d max=%%d\\n", n,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def post_script(bodies: WebhookBodies, secret: str, *, base: int) -> str:
    """Return the wrk script posting a new annotation per request."""
    return LUA_POST % {
        "bodies": ",".join(_lua_string(t) for t in bodies.templates()),
        "base": base,
        "path": bodies.path(),
        "header": "X-Labelgate-Secret",
        "secret": secret,
    }


def get_script(paths: list[str], cookie: str) -> str:
    """Return the wrk script reading `paths` in turn with a signed-in session cookie."""
    return LUA_GET % {"paths": ",".join(_lua_string(p) for p in paths), "cookie": cookie}


def wrk_command(url: str, script: Path, *, seconds: int, connections: int) -> list[str]:
    """Return the wrk command line for one measured run."""
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed: run `make wrk` (Debian package wrk).")
    return [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        url,
    ]


def parse_wrk(output: str) -> dict:
    """Return requests, rps, errors and latency percentiles (ms) from wrk's output."""
    requests = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    mine = re.search(r"LG ok=(\d+) p50=(\d+) p95=(\d+) p99=(\d+) max=(\d+)", output)
    if not (requests and rps and mine):
        raise BenchError(f"cannot read wrk's output:\n{output}")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(requests.group(1)),
        "rps": float(rps.group(1)),
        "ok": int(mine.group(1)),
        "p50_ms": int(mine.group(2)) / 1000,
        "p95_ms": int(mine.group(3)) / 1000,
        "p99_ms": int(mine.group(4)) / 1000,
        "max_ms": int(mine.group(5)) / 1000,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def run_wrk(url: str, script_text: str, *, seconds: int, connections: int) -> dict:
    """Run wrk with a script against `url`; return the parsed figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    try:
        done = subprocess.run(
            wrk_command(url, Path(script.name), seconds=seconds, connections=connections),
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + 120,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    if done.returncode != 0:
        raise BenchError(f"wrk failed: {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def serve_and_load(
    target: str,
    env: dict,
    settings: dict,
    bodies: WebhookBodies,
    *,
    seconds: int,
    connections: int,
    log_path: Path,
    secret: str,
    stored: Callable[[], int],
    settle: Callable[[], float],
    run: int = 0,
) -> dict:
    """Serve `target` with gunicorn, warm it up, then post webhooks with wrk for `seconds`.

    Annotation ids stay below 2**31 (the column is a 32-bit integer): run k's warm-up
    numbers from 1.5e9 + k * 2e6, its measured part from 1.0e9 + k * 2e6, plus 1e8 per wrk
    thread. `settle` waits until what was accepted is stored (the inbox drained) and
    returns how long that took.
    """
    with gunicorn(target, env, log=log_path, **settings) as url:
        warm = run_wrk(
            url,
            post_script(bodies, secret, base=1_500_000_000 + run * ID_SPAN),
            seconds=2,
            connections=connections,
        )
        settle()
        before = stored()
        figures = run_wrk(
            url,
            post_script(bodies, secret, base=1_000_000_000 + run * ID_SPAN),
            seconds=seconds,
            connections=connections,
        )
        figures["settle_s"] = settle()
        figures["warm_ok"] = warm["ok"]
    figures["stored"] = stored() - before
    return figures


def login_cookie(url: str, email: str, password: str) -> str:
    """Sign in through the form (with its CSRF token); return the session's Cookie header."""
    with httpx.Client(base_url=url, timeout=30) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
        data = {"email": email, "password": password}
        if token:
            data["csrf_token"] = token.group(1)
        answer = client.post("/login", data=data)
        if answer.status_code != 302:
            raise BenchError(f"signing in as {email} answered {answer.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())
