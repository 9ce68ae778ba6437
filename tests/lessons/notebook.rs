//! The seed's own cells, from its text verbatim, run by the notebook's interpreter: each prints
//! what the seed printed under it (object ids, which are random, matched as numbers; the losses
//! of In[53] and In[58], which follow a random initialisation, matched by form).

use minisyft::notebook::seed::{cells, SeedCell};
use minisyft::notebook::{CellOutput, Notebook, PyErrorKind};
use minisyft::Syft;

/// The cells whose printed numbers come from `nn.Linear`'s random initialisation.
const RANDOM_INITIALISATION: &[u32] = &[53, 58];

async fn run(notebook: &mut Notebook, source: &str) -> CellOutput {
    notebook.run_cell(source).await
}

/// What a cell showed, as one text: what it printed, then its value.
fn shown(output: &CellOutput) -> String {
    let mut text = output.stdout.trim_end().to_owned();
    if let Some(value) = &output.value {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(value);
    }
    text
}

/// Ids are random in PySyft and here: every number of 5 digits or more reads as `ID`; a dict's
/// entries are compared as a sorted list (pprint orders them by id, and wraps by width).
fn normalise(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\u{0}')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(if digits.len() >= 5 { "ID" } else { &digits });
            digits.clear();
        }
        if c != '\u{0}' {
            out.push(c);
        }
    }
    let out = out.replace(",\n ", ", ");
    if let Some(inner) = out.strip_prefix('{').and_then(|o| o.strip_suffix('}')) {
        let inner = format!(", {inner}");
        let mut entries: Vec<&str> = inner.split(", ID:").filter(|e| !e.is_empty()).collect();
        entries.sort();
        return format!("{{ID:{}}}", entries.join(", ID:"));
    }
    out
}

async fn check(notebook: &mut Notebook, cell: &SeedCell) {
    let output = run(notebook, &cell.code).await;
    assert!(output.error.is_none(), "In[{}] failed:\n{}\n{:?}", cell.number, cell.code, output.traceback);
    let got = shown(&output);
    if RANDOM_INITIALISATION.contains(&cell.number) {
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), cell.output.lines().count(), "In[{}]: {got}", cell.number);
        assert!(lines.iter().all(|l| l.starts_with("tensor(") && l.ends_with(')')), "In[{}]: {got}", cell.number);
        let last: f64 = lines.last().and_then(|l| l[7..l.len() - 1].parse().ok()).unwrap_or(f64::MAX);
        assert!(last < 0.05, "In[{}] ends at a loss of {last}", cell.number);
        return;
    }
    assert_eq!(normalise(&got), normalise(&cell.output), "In[{}]:\n{}", cell.number, cell.code);
}

crate::async_test!(every_cell_of_the_seed_prints_what_the_seed_printed, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    let cells = cells();
    assert_eq!(cells.len(), 89, "the seed's code cells");
    for cell in &cells {
        check(&mut notebook, cell).await;
    }
});

crate::async_test!(the_linear_model_of_in_44_learns_the_seeds_losses_to_the_printed_digit, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    for cell in cells().iter().filter(|c| c.number <= 44) {
        let output = run(&mut notebook, &cell.code).await;
        assert!(output.error.is_none(), "In[{}]: {:?}", cell.number, output.traceback);
        if cell.number == 44 {
            assert_eq!(output.stdout.trim_end(), cell.output);
        }
    }
});

crate::async_test!(
    a_learner_can_send_to_alice_instead_of_bob_and_use_a_pointer_made_earlier,
    |syft: Syft| async move {
        let mut notebook = Notebook::new(syft, 0);
        run(&mut notebook, "import torch as th\nimport syft as sy\nhook = sy.TorchHook(th)").await;
        run(&mut notebook, "bob = sy.VirtualWorker(hook, id=\"bob\")\nalice = sy.VirtualWorker(hook, id=\"alice\")")
            .await;
        let sent = run(&mut notebook, "x_ptr = th.tensor([1.5, 2]).send(alice)\nx_ptr.location").await;
        assert_eq!(sent.value.as_deref(), Some("<VirtualWorker id:alice #tensors:1>"));
        let later = run(&mut notebook, "y = (x_ptr * 2 + 1).get()\nprint(f\"y = {y}\")\ny.sum().item()").await;
        assert_eq!(later.stdout, "y = tensor([4., 5.])\n");
        assert_eq!(later.value.as_deref(), Some("9.0"));
    }
);

