"""What the browser client will rely on, checked against a real SuperLink of the pinned flwr on
loopback: the Fleet API answers over HTTP with protobuf bodies, has no CORS (an OPTIONS preflight
gets 405: the page must reach it from its own origin, through a proxy), refuses an unsigned call,
accepts a node whose calls are signed with an EC P-384 key (PEM public key, ISO-8601 timestamp as
JS's toISOString() writes it, DER ECDSA-SHA256 signature), refuses the raw r‖s form WebCrypto
produces (so the client must convert it), and gives 64-bit node ids; then minisyft's own Rust
Fleet transport (`examples/flower_client.rs smoke`) registers, activates, beats, pulls and leaves.

Run with the Flower virtualenv: .venv-flower/bin/python tests/flower/superlink_smoke.py
"""

import base64
import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from flwr.proto.fleet_pb2 import (  # pylint: disable=E0611
    ActivateNodeRequest,
    ActivateNodeResponse,
    DeactivateNodeRequest,
    RegisterNodeFleetRequest,
    UnregisterNodeFleetRequest,
)

PROTOBUF = "application/protobuf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def js_timestamp():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class Node:
    def __init__(self, url):
        self.url = url
        self.key = ec.generate_private_key(ec.SECP384R1())
        self.pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def headers(self, raw_signature=False):
        stamp = js_timestamp()
        signature = self.key.sign(stamp.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        if raw_signature:
            r, s = decode_dss_signature(signature)
            signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
        return {
            "Content-Type": PROTOBUF,
            "flwr-public-key": base64.b64encode(self.pem).decode(),
            "flwr-timestamp": stamp,
            "flwr-signature": base64.b64encode(signature).decode(),
        }

    def call(self, name, message, raw_signature=False):
        return requests.post(
            f"{self.url}/v1/fleet/{name}",
            data=message.SerializeToString(),
            headers=self.headers(raw_signature),
            timeout=10,
        )


def check(what, ok, detail=""):
    print(("ok   " + what) if ok else f"FAIL {what}: {detail}")
    return ok


def main():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    venv_bin = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{venv_bin}:{os.environ.get('PATH', '')}")
    workdir = tempfile.mkdtemp(prefix="superlink-")
    log = open(Path(workdir) / "superlink.log", "w")
    superlink = subprocess.Popen(
        [str(venv_bin / "flower-superlink"), "--insecure", "--host", "127.0.0.1", "--port", str(port),
         "--disable-runtime-dependency-installation"],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    results = []
    try:
        deadline = time.time() + 60
        while True:
            try:
                requests.post(f"{url}/v1/fleet/get-run", timeout=1)
                break
            except requests.ConnectionError:
                if time.time() > deadline or superlink.poll() is not None:
                    print(open(Path(workdir) / "superlink.log").read())
                    return check("the SuperLink starts", False)
                time.sleep(0.2)
        results.append(check("the SuperLink starts and its Fleet API answers over HTTP", True))
        options = requests.options(f"{url}/v1/fleet/register-node", timeout=5)
        results.append(check("no CORS: an OPTIONS preflight gets 405", options.status_code == 405, str(options.status_code)))
        unsigned = requests.post(f"{url}/v1/fleet/register-node", data=b"", headers={"Content-Type": PROTOBUF}, timeout=5)
        results.append(check("an unsigned call is refused with 401", unsigned.status_code == 401, str(unsigned.status_code)))
        node = Node(url)
        raw = node.call("register-node", RegisterNodeFleetRequest(public_key=node.pem), raw_signature=True)
        results.append(check("a raw r‖s signature (WebCrypto's form) is refused", raw.status_code == 401, str(raw.status_code)))
        registered = node.call("register-node", RegisterNodeFleetRequest(public_key=node.pem))
        results.append(check("a DER-signed register-node is accepted", registered.status_code == 200, registered.text[:200]))
        activated = node.call("activate-node", ActivateNodeRequest(public_key=node.pem, heartbeat_interval=10.0))
        node_id = ActivateNodeResponse.FromString(activated.content).node_id if activated.ok else 0
        results.append(check("activate-node gives a node id", activated.ok and node_id > 0, f"{node_id}"))
        again = node.call("activate-node", ActivateNodeRequest(public_key=node.pem, heartbeat_interval=10.0))
        results.append(check("a node still online cannot activate again (412)", again.status_code == 412, str(again.status_code)))
        for name, message in [("deactivate-node", DeactivateNodeRequest(node_id=node_id)),
                              ("unregister-node", UnregisterNodeFleetRequest(node_id=node_id))]:
            answer = node.call(name, message)
            results.append(check(f"{name} is accepted", answer.ok, str(answer.status_code)))
        # The same from the Rust side: src/flower/native.rs signs and calls, src/flower/fleet.rs encodes.
        rust = subprocess.run(["cargo", "run", "--quiet", "--example", "flower_client", "--", "smoke", f"127.0.0.1:{port}"],
                              capture_output=True, text=True, timeout=600)
        results.append(check("a Rust node (minisyft's own signatures and messages) joins and leaves",
                             rust.returncode == 0, rust.stdout + rust.stderr))
    finally:
        os.killpg(superlink.pid, 15)
        try:
            superlink.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(superlink.pid, 9)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
