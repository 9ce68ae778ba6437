"""Flower as Flower users write it, against minisyft nodes: one SuperLink on loopback, four native
minisyft nodes (`examples/flower_client.rs run`, each an IID quarter of the circle), and four
runs of real ServerApps:

1. legacy FedAvg (`flower/secagg`, `secure-aggregation=false`: `flwr.server.strategy.FedAvg` in
   a `LegacyContext` under `DefaultWorkflow`): the losses equal the playground's own federation,
   as the Message-API run's do (federation_native.py), within 1e-4;
2. the Message-API FedAvg (`flower/`) with arrays named as PyTorch names them (`fc1.weight`, …):
   trained, the same losses;
3. too few nodes for the threshold (`num_shares=7, reconstruction_threshold=5` with 4 nodes):
   Flower reports "Insufficient available nodes", the run still ends, and the nodes serve on;
4. SecAgg+ (`SecAggPlusWorkflow(num_shares=3, reconstruction_threshold=2)`), 3 rounds, one node
   leaving after `share_keys` in round 2, failing instead of sending its masked vector (as a tab
   closed mid-round does: the SuperLink answers for a node gone with an error): every round
   securely aggregated; each round's aggregate equals FedAvg over the updates the nodes actually
   trained (audited by the nodes) within the quantization error — round 1 over all four, rounds
   2 and 3 over the three left (the workflow rebuilt the leaver's key from its neighbours' shares
   to remove the masks they had added for it); and the nodes pushed no array at all: only public
   keys, encrypted shares, masked vectors and key shares, in SecAgg+'s records.

Run with the Flower virtualenv from the repository root (it runs cargo).
"""

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from flwr.app import ConfigRecord

from federation import ROOT, Federation

NODES = 4
ROUNDS = 3
SECAGG_RECORDS = {"secaggplus_configs", "fitres.metrics", "fitres.num_examples", "fitres.parameters",
                  "fitres.status", "evaluateres.loss", "evaluateres.num_examples", "evaluateres.metrics",
                  "evaluateres.status"}
SECAGG_KEYS = {"pk1", "pk2", "dsts", "ctxts", "masked_params", "nids", "shares"}


def losses_of(log):
    return [float(v) for v in re.findall(r"minisyft round \d+ evaluate (?:loss |\{[^}]*'eval_loss': )([0-9.e-]+)", log)]


def check_aggregates(audit, rounds, clients, failures, label):
    """Each round's aggregate against the weighted mean of what `clients` trained that round."""
    worst = 0.0
    for server_round in rounds:
        trained = []
        for client in clients:
            path = audit / f"client_{client}_round_{server_round}.json"
            if not path.exists():
                failures.append(f"{label}: client {client} did not train in round {server_round}")
                return
            lines = path.read_text().strip().splitlines()
            trained.append(json.loads(lines[-1]))
        aggregate = sorted(audit.glob(f"round_{server_round}_*.npy"), key=lambda p: int(p.stem.split("_")[-1]))
        if not aggregate:
            failures.append(f"{label}: no aggregate saved for round {server_round}")
            return
        total = sum(t["examples"] for t in trained)
        for index, path in enumerate(aggregate):
            want = sum(t["examples"] * np.array(t["arrays"][index][1], dtype=np.float64) for t in trained) / total
            got = np.load(path).astype(np.float64).flatten()
            worst = max(worst, float(np.max(np.abs(got - want))))
    print(f"{label}: aggregate vs FedAvg of the trained updates, worst difference {worst:.2e}")
    if worst > 1e-4:
        failures.append(f"{label}: the SecAgg+ aggregate is {worst} from the FedAvg of the updates")


