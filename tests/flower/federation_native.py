"""A real Flower federation with minisyft nodes: a SuperLink on loopback, the repository's
ServerApp (flower/, Flower's own FedAvg) run with `flwr run`, and two native minisyft nodes
(`examples/flower_client.rs run`, each holding its IID shard of the playground's circle data on a
minisyft worker and training through the playground's plan). Asserts that the run completes, that
every round trained and evaluated on both nodes, that the aggregated evaluation loss falls, and
that it matches, round by round, the playground's own federation (`PlaygroundFederation`, no
Flower) on the same data, split, shards and initial arrays: within 1e-4, because the arrays cross
as exact float32 both ways and the only difference is where the weighted averages are summed
(numpy in float64 against Rust in float32: about 1e-7 per round).

With the argument `digits` the nodes hold shards of the real digits and the ServerApp sends a
64 → 16 → 10 model (`data = "digits"`). Run with the Flower virtualenv from the repository root
(it runs cargo).
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 3
CLIENTS = 2
# The data the nodes hold: the circle, or with the argument `digits` the real digits.
DATA = sys.argv[1] if len(sys.argv) > 1 else "circle"
HIDDEN = 16 if DATA == "digits" else 8


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    root = Path(__file__).resolve().parents[2]
    venv_bin = Path(sys.executable).parent
    home = Path(tempfile.mkdtemp(prefix="flwr-home-"))
    port = free_port()
    (home / "config.toml").write_text(f'[superlink.local]\naddress = "127.0.0.1:{port}"\ninsecure = true\n')
    env = dict(os.environ, PATH=f"{venv_bin}:{os.environ.get('PATH', '')}", FLWR_HOME=str(home))
    subprocess.run(["cargo", "build", "--quiet", "--example", "flower_client"], cwd=root, check=True)
    client_binary = root / "target" / "debug" / "examples" / "flower_client"
    processes = []
    logs = []
    failures = []
    try:
        superlink = subprocess.Popen(
            [str(venv_bin / "flower-superlink"), "--insecure", "--host", "127.0.0.1", "--port", str(port),
             "--disable-runtime-dependency-installation"],
            cwd=home, env=env, stdout=open(home / "superlink.log", "w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        processes.append(superlink)
        deadline = time.time() + 60
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.time() > deadline:
                raise RuntimeError("the SuperLink did not start")
            time.sleep(0.2)
        time.sleep(1)
        for client in range(CLIENTS):
            log = home / f"client_{client}.log"
            logs.append(log)
            processes.append(subprocess.Popen(
                [str(client_binary), "run", f"127.0.0.1:{port}", str(client), str(CLIENTS), "240", DATA],
                stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True))
        started = subprocess.run(
            [str(venv_bin / "flwr"), "run", str(root / "flower"), "local", "--run-config",
             f"num-server-rounds={ROUNDS} data='{DATA}' hidden={HIDDEN}"],
            cwd=home, env=env, capture_output=True, text=True, timeout=120)
        run_id = re.search(r"started run (\d+)", started.stdout + started.stderr)
        if not run_id:
            raise RuntimeError(f"flwr run: {started.stdout}{started.stderr}")
        run_id = run_id.group(1)
        status = ""
        deadline = time.time() + 180
        while not status.startswith("finished") and time.time() < deadline:
            time.sleep(2)
            listed = subprocess.run([str(venv_bin / "flwr"), "ls", "local", "--format", "json"],
                                    cwd=home, env=env, capture_output=True, text=True, timeout=60)
            runs = json.loads(listed.stdout or "{}").get("runs", [])
            status = next((r["status"] for r in runs if r["run-id"] == run_id), "")
        print(f"run {run_id}: {status or 'never finished'}")
        if status != "finished:completed":
            failures.append(f"the run ended as {status!r}")
        log = subprocess.run([str(venv_bin / "flwr"), "log", run_id, "local", "--show"],
                             cwd=home, env=env, capture_output=True, text=True, timeout=60).stdout
        losses = [float(v) for v in re.findall(r"minisyft round \d+ evaluate \{[^}]*'eval_loss': ([0-9.e-]+)", log)]
        print(f"aggregated evaluation loss per round: {losses}")
        if len(losses) != ROUNDS or not all(b < a for a, b in zip(losses, losses[1:])):
            failures.append(f"the aggregated evaluation loss should fall over {ROUNDS} rounds: {losses}")
        sys.path.insert(0, str(root / "flower"))
        from minisyft_flower.server_app import initial_arrays  # pylint: disable=C0415
        initial = {name: [list(a.shape), a.numpy().flatten().tolist()] for name, a in initial_arrays(HIDDEN, 0, DATA).items()}
        init_file = home / "initial.json"
        init_file.write_text(json.dumps(initial))
        expected = subprocess.run([str(client_binary), "expect", str(CLIENTS), str(ROUNDS), str(init_file), DATA],
                                  capture_output=True, text=True, timeout=120)
        expected = json.loads(expected.stdout) if expected.returncode == 0 else []
        print(f"the playground's own federation, same data and start: {expected}")
        if len(expected) != len(losses) or any(abs(a - b) > 1e-4 for a, b in zip(expected, losses)):
            failures.append(f"Flower's losses {losses} differ from the playground's {expected}")
        for client, path in enumerate(logs):
            text = path.read_text()
            trained, evaluated = text.count("Received train message"), text.count("Received evaluate message")
            print(f"client {client}: {trained} trainings, {evaluated} evaluations")
            if (trained, evaluated) != (ROUNDS, ROUNDS):
                failures.append(f"client {client} trained {trained} and evaluated {evaluated} times:\n{text}")
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, 15)
            except ProcessLookupError:
                pass
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
    for failure in failures:
        print("FAIL", failure)
    if failures:
        print((home / "superlink.log").read_text()[-3000:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