crate::async_test!(an_error_names_its_kind_and_points_at_its_line, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    async fn check(notebook: &mut Notebook, source: &str, kind: &str, line: usize) {
        let output = run(notebook, source).await;
        let error = output.error.unwrap_or_else(|| panic!("{source} raised nothing"));
        assert_eq!(error.kind.name(), kind, "{source}: {error}");
        assert_eq!(error.line, line, "{source}: {error}");
        assert!(output.traceback.unwrap_or_default().contains('^'), "{source}");
    }
    check(&mut notebook, "x = 1\ny = (x +", "SyntaxError", 2).await;
    check(&mut notebook, "a = 1\nprint(b)", "NameError", 2).await;
    check(&mut notebook, "import torch as th\nt = th.tensor([1])\nt.location", "AttributeError", 3).await;
    check(&mut notebook, "1 + 'a'", "TypeError", 1).await;
    check(&mut notebook, "for i in range(2):\nprint(i)", "IndentationError", 2).await;
    check(&mut notebook, "import syft as sy\nbob = sy.VirtualWorker(sy.TorchHook(1), id='bob')\nx = th.tensor([1]).send(bob)\ny = th.tensor([1])\nz = y + x", "TensorsNotCollocatedException", 5).await;
});

crate::async_test!(an_endless_loop_stops_within_its_budget_with_a_message, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    // The default budget (MAX_STEPS) stops it the same way, only later.
    notebook.set_step_budget(200_000);
    let output = run(&mut notebook, "i = 0\nwhile True:\n    i += 1").await;
    let error = output.error.expect("stopped");
    assert_eq!(error.kind, PyErrorKind::KeyboardInterrupt);
    assert!(error.message.contains("more than 200000 steps"), "{error}");
    // The namespace keeps what ran: a kernel keeps its variables after an interrupt.
    let after = run(&mut notebook, "i > 1000").await;
    assert_eq!(after.value.as_deref(), Some("True"));
});

crate::async_test!(recursion_is_bounded, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    let output = run(&mut notebook, "def f(n):\n    return f(n + 1)\nf(0)").await;
    assert_eq!(output.error.expect("refused").kind, PyErrorKind::RecursionError);
});

/// Runs each cell on a fresh namespace and compares what it showed (stdout then value, or the
/// error's kind).
async fn check_shows(notebook: &mut Notebook, cases: &[(&str, &str)]) {
    for (source, expected) in cases {
        let output = run(notebook, source).await;
        let got = match &output.error {
            Some(error) => error.kind.name().to_owned(),
            None => shown(&output),
        };
        assert_eq!(&got, expected, "{source}");
    }
}

crate::async_test!(python_reads_as_python_in_the_corners_a_learner_meets, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    check_shows(
        &mut notebook,
        &[
            // Floor division and modulo take the divisor's sign.
            ("(7 // -2, 7 % -2, -7 // 2, -7 % 2, 7.5 % -2)", "(-4, -1, -4, 1, -0.5)"),
            ("-9223372036854775807 - 1 // -1", "-9223372036854775806"),
            ("[0] * 3 + [1]", "[0, 0, 0, 1]"),
            ("x = -9223372036854775807 - 1\nx // -1", "OverflowError"),
            // Identity is not equality; dicts compare by content, in any order.
            ("([] is [], True is 1, None is None, {'a': 1, 'b': 2} == {'b': 2, 'a': 1})", "(False, False, True, True)"),
            // NaN compares false, and does not raise.
            ("n = float('nan')\n(n < 1, n > 1, n == n)", "(False, False, False)"),
            // Every statement after the colon is in the block; a backslash continues a line.
            ("x = 0\nif False: x = 1; x = 2\nx", "0"),
            ("y = 1 + \\\n    2\ny", "3"),
            // `print` writes a dict on one line, however wide; strings slice.
            ("print({1: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 2: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 3: 'cccccccccccc'})",
             "{1: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 2: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 3: 'cccccccccccc'}"),
            ("'minisyft'[4:]", "'syft'"),
            ("print('a\\nb')\n'a\\nb'", "a\nb\n'a\\nb'"),
            // Outside a function or a loop.
            ("return 1", "SyntaxError"),
            ("break", "SyntaxError"),
        ],
    )
    .await;
});

