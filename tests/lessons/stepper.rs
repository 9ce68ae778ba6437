//! The lesson steps the page and the examples run: every step of every lesson runs in order on
//! one session, and the outputs the seed prints deterministically come out the same.

use minisyft::lessons::{all, Session};
use minisyft::Syft;

async fn run_all(syft: Syft) -> Vec<(String, String)> {
    let mut session = Session::new(syft);
    let mut outputs = Vec::new();
    for lesson in all() {
        for step in &lesson.steps {
            let output =
                (step.run)(&mut session).await.unwrap_or_else(|e| panic!("{} {}: {e}", lesson.slug, step.cell));
            outputs.push((format!("{} {}", lesson.slug, step.cell), output));
        }
    }
    outputs
}

fn output<'a>(outputs: &'a [(String, String)], key: &str) -> &'a str {
    &outputs.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no step {key}")).1
}

crate::async_test!(every_step_of_every_lesson_runs_and_prints_the_seeds_values, |syft: Syft| async move {
    let outputs = run_all(syft).await;
    assert_eq!(output(&outputs, "basic_remote_execution In[1]"), "tensor(2)");
    assert_eq!(
        output(&outputs, "basic_remote_execution In[15]–In[18]"),
        "tensor([1, 2, 3, 4, 5])\ntensor([1, 1, 1, 1, 1])"
    );
    assert_eq!(output(&outputs, "basic_remote_execution In[19]"), "{}");
    assert!(output(&outputs, "basic_remote_execution In[8]–In[11]")
        .starts_with("<VirtualWorker id:bob #objects:2>\ntrue\n"));
    assert_eq!(
        output(&outputs, "basic_remote_execution In[12]–In[14]"),
        "<VirtualWorker id:me #objects:0>\n<VirtualWorker id:me #objects:0>\ntrue"
    );
    assert_eq!(
        output(&outputs, "playing_with_remote_tensors In[25]"),
        "[tensor([1, 2, 3, 4, 5]), tensor([1, 2, 3, 4, 5])]"
    );
    assert_eq!(output(&outputs, "playing_with_remote_tensors In[26]–In[27]"), "{}\n{}");
    assert_eq!(output(&outputs, "playing_with_remote_tensors In[28]"), "tensor([ 2,  4,  6,  8, 10])");
    assert!(output(&outputs, "remote_arithmetic In[32]–In[34]").ends_with("\ntensor([2, 3, 4, 5, 6])"));
    assert_eq!(
        output(&outputs, "remote_arithmetic In[40]–In[42]"),
        "tensor([1., 2., 3., 4., 5.], requires_grad=True)\ntensor([1., 1., 1., 1., 1.])"
    );
    assert_eq!(
        output(&outputs, "learn_a_simple_linear_model In[44]"),
        "tensor(2.)\ntensor(0.5600)\ntensor(0.2432)\ntensor(0.1372)\ntensor(0.0849)\ntensor(0.0538)\ntensor(0.0344)\ntensor(0.0220)\ntensor(0.0141)\ntensor(0.0090)"
    );
    assert!(output(&outputs, "common_errors In[45]–In[46]").contains("is a local tensor"));
    assert!(output(&outputs, "common_errors (two workers)").contains("different workers (bob and alice)"));
    assert!(output(&outputs, "common_errors In[47]").contains("was not found on worker bob"));
    assert_eq!(output(&outputs, "toy_federated_learning In[57]–In[58]").lines().count(), 40);
    assert!(output(&outputs, "advanced_remote_execution In[63]–In[64]").contains("-> bob:"));
    assert!(output(&outputs, "advanced_remote_execution In[68]–In[70]").starts_with("tensor([1, 2, 3, 4])\n{}\n{}"));
    assert!(output(&outputs, "advanced_remote_execution In[74]–In[76]").starts_with("tensor([ 2,  4,  6,  8, 10])"));
    assert!(output(&outputs, "advanced_remote_execution In[77]–In[79]").ends_with("\n{}\n{}"));
    assert!(output(&outputs, "pointer_chain_operations In[89]–In[92]").ends_with("tensor([1, 2, 3, 4, 5])}"));
    assert!(output(&outputs, "pointer_chain_operations In[98]–In[100]").starts_with("{}\n{"));
    let project = output(&outputs, "federated_learning_with_untrusted_server project");
    assert_eq!(project.lines().count(), 10);
    let received = "me received: loss from bob, loss from alice, average weight from secure_worker, average bias from secure_worker";
    assert!(project.lines().all(|l| l.ends_with(received)), "{project}");
    // PySyft's next lesson: bob's share is not x; the shares add up; products within 1e-3.
    let bobs = output(&outputs, "secret_sharing Sharing");
    assert!(bobs.starts_with('{') && !bobs.contains("tensor([1, 2, 3, 4, 5])"), "{bobs}");
    assert_eq!(output(&outputs, "secret_sharing Adding shares"), "tensor([ 2,  4,  6,  8, 10])");
    assert_eq!(
        output(&outputs, "secret_sharing Fixed precision"),
        "FixedPrecisionTensor>tensor([100, 200, 300])\ntensor([0.2000, 0.4000, 0.6000])"
    );
    let squares: Vec<f64> = output(&outputs, "secret_sharing Multiplying shares")
        .trim_start_matches("tensor([")
        .trim_end_matches("])")
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(squares.iter().zip([0.01, 0.04, 0.09]).all(|(a, b)| (a - b).abs() <= 1e-3), "{squares:?}");
});

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_step_shows_the_body_of_the_code_it_runs() {
    let files = [
        include_str!("../../src/lessons/basics.rs"),
        include_str!("../../src/lessons/advanced.rs"),
        include_str!("../../src/lessons/sharing.rs"),
    ];
    let steps: usize = files.iter().map(|f| f.matches("step!(\"").count()).sum();
    let lessons = all();
    let shown: Vec<(String, String)> = lessons
        .iter()
        .flat_map(|l| l.steps.iter().map(move |s| (format!("{} {}", l.slug, s.cell), s.rust.clone())))
        .collect();
    assert_eq!(shown.len(), steps, "every step! in the sources is a step");
    for (step, rust) in &shown {
        assert!(!rust.is_empty() && !rust.contains("step!(") && !rust.contains("(source not found)"), "{step}: {rust}");
        // Each line shown is a line of the lesson source: nothing is a hand copy.
        for line in rust.lines().filter(|l| !l.trim().is_empty()) {
            assert!(files.iter().any(|f| f.contains(line.trim())), "{step} shows {line:?}, which is not in the source");
        }
    }
    let advanced = &lessons.iter().find(|l| l.slug == "advanced_remote_execution").unwrap().steps[0];
    assert!(advanced.rust.contains("bob.add_worker(&alice)?"), "{}", advanced.rust);
}

crate::async_test!(a_cell_run_before_the_cells_it_needs_names_the_missing_variable, |syft: Syft| async move {
    let mut session = Session::new(syft);
    let lesson = all().into_iter().find(|l| l.slug == "basic_remote_execution").expect("the first lesson");
    let step = lesson.steps.iter().find(|s| s.cell == "In[7]").expect("In[7] prints x_ptr");
    match (step.run)(&mut session).await {
        Err(error @ minisyft::Error::NotDefined { .. }) => {
            assert_eq!(error.to_string(), "`x_ptr` is not defined yet: run the cells above this one first")
        }
        other => panic!("{other:?}"),
    }
});
