//! The lessons in Rust (`examples/<lesson>.rs`, which the page shows beside each notebook cell) run
//! here as they are, and print what the seed printed: values exactly, ids as numbers.

use minisyft::Syft;

// Each file's `main` is for `cargo run --example`; here its `lesson` runs.
#[allow(dead_code)]
#[path = "../../examples/advanced_remote_execution.rs"]
mod advanced_remote_execution;
#[allow(dead_code)]
#[path = "../../examples/basic_remote_execution.rs"]
mod basic_remote_execution;
#[allow(dead_code)]
#[path = "../../examples/common_errors.rs"]
mod common_errors;
#[allow(dead_code)]
#[path = "../../examples/federated_learning_with_untrusted_server.rs"]
mod federated_learning_with_untrusted_server;
#[allow(dead_code)]
#[path = "../../examples/learn_a_simple_linear_model.rs"]
mod learn_a_simple_linear_model;
#[allow(dead_code)]
#[path = "../../examples/playing_with_remote_tensors.rs"]
mod playing_with_remote_tensors;
#[allow(dead_code)]
#[path = "../../examples/pointer_chain_operations.rs"]
mod pointer_chain_operations;
#[allow(dead_code)]
#[path = "../../examples/remote_arithmetic.rs"]
mod remote_arithmetic;
#[allow(dead_code)]
#[path = "../../examples/secret_sharing.rs"]
mod secret_sharing;
#[allow(dead_code)]
#[path = "../../examples/toy_federated_learning.rs"]
mod toy_federated_learning;

/// Every run of five or more digits is an id: the seed's were random, ours are the client's.
fn with_ids_hidden(text: &str) -> String {
    let mut hidden = String::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        hidden.push_str(if digits.len() >= 5 { "ID" } else { &digits });
        digits.clear();
        hidden.push(c);
    }
    hidden.pop();
    hidden
}

fn check(printed: &str, expected: &str) {
    assert_eq!(with_ids_hidden(printed).trim_end(), expected.trim_end(), "printed:\n{printed}");
}

/// Runs a lesson's Rust on the test's client; what it printed.
macro_rules! printed {
    ($lesson:ident, $syft:expr) => {{
        let mut out = String::new();
        if let Err(error) = $lesson::lesson(&$syft, &mut out).await {
            panic!("{} stopped: {error}\nafter printing:\n{out}", stringify!($lesson));
        }
        out
    }};
}

fn losses(printed: &str) -> Vec<f64> {
    printed
        .lines()
        .map(|line| {
            let value = line.strip_prefix("tensor(").and_then(|l| l.strip_suffix(')'));
            value.and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("not a loss: {line}"))
        })
        .collect()
}

crate::async_test!(seed_in_1_to_19_basic_remote_execution_in_rust_prints_the_seeds_values, |syft: Syft| async move {
    check(
        &printed!(basic_remote_execution, syft),
        "tensor(2)
{ID: tensor([1, 2, 3, 4, 5]),
 ID: tensor([1, 1, 1, 1, 1])}
[PointerTensor | me:ID -> bob:ID]
<VirtualWorker id:bob #objects:2>
<VirtualWorker id:bob #objects:2>
true
ID
<VirtualWorker id:me #objects:0>
<VirtualWorker id:me #objects:0>
true
[PointerTensor | me:ID -> bob:ID]
tensor([1, 2, 3, 4, 5])
[PointerTensor | me:ID -> bob:ID]
tensor([1, 1, 1, 1, 1])
{}",
    );
});

crate::async_test!(seed_in_20_to_28_remote_tensors_on_two_workers_in_rust, |syft: Syft| async move {
    check(
        &printed!(playing_with_remote_tensors, syft),
        "{ID: tensor([1, 2, 3, 4, 5])}
{ID: tensor([1, 2, 3, 4, 5])}
[tensor([1, 2, 3, 4, 5]), tensor([1, 2, 3, 4, 5])]
{}
{}
tensor([ 2,  4,  6,  8, 10])",
    );
});

crate::async_test!(seed_in_29_to_42_remote_arithmetic_and_autograd_in_rust, |syft: Syft| async move {
    let printed = printed!(remote_arithmetic, syft);
    check(
        &printed,
        "[PointerTensor | me:ID -> bob:ID]
[PointerTensor | me:ID -> bob:ID]
[PointerTensor | me:ID -> bob:ID]
tensor([2, 3, 4, 5, 6])
[PointerTensor | me:ID -> bob:ID]
tensor([2, 3, 4, 5, 6])
tensor([1., 2., 3., 4., 5.], requires_grad=True)
tensor([1., 1., 1., 1., 1.])",
    );
    // In[33]: the result's id is the same on both ends, as in the seed.
    let z = printed.lines().nth(2).unwrap_or_default();
    let ids: Vec<&str> =
        z.trim_end_matches(']').split(':').skip(1).map(|s| s.split(' ').next().unwrap_or("")).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "{z}");
});