crate::async_test!(hostile_shapes_of_data_end_in_typed_errors, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    check_shows(
        &mut notebook,
        &[
            // Lists sharing their items: equality stays bounded (3^32 comparisons otherwise).
            ("a = []\nfor i in range(32):\n    a = [a, a, a]\nb = []\nfor i in range(32):\n    b = [b, b, b]\n(a == a, a == b)", "(True, False)"),
            // zip(*l) over a million lists is refused before anything is copied.
            ("l = [list(range(1000))] * 100000\nz = zip(*l)", "MemoryError"),
            // f-strings nested in f-strings count against the nesting limit.
            (&format!("print({}1{})", "f'{".repeat(2) + &"(".repeat(120), ")".repeat(120) + "}'}'"), "SyntaxError"),
            // A chain a thousand links long is refused while parsing.
            (&format!("x = 1{}", " + 1".repeat(1000)), "SyntaxError"),
            ("range(0, -1, -9223372036854775807 - 1)", "OverflowError"),
            ("enumerate([1], 9223372036854775807)", "OverflowError"),
        ],
    )
    .await;
});

// PySyft's next lesson, as its cells read: shares that alone look random, added where they lie,
// multiplied with a crypto provider, and fixed precision in and out.
crate::async_test!(pysyfts_next_lesson_shares_and_fixed_precision_run_in_a_cell, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    let setup = "import torch as th\nimport syft as sy\nhook = sy.TorchHook(th)\n\
        bob = sy.VirtualWorker(hook, id='bob')\nalice = sy.VirtualWorker(hook, id='alice')\n\
        secure_worker = sy.VirtualWorker(hook, id='secure_worker')\nbob.add_worker(alice)";
    assert!(run(&mut notebook, setup).await.error.is_none());
    let shared = run(&mut notebook, "x = th.tensor([1,2,3,4,5]).share(bob, alice, secure_worker)\nx").await;
    let shown_shared = normalise(&shown(&shared));
    assert_eq!(
        shown_shared,
        "(Wrapper)>[AdditiveSharingTensor]\n\t-> (Wrapper)>[PointerTensor | me:ID -> bob:ID]\n\t-> (Wrapper)>[PointerTensor | me:ID -> alice:ID]\n\t-> (Wrapper)>[PointerTensor | me:ID -> secure_worker:ID]"
    );
    // bob holds one share, and it is not x.
    let bobs = shown(&run(&mut notebook, "bob._objects").await);
    assert!(bobs.starts_with('{') && !bobs.contains("tensor([1, 2, 3, 4, 5])"), "{bobs}");
    check_shows(
        &mut notebook,
        &[
            ("y = x + x\ny.get()", "tensor([ 2,  4,  6,  8, 10])"),
            ("x = th.tensor([0.1, 0.2, 0.3]).fix_prec()\nx", "(Wrapper)>FixedPrecisionTensor>tensor([100, 200, 300])"),
            ("(x + x).float_prec()", "tensor([0.2000, 0.4000, 0.6000])"),
            ("x.float_precision()", "tensor([0.1000, 0.2000, 0.3000])"),
            // Products of shares need a crypto provider; without one the error says so.
            ("x = th.tensor([0.1, 0.2, 0.3]).fix_prec().share(bob, alice, crypto_provider=secure_worker)\n(x * x).get().float_prec()",
             "tensor([0.0100, 0.0400, 0.0900])"),
            ("x = th.tensor([0.5, 1.5]).fix_prec().share(bob, alice, crypto_provider=secure_worker)\n(x * 2).get().float_prec()",
             "tensor([1., 3.])"),
            ("x = th.tensor([1, 2]).share(bob, alice)\n(x * x).get()", "RuntimeError"),
            ("x = th.tensor([1, 2]).share(bob, alice)\nx + 1", "TypeError"),
            ("th.tensor([1.5]).share(bob, alice)", "RuntimeError"),
            ("th.tensor([1]).share(bob, 3)", "TypeError"),
        ],
    )
    .await;
});

