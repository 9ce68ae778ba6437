//! The seed's lessons in Rust, as a user of minisyft writes them: one program per lesson in
//! `examples/` (`cargo run --example remote_arithmetic`), each a `lesson(&syft, &mut out)` whose
//! `// In[N]` lines start the Rust of notebook cell N. The tests run those same files
//! (`tests/lessons/examples.rs`) and compare what they print with the seed; this module cuts them
//! at their `// In[N]` lines, so that the page shows beside each notebook cell the Rust that does
//! the same — text of the very file that is compiled and tested, never a copy. A cell's Rust ends at
//! the first blank line after its marker.

/// `main` for a lesson's example: runs `lesson(&syft, &mut out)` on workers in this process and
/// prints what it printed (`cargo run --example <lesson>`). The examples are native programs; in
/// wasm there is the page instead.
#[macro_export]
macro_rules! lesson_main {
    ($lesson:ident) => {
        #[cfg(not(target_arch = "wasm32"))]
        fn main() -> Result<(), Box<dyn std::error::Error>> {
            let (syft, _workers) = $crate::Syft::in_process(0);
            let mut out = String::new();
            let finished = $crate::runtime::block_on($lesson(&syft, &mut out));
            print!("{out}");
            finished
        }

        #[cfg(target_arch = "wasm32")]
        fn main() {}
    };
}

/// One lesson's Rust program.
pub struct RustLesson {
    /// Also the example's name: `cargo run --example <slug>`.
    pub slug: &'static str,
    pub title: &'static str,
    pub source: &'static str,
}

/// The seed's lessons in the notebook's order, then the project and the next lesson.
pub const LESSONS: [RustLesson; 10] = [
    lesson(
        "basic_remote_execution",
        "Basic Remote Execution",
        include_str!("../../examples/basic_remote_execution.rs"),
    ),
    lesson(
        "playing_with_remote_tensors",
        "Playing with Remote Tensors",
        include_str!("../../examples/playing_with_remote_tensors.rs"),
    ),
    lesson("remote_arithmetic", "Remote Arithmetic", include_str!("../../examples/remote_arithmetic.rs")),
    lesson(
        "learn_a_simple_linear_model",
        "Learn a Simple Linear Model",
        include_str!("../../examples/learn_a_simple_linear_model.rs"),
    ),
    lesson("common_errors", "Common Errors", include_str!("../../examples/common_errors.rs")),
    lesson(
        "toy_federated_learning",
        "Toy Federated Learning",
        include_str!("../../examples/toy_federated_learning.rs"),
    ),
    lesson(
        "advanced_remote_execution",
        "Advanced Remote Execution Tools",
        include_str!("../../examples/advanced_remote_execution.rs"),
    ),
    lesson(
        "pointer_chain_operations",
        "Pointer Chain Operations",
        include_str!("../../examples/pointer_chain_operations.rs"),
    ),
    lesson(
        "federated_learning_with_untrusted_server",
        "Federated Learning with an Untrusted Central Server",
        include_str!("../../examples/federated_learning_with_untrusted_server.rs"),
    ),
    lesson("secret_sharing", "Secret Sharing and Fixed Precision", include_str!("../../examples/secret_sharing.rs")),
];

const fn lesson(slug: &'static str, title: &'static str, source: &'static str) -> RustLesson {
    RustLesson { slug, title, source }
}

/// The Rust of one notebook cell.
#[derive(Clone, Debug, PartialEq)]
pub struct RustCell {
    /// The seed's cell number (`In[N]`).
    pub number: u32,
    /// The lesson (example) it comes from.
    pub slug: &'static str,
    /// The lines after its `// In[N]` line up to a blank line (or the next cell, or the end of the
    /// block), dedented.
    pub code: String,
}

/// The Rust of notebook cell `number`, if a lesson has an `// In[number]` line.
pub fn rust_of_cell(number: u32) -> Option<RustCell> {
    rust_cells().remove(&number)
}

/// The Rust of every notebook cell that has some, by cell number.
pub fn rust_cells() -> std::collections::BTreeMap<u32, RustCell> {
    LESSONS.iter().flat_map(|lesson| cells_of(lesson.slug, lesson.source)).map(|cell| (cell.number, cell)).collect()
}

/// Every `// In[N]` part of `source`, in order.
pub fn cells_of(slug: &'static str, source: &str) -> Vec<RustCell> {
    let lines: Vec<&str> = source.lines().collect();
    let mut cells = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(number) = cell_marker(line) else { continue };
        let indent = indentation(line);
        let body: Vec<&str> = lines[index + 1..]
            .iter()
            .take_while(|l| cell_marker(l).is_none() && !l.trim().is_empty() && indentation(l) >= indent)
            .copied()
            .collect();
        let code = body.iter().map(|l| l.get(indent..).unwrap_or("").trim_end()).collect::<Vec<_>>().join("\n");
        cells.push(RustCell { number, slug, code: code.trim_matches('\n').to_owned() });
    }
    cells
}

/// `Some(N)` for a line that is exactly `// In[N]`.
fn cell_marker(line: &str) -> Option<u32> {
    line.trim().strip_prefix("// In[")?.strip_suffix(']')?.parse().ok()
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, expected: &[(u32, &str)]) {
        let cells = cells_of("test", source);
        let found: Vec<(u32, &str)> = cells.iter().map(|c| (c.number, c.code.as_str())).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_cell_runs_to_a_blank_line_the_next_marker_or_the_end_of_its_block() {
        check(
            "fn lesson() {\n    // In[1]\n    let x = 1;\n\n    z();\n    // In[2]\n    if x {\n        y();\n    }\n    // In[3]\n    w();\n}\n",
            &[(1, "let x = 1;"), (2, "if x {\n    y();\n}"), (3, "w();")],
        );
    }

    #[test]
    fn only_a_whole_line_marker_starts_a_cell() {
        check("    let a = 1; // In[3], earlier\n    // In[4]\n    b();\n", &[(4, "b();")]);
    }

    #[test]
    fn every_cell_of_the_seed_that_does_something_has_its_rust() {
        // In[2] is the imports and the hook: a client in Rust, shown in the first example's main.
        let numbers = [1, 3, 5, 6, 7, 16, 22, 28, 32, 39, 44, 46, 47, 53, 58, 59, 62, 71, 74, 89, 98, 100];
        for number in numbers {
            let cell = rust_of_cell(number).unwrap_or_else(|| panic!("no Rust for In[{number}]"));
            assert!(!cell.code.trim().is_empty(), "In[{number}] is empty");
        }
        assert!(rust_of_cell(44).is_some_and(|c| c.code.contains("input.mm(&weights)?")));
        assert!(rust_of_cell(2).is_some_and(|c| c.code.contains("Syft::in_process")));
    }
}
