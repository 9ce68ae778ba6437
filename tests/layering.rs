//! The modules depend on each other in one direction: each top-level module of `src/` uses only
//! modules of the layers below its own, as ARCHITECTURE.md's layering writes them down, and no
//! files of one module import each other in a loop. Read from the source (every `crate::` path,
//! `$crate::` in macros, and `super::` paths that leave their module), so a new back edge fails
//! here with its file and line.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use the modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["ids"],
    &["error"],
    &["limits", "encoding", "rng"],
    &["tensor"],
    &["nn", "mechanisms"],
    &["protocol"],
    &["worker"],
    &["runtime"],
    &["client"],
    &["privacy"],
    &["federated"],
    &["playground"],
    &["flower"],
    &["notebook"],
    &["lessons"],
    &["ui"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module path of a file: `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix("src").expect("under src/");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    if last != "mod.rs" && last != "lib.rs" {
        parts.push(last.trim_end_matches(".rs").to_owned());
    }
    parts
}

/// The code of a line without its comment (doc links name modules without using them).
fn code(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return "";
    }
    line.split(" // ").next().unwrap_or(line)
}

/// Every path a line uses, as written from its first segment (`crate`, `$crate` or `super`):
/// `use super::{a, b::c}` gives `super::a` and `super::b::c`.
fn paths(line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let starts = ["crate::", "super::"].iter().find(|s| bytes[i..].starts_with(s.as_bytes()));
        let preceded = i > 0 && (is_ident(bytes[i - 1]) || bytes[i - 1] == b':');
        match starts {
            Some(start) if !preceded => {
                let mut j = i;
                let mut segments = Vec::new();
                // Segments separated by `::`, stopping at anything else; a `{` expands one level.
                loop {
                    let begin = j;
                    while j < bytes.len() && is_ident(bytes[j]) {
                        j += 1;
                    }
                    if begin == j {
                        break;
                    }
                    segments.push(line[begin..j].to_owned());
                    if line[j..].starts_with("::{") {
                        let close = line[j..].find('}').map_or(line.len(), |c| j + c);
                        for item in line[j + 3..close].split(',') {
                            let item: String =
                                item.trim().chars().take_while(|c| is_ident(*c as u8) || *c == ':').collect();
                            let mut path = segments.clone();
                            path.extend(item.split("::").filter(|s| !s.is_empty()).map(str::to_owned));
                            found.push(path);
                        }
                        segments.clear();
                        j = close;
                        break;
                    }
                    if line[j..].starts_with("::") {
                        j += 2;
                    } else {
                        break;
                    }
                }
                if !segments.is_empty() {
                    found.push(segments);
                }
                i = j.max(i + start.len());
            }
            _ => i += 1,
        }
    }
    found
}

/// `path` as used from the module `from`, made absolute (`None` for a path into the crate root
/// itself, such as `crate::Result`, which names no module).
fn absolute(from: &[String], path: &[String]) -> Vec<String> {
    match path.first().map(String::as_str) {
        Some("crate") => path[1..].to_vec(),
        Some("super") => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let mut base = from[..from.len().saturating_sub(ups)].to_vec();
            base.extend(path[ups..].iter().cloned());
            base
        }
        _ => path.to_vec(),
    }
}

type ModulePath = Vec<String>;

struct Use {
    file: PathBuf,
    line: usize,
    target: Vec<String>,
}

fn uses() -> (Vec<Use>, BTreeSet<Vec<String>>) {
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    files.sort();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(f)).collect();
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with("src/bin") && !f.ends_with("lib.rs")) {
        let from = module_path(file);
        let text = std::fs::read_to_string(file).expect("a source file is readable");
        for (number, line) in text.lines().enumerate() {
            for path in paths(code(line)) {
                found.push(Use { file: file.clone(), line: number + 1, target: absolute(&from, &path) });
            }
        }
    }
    (found, modules)
}

#[test]
fn every_module_uses_only_the_layers_below_its_own() {
    let (uses, modules) = uses();
    let tops: BTreeSet<&str> = modules.iter().filter_map(|m| m.first().map(String::as_str)).collect();
    let unplaced: Vec<&&str> = tops.iter().filter(|m| layer_of(m).is_none() && **m != "bin").collect();
    assert!(unplaced.is_empty(), "modules with no layer in tests/layering.rs (and ARCHITECTURE.md): {unplaced:?}");
    let mut against = Vec::new();
    for Use { file, line, target } in &uses {
        let from = &module_path(file)[0];
        let Some(to) = target.first().filter(|to| *to != from && tops.contains(to.as_str())) else { continue };
        if let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) {
            if b >= a {
                against.push(format!(
                    "{}:{line}: {from} (layer {a}) uses {} (layer {b})",
                    file.display(),
                    target.join("::")
                ));
            }
        }
    }
    assert!(against.is_empty(), "edges against the layering:\n{}", against.join("\n"));
}

#[test]
fn no_files_of_one_module_import_each_other_in_a_loop() {
    let (uses, modules) = uses();
    // File to file, within one top-level module, leaving out a file's own parent and children
    // (a `mod.rs` declares its children; a child uses its parent's helpers).
    let mut edges: BTreeMap<ModulePath, BTreeMap<ModulePath, (PathBuf, usize)>> = BTreeMap::new();
    for Use { file, line, target } in &uses {
        let from = module_path(file);
        let Some(to) = (1..=target.len()).rev().map(|n| target[..n].to_vec()).find(|p| modules.contains(p)) else {
            continue;
        };
        let related = from.starts_with(&to) || to.starts_with(&from);
        if from.first() == to.first() && !related {
            edges.entry(from).or_default().entry(to).or_insert((file.clone(), *line));
        }
    }
    // A loop is an edge whose target reaches back to its source.
    let reaches = |start: &Vec<String>, goal: &Vec<String>| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![start.clone()]);
        while let Some(node) = stack.pop() {
            if &node == goal {
                return true;
            }
            if seen.insert(node.clone()) {
                stack.extend(edges.get(&node).into_iter().flat_map(|e| e.keys().cloned()));
            }
        }
        false
    };
    let mut loops = Vec::new();
    for (from, targets) in &edges {
        for (to, (file, line)) in targets {
            if reaches(to, from) {
                loops.push(format!(
                    "{}:{line}: {} uses {}, which leads back",
                    file.display(),
                    from.join("::"),
                    to.join("::")
                ));
            }
        }
    }
    assert!(loops.is_empty(), "file-level import loops:\n{}", loops.join("\n"));
}

#[test]
fn the_scanner_reads_paths_as_written() {
    let check = |line: &str, expected: &[&str]| {
        let found: Vec<String> = paths(code(line)).iter().map(|p| p.join("::")).collect();
        assert_eq!(found, expected, "{line}");
    };
    check("use crate::protocol::{Body, ops::Op};", &["crate::protocol::Body", "crate::protocol::ops::Op"]);
    check("use super::super::url;", &["super::super::url"]);
    check("|x| $crate::mechanisms::fix_precision(x, scale);", &["crate::mechanisms::fix_precision"]);
    check("/// see [`Worker`](crate::worker::Worker)", &[]);
    check("let a = b; // crate::ui", &[]);
    assert_eq!(absolute(&["flower".into(), "node".into()], &["super".into(), "client".into()]), ["flower", "client"]);
    assert_eq!(module_path(Path::new("src/playground/mod.rs")), ["playground"]);
}