// What a learner writes beyond the seed's cells, as Python runs it: lambdas, closures, defaults
// fixed where a function is defined, comprehensions in their own scope, try/except/finally and
// raise, and `torch.no_grad()` switching autograd off.
crate::async_test!(python_a_learner_writes_beyond_the_seed_runs_as_python, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    check_shows(
        &mut notebook,
        &[
            ("f = lambda x, k=2: x * k\n(f(3), f(3, k=4), (lambda: 7)())", "(6, 12, 7)"),
            ("n = 1\ndef g(a=n):\n    return a\nn = 5\ng()", "1"),
            ("def make(k):\n    def mul(x):\n        return x * k\n    return mul\nmake(3)(4)", "12"),
            ("def outer():\n    v = 1\n    h = lambda: v\n    v = 2\n    return h()\nouter()", "2"),
            ("def f(a, b=1):\n    return a + b\nf(1, a=2)", "TypeError"),
            ("[x * x for x in range(5) if x % 2 == 0]", "[0, 4, 16]"),
            ("[(i, j) for i in range(3) for j in range(i) if j > 0]", "[(2, 1)]"),
            ("{k: v for k, v in zip('ab', [1, 2])}", "{'a': 1, 'b': 2}"),
            ("sum(x for x in range(4))", "6"),
            ("x = 'kept'\n[x for x in range(3)]\nx", "'kept'"),
            ("try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    print('caught', e)", "caught division by zero"),
            (
                "try:\n    v = 1\nexcept Exception:\n    v = 2\nelse:\n    v = 3\nfinally:\n    print('done')\nv",
                "done\n3",
            ),
            (
                "try:\n    [][1]\nexcept (KeyError, IndexError) as e:\n    err = e\nerr",
                "IndexError('list index out of range')",
            ),
            ("raise ValueError('bad lr')", "ValueError"),
            ("try:\n    [][1]\nexcept IndexError:\n    raise", "IndexError"),
            ("try:\n    {}['k']\nexcept ValueError:\n    pass", "KeyError"),
            (
                "def first(xs):\n    try:\n        return xs[0]\n    finally:\n        print('looked')\nfirst([9])",
                "looked\n9",
            ),
            ("try:\n    pass\nexcept 3:\n    pass\n'fine'", "'fine'"),
            ("try:\n    1 / 0\nexcept 3:\n    pass", "TypeError"),
            // Under no_grad, results record no history and a parameter changes in place.
            (
                "import torch\nw = torch.tensor([1., 2.], requires_grad=True)\n(w * w).sum().backward()\n\
                 with torch.no_grad():\n    w -= 0.1 * w.grad\n    w.grad.zero_()\n    y = w * 2\n\
                 (w, w.grad, y.requires_grad, (w * 2).requires_grad)",
                "(tensor([0.8000, 1.6000], requires_grad=True), tensor([0., 0.]), False, True)",
            ),
            ("w.sub_(1)", "RuntimeError"),
            // A leaf made under no_grad keeps requires_grad; `else` skips after a return.
            ("with torch.no_grad():\n    leaf = torch.tensor([1.], requires_grad=True)\nleaf.requires_grad", "True"),
            ("def early():\n    try:\n        return 1\n    except Exception:\n        pass\n    else:\n        print('not after a return')\nearly()", "1"),
        ],
    )
    .await;
    // The budget and Stop end a loop that catches everything.
    notebook.set_step_budget(100_000);
    let output = run(&mut notebook, "while True:\n    try:\n        pass\n    except:\n        pass").await;
    assert_eq!(output.error.expect("stopped").kind, PyErrorKind::KeyboardInterrupt);
});

