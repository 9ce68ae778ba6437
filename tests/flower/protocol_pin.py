"""The Fleet API that minisyft's browser client speaks, pinned: the routes of the SuperLink's
Fleet router and every field of the protobuf messages on them, as flwr 1.42.0 defines them,
compared with flower/fleet_protocol.json. If the pinned Flower changes under us, this fails
loudly and says what changed. `--write` records the current protocol (after a deliberate bump).

Run with the Flower virtualenv: .venv-flower/bin/python tests/flower/protocol_pin.py
"""

import json
import sys
from pathlib import Path

import flwr
from flwr.proto import fab_pb2, fleet_pb2, heartbeat_pb2, message_pb2, node_pb2, recorddict_pb2, run_pb2
from flwr.superlink.routers.fleet.router import router

PINNED = Path(__file__).resolve().parents[2] / "flower" / "fleet_protocol.json"
MODULES = (fleet_pb2, heartbeat_pb2, message_pb2, node_pb2, recorddict_pb2, run_pb2, fab_pb2)


def message_schema(descriptor, seen):
    if descriptor.full_name in seen:
        return
    seen[descriptor.full_name] = None
    fields = []
    for field in descriptor.fields:
        fields.append({
            "name": field.name,
            "number": field.number,
            "type": field.type,
            "repeated": field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED,
            "message": field.message_type.full_name if field.message_type else None,
            "oneof": field.containing_oneof.name if field.containing_oneof else None,
        })
        if field.message_type:
            message_schema(field.message_type, seen)
    seen[descriptor.full_name] = fields


def current():
    routes = sorted(f"{sorted(route.methods)[0]} {route.path}" for route in router.routes)
    seen = {}
    for module in MODULES:
        for descriptor in module.DESCRIPTOR.message_types_by_name.values():
            message_schema(descriptor, seen)
    return {"flwr": flwr.__version__, "routes": routes, "messages": dict(sorted(seen.items()))}


def main():
    now = current()
    if "--write" in sys.argv:
        PINNED.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {PINNED}: {len(now['routes'])} routes, {len(now['messages'])} messages")
        return 0
    pinned = json.loads(PINNED.read_text())
    problems = []
    if now["flwr"] != pinned["flwr"]:
        problems.append(f"flwr {now['flwr']} installed, {pinned['flwr']} pinned")
    for route in sorted(set(pinned["routes"]) ^ set(now["routes"])):
        problems.append(f"route {route}: {'gone' if route in pinned['routes'] else 'new'}")
    for name in sorted(set(pinned["messages"]) | set(now["messages"])):
        before, after = pinned["messages"].get(name), now["messages"].get(name)
        if before != after:
            problems.append(f"message {name}: pinned {json.dumps(before)}, now {json.dumps(after)}")
    if problems:
        print("THE FLEET PROTOCOL CHANGED UNDER US (minisyft's browser client speaks the pinned one):")
        for problem in problems:
            print("  -", problem)
        return 1
    print(f"the Fleet protocol is flwr {now['flwr']}'s: {len(now['routes'])} routes, {len(now['messages'])} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
