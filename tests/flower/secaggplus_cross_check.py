"""minisyft's SecAgg+ primitives (src/flower/secagg/) checked against flwr 1.42's own functions
on the same inputs (`cargo run --example secaggplus_vectors`):
- masks: `pseudo_rand_gen` (numpy's legacy RandomState) for seeds of 32 and 44 bytes, moduli
  2^32, 2^30, 2^16 and one that is not a power of two; equal number for number;
- ECDH + HKDF: `generate_shared_key` between Flower's keys and ours, both ways; our PEM keys load
  in `cryptography` and our private key's public half is the one we sent;
- Fernet: tokens Flower encrypted open in Rust, tokens Rust encrypted open in Flower;
- Shamir: Flower's shares combine in Rust and Rust's in Flower (any threshold of them), and
  products in GF(2^128) match PyCryptodome's field;
- quantization: `quantize` with numpy's draws gives the same integers.

Run with the Flower virtualenv from the repository root (it runs cargo).
"""

import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from Crypto.Protocol.SecretSharing import _Element
from cryptography.fernet import Fernet
from flwr.common.secure_aggregation.crypto.shamir import combine_shares, create_shares
from flwr.common.secure_aggregation.crypto.symmetric_encryption import decrypt, encrypt, generate_shared_key
from flwr.common.secure_aggregation.quantization import quantize
from flwr.common.secure_aggregation.secaggplus_utils import pseudo_rand_gen
from flwr.supercore.primitives.asymmetric import (
    bytes_to_private_key,
    bytes_to_public_key,
    generate_key_pairs,
    private_key_to_bytes,
    public_key_to_bytes,
)