crate::async_test!(seed_in_44_in_rust_prints_the_seeds_ten_losses, |syft: Syft| async move {
    check(
        &printed!(learn_a_simple_linear_model, syft),
        "tensor(2.)\ntensor(0.5600)\ntensor(0.2432)\ntensor(0.1372)\ntensor(0.0849)\ntensor(0.0538)\ntensor(0.0344)\ntensor(0.0220)\ntensor(0.0141)\ntensor(0.0090)",
    );
});

crate::async_test!(seed_in_45_to_47_common_errors_in_rust_say_what_happened, |syft: Syft| async move {
    check(
        &printed!(common_errors, syft),
        "Error: add: one operand is a pointer to bob and the other is a local tensor; send the local tensor to bob first (tensor.send(&worker)), or get the pointer
Error: add: the operands live on different workers (bob and alice); move one to the other's worker first (ptr.move_to(&worker)), or get both and compute locally
Error: object ID was not found on worker bob (it was deleted, fetched or moved)",
    );
});

crate::async_test!(
    seed_in_52_to_58_toy_federated_learning_in_rust_learns_centrally_and_federated,
    |syft: Syft| async move {
        let losses = losses(&printed!(toy_federated_learning, syft));
        // In[53]: 20 epochs on the whole data; In[58]: 20 rounds of bob then alice.
        assert_eq!(losses.len(), 60);
        let (central, federated) = losses.split_at(20);
        assert!(central.windows(2).all(|w| w[1] < w[0]), "{central:?}");
        assert!(central[19] < central[0] / 100.0, "{central:?}");
        for worker in 0..2 {
            let own: Vec<f64> = federated.iter().skip(worker).step_by(2).copied().collect();
            assert!(own[19] < own[0] / 100.0 && own[19] < 1e-3, "worker {worker}: {own:?}");
        }
    }
);

crate::async_test!(seed_in_59_to_79_pointers_to_pointers_in_rust, |syft: Syft| async move {
    check(
        &printed!(advanced_remote_execution, syft),
        "tensor([1, 2, 3, 4])
[PointerTensor | me:ID -> bob:ID]
[PointerTensor | me:ID -> alice:ID]
{ID: tensor([1, 2, 3, 4])}
{ID: [PointerTensor | alice:ID -> bob:ID]}
[PointerTensor | me:ID -> bob:ID]
{}
[PointerTensor | me:ID -> bob:ID]
tensor([1, 2, 3, 4])
{}
{}
{ID: tensor([ 2,  4,  6,  8, 10]),
 ID: tensor([1, 2, 3, 4, 5])}
{ID: [PointerTensor | alice:ID -> bob:ID],
 ID: [PointerTensor | alice:ID -> bob:ID]}
tensor([ 2,  4,  6,  8, 10])
{ID: tensor([1, 2, 3, 4, 5])}
{ID: [PointerTensor | alice:ID -> bob:ID]}
tensor([1, 2, 3, 4, 5])
{}
{}",
    );
});

crate::async_test!(seed_in_84_to_100_pointer_chain_operations_in_rust, |syft: Syft| async move {
    check(
        &printed!(pointer_chain_operations, syft),
        "{ID: tensor([1, 2, 3, 4, 5])}
{ID: [PointerTensor | alice:ID -> bob:ID]}
[PointerTensor | me:ID -> alice:ID]
[PointerTensor | me:ID -> alice:ID]
{}
{ID: tensor([1, 2, 3, 4, 5])}
tensor([1, 2, 3, 4, 5])
[PointerTensor | me:ID -> bob:ID]
{ID: tensor([1, 2, 3, 4, 5])}
{}
{}
{ID: tensor([1, 2, 3, 4, 5])}",
    );
});

crate::async_test!(the_final_project_in_rust_learns_and_the_server_gets_only_averages, |syft: Syft| async move {
    let printed = printed!(federated_learning_with_untrusted_server, syft);
    let global: Vec<f64> = printed
        .lines()
        .map(|line| line.rsplit("global loss ").next().and_then(|v| v.trim().parse().ok()).unwrap_or(f64::NAN))
        .collect();
    assert_eq!(global.len(), 10, "{printed}");
    assert!(global.windows(2).all(|w| w[1] < w[0]) && global[9] < global[0] / 10.0, "{printed}");
});

crate::async_test!(the_next_lesson_in_rust_shares_values_no_holder_can_read, |syft: Syft| async move {
    let printed = printed!(secret_sharing, syft);
    let (bobs, rest) = printed.split_once("}\n").unwrap_or_else(|| panic!("{printed}"));
    assert!(bobs.starts_with('{') && !bobs.contains("tensor([1, 2, 3, 4, 5])"), "{bobs}");
    check(
        rest,
        "tensor([ 2,  4,  6,  8, 10])
FixedPrecisionTensor>tensor([100, 200, 300])
tensor([0.2000, 0.4000, 0.6000])
tensor([0.0100, 0.0400, 0.0900])",
    );
});
