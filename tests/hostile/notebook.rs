//! Hostile cells for the notebook's interpreter: the seed's own cells mutated, token soup, deep
//! nesting, huge literals and endless loops. Every cell ends (within its step budget) with an
//! output or a typed error; none panics, and the notebook answers the next cell.

use std::panic::{catch_unwind, AssertUnwindSafe};

use minisyft::notebook::seed::cells;
use minisyft::notebook::Notebook;
use minisyft::rng::Rng;
use minisyft::runtime::block_on;

const VOCABULARY: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "=",
    "==",
    "+",
    "-",
    "*",
    "/",
    "**",
    "//",
    "%",
    "@",
    "+=",
    "*=",
    "<",
    "not ",
    " and ",
    " or ",
    " in ",
    " is ",
    "\n",
    "\n    ",
    "\n        ",
    "\t",
    "#",
    "'",
    "\"",
    "f'{",
    "}'",
    "\\",
    "x",
    "y",
    "bob",
    "alice",
    "th",
    "sy",
    "hook",
    "me",
    "x_ptr",
    "None",
    "True",
    "1",
    "0",
    "-1",
    "1.5",
    "1e308",
    "2**63",
    "9999999999999999999999",
    ".send(bob)",
    ".send(alice)",
    ".get()",
    ".move(alice)",
    ".remote_get()",
    ".backward()",
    ".grad",
    ".data",
    ".location",
    "._objects",
    ".sum()",
    ".mm(x)",
    "th.tensor([1.,2])",
    "th.tensor([[1,2],[3,4]])",
    "th.zeros(4096, 4096)",
    "for i in range(10**9):",
    "while True:",
    "def f(a, b=1):",
    "return",
    "f(f)",
    "lambda",
    "lambda x: x",
    "lambda: ",
    "try:",
    "except:",
    "except Exception as e:",
    "except (ValueError, 3):",
    "finally:",
    "raise",
    "raise ValueError('x')",
    "[x for x in ",
    " for x in range(9)",
    " if x",
    "{k: v for k, v in ",
    "import torch",
    "from torch import nn",
    "nn.Linear(2,1)",
    "optim.SGD",
    "print(",
    "range(",
    "len(",
    "zip(",
    "enumerate(",
    "list(",
    "str(",
    "'%s'",
    ".format(",
    "class C:",
    "class N(nn.Module):",
    "def __init__(self):",
    "super().__init__()",
    "self.fc = nn.Linear(2, 1)",
    "def forward(self, x):",
    "N()(x)",
    "optim.Adam(",
    "with th.no_grad():",
    "del",
    "yield",
    "pass",
    "break",
    "continue",
    "if",
    "else:",
    "elif",
    "bob._objects = {}",
    "bob.clear_objects()",
    "é",
    "\u{0}",
];

/// The cells a learner could type, at their worst.
struct CellGenerator {
    rng: Rng,
    seed_cells: Vec<String>,
}

