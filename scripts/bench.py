#!/usr/bin/env python3
"""`make bench`: runs every benchmark of regship and writes BENCHMARKS.md.

- side by side against one local moto server: `regship events STACK --json` vs
  `aws cloudformation describe-stack-events` on a stack with 1,000+ events, and `regship exports`
  vs `aws cloudformation list-exports` (median wall time and peak RSS of each, and the ratio);
- API calls per minute of `regship events --follow` on an idle stack, counted from moto's
  request log, and the simulated-clock counts of examples/poll_rates.rs;
- the criterion benchmarks (check, stack events, TUI frames) and the scale/memory examples.

Run from the repository root with the virtualenv's python (the Makefile does).
"""

import datetime
import http.client
import json
import os
import pathlib
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import boto3

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
REGSHIP = TARGET / "release" / "regship"
MEASURE = TARGET / "release" / "examples" / "measure"
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
FOLLOW_SECONDS = int(os.environ.get("BENCH_FOLLOW_SECONDS", "120"))
UPDATES = 520  # moto writes two stack events per update: 1,042 events with the create
EXPORTS = 150


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_moto(log):
    port = free_port()
    server = subprocess.Popen(
        [str(VENV / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=log,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("moto did not start")


def environment(home):
    return {
        "PATH": f"{VENV}:{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "AWS_PAGER": "",
    }


def measured(command, env):
    """Wall seconds, peak RSS in MiB and stdout of one run (exit 0 required), measured by
    examples/measure.rs so that Python's own memory is not counted in the child's peak."""
    with tempfile.NamedTemporaryFile() as out:
        result = subprocess.run(
            [str(MEASURE), out.name, *command], env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            sys.exit(f"measure {' '.join(command)}: {result.stderr}")
        wall_ms, rss_kib, code = result.stdout.split()
        if code != "0":
            sys.exit(f"{' '.join(command)} exited {code}: {result.stderr}")
        return float(wall_ms) / 1000, int(rss_kib) / 1024, pathlib.Path(out.name).read_bytes()


def server_ms(endpoint, body):
    """Median time of moto answering one raw request: what both clients wait for in any case
    (moto checks no signature)."""
    host, port = endpoint.removeprefix("http://").split(":")
    times = []
    for _ in range(RUNS):
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        started = time.perf_counter()
        connection.request(
            "POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded",
                                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=0"},
        )
        connection.getresponse().read()
        times.append((time.perf_counter() - started) * 1000)
        connection.close()
    return statistics.median(times)


def compare(label, regship, aws, env, count, server):
    """Runs both commands RUNS times, alternating; returns a table row."""
    figures = {"regship": [], "aws": []}
    outputs = {}
    measured(regship, env)  # warm the page cache and moto's code paths
    measured(aws, env)
    for _ in range(RUNS):
        for name, command in (("regship", regship), ("aws", aws)):
            wall, rss, out = measured(command, env)
            figures[name].append((wall, rss))
            outputs[name] = out
    counts = {name: count(out) for name, out in outputs.items()}
    if counts["regship"] != counts["aws"]:
        sys.exit(f"{label}: regship printed {counts['regship']} items, the AWS CLI {counts['aws']}")
    med = {
        name: (
            statistics.median(w for w, _ in runs) * 1000,
            max(r for _, r in runs),
        )
        for name, runs in figures.items()
    }
    ratio = med["regship"][0] / med["aws"][0]
    own = {name: max(med[name][0] - server, 0.1) for name in med}
    return (
        f"| {label} ({counts['aws']} items) | {med['regship'][0]:.0f} ms | {med['aws'][0]:.0f} ms "
        f"| **{ratio:.2f}** | {server:.0f} ms | {own['regship']:.0f} ms vs {own['aws']:.0f} ms "
        f"(**{own['regship'] / own['aws']:.2f}**) | {med['regship'][1]:.1f} MiB | {med['aws'][1]:.1f} MiB |"
    )


def seed(endpoint):
    cloudformation = boto3.client(
        "cloudformation",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    template = (
        "Parameters:\n  Round:\n    Type: String\n"
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n"
        "      DisplayName: !Ref Round\n"
    )
    cloudformation.create_stack(
        StackName="bench-events",
        TemplateBody=template,
        Parameters=[{"ParameterKey": "Round", "ParameterValue": "0"}],
    )
    for round_number in range(1, UPDATES + 1):
        cloudformation.update_stack(
            StackName="bench-events",
            TemplateBody=template,
            Parameters=[{"ParameterKey": "Round", "ParameterValue": str(round_number)}],
        )
    outputs = "".join(
        f"  Out{n}:\n    Value: value-{n}\n    Export:\n      Name: bench-export-{n}\n"
        for n in range(EXPORTS)
    )
    cloudformation.create_stack(
        StackName="bench-exports",
        TemplateBody=f"Resources:\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n{outputs}",
    )
    # A stack waiting for its change set: a follower polls it as an idle stack.
    cloudformation.create_change_set(
        StackName="bench-idle",
        ChangeSetName="waiting",
        ChangeSetType="CREATE",
        TemplateBody="Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
    )


def requests_logged(log_path):
    with open(log_path, errors="replace") as log:
        return sum(1 for line in log if '"POST / HTTP' in line)


def follow_calls(endpoint, env, log_path):
    """Requests of `regship events --follow` on an idle stack in its first minute and per
    minute after it, from moto's request log."""
    before = requests_logged(log_path)
    errors = open(pathlib.Path(env["HOME"]) / "follower-stderr.txt", "w+")
    follower = subprocess.Popen(
        [str(REGSHIP), "-C", env["HOME"], "--endpoint-url", endpoint, "events", "bench-idle",
         "--follow"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        env=env,
    )
    time.sleep(60)
    first_minute = requests_logged(log_path) - before
    time.sleep(max(FOLLOW_SECONDS - 60, 1))
    follower.terminate()
    follower.wait()
    if first_minute == 0:
        errors.seek(0)
        sys.exit(f"the follower made no call; it said: {errors.read()}")
    later = requests_logged(log_path) - before - first_minute
    return first_minute, later * 60 / max(FOLLOW_SECONDS - 60, 1)


def run(command):
    print("$", " ".join(command), flush=True)
    return subprocess.run(
        command, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def criterion_rows():
    rows = []
    for estimates in sorted((TARGET / "criterion").glob("**/new/estimates.json")):
        benchmark = json.loads((estimates.parent / "benchmark.json").read_text())
        median = json.loads(estimates.read_text())["median"]
        value = median["point_estimate"] / 1e6
        low = median["confidence_interval"]["lower_bound"] / 1e6
        high = median["confidence_interval"]["upper_bound"] / 1e6
        rows.append(f"| {benchmark['full_id']} | {value:.3f} ms | {low:.3f} – {high:.3f} ms |")
    return rows


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = 0
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    aws = subprocess.run(
        [str(VENV / "aws"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{os.cpu_count()} × {model}, {memory / 1024 / 1024:.0f} GiB, "
        f"{platform.system()} {platform.release()}; {rustc}; {aws}; moto "
        + subprocess.run(
            [str(VENV / "python"), "-c", "import moto; print(moto.__version__)"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    )


def demo_first_frame():
    """Median ms from starting `regship demo` in a terminal to the frame that lists the
    workspace's extensions with the demo's sandbox account, then q."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    times = []
    for _ in range(RUNS):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(str(REGSHIP), [str(REGSHIP), "-C", str(ROOT), "demo"])
        # A 160x48 terminal, as the TUI benchmarks draw.
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        start = time.perf_counter()
        seen = b""
        elapsed = None
        while time.perf_counter() - start < 10:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
            if b"S3_DeleteBucketContents" in seen and b"111111111111" in seen:
                elapsed = (time.perf_counter() - start) * 1000
                break
        os.write(fd, b"q")
        os.waitpid(pid, 0)
        os.close(fd)
        if elapsed is None:
            sys.exit("regship demo did not draw the workspace within 10 s")
        times.append(elapsed)
    return statistics.median(times)


def main():
    run(["cargo", "build", "--release", "--quiet", "--bins", "--example", "measure"])
    home = pathlib.Path(tempfile.mkdtemp(prefix="regship-bench-"))
    env = environment(home)
    log_path = home / "moto.log"
    with open(log_path, "w") as log:
        server, endpoint = start_moto(log)
        try:
            seed(endpoint)
            print("side by side against moto …", flush=True)
            events = compare(
                "events of one stack",
                [str(REGSHIP), "-C", str(home), "--endpoint-url", endpoint, "events",
                 "bench-events", "--json"],
                [str(VENV / "aws"), "--endpoint-url", endpoint, "cloudformation",
                 "describe-stack-events", "--stack-name", "bench-events"],
                env,
                lambda out: len(json.loads(out)) if out.lstrip().startswith(b"[")
                else len(json.loads(out)["StackEvents"]),
                server_ms(endpoint, "Action=DescribeStackEvents&StackName=bench-events&Version=2010-05-15"),
            )
            exports = compare(
                "exports of the region",
                [str(REGSHIP), "-C", str(home), "--endpoint-url", endpoint, "exports", "--json"],
                [str(VENV / "aws"), "--endpoint-url", endpoint, "cloudformation", "list-exports"],
                env,
                lambda out: len(json.loads(out)) if out.lstrip().startswith(b"[")
                else len(json.loads(out)["Exports"]),
                server_ms(endpoint, "Action=ListExports&Version=2010-05-15"),
            )
            print(f"following an idle stack for {FOLLOW_SECONDS} s …", flush=True)
            idle_first, idle_later = follow_calls(endpoint, env, log_path)
        finally:
            server.terminate()
            server.wait()

    print("demo start to first frame …", flush=True)
    demo_ms = demo_first_frame()
    binary_mb = REGSHIP.stat().st_size / 1024 / 1024
    print(f"release binary: {binary_mb:.1f} MB (target < 40 MB)", flush=True)

    print("criterion benchmarks …", flush=True)
    subprocess.run(["cargo", "bench", "--quiet"], cwd=ROOT, check=True, capture_output=True)
    examples = {
        name: run(["cargo", "run", "--release", "--quiet", "--example", name]).strip()
        for name in ("check_scale", "poll_rates", "tui_memory", "integ_budget", "rollout_times", "board_budget")
    }

    today = datetime.date.today().isoformat()
    text = f"""# Benchmarks

Written by `make bench` on {today}. Machine: {machine()}.

Reproduce: `make bench` (it builds the release binary, starts moto from `.venv` on a loopback
port, seeds it, runs everything below and rewrites this file). `BENCH_RUNS` (default 9) sets
the runs per side-by-side command, `BENCH_FOLLOW_SECONDS` (default 120) the length of the
follow whose calls are counted.

## regship vs the AWS CLI, same moto server, same data

Each command ran {RUNS} times, alternating, after one warm-up run each; wall time is the
median, memory the highest peak RSS (`wait4`, from a small Rust parent so that the measuring
process's own pages are not counted). Both printed the same number of items. Target: regship at
most one fifth of the AWS CLI's time (ratio ≤ 0.20). Both make one request here (moto answers
DescribeStackEvents in one page); "moto" is the median time moto takes to answer that request
on its own (a raw HTTP POST), which neither client can shorten, and "own" is each client's wall
time minus it.

| what | regship | aws | ratio | moto | own: regship vs aws (ratio) | regship peak RSS | aws peak RSS |
| --- | --- | --- | --- | --- | --- | --- | --- |
{events}
{exports}

## The demo and the binary

- `regship demo` in a terminal (a pty), from the process start to the first frame that lists
  the workspace with the demo's sandbox account: **{demo_ms:.0f} ms** (median of {RUNS} runs;
  target < 100 ms).
- The release binary (what `cargo install --path .` installs): **{binary_mb:.1f} MB** (target
  < 40 MB), with compressed line tables for regship's own code so that a panic's backtrace names
  file and line.

## API calls per minute

- `regship events --follow` on an idle stack (REVIEW_IN_PROGRESS: it waits for a change set to
  be executed, nothing moves), counted from moto's request log: **{idle_first} calls in the
  first minute** (the pauses ramp 2, 4, 8, 15 s) and **{idle_later:.1f} calls/min after it**
  (target < 5), over {FOLLOW_SECONDS} s.
- Simulated clock (exact counts of the pollers' own schedule, `examples/poll_rates.rs`):

```
{examples['poll_rates']}
```

## Criterion benchmarks (median, 95% confidence interval)

| benchmark | median | interval |
| --- | --- | --- |
{chr(10).join(criterion_rows())}

## `regship check` at scale (`examples/check_scale.rs`)

```
{examples['check_scale']}
```

## TUI memory (`examples/tui_memory.rs`)

```
{examples['tui_memory']}
```

## `integ --all` on one shared budget (`examples/integ_budget.rs`)

Thirty extensions (every third alpha) run their integration tests on the demo adapter, on
tokio's paused clock (exact figures, no wall time). The runs in flight share one budget of 60
calls a minute (a bucket of 3 refilled at 57 a minute, so no minute holds more than 60): one
listing of the account's integration stacks (DescribeStacks, every page counted) at most every
1.4 s serves every run, and a run reads its stack's events only when a listing shows the
stack ended (or gone); after 30 quiet seconds it reads them for its heartbeat only with a call
to spare. A listing waits while the budget has no call to spare for the read it may call for.
The time each stack operation adds beyond its own (from its last event to regship seeing it)
no longer grows with each stack in flight as it did with one event poll per stack a second
(before: mean 1.65 s, p95 3.82 s at the default of four): at four at a time it is about 1 s on
average (0.99 to 1.07 s from one run to the next), p95 1.8 to 2.1 s; one at a time, 0.5 s. At
eight, the operations that end (about 35 a minute) each need their own event read, and with
the listings that fills the budget, so reads queue: mean 2.8 s, p95 5.8 s. The targets (mean
at most 1 s, p95 at most 2 s at four and at eight) hold at four, about, and not at eight
within 60 calls a minute: with E event reads a minute, listings get at most 60 − E, and at
E ≈ 35 that is one listing every 2.4 s, so a change waits 1.2 s on average for a listing alone,
before its read. Meeting them at eight would take a larger budget, or reading a finished
operation's events after regship moves on (they would then be shown after its end is).

```
{examples['integ_budget']}
```

## A prod rollout against a loop (`examples/rollout_times.rs`)

The demo's 26 publishing regions, on the demo adapter's clock (tokio's, paused: exact figures,
no wall time), each region's steps drawn as real registrations take them (RegisterType 2–5
min, TestType 5–15 min, PublishType under a minute), one region's TestType failing. The loop
publishes one region after the other and reports failures at its end (today's shell loop); the
rollout is one multi-region automation, watched by `regship rollout watch` (a poll every 15 s).
Each region's child execution lives in its region and is read there: a poll reads the parent in
the home region, then the child of each running region, and once the child of each region that
just failed (to name its step); a published region costs nothing more. Target: at concurrency
10, at most 0.15 of the loop's time; the failed region known while the others run; every poll
within 1 + running + just failed calls (checked on each poll; the busiest poll in brackets).
Canary first (`rollout start --canary`): the home region publishes alone, and the account
starts the other 25 only once it did. What that costs is the canary region's own run, added to
the wall time (about 11–17 min here); a poll also reads, in the home region, the nested runs
that have not ended (an ended one is read once): at most 3 + running + just failed calls.

```
{examples['rollout_times']}
```

## The readiness board's cost (`examples/board_budget.rs`)

Fifty extensions and 26 prod regions; the resources view (the readiness board) shown for an
hour of the TUI's ticks, the reducer deciding when each stage is read, every read made by the
AWS adapter on mocked clients that count the calls. Sandbox: one DescribeStacks a minute; CI/CD:
one GetPipelineState a minute; prod: where the account publishes (the offered regions, the
account's regions with their opt-in status, the publisher id: three calls) once an hour, and in
the other minutes one public ListTypes in each of four regions, round robin (every region read
every seven minutes). Target: at most 5 calls per stage per minute.

```
{examples['board_budget']}
```
"""
    (ROOT / "BENCHMARKS.md").write_text(text)
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
