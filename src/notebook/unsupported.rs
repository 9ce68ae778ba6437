//! Names a learner reaches for that are real Python or PyTorch but that this notebook does not run
//! (yet). Without this, `sorted(xs)` reads "NameError: name 'sorted' is not defined" and
//! `torch.arange(5)` "module 'torch' has no attribute 'arange'" — as if the learner had made a
//! mistake. Instead: `NotImplementedError`, naming what this notebook does have.

use super::error::{PyError, PyErrorKind};

/// Python's builtins that a cell cannot call here.
const PYTHON_BUILTINS: &[&str] = &[
    "sorted",
    "reversed",
    "map",
    "filter",
    "any",
    "all",
    "type",
    "repr",
    "dict",
    "set",
    "frozenset",
    "iter",
    "next",
    "hasattr",
    "getattr",
    "setattr",
    "delattr",
    "callable",
    "id",
    "hash",
    "dir",
    "vars",
    "globals",
    "locals",
    "open",
    "input",
    "divmod",
    "pow",
    "hex",
    "oct",
    "bin",
    "ord",
    "chr",
    "format",
    "slice",
    "object",
    "bytes",
    "bytearray",
    "complex",
    "issubclass",
    "property",
    "staticmethod",
    "classmethod",
    "exec",
    "eval",
    "compile",
    "help",
];

/// PyTorch names, by module, that a cell cannot use here.
const TORCH: &[&str] = &[
    "arange",
    "randn",
    "rand",
    "randint",
    "ones",
    "eye",
    "linspace",
    "full",
    "cat",
    "stack",
    "from_numpy",
    "where",
    "clamp",
    "sqrt",
    "abs",
    "max",
    "min",
    "argmax",
    "softmax",
    "log_softmax",
    "float32",
    "float64",
    "int64",
    "long",
    "device",
    "cuda",
    "save",
    "load",
    "flatten",
    "reshape",
    "transpose",
    "unsqueeze",
    "squeeze",
    "ones_like",
    "zeros_like",
    "randn_like",
    "allclose",
    "equal",
    "norm",
    "dot",
    "bmm",
    "einsum",
];
const NN: &[&str] = &[
    "Sequential",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "Conv1d",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Embedding",
    "Flatten",
    "CrossEntropyLoss",
    "MSELoss",
    "BCELoss",
    "NLLLoss",
    "L1Loss",
    "ModuleList",
    "Parameter",
    "LSTM",
    "GRU",
    "RNN",
    "Identity",
];
const FUNCTIONAL: &[&str] =
    &["softmax", "log_softmax", "cross_entropy", "nll_loss", "binary_cross_entropy", "l1_loss", "dropout", "conv2d"];
const OPTIM: &[&str] = &["RMSprop", "Adagrad", "AdamW", "lr_scheduler"];

fn not_yet(what: String, has: &[&str]) -> PyError {
    PyError::new(
        PyErrorKind::NotImplementedError,
        format!("{what}, but this notebook does not run it yet; it has {}", has.join(", ")),
    )
}

/// For a name no cell defined: whether it is a Python builtin this notebook lacks.
pub fn builtin(name: &str, has: &[&str]) -> Option<PyError> {
    PYTHON_BUILTINS.contains(&name).then(|| not_yet(format!("{name}() is a Python builtin"), has))
}

/// For `module.name` that the module lacks here: whether PyTorch has it. `module` is the name a
/// cell sees (`torch`, `nn`, `F`, `optim`).
pub fn module_attribute(module: &str, name: &str, has: &[&str]) -> Option<PyError> {
    let known = match module {
        "torch" => TORCH,
        "nn" | "torch.nn" => NN,
        "F" | "torch.nn.functional" => FUNCTIONAL,
        "optim" | "torch.optim" => OPTIM,
        _ => return None,
    };
    known.contains(&name).then(|| not_yet(format!("{module}.{name} is PyTorch"), has))
}

/// Statements whose first word is Python this notebook does not parse.
pub const STATEMENTS: &[&str] = &["del", "global", "nonlocal", "assert", "yield", "async", "await"];
