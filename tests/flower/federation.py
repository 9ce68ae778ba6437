"""A real Flower federation on loopback for the tests: a SuperLink, native minisyft nodes
(`examples/flower_client.rs run`), and ServerApps started with `flwr run` — what
federation_native.py and federation_secagg.py share."""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CLIENT_BINARY = ROOT / "target" / "debug" / "examples" / "flower_client"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Federation:
    """A SuperLink and its nodes; `stop()` ends every process it started."""

    def __init__(self):
        self.home = Path(tempfile.mkdtemp(prefix="flwr-home-"))
        self.port = free_port()
        (self.home / "config.toml").write_text(
            f'[superlink.local]\naddress = "127.0.0.1:{self.port}"\ninsecure = true\n')
        self.env = dict(os.environ, PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}", FLWR_HOME=str(self.home))
        self.processes = []
        self.nodes = {}
        subprocess.run(["cargo", "build", "--quiet", "--example", "flower_client"], cwd=ROOT, check=True)
        superlink = subprocess.Popen(
            [str(VENV_BIN / "flower-superlink"), "--insecure", "--host", "127.0.0.1", "--port", str(self.port),
             "--disable-runtime-dependency-installation"],
            cwd=self.home, env=self.env, stdout=open(self.home / "superlink.log", "w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        self.processes.append(superlink)
        deadline = time.time() + 60
        while socket.socket().connect_ex(("127.0.0.1", self.port)) != 0:
            if time.time() > deadline:
                raise RuntimeError("the SuperLink did not start")
            time.sleep(0.2)
        time.sleep(1)

    def start_node(self, client, clients, data="circle", seconds=240, env=None):
        log = self.home / f"client_{client}.log"
        process = subprocess.Popen(
            [str(CLIENT_BINARY), "run", f"127.0.0.1:{self.port}", str(client), str(clients), str(seconds), data],
            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True, env=dict(os.environ, **(env or {})))
        self.processes.append(process)
        self.nodes[client] = (process, log)
        return process, log

    def run(self, app, config, timeout=240):
        """Runs the ServerApp in `app` (a directory) with `config` (run-config text) to its end:
        its status and its log."""
        started = subprocess.run(
            [str(VENV_BIN / "flwr"), "run", str(app), "local", "--run-config", config],
            cwd=self.home, env=self.env, capture_output=True, text=True, timeout=120)
        run_id = re.search(r"started run (\d+)", started.stdout + started.stderr)
        if not run_id:
            raise RuntimeError(f"flwr run: {started.stdout}{started.stderr}")
        run_id = run_id.group(1)
        status = ""
        deadline = time.time() + timeout
        while not status.startswith("finished") and time.time() < deadline:
            time.sleep(2)
            listed = subprocess.run([str(VENV_BIN / "flwr"), "ls", "local", "--format", "json"],
                                    cwd=self.home, env=self.env, capture_output=True, text=True, timeout=60)
            runs = json.loads(listed.stdout or "{}").get("runs", [])
            status = next((r["status"] for r in runs if r["run-id"] == run_id), "")
        log = subprocess.run([str(VENV_BIN / "flwr"), "log", run_id, "local", "--show"],
                             cwd=self.home, env=self.env, capture_output=True, text=True, timeout=60).stdout
        print(f"run {run_id} ({Path(app).name}: {config}): {status or 'never finished'}")
        return status, log

    def expected_losses(self, clients, rounds, initial, data="circle"):
        """The playground's own federation (no Flower) from `initial` (name → ndarray)."""
        path = self.home / "initial.json"
        path.write_text(json.dumps({name: [list(a.shape), a.flatten().tolist()] for name, a in initial.items()}))
        out = subprocess.run([str(CLIENT_BINARY), "expect", str(clients), str(rounds), str(path), data],
                             capture_output=True, text=True, timeout=120)
        return json.loads(out.stdout) if out.returncode == 0 else []

    def stop(self):
        for process in self.processes:
            try:
                os.killpg(process.pid, 15)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)

    def verdict(self, failures):
        """Prints the failures (and the SuperLink's log's end, if any): the exit code."""
        for failure in failures:
            print("FAIL", failure)
        if failures:
            print((self.home / "superlink.log").read_text()[-3000:])
        return 1 if failures else 0
