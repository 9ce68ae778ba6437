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

import re
import sys

from federation import ROOT, Federation

ROUNDS = 3
CLIENTS = 2
# The data the nodes hold: the circle, or with the argument `digits` the real digits.
DATA = sys.argv[1] if len(sys.argv) > 1 else "circle"
HIDDEN = 16 if DATA == "digits" else 8


def main():
    federation = Federation()
    failures = []
    logs = []
    try:
        for client in range(CLIENTS):
            logs.append(federation.start_node(client, CLIENTS, DATA)[1])
        status, log = federation.run(ROOT / "flower", f"num-server-rounds={ROUNDS} data='{DATA}' hidden={HIDDEN}",
                                     timeout=180)
        if status != "finished:completed":
            failures.append(f"the run ended as {status!r}")
        losses = [float(v) for v in re.findall(r"minisyft round \d+ evaluate \{[^}]*'eval_loss': ([0-9.e-]+)", log)]
        print(f"aggregated evaluation loss per round: {losses}")
        if len(losses) != ROUNDS or not all(b < a for a, b in zip(losses, losses[1:])):
            failures.append(f"the aggregated evaluation loss should fall over {ROUNDS} rounds: {losses}")
        sys.path.insert(0, str(ROOT / "flower"))
        from minisyft_flower.server_app import initial_arrays  # pylint: disable=C0415
        initial = {name: a.numpy() for name, a in initial_arrays(HIDDEN, 0, DATA).items()}
        expected = federation.expected_losses(CLIENTS, ROUNDS, initial, DATA)
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
        federation.stop()
    return federation.verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