// The course's next lessons define their models as classes: `class Net(nn.Module)` with
// `__init__`, `super().__init__()`, layers as attributes, `forward`, and `parameters()` for the
// optimizer. A two-layer net learns XOR here, locally, as PyTorch's would.
crate::async_test!(a_model_of_ones_own_class_trains_as_in_pytorch, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    let define = "import torch\nfrom torch import nn, optim\nimport torch.nn.functional as F\n\
        torch.manual_seed(0)\n\
        class Net(nn.Module):\n    \"\"\"Two layers.\"\"\"\n    hidden = 8\n\
        \n    def __init__(self, inputs=2):\n        super().__init__()\n\
        \x20       self.fc1 = nn.Linear(inputs, Net.hidden)\n        self.fc2 = nn.Linear(Net.hidden, 1)\n\
        \n    def forward(self, x):\n        return self.fc2(F.relu(self.fc1(x)))\n\
        model = Net()\nmodel";
    let shown = shown(&run(&mut notebook, define).await);
    assert_eq!(
        shown,
        "Net(\n  (fc1): Linear(in_features=2, out_features=8, bias=True)\n  (fc2): Linear(in_features=8, out_features=1, bias=True)\n)"
    );
    let train =
        "data = torch.tensor([[0., 0], [0, 1], [1, 0], [1, 1]])\ntarget = torch.tensor([[0.], [1], [1], [0]])\n\
        opt = optim.SGD(model.parameters(), lr=0.1)\nlosses = []\n\
        for epoch in range(400):\n    opt.zero_grad()\n    loss = ((model(data) - target) ** 2).mean()\n\
        \x20   loss.backward()\n    opt.step()\n    losses.append(loss.item())\n\
        (len(list(model.parameters())), losses[-1] < losses[0] / 10, isinstance(model, nn.Module))";
    let output = run(&mut notebook, train).await;
    assert!(output.error.is_none(), "{:?}", output.traceback);
    assert_eq!(output.value.as_deref(), Some("(4, True, True)"));
    check_shows(
        &mut notebook,
        &[
            ("model.forward", "<bound method forward>"),
            ("model.fc3", "AttributeError"),
            ("class C:\n    def __call__(self, a):\n        return a + 1\nC()(1)", "2"),
            ("class D:\n    pass\nD()(1)", "TypeError"),
            ("D(1)", "TypeError"),
            ("class E(3):\n    pass", "TypeError"),
            ("class F2(nn.Module):\n    for i in range(3):\n        pass", "NotImplementedError"),
            ("class G(nn.Module):\n    def forward(self, x):\n        return self(x)\nG()(1)", "RecursionError"),
            ("model.send(bob)", "NameError"),
            // Adam, as the course's later lessons train with it; learning rates are checked.
            ("model = Net()\nopt = optim.Adam(model.parameters(), lr=0.05)\nopt", "Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    eps: 1e-08\n    lr: 0.05\n    weight_decay: 0\n)"),
            (
                "first = None\nfor epoch in range(200):\n    opt.zero_grad()\n    loss = ((model(data) - target) ** 2).mean()\n\
                 \x20   loss.backward()\n    opt.step()\n    first = first or loss.item()\nloss.item() < first / 10",
                "True",
            ),
            ("optim.SGD(model.parameters(), lr=-1)", "ValueError"),
            ("optim.Adam(model.parameters(), lr='fast')", "TypeError"),
        ],
    )
    .await;
});

