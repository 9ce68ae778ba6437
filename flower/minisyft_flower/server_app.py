"""The ServerApp: Flower's own FedAvg over minisyft clients, for the playground's model — an MLP
2 → hidden → 1 with tanh and a sigmoid on the circle (`data = "circle"`), or 64 → hidden → 10
with tanh and a softmax on the real digits (`data = "digits"`, each client holding its shard),
parameters named as minisyft names them ("0.weight",
"0.bias", "1.weight", "1.bias"; weights shaped [out, in]). Each round sends the global arrays and
a config (learning rate, local epochs) to every node; FedAvg weights the replies by their
`num-examples`. The train and evaluate losses of each round are printed for the run's log."""

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

app = ServerApp()


SHAPES = {"circle": (2, 1), "digits": (64, 10)}


def initial_arrays(hidden: int, seed: int, data: str = "circle", names: str = "minisyft") -> ArrayRecord:
    """PyTorch's default initialisation for Linear layers: U(-1/sqrt(in), 1/sqrt(in)); arrays named
    as minisyft names them ("0.weight", ...) or, with `names = "torch"`, as a PyTorch model's
    `state_dict` would ("fc1.weight", ...): the clients take them by order and shape."""
    if data not in SHAPES:
        raise ValueError(f"data = {data!r}: circle or digits")
    if names not in ("minisyft", "torch"):
        raise ValueError(f"names = {names!r}: minisyft or torch")
    inputs, outputs = SHAPES[data]
    rng = np.random.default_rng(seed)
    arrays = {}
    for layer, (fan_in, fan_out) in enumerate([(inputs, hidden), (hidden, outputs)]):
        bound = 1.0 / np.sqrt(fan_in)
        prefix = f"fc{layer + 1}" if names == "torch" else f"{layer}"
        arrays[f"{prefix}.weight"] = Array(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        arrays[f"{prefix}.bias"] = Array(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    return ArrayRecord(arrays)


@app.main()
def main(grid: Grid, context: Context) -> None:
    config = context.run_config
    nodes = int(config["min-nodes"])
    strategy = FedAvg(
        fraction_train=1.0,
        fraction_evaluate=1.0,
        min_train_nodes=nodes,
        min_evaluate_nodes=nodes,
        min_available_nodes=nodes,
    )
    result = strategy.start(
        grid=grid,
        initial_arrays=initial_arrays(int(config["hidden"]), int(config["seed"]), str(config["data"]),
                                      str(config.get("names", "minisyft"))),
        num_rounds=int(config["num-server-rounds"]),
        train_config=ConfigRecord({"lr": float(config["lr"]), "local-epochs": int(config["local-epochs"])}),
    )
    for server_round, metrics in sorted(result.train_metrics_clientapp.items()):
        print(f"minisyft round {server_round} train {dict(metrics)}", flush=True)
    for server_round, metrics in sorted(result.evaluate_metrics_clientapp.items()):
        print(f"minisyft round {server_round} evaluate {dict(metrics)}", flush=True)