def check_pushed(audit, failures):
    """What the nodes pushed under SecAgg+: no Array, no ArrayChunk; only SecAgg+'s records."""
    kinds, keys = {}, set()
    for path in audit.glob("client_*_pushed.hex"):
        for line in path.read_text().split():
            content = bytes.fromhex(line)
            kind = content.split(b" ", 1)[0].decode()
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind == "ConfigRecord":
                body = content.split(b"\0", 1)[1]
                keys |= set(ConfigRecord.inflate(content).keys()) if body else set()
            if kind == "RecordDict":
                names = set(json.loads(content.split(b"\0", 1)[1] or b"{}").keys())
                if not names <= SECAGG_RECORDS:
                    failures.append(f"a node pushed records {names - SECAGG_RECORDS}")
    print(f"pushed under SecAgg+: {dict(sorted(kinds.items()))}; config keys {sorted(keys)}")
    if kinds.get("Array") or kinds.get("ArrayChunk"):
        failures.append(f"a node pushed arrays under SecAgg+: {kinds}")
    unexpected = keys - SECAGG_KEYS - {"train_loss", "code", "message", "accuracy"}
    if unexpected or not {"pk1", "ctxts", "masked_params", "shares"} <= keys:
        failures.append(f"config keys pushed: {sorted(keys)}")


def main():
    failures = []
    federation = Federation()
    audit = Path(tempfile.mkdtemp(prefix="secagg-audit-"))
    try:
        for client in range(NODES):
            env = {"MINISYFT_FLOWER_AUDIT": str(audit)}
            if client == NODES - 1:
                env["MINISYFT_FLOWER_LEAVE_IN_ROUND"] = "2"
            federation.start_node(client, NODES, env=env)
        sys.path.insert(0, str(ROOT / "flower"))
        from minisyft_flower.server_app import initial_arrays  # pylint: disable=C0415
        initial = {name: a.numpy() for name, a in initial_arrays(8, 0).items()}
        # The runs that only compare losses take 2 rounds (CI time); the SecAgg+ run takes 3.
        expected = federation.expected_losses(NODES, 2, initial)
        print(f"the playground's own federation: {expected}")

        legacy_app = ROOT / "flower" / "secagg"
        common = f"num-server-rounds=2 min-nodes={NODES}"
        status, log = federation.run(legacy_app, f"{common} secure-aggregation=false")
        losses = losses_of(log)
        print(f"1. legacy FedAvg: {status}, losses {losses}")
        if status != "finished:completed" or len(losses) != 2 or any(abs(a - b) > 1e-4 for a, b in zip(losses, expected)):
            failures.append(f"legacy FedAvg: {status}, losses {losses}, expected {expected}\n{log[-2000:]}")

        status, log = federation.run(ROOT / "flower", f"{common} names='torch'")
        losses = losses_of(log)
        print(f"2. PyTorch-named arrays: {status}, losses {losses}")
        if status != "finished:completed" or len(losses) != 2 or any(abs(a - b) > 1e-4 for a, b in zip(losses, expected)):
            failures.append(f"PyTorch names: {status}, losses {losses}, expected {expected}\n{log[-2000:]}")

        status, log = federation.run(legacy_app, f"num-server-rounds=1 min-nodes={NODES} num-shares=7 threshold=5")
        print(f"3. threshold 5 of 7 shares with 4 nodes: {status}")
        if "Insufficient available nodes" not in log or status != "finished:completed":
            failures.append(f"too few nodes: {status}, no 'Insufficient available nodes' reported\n{log[-2000:]}")

        for path in audit.glob("*"):
            path.unlink()
        status, log = federation.run(
            legacy_app, f"num-server-rounds={ROUNDS} min-nodes={NODES - 1} timeout=20.0 audit-dir='{audit}'", timeout=420)
        completed = log.count("Secure aggregation completed")
        print(f"4. SecAgg+, a node leaving after share_keys in round 2: {status}, {completed} rounds aggregated")
        if status != "finished:completed" or completed != ROUNDS:
            failures.append(f"dropout: {status}, {completed} of {ROUNDS} rounds aggregated\n{log[-3000:]}")
        check_aggregates(audit, [1], range(NODES), failures, "round 1, 4 nodes")
        check_aggregates(audit, [2, 3], range(NODES - 1), failures, "rounds 2-3, the 3 nodes left")
        check_pushed(audit, failures)
        for client, (process, path) in federation.nodes.items():
            text = path.read_text()
            if "FAIL" in text or "panicked" in text:
                failures.append(f"client {client} failed:\n{text[-2000:]}")
            if client < NODES - 1 and process.poll() is not None:
                failures.append(f"client {client} is gone:\n{text[-2000:]}")
    finally:
        federation.stop()
    code = federation.verdict(failures)
    shutil.rmtree(audit, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