// The tensor surface the course's later lessons use: view/reshape (also on a pointer, run where
// the data is), max and argmax along a dimension, and indexing by several dimensions.
crate::async_test!(view_max_argmax_and_indexing_by_dimension_read_as_pytorch, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    check_shows(
        &mut notebook,
        &[
            ("import torch as th\nimport syft as sy\nhook = sy.TorchHook(th)\nbob = sy.VirtualWorker(hook, id='bob')\n\
              x = th.tensor([[1., 5, 3], [7, 2, 7]])\nx.view(3, -1)", "tensor([[1., 5.],\n        [3., 7.],\n        [2., 7.]])"),
            ("x.reshape((-1,)).shape", "(6,)"),
            ("x.view(-1, 4)", "RuntimeError"),
            ("x.max()", "tensor(7.)"),
            ("values, indices = x.max(1)\n(values, indices)", "(tensor([5., 7.]), tensor([1, 0]))"),
            ("x.max(dim=0)[1]", "tensor([1, 0, 1])"),
            ("(x.argmax(), x.argmax(1))", "(tensor(3), tensor([1, 0]))"),
            ("(x[:, 0], x[1, 2], x[0:1, 1], x[:, 1:])", "(tensor([1., 7.]), tensor(7.), tensor([5.]), tensor([[5., 3.],\n        [2., 7.]]))"),
            ("x[:, 3]", "IndexError"),
            ("x[0, 0, 0]", "IndexError"),
            ("p = x.send(bob).view(-1)\n(p.get(), x.send(bob).argmax(1).get())", "(tensor([1., 5., 3., 7., 2., 7.]), tensor([1, 0]))"),
            ("x.send(bob).view(5).get()", "RuntimeError"),
        ],
    )
    .await;
});

/// The course's next lesson (PySyft's tutorial Part 4, "Federated Learning with Model
/// Averaging"), as its cells read: copies of the model sent to bob and alice, each trained there
/// by an optimizer over its sent parameters, moved to secure_worker and averaged there, with only
/// the average coming back.
const MODEL_AVERAGING: &[&str] = &[
    "import torch\nimport syft as sy\nimport copy\nhook = sy.TorchHook(torch)\nfrom torch import nn, optim",
    "bob = sy.VirtualWorker(hook, id=\"bob\")\nalice = sy.VirtualWorker(hook, id=\"alice\")\nsecure_worker = sy.VirtualWorker(hook, id=\"secure_worker\")",
    "data = torch.tensor([[0,0],[0,1],[1,0],[1,1.]], requires_grad=True)\ntarget = torch.tensor([[0],[0],[1],[1.]], requires_grad=True)",
    "bobs_data = data[0:2].send(bob)\nbobs_target = target[0:2].send(bob)\nalices_data = data[2:].send(alice)\nalices_target = target[2:].send(alice)",
    "model = nn.Linear(2,1)",
    "iterations = 10\nworker_iters = 5\n\
     for a_iter in range(iterations):\n\
     \x20   bobs_model = model.copy().send(bob)\n    alices_model = model.copy().send(alice)\n\
     \x20   bobs_opt = optim.SGD(params=bobs_model.parameters(),lr=0.1)\n\
     \x20   alices_opt = optim.SGD(params=alices_model.parameters(),lr=0.1)\n\
     \x20   for wi in range(worker_iters):\n\
     \x20       bobs_opt.zero_grad()\n        bobs_pred = bobs_model(bobs_data)\n\
     \x20       bobs_loss = ((bobs_pred - bobs_target)**2).sum()\n        bobs_loss.backward()\n\
     \x20       bobs_opt.step()\n        bobs_loss = bobs_loss.get().data\n\
     \x20       alices_opt.zero_grad()\n        alices_pred = alices_model(alices_data)\n\
     \x20       alices_loss = ((alices_pred - alices_target)**2).sum()\n        alices_loss.backward()\n\
     \x20       alices_opt.step()\n        alices_loss = alices_loss.get().data\n\
     \x20   alices_model.move(secure_worker)\n    bobs_model.move(secure_worker)\n\
     \x20   with torch.no_grad():\n\
     \x20       model.weight.set_(((alices_model.weight.data + bobs_model.weight.data) / 2).get())\n\
     \x20       model.bias.set_(((alices_model.bias.data + bobs_model.bias.data) / 2).get())\n\
     \x20   print(\"Bob:\" + str(bobs_loss) + \" Alice:\" + str(alices_loss))",
    "preds = model(data)\nloss = ((preds - target) ** 2).sum()\nprint(preds)\nprint(target)\nprint(loss.data)",
];