impl CellGenerator {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    fn word(&mut self) -> &'static str {
        VOCABULARY[self.below(VOCABULARY.len() as u64) as usize]
    }

    fn cell(&mut self) -> String {
        match self.below(10) {
            0..=4 => self.mutated(),
            5 | 6 => (0..1 + self.below(60)).map(|_| self.word()).collect(),
            7 => self.nested(),
            8 => self.huge(),
            _ => self.endless(),
        }
    }

    fn mutated(&mut self) -> String {
        let which = self.below(self.seed_cells.len() as u64) as usize;
        let cell = self.seed_cells[which].clone();
        let mut chars: Vec<char> = cell.chars().collect();
        for _ in 0..1 + self.below(5) {
            let at = self.below(chars.len() as u64 + 1) as usize;
            match self.below(4) {
                0 if at < chars.len() => {
                    let end = (at + 1 + self.below(8) as usize).min(chars.len());
                    chars.drain(at..end);
                }
                1 => {
                    let word = self.word();
                    chars.splice(at..at, word.chars());
                }
                2 if at < chars.len() => {
                    let c = chars[at];
                    chars.insert(at, c);
                }
                _ => {
                    let line: Vec<char> = cell.lines().next().unwrap_or("").chars().collect();
                    chars.splice(at..at, line.into_iter().chain(['\n']));
                }
            }
        }
        chars.into_iter().collect()
    }

    fn nested(&mut self) -> String {
        let depth = 1 + self.below(3000) as usize;
        match self.below(9) {
            7 => format!("f = {}1", "lambda: ".repeat(depth)),
            8 => format!("{}[1]{}", "[x for x in ".repeat(depth), "]".repeat(depth)),
            0 => format!("{}1{}", "(".repeat(depth), ")".repeat(depth)),
            1 => format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
            2 => format!("{}1", "-".repeat(depth)),
            3 => format!("{}True", "not ".repeat(depth)),
            4 => {
                (0..depth.min(400)).map(|i| format!("{}if True:\n", "    ".repeat(i))).collect::<String>()
                    + &"    ".repeat(depth.min(400))
                    + "pass"
            }
            5 => format!("x = {}1{}", "{1: ".repeat(depth), "}".repeat(depth)),
            _ => format!("print({}1{})", "f'{".repeat(depth.min(50)), "}'".repeat(depth.min(50))),
        }
    }

    fn huge(&mut self) -> String {
        let cases = [
            "9".repeat(1 + self.below(400) as usize),
            "x = 2**10**10".into(),
            "x = 'a' * 10**9".into(),
            "x = [0] * 10**9".into(),
            "x = list(range(10**9))".into(),
            "import torch as th\nx = th.zeros(100000, 100000)".into(),
            "import torch as th\nx = th.zeros(4096, 4096)\ny = x.mm(x)".into(),
            "import torch as th\nx = th.tensor([[1.0]*3000]*3000)".into(),
            format!("x = '{}'", "a".repeat(70_000)),
            "x = 1e308 * 10\ny = -x\nz = x + y\nprint(z, int(1e300))".into(),
            "print(10**18 * 10**18)".into(),
            "x = [i for i in range(10**9)]".into(),
            "x = {i: i for i in range(10**9)}".into(),
            "x = [[0] * 1000 for _ in range(10**6)]".into(),
            "x = sum(i for i in range(10**9) for j in range(10**9))".into(),
            "def f(n):\n    try:\n        return f(n + 1)\n    except RecursionError:\n        return f(n + 1)\nf(0)"
                .into(),
            "x = (1 << 70)".into(),
        ];
        cases[self.below(cases.len() as u64) as usize].clone()
    }

    fn endless(&mut self) -> String {
        let cases = [
            "while True:\n    pass",
            "i = 0\nwhile True:\n    i += 1",
            "for i in range(10**18):\n    x = i",
            "def f(n):\n    return f(n) + f(n)\nf(1)",
            "import torch as th\nx = th.zeros(2000, 2000)\nwhile True:\n    x = x + 1",
            "import torch as th\nimport syft as sy\nhook = sy.TorchHook(th)\nbob = sy.VirtualWorker(hook, id='bob')\nwhile True:\n    y = th.tensor([1.]).send(bob)",
            "x = []\nwhile True:\n    x.append(x)",
            "s = 'a'\nwhile True:\n    s = s + s",
        ];
        cases[self.below(cases.len() as u64) as usize].to_owned()
    }
}

#[test]
fn the_notebook_survives_a_hundred_thousand_hostile_cells_and_answers_after_each() {
    // An unoptimised build's stack frames are about ten times a release build's; the depth limit
    // (`MAX_EVAL_DEPTH`) is sized for the release build's 1 MB, so the debug run gets room.
    let run = std::thread::Builder::new().stack_size(if cfg!(debug_assertions) { 16 << 20 } else { 1 << 20 });
    run.spawn(survive_hostile_cells).expect("a thread").join().expect("no panic");
}

fn survive_hostile_cells() {
    let total = crate::message_count(100_000, 2_000) / if cfg!(debug_assertions) { 20 } else { 1 };
    let mut generator =
        CellGenerator { rng: Rng::seeded(21), seed_cells: cells().into_iter().map(|c| c.code).collect() };
    let setup = "import torch as th\nimport syft as sy\nfrom torch import nn, optim\nhook = sy.TorchHook(th)\n\
                 bob = sy.VirtualWorker(hook, id='bob')\nalice = sy.VirtualWorker(hook, id='alice')\nx = th.tensor([1.,2.])";
    let fresh = || {
        let (mut notebook, workers) = Notebook::in_process(3);
        notebook.set_step_budget(10_000);
        let output = block_on(notebook.run_cell(setup));
        assert!(output.error.is_none(), "{:?}", output.traceback);
        (notebook, workers)
    };
    let (mut notebook, mut workers) = fresh();
    let mut errors = 0;
    for i in 0..total {
        // Start afresh now and then, so that stores and namespaces of every size are met.
        if i % 5_000 == 4_999 {
            (notebook, workers) = fresh();
        }
        let cell = generator.cell();
        let outcome = catch_unwind(AssertUnwindSafe(|| block_on(notebook.run_cell(&cell))));
        let output = outcome.unwrap_or_else(|_| panic!("cell {i} panicked:\n{cell}"));
        errors += usize::from(output.error.is_some());
        let alive = block_on(notebook.run_cell("1 + 1"));
        assert_eq!(alive.value.as_deref(), Some("2"), "after cell {i}:\n{cell}\n{:?}", alive.error);
    }
    drop(workers);
    // Most hostile cells fail, and each failure was a typed error, not a crash.
    assert!(errors > total / 4, "{errors} of {total} failed");
}
