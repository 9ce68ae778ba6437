"""Flower requires a ClientApp component; minisyft's clients train in Rust (a browser tab or
examples/flower_client), so a Python SuperNode running this is a mistake, said as such."""

from flwr.clientapp import ClientApp

app = ClientApp()


@app.train()
def train(msg, context):
    raise RuntimeError("minisyft's clients train in Rust: open the page (or run examples/flower_client), not a SuperNode")