crate::async_test!(the_course_part_4_model_averaging_runs_as_written, |syft: Syft| async move {
    let mut notebook = Notebook::new(syft, 0);
    let mut printed = Vec::new();
    for cell in MODEL_AVERAGING {
        let output = run(&mut notebook, cell).await;
        assert!(output.error.is_none(), "{cell}\n{:?}", output.traceback);
        printed.push(output.stdout);
    }
    // Ten rounds, each printing both workers' last local loss; the losses fall.
    let rounds: Vec<&str> = printed[5].lines().collect();
    assert_eq!(rounds.len(), 10, "{}", printed[5]);
    assert!(rounds.iter().all(|l| l.starts_with("Bob:tensor(") && l.contains(" Alice:tensor(")), "{rounds:?}");
    // The averaged model fits the data (target = the first input) far better than at the start.
    let final_loss: f64 = printed[6]
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("tensor(")?.strip_suffix(')')?.parse().ok())
        .unwrap_or(f64::NAN);
    assert!(final_loss < 0.1, "{}", printed[6]);
    // The models went worker to worker: secure_worker holds the last round's two copies.
    let secure = run(&mut notebook, "len(secure_worker._objects)").await;
    assert_eq!(secure.value.as_deref(), Some("4"));
    // An optimizer takes a sent model's parameters, not just any pointer.
    let refused = run(&mut notebook, "optim.SGD([data.send(bob)], lr=0.1)").await;
    assert_eq!(refused.error.map(|e| e.kind), Some(PyErrorKind::TypeError));
});

crate::async_test!(
    python_and_pytorch_this_notebook_lacks_say_so_instead_of_blaming_the_learner,
    |syft: Syft| async move {
        let mut notebook = Notebook::new(syft, 0);
        run(
            &mut notebook,
            "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport torch.optim as optim",
        )
        .await;
        for (source, says) in [
        ("sorted([2, 1])", "sorted() is a Python builtin, but this notebook does not run it yet; it has print, range"),
        ("torch.arange(5)", "torch.arange is PyTorch, but this notebook does not run it yet; it has tensor, Tensor"),
        ("nn.Sequential(nn.Linear(2, 1))", "torch.nn.Sequential is PyTorch, but this notebook does not run it yet; it has Linear, Module, functional"),
        ("F.softmax(torch.tensor([1.]), dim=0)", "torch.nn.functional.softmax is PyTorch"),
        ("optim.RMSprop", "torch.optim.RMSprop is PyTorch"),
    ] {
        let output = run(&mut notebook, source).await;
        let error = output.error.unwrap_or_else(|| panic!("{source} raised nothing"));
        assert_eq!(error.kind.name(), "NotImplementedError", "{source}: {error}");
        assert!(error.message.starts_with(says), "{source}: {}", error.message);
    }
        // A name nobody has is still the learner's: a NameError, and so is PyTorch's unknown name.
        assert_eq!(run(&mut notebook, "sortd([1])").await.error.map(|e| e.kind.name()), Some("NameError"));
        assert_eq!(run(&mut notebook, "torch.arrange(3)").await.error.map(|e| e.kind.name()), Some("AttributeError"));
        // Statements this notebook does not parse name themselves.
        for keyword in ["del", "global", "assert", "yield"] {
            let output = run(&mut notebook, &format!("x = 1\n{keyword} x")).await;
            let error = output.error.unwrap_or_else(|| panic!("{keyword} raised nothing"));
            assert_eq!((error.kind.name(), error.line), ("SyntaxError", 2));
            assert_eq!(error.message, format!("'{keyword}' is Python, but this notebook does not run it yet"));
        }
        // And a cell can catch it by its name.
        let caught =
            run(&mut notebook, "try:\n    sorted([1])\nexcept NotImplementedError as e:\n    print('caught')").await;
        assert_eq!((caught.stdout.as_str(), caught.error), ("caught\n", None));
    }
);
