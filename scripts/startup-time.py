#!/usr/bin/env python3
"""Time from process start to the first request to the Lambda Runtime API (DESIGN §8).

Runs the Lambda binary against a stub of the Runtime API on 127.0.0.1 (loopback only),
`--runs` times, and reports, per run and as min / median / max:

- ready:   from just before the process is spawned to the arrival of its first
           `GET /2018-06-01/runtime/invocation/next` (the runtime is ready for an event);
- handled: from serving that first event (a one-service macro event, or `--event FILE`)
           to the arrival of its `POST .../response`;
- spawn:   the same spawn-to-exit time for `/bin/true`, the floor of `ready` that comes
           from fork/exec and this script, not from the binary.

Every wait is bounded (`--timeout` seconds), every process is stopped after its run, and
each run's stub (its own port) is shut down with it: the script always stops by itself.

Use (build first: `cargo build --release -p compose-to-ecs-lambda`):
    python3 scripts/startup-time.py [--runs 20] [--binary target/release/compose-to-ecs-lambda]
        [--event event.json] [--cpu 1]
`--cpu N` pins the binary to one core (`taskset -c N`); `--json` prints the figures as JSON.
"""

import argparse
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

NEXT = "/2018-06-01/runtime/invocation/next"
PREFIX = "/2018-06-01/runtime/"

EVENT = {
    "region": "us-east-1",
    "accountId": "123456789012",
    "transformId": "123456789012::ComposeToECS",
    "requestId": "startup-1",
    "params": {},
    "templateParameterValues": {},
    "fragment": {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Web": {
                "Type": "ComposeToECS::Project",
                "Properties": {
                    "Compose": {
                        "services": {
                            "web": {
                                "image": "public.ecr.aws/nginx/nginx:1.27",
                                "ports": ["80:80"],
                            }
                        }
                    }
                },
            }
        },
    },
}


class Run:
    """What the stub saw during one run."""

    def __init__(self, event_bytes):
        self.event = event_bytes
        self.next_at = None  # ns, first GET .../next
        self.served_at = None  # ns, first event sent
        self.response_at = None  # ns, POST .../response arrived
        self.response = None
        self.error = None
        self.seen = []  # (ms since the first request, method, path)
        self.first_next = threading.Event()
        self.responded = threading.Event()
        self.finished = threading.Event()


def note(run, now, method, path):
    if len(run.seen) < 100:
        start = run.next_at or now
        run.seen.append(f"{(now - start) / 1e6:.3f} ms {method} {path}")


class Server(http.server.ThreadingHTTPServer):
    """One stub per run, so that a request a stopped process left in the kernel's queue
    can never be taken for the next process's."""

    daemon_threads = True

    def __init__(self, run):
        super().__init__(("127.0.0.1", 0), Handler)
        self.run = run

    def handle_error(self, request, client_address):
        # A stopped process drops its connections: expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            for _ in range(100000):  # bounded
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        now = time.perf_counter_ns()
        run = self.server.run
        note(run, now, "GET", self.path)
        if self.path != NEXT:
            self.reply(404)
            return
        if run.next_at is None:
            run.next_at = now
            run.first_next.set()
            run.served_at = time.perf_counter_ns()
            deadline = str(int(time.time() * 1000) + 60000)
            self.reply(
                200,
                run.event,
                [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", "startup-request-1"),
                    ("Lambda-Runtime-Deadline-Ms", deadline),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:compose-to-ecs",
                    ),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                ],
            )
            return
        # Later polls: hold them until the run ends (the process is then stopped).
        run.finished.wait(timeout=30)
        try:
            self.reply(410)
        except OSError:
            pass

    def do_POST(self):
        now = time.perf_counter_ns()
        data = self.body()
        run = self.server.run
        note(run, now, "POST", self.path)
        if self.path.endswith("/response") and run.response_at is None:
            run.response_at = now
            run.response = data
            run.responded.set()
        elif self.path.endswith("/error"):
            run.error = data
            run.responded.set()
        self.reply(202, b"{}", [("Content-Type", "application/json")])


def spawn_floor(runs):
    """Spawn-to-exit of /bin/true: what fork/exec and this script cost before any code."""
    true = shutil.which("true") or "/bin/true"
    out = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        subprocess.run([true], check=True, timeout=10)
        out.append(time.perf_counter_ns() - t0)
    return out


def stats(values_ns):
    ms = [v / 1e6 for v in values_ns]
    return {
        "min": round(min(ms), 3),
        "median": round(statistics.median(ms), 3),
        "max": round(max(ms), 3),
    }


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default=os.path.join(repo, "target/release/compose-to-ecs-lambda"))
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each step")
    p.add_argument("--event", help="a macro event (JSON file) for the first invocation")
    p.add_argument("--cpu", type=int, help="pin the binary to this core (taskset)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if not 1 <= args.runs <= 1000:
        sys.exit("--runs must be between 1 and 1000")
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary}: not built; run `cargo build --release -p compose-to-ecs-lambda`")
    if args.event:
        with open(args.event, "rb") as f:
            event = f.read()
    else:
        event = json.dumps(EVENT).encode()

    env = dict(os.environ)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "compose-to-ecs",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]startup",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/compose-to-ecs",
            "AWS_REGION": "us-east-1",
            "RUST_LOG": "info",
        }
    )
    command = [args.binary]
    if args.cpu is not None:
        command = ["taskset", "-c", str(args.cpu)] + command

    ready, handled, failures = [], [], []
    for i in range(args.runs):
        run = Run(event)
        server = Server(run)
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        serving.daemon = True
        serving.start()
        env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{server.server_address[1]}"
        proc = None
        try:
            t0 = time.perf_counter_ns()
            proc = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            if not run.first_next.wait(timeout=args.timeout):
                failures.append(f"run {i}: no request to {NEXT} within {args.timeout}s")
                continue
            ready.append(run.next_at - t0)
            if not run.responded.wait(timeout=args.timeout):
                failures.append(f"run {i}: no response to the event within {args.timeout}s")
                continue
            if run.error is not None:
                failures.append(f"run {i}: the function reported an error: {run.error[:200]!r}")
                continue
            status = json.loads(run.response).get("status")
            if status != "success":
                failures.append(f"run {i}: the macro answered status {status!r}")
            handled.append(run.response_at - run.served_at)
        finally:
            run.finished.set()
            err = b""
            if proc is not None:
                proc.kill()
                try:
                    _, err = proc.communicate(timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    pass
            server.shutdown()
            server.server_close()
            if failures and failures[-1].startswith(f"run {i}:"):
                failures[-1] += "; requests seen: " + ", ".join(run.seen)
                if err:
                    failures[-1] += "\n" + err.decode(errors="replace")[-2000:]

    floor = spawn_floor(args.runs)
    size = os.path.getsize(args.binary)
    report = {
        "binary": os.path.relpath(args.binary, repo),
        "binary_bytes": size,
        "runs": args.runs,
        "ready_ms": stats(ready) if ready else None,
        "first_event_handled_ms": stats(handled) if handled else None,
        "spawn_true_ms": stats(floor),
        "failures": failures,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"binary: {report['binary']} ({size} bytes), {args.runs} runs, loopback stub")
        for key, label in [
            ("ready_ms", "start -> first GET /invocation/next"),
            ("first_event_handled_ms", "first event served -> its response"),
            ("spawn_true_ms", "spawn -> exit of /bin/true (floor)"),
        ]:
            s = report[key]
            if s:
                print(f"  {label:40} min {s['min']:8.3f} ms  median {s['median']:8.3f} ms  max {s['max']:8.3f} ms")
        for f in failures:
            print("FAILED: " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