def rust(cases):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cases, f)
    try:
        out = subprocess.run(["cargo", "run", "--quiet", "--example", "secaggplus_vectors", "--", f.name],
                             check=True, capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    return json.loads(out.stdout)


def main():
    failures = []
    rng = random.Random(1)
    # Masks.
    rand_cases = []
    for seed_len, modulus in [(32, 2**32), (44, 2**32), (32, 2**30), (44, 2**16), (32, 1000003), (32, 2**32 + 2**20)]:
        seed = bytes(rng.getrandbits(8) for _ in range(seed_len))
        rand_cases.append({"seed": seed.hex(), "range": str(modulus), "sizes": [1, 6, 3]})
    # Python's shapes for those sizes: (1,), (2, 3), (3,).
    # Keys: Flower's pairs, for the exchange both ways.
    flower_pairs = [generate_key_pairs() for _ in range(2)]
    flower_pem = [(private_key_to_bytes(sk), public_key_to_bytes(pk)) for sk, pk in flower_pairs]
    key = Fernet.generate_key()
    plaintexts = [b"", b"x", bytes(range(48)), os.urandom(300)]
    flower_shares = [create_shares(os.urandom(32), 2, 3), create_shares(flower_pem[0][0], 3, 5)]
    gf = [(os.urandom(16), os.urandom(16)) for _ in range(20)] + [(b"\x80" + b"\0" * 15, b"\0" * 15 + b"\x02")]
    quant_values = (np.random.default_rng(3).normal(0, 4, 40)).astype(np.float32)
    quant_values[:3] = [9.5, -9.5, 0.0]
    np.random.seed(11)
    draws = np.random.rand(40)
    cases = {
        "rand_gen": rand_cases,
        "shared_key": [{"private": flower_pem[0][0].decode(), "public": flower_pem[1][1].decode()}],
        "decrypt": [{"key": key.decode(), "token": encrypt(key, p).decode()} for p in plaintexts],
        "encrypt": [{"key": key.decode(), "plaintext": p.hex()} for p in plaintexts],
        "combine": [[s.hex() for s in shares[:len(shares) - 1]] for shares in flower_shares],
        "split": [{"secret": os.urandom(32).hex(), "threshold": 2, "num": 3},
                  {"secret": flower_pem[1][0].hex(), "threshold": 3, "num": 5}],
        "gf_mul": [{"a": a.hex(), "b": b.hex()} for a, b in gf],
        "quantize": [{"values": [float(v) for v in quant_values], "clip": 8.0, "target": 4194304,
                      "uniforms": [float(d) for d in draws]},
                     {"values": [float(v) for v in quant_values], "clip": 3.0, "target": 1000,
                      "uniforms": [float(d) for d in draws]}],
        "key_pairs": 2,
    }
    out = rust(cases)

    for case, got in zip(rand_cases, out["rand_gen"]):
        want = pseudo_rand_gen(bytes.fromhex(case["seed"]), int(case["range"]), [(1,), (2, 3), (3,)])
        if [list(map(int, a.ravel())) for a in want] != got:
            failures.append(f"pseudo_rand_gen, seed of {len(case['seed']) // 2} bytes, range {case['range']}")
    want = generate_shared_key(flower_pairs[0][0], flower_pairs[1][1])
    if bytes.fromhex(out["shared_key"][0]) != want:
        failures.append("shared key from Flower's keys")
    for p, got in zip(plaintexts, out["decrypt"]):
        if bytes.fromhex(got) != p:
            failures.append(f"Fernet: Rust opened a Flower token of {len(p)} bytes wrongly")
    for p, token in zip(plaintexts, out["encrypt"]):
        if decrypt(key, bytes.fromhex(token)) != p:
            failures.append(f"Fernet: Flower opened a Rust token of {len(p)} bytes wrongly")
    if bytes.fromhex(out["combine"][0]) == b"" or bytes.fromhex(out["combine"][1]) != flower_pem[0][0]:
        failures.append("Shamir: Rust did not combine Flower's shares of a private key")
    if bytes.fromhex(out["combine"][0]) != combine_shares(flower_shares[0][:2]):
        failures.append("Shamir: Rust and Flower combine Flower's seed shares differently")
    for case, shares in zip(cases["split"], out["split"]):
        shares = [bytes.fromhex(s) for s in shares]
        for picked in [shares[:case["threshold"]], shares[-case["threshold"]:]]:
            if combine_shares(picked) != bytes.fromhex(case["secret"]):
                failures.append(f"Shamir: Flower did not combine Rust's {case['threshold']} of {case['num']} shares")
    for (a, b), got in zip(gf, out["gf_mul"]):
        want = (_Element(a) * _Element(b)).encode()
        if bytes.fromhex(got) != want:
            failures.append(f"GF(2^128): {a.hex()} * {b.hex()}")
    for case, got in zip(cases["quantize"], out["quantize"]):
        np.random.seed(11)
        want = quantize([quant_values], case["clip"], case["target"])[0]
        if list(map(int, want)) != got:
            failures.append(f"quantize, clip {case['clip']}, range {case['target']}: {list(want[:5])} vs {got[:5]}")
    # Our keys in Flower's hands.
    (ours_private, ours_public), (other_private, other_public) = [
        (bytes.fromhex(a), bytes.fromhex(b)) for a, b in out["key_pairs"]]
    private = bytes_to_private_key(ours_private)
    if public_key_to_bytes(private.public_key()) != ours_public:
        failures.append("our private key's public half is not the public key we sent")
    flower_side = generate_shared_key(bytes_to_private_key(other_private), bytes_to_public_key(ours_public))
    mixed = rust({"shared_key": [{"private": ours_private.decode(), "public": other_public.decode()},
                                 {"private": ours_private.decode(), "public": flower_pem[1][1].decode()}]})
    if bytes.fromhex(mixed["shared_key"][0]) != flower_side:
        failures.append("ECDH between our two keys: Flower and Rust derive different keys")
    if bytes.fromhex(mixed["shared_key"][1]) != generate_shared_key(flower_pairs[1][0], bytes_to_public_key(ours_public)):
        failures.append("ECDH between our key and Flower's: different keys")

    for failure in failures:
        print("FAIL", failure)
    if failures:
        sys.exit(1)
    print(f"secagg+ primitives match Flower's: {len(rand_cases)} mask streams, 3 key exchanges, "
          f"{2 * len(plaintexts)} Fernet tokens, {len(flower_shares) + len(cases['split'])} Shamir sharings, "
          f"{len(gf)} field products, {len(cases['quantize'])} quantizations")


if __name__ == "__main__":
    main()
