"""minisyft's Rust side of Flower's formats (src/flower/), checked with Flower's own code:
- a train reply built in Rust (`cargo run --example flower_objects reply`) is inflated by Flower's
  classes, every object id is the one Flower computes for those bytes, and the arrays and metrics
  come back as written;
- a train message built by Flower's classes (arrays and a config, as FedAvg sends) is read by the
  Rust side (`... flower_objects read FILE`), with the same arrays, config and metadata;
- every Fleet request the Rust side encodes parses with flwr's message classes to the fields
  meant, and Fleet responses flwr encodes decode on the Rust side.

Run with the Flower virtualenv from the repository root (it runs cargo).
"""

import hashlib
import json
import subprocess
import sys
import tempfile

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Message, MetricRecord, RecordDict
from flwr.app.message.arraychunk import ArrayChunk
from flwr.proto.message_pb2 import ObjectTree  # pylint: disable=E0611
from flwr.supercore.task_identity import TaskIdentity
from flwr.supercore.inflatable.inflatable_object import (
    get_all_nested_objects,
    get_object_children_ids_from_object_content,
    get_object_id,
    get_object_type_from_object_content,
)

CLASSES = {"ArrayChunk": ArrayChunk, "Array": Array, "ArrayRecord": ArrayRecord, "MetricRecord": MetricRecord,
           "ConfigRecord": ConfigRecord, "RecordDict": RecordDict, "Message": Message}


def example(*args):
    out = subprocess.run(["cargo", "run", "--quiet", "--example", "flower_objects", "--", *args],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def inflate(object_id, objects, cache):
    if object_id in cache:
        return cache[object_id]
    content = objects[object_id]
    children = {c: inflate(c, objects, cache) for c in get_object_children_ids_from_object_content(content)}
    kind = get_object_type_from_object_content(content)
    obj = CLASSES[kind].inflate(content, children=children or None) if kind != "ArrayChunk" else ArrayChunk.inflate(content)
    cache[object_id] = obj
    return obj


def check_reply(failures):
    reply = example("reply")
    objects = {k: bytes.fromhex(v) for k, v in reply["objects"].items()}
    for object_id, content in objects.items():
        if get_object_id(content) != object_id:
            failures.append(f"object {object_id[:12]}: Flower computes {get_object_id(content)[:12]}")
    message = inflate(reply["root"], objects, {})
    if message.object_id != reply["root"]:
        failures.append(f"the Message re-deflated by Flower has id {message.object_id}, Rust gave {reply['root']}")
    arrays = message.content["arrays"]
    expected = {"0.weight": np.arange(6, dtype=np.float32).reshape(3, 2) * 0.25 - 0.5,
                "0.bias": np.array([0.1, -0.2, 0.3], dtype=np.float32),
                "1.weight": np.array([[1.5, -2.5, 0.125]], dtype=np.float32),
                "1.bias": np.array([0.0], dtype=np.float32)}
    if list(arrays.keys()) != list(expected):
        failures.append(f"array names {list(arrays.keys())}")
    for name, values in expected.items():
        got = arrays[name].numpy()
        if got.dtype != np.float32 or got.shape != values.shape or not np.array_equal(got, values):
            failures.append(f"{name}: {got!r}")
    metrics = message.content["metrics"]
    if metrics["num-examples"] != 40 or not isinstance(metrics["num-examples"], int) or metrics["train_loss"] != 0.25:
        failures.append(f"metrics {dict(metrics)}")
    md = message.metadata
    if (md.run_id, md.dst_node_id, md.message_type, md.group_id) != ((1 << 40) + 7, 1, "train", "3"):
        failures.append(f"metadata {md}")
    tree = ObjectTree.FromString(bytes.fromhex(reply["tree"]))
    if tree.object_id != reply["root"] or len(tree.children) != 1:
        failures.append(f"object tree {tree}")
    print(f"a Rust-built reply: {len(objects)} objects, every id Flower's, inflated by Flower's classes")


def check_read(failures):
    weight = np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2)
    content = RecordDict({
        "arrays": ArrayRecord({"0.weight": Array(weight), "0.bias": Array(np.array([0.5, -0.5, 1, 2], dtype=np.float32))}),
        "config": ConfigRecord({"server-round": 3, "lr": 0.1, "note": "héllo"}),
    })
    # What a ServerApp's process knows about itself (set by Flower when it runs one).
    TaskIdentity.run_id, TaskIdentity.task_id, TaskIdentity.node_id = (1 << 40) + 7, 12, 1
    message = Message(content=content, dst_node_id=9_069_770_195_199_328_086, message_type="train", group_id="3")
    objects = {oid: obj.deflate().hex() for oid, obj in get_all_nested_objects(message).items()}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"root": message.object_id, "objects": objects}, f)
    read = example("read", f.name)
    if (read["run_id"], read["message_type"], read["dst_node_id"], read["group_id"]) != ((1 << 40) + 7, "train", 9_069_770_195_199_328_086, "3"):
        failures.append(f"metadata read {read}")
    arrays = {name: (shape, values) for _, name, shape, values in read["arrays"]}
    shape, values = arrays.get("0.weight", ([], []))
    same = shape == [4, 2] and np.array_equal(np.array(values, dtype=np.float32), weight.flatten())
    if not same or arrays.get("0.bias", ([],))[0] != [4]:
        failures.append(f"arrays read {arrays}")
    config = {key: value for _, key, value in read["config"]}
    if config != {"server-round": 3, "lr": 0.1, "note": "héllo"}:
        failures.append(f"config read {config}")
    print(f"a Flower-built train message: {len(objects)} objects, read by Rust as Flower wrote it")


