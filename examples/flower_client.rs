//! A native Flower node over the Fleet API (`src/flower/native.rs`). For now:
//! `flower_client smoke HOST:PORT` registers and activates a node with a fresh P-384 key, sends a
//! heartbeat, asks for messages, then deactivates and unregisters — every call signed by the
//! Rust side; it prints each step and exits non-zero on the first failure.

#[cfg(not(target_arch = "wasm32"))]
fn smoke(address: &str) -> minisyft::Result<()> {
    use minisyft::flower::fleet::{self, Request};
    use minisyft::flower::native::{Identity, NativeFleet};
    let fleet = NativeFleet::new(address, Identity::generate()?);
    let pem = fleet.identity.public_key_pem().to_vec();
    fleet.call(&Request::RegisterNode { public_key_pem: pem.clone() })?;
    println!("ok   register-node");
    let node_id =
        fleet::node_id(&fleet.call(&Request::ActivateNode { public_key_pem: pem, heartbeat_interval: 10.0 })?)?;
    println!("ok   activate-node: node {node_id}");
    let alive = fleet::flag(&fleet.call(&Request::Heartbeat { node_id, heartbeat_interval: 10.0 })?)?;
    println!("{} send-node-heartbeat", if alive { "ok  " } else { "FAIL" });
    let pulled = fleet::pulled_messages(&fleet.call(&Request::PullMessages { node_id })?)?;
    println!("ok   pull-messages: {} waiting", pulled.len());
    fleet.call(&Request::DeactivateNode { node_id })?;
    fleet.call(&Request::UnregisterNode { node_id })?;
    println!("ok   deactivate-node, unregister-node");
    if alive {
        Ok(())
    } else {
        Err(minisyft::Error::Flower { what: "heartbeat".into(), reason: "success = false".into() })
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("smoke"), Some(address)) => {
            if let Err(error) = smoke(address) {
                println!("FAIL {error}");
                std::process::exit(1);
            }
        }
        _ => {
            eprintln!("usage: flower_client smoke HOST:PORT");
            std::process::exit(2);
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
