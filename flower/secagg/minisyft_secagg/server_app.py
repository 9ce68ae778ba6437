"""The ServerApp in Flower's legacy API, as most existing Flower code is written: a
`flwr.server.strategy.FedAvg` inside a `LegacyContext`, driven by `DefaultWorkflow`. With
`secure-aggregation = true` (the default) its fit workflow is `SecAggPlusWorkflow`: each round's
training runs through SecAgg+'s four stages and the strategy is handed only the sum of the
clients' masked, quantized updates, unmasked — never one client's. The model is the playground's
MLP (2 → hidden → 1 on the circle, 64 → hidden → 10 on the digits), parameters in order
(weight [out, in], bias [out] per layer), from the same initialisation as the Message-API app.
Each round's aggregated evaluation loss is printed for the run's log."""

from pathlib import Path

import numpy as np
from flwr.common import Context, ndarrays_to_parameters, parameters_to_ndarrays
from flwr.server import Grid, LegacyContext, ServerApp, ServerConfig
from flwr.server.strategy import FedAvg
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow

app = ServerApp()

SHAPES = {"circle": (2, 1), "digits": (64, 10)}


def initial_ndarrays(hidden: int, seed: int, data: str = "circle") -> list:
    """PyTorch's default initialisation for Linear layers, as the Message-API app draws it."""
    if data not in SHAPES:
        raise ValueError(f"data = {data!r}: circle or digits")
    inputs, outputs = SHAPES[data]
    rng = np.random.default_rng(seed)
    arrays = []
    for fan_in, fan_out in [(inputs, hidden), (hidden, outputs)]:
        bound = 1.0 / np.sqrt(fan_in)
        arrays.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        arrays.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    return arrays


class AuditedFedAvg(FedAvg):
    """FedAvg that also saves each round's aggregated parameters, when a test asks for them."""

    def __init__(self, audit_dir: str, **kwargs):
        super().__init__(**kwargs)
        self.audit_dir = Path(audit_dir) if audit_dir else None

    def aggregate_fit(self, server_round, results, failures):
        parameters, metrics = super().aggregate_fit(server_round, results, failures)
        if self.audit_dir is not None and parameters is not None:
            for index, array in enumerate(parameters_to_ndarrays(parameters)):
                np.save(self.audit_dir / f"round_{server_round}_{index}.npy", array)
        print(f"minisyft round {server_round} fit: {len(results)} results, {len(failures)} failures", flush=True)
        return parameters, metrics


def weighted(metrics):
    examples = sum(n for n, _ in metrics)
    return {"accuracy": sum(n * m.get("accuracy", 0.0) for n, m in metrics) / max(examples, 1)}


@app.main()
def main(grid: Grid, context: Context) -> None:
    config = context.run_config
    nodes = int(config["min-nodes"])
    fit_config = {"lr": float(config["lr"]), "local-epochs": int(config["local-epochs"])}
    strategy = AuditedFedAvg(
        str(config["audit-dir"]),
        fraction_fit=1.0,
        fraction_evaluate=1.0,
        min_fit_clients=nodes,
        min_evaluate_clients=nodes,
        min_available_clients=nodes,
        initial_parameters=ndarrays_to_parameters(
            initial_ndarrays(int(config["hidden"]), int(config["seed"]), str(config["data"]))),
        on_fit_config_fn=lambda server_round: {**fit_config, "server-round": server_round},
        evaluate_metrics_aggregation_fn=weighted,
    )
    legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=int(config["num-server-rounds"])),
                           strategy=strategy)
    fit_workflow = None
    if bool(config["secure-aggregation"]):
        timeout = float(config["timeout"])
        fit_workflow = SecAggPlusWorkflow(num_shares=int(config["num-shares"]),
                                          reconstruction_threshold=int(config["threshold"]),
                                          timeout=timeout if timeout > 0 else None)
    DefaultWorkflow(fit_workflow=fit_workflow)(grid, legacy)
    for server_round, loss in legacy.history.losses_distributed:
        print(f"minisyft round {server_round} evaluate loss {loss}", flush=True)