def check_fleet(failures):
    from flwr.proto import error_pb2, fleet_pb2, heartbeat_pb2, message_pb2, node_pb2, recorddict_pb2  # pylint: disable=E0611

    encoded = {name: bytes.fromhex(h) for name, h in example("fleet").items()}
    node_id = 2**64 - 1 - 5
    pem = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    expected = {
        "register-node": fleet_pb2.RegisterNodeFleetRequest(public_key=pem),
        "activate-node": fleet_pb2.ActivateNodeRequest(public_key=pem, heartbeat_interval=10.0),
        "send-node-heartbeat": heartbeat_pb2.SendNodeHeartbeatRequest(node=node_pb2.Node(node_id=node_id), heartbeat_interval=10.0),
        "pull-messages": fleet_pb2.PullMessagesRequest(node=node_pb2.Node(node_id=node_id)),
        "pull-object": message_pb2.PullObjectRequest(node=node_pb2.Node(node_id=node_id), run_id=77, object_id="ef" * 32),
        "confirm-message-received": message_pb2.ConfirmMessageReceivedRequest(
            node=node_pb2.Node(node_id=node_id), run_id=77, message_object_id="ab" * 32),
        "push-messages": fleet_pb2.PushMessagesRequest(
            node=node_pb2.Node(node_id=node_id),
            messages_list=[message_pb2.Message(
                metadata=message_pb2.Metadata(run_id=77, message_id="cd" * 32, src_node_id=node_id, dst_node_id=1,
                                              reply_to_message_id="ab" * 32, group_id="2", ttl=100.5,
                                              message_type="train", created_at=1_790_000_000.5),
                content=recorddict_pb2.RecordDict())],
            message_object_trees=[message_pb2.ObjectTree(object_id="cd" * 32, children=[message_pb2.ObjectTree(object_id="ef" * 32)])],
            clientapp_runtime_list=[0.25]),
        "push-object": message_pb2.PushObjectRequest(node=node_pb2.Node(node_id=node_id), run_id=77, object_id="ef" * 32,
                                                     object_content=bytes([0, 1, 2]), session_id="s1"),
        "deactivate-node": fleet_pb2.DeactivateNodeRequest(node_id=node_id),
        "unregister-node": fleet_pb2.UnregisterNodeFleetRequest(node_id=node_id),
    }
    expected["push-messages-error"] = fleet_pb2.PushMessagesRequest(
        node=node_pb2.Node(node_id=node_id),
        messages_list=[message_pb2.Message(
            metadata=expected["push-messages"].messages_list[0].metadata,
            error=error_pb2.Error(code=2, reason='no array "0.weight" in the message'))],
        message_object_trees=[message_pb2.ObjectTree(object_id="cd" * 32)],
        clientapp_runtime_list=[0.25])
    # The error reply's Message object, inflated by Flower: an error, no content, the same id.
    from flwr.app import Message  # pylint: disable=C0415
    error_object = encoded.get("error-object", b"")
    reply = Message.inflate(error_object)
    if not reply.has_error() or reply.has_content() or reply.error.code != 2 or "0.weight" not in reply.error.reason:
        failures.append(f"the error reply inflates as {reply}")
    # Flower's id re-serializes the message: equal to the hash of our bytes = the same bytes.
    if hashlib.sha256(error_object).hexdigest() != reply.object_id:
        failures.append("the error reply's id differs from Flower's own for the same message")
    for name, message in expected.items():
        parsed = type(message).FromString(encoded.get(name, b""))
        if parsed != message:
            failures.append(f"{name}: flwr parses {parsed} from the Rust bytes, expected {message}")
        if name == "push-messages" and not parsed.messages_list[0].HasField("content"):
            failures.append("push-messages: the content must be present (the SuperLink answers 500 otherwise)")
    responses = {
        "activate-node": fleet_pb2.ActivateNodeResponse(node_id=node_id),
        "send-node-heartbeat": heartbeat_pb2.SendNodeHeartbeatResponse(success=True),
        "push-object": message_pb2.PushObjectResponse(stored=True),
        "pull-messages": fleet_pb2.PullMessagesResponse(
            messages_list=[message_pb2.Message(metadata=message_pb2.Metadata(run_id=77, message_id="ab" * 32, message_type="evaluate"))],
            message_object_trees=[message_pb2.ObjectTree(object_id="ab" * 32, children=[message_pb2.ObjectTree(object_id="12" * 32)])]),
        "pull-object": message_pb2.PullObjectResponse(object_found=True, object_available=False, object_content=b"\x07\x08"),
        "push-messages": fleet_pb2.PushMessagesResponse(objects_to_push=["aa", "bb", "aa"], session_id="session-9"),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({name: m.SerializeToString().hex() for name, m in responses.items()}, f)
    read = example("fleet-read", f.name)
    wanted = {"node_id": node_id, "heartbeat": True, "stored": True, "pulled": 1, "message_id": "ab" * 32,
              "message_type": "evaluate", "run_id": 77, "tree_children": 1, "object": [True, False, "0708"],
              "objects_to_push": ["aa", "bb"], "session_id": "session-9"}
    if read != wanted:
        failures.append(f"Fleet responses read as {read}, expected {wanted}")
    print(f"{len(expected)} Fleet requests parse with flwr's classes; {len(responses)} of its responses read back")


def main():
    failures = []
    check_reply(failures)
    check_read(failures)
    check_fleet(failures)
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
