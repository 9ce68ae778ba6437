//! The seed lesson's own text (`seed.txt`, PySyft's "Federated Learning" lesson as a notebook
//! export): its prose, and each code cell with the output the seed printed under it.
//!
//! The export has no markers between a cell's code, its output and the prose after it, so they
//! are told apart as a reader would: code goes on past a blank line when what follows is indented
//! or parses as Python; an output is the block after the code when it starts as PySyft's do.

/// The lesson as the seed has it.
pub const SEED: &str = include_str!("seed.txt");

#[derive(Debug, Clone, PartialEq)]
pub struct SeedCell {
    /// The number of `In [n]:`.
    pub number: u32,
    pub code: String,
    /// What the seed printed under the cell (empty when nothing).
    pub output: String,
    /// The prose between the previous cell and this one (headings included).
    pub prose: String,
}

/// Every code cell of the seed, in order.
pub fn cells() -> Vec<SeedCell> {
    let lines: Vec<&str> = SEED.lines().collect();
    let mut cells = Vec::new();
    let mut prose = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let Some(number) = cell_number(lines[at]) else {
            prose.push(lines[at]);
            at += 1;
            continue;
        };
        at += 1;
        let mut code = Vec::new();
        while at < lines.len() && cell_number(lines[at]).is_none() {
            if lines[at].trim().is_empty() && !code_goes_on(&lines[at..]) {
                break;
            }
            code.push(lines[at]);
            at += 1;
        }
        while at < lines.len() && lines[at].trim().is_empty() {
            at += 1;
        }
        let mut output = Vec::new();
        if at < lines.len() && looks_like_output(lines[at]) {
            while at < lines.len() && !lines[at].trim().is_empty() && cell_number(lines[at]).is_none() {
                output.push(lines[at]);
                at += 1;
            }
        }
        cells.push(SeedCell {
            number,
            code: code.join("\n").trim_end().to_owned(),
            output: output.join("\n"),
            prose: prose.join("\n").trim().to_owned(),
        });
        prose.clear();
    }
    cells
}

/// After a blank line in a cell: whether the code goes on (an indented line, or, past any
/// comments, a line that parses as Python) rather than the output or the prose.
fn code_goes_on(rest: &[&str]) -> bool {
    let mut next = rest.iter().filter(|l| !l.trim().is_empty());
    let Some(first) = next.clone().next() else { return false };
    if cell_number(first).is_some() || looks_like_output(first) {
        return false;
    }
    if first.starts_with(' ') || first.starts_with('\t') {
        return true;
    }
    let commented = first.trim_start().starts_with('#');
    match next.find(|l| !l.trim_start().starts_with('#')) {
        // Comments right before the output are the cell's last lines (In[84]).
        Some(line) if cell_number(line).is_some() || looks_like_output(line) => commented,
        Some(line) => parses(line) || opens_block(line),
        None => false,
    }
}

fn parses(line: &str) -> bool {
    super::parser::parse(line).is_ok()
}

/// `def train():`, `for x in y:`: a compound statement's first line, which parses only with its body.
fn opens_block(line: &str) -> bool {
    let keyword = line.split_whitespace().next().unwrap_or("");
    matches!(keyword, "def" | "for" | "if" | "while" | "with" | "class") && line.trim_end().ends_with(':')
}

fn cell_number(line: &str) -> Option<u32> {
    line.strip_prefix("In [")?.strip_suffix("]:")?.trim().parse().ok()
}

fn looks_like_output(line: &str) -> bool {
    ["tensor(", "(Wrapper)>", "<VirtualWorker", "{", "[", "True", "False"].iter().any(|start| line.starts_with(start))
        || line.chars().next().is_some_and(|c| c.is_ascii_digit())
}
