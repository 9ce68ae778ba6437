//! The Rust a lesson step shows is the body of its `run`, cut out of the lesson file itself
//! (`include_str!`), so the page can never show code that differs from the code that runs.

use super::Lesson;

/// Fills each step's `rust` with the body of the n-th `step!` in `file`, in order.
pub(super) fn with_sources(mut lessons: Vec<Lesson>, file: &str) -> Vec<Lesson> {
    let mut bodies = step_bodies(file).into_iter();
    for step in lessons.iter_mut().flat_map(|lesson| lesson.steps.iter_mut()) {
        step.rust = bodies.next().unwrap_or_else(|| "// (source not found)".to_owned());
    }
    lessons
}

/// The body of every `step!(cell, python, |s| { body })` in `file`, dedented.
pub fn step_bodies(file: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    let mut rest = file;
    while let Some(start) = rest.find("step!(\"") {
        rest = &rest[start + "step!(".len()..];
        // Past the two string literals (cell and Python), to the closure's opening brace.
        let Some(after_strings) = skip_string(rest).and_then(|r| r.find('"').map(|i| &r[i..])).and_then(skip_string)
        else {
            break;
        };
        let Some(open) = after_strings.find("| {").or_else(|| after_strings.find("|{")) else { break };
        let body_start = &after_strings[open + after_strings[open..].find('{').unwrap_or(0) + 1..];
        let Some(end) = matching_brace(body_start) else { break };
        bodies.push(dedent(&body_start[..end]));
        rest = &body_start[end..];
    }
    bodies
}

/// `text` after the string literal it starts with.
fn skip_string(text: &str) -> Option<&str> {
    let mut chars = text.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut escaped = false;
    for (i, c) in chars {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(&text[i + 1..]),
            _ => {}
        }
    }
    None
}

/// Where the block that `text` is inside of closes, skipping strings, chars and comments.
fn matching_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = text.len() - skip_string(&text[i..])?.len() - 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => i += text[i..].find('\n').unwrap_or(text.len() - i),
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn dedent(body: &str) -> String {
    let lines: Vec<&str> = body.trim_matches('\n').lines().collect();
    let indent =
        lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let text: Vec<&str> = lines.iter().map(|l| l.get(indent..).unwrap_or("").trim_end()).collect();
    text.join("\n").trim().to_owned()
}
