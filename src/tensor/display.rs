//! Printing exactly as PyTorch does (`torch/_tensor_str.py`): one formatter chooses integer, fixed
//! or scientific notation for the whole tensor, pads every element to one width, and wraps rows at
//! 80 columns; then the `requires_grad=True` / `grad_fn=<...>` suffixes.

use std::fmt;

use super::{Storage, Tensor};

const PRECISION: usize = 4;
const LINE_WIDTH: usize = 80;

enum Mode {
    Integer,
    FloatIntegral,
    Fixed,
    Scientific,
}

struct Formatter {
    mode: Mode,
    width: usize,
}

fn python_float(value: f64) -> Option<&'static str> {
    if value.is_nan() {
        Some("nan")
    } else if value == f64::INFINITY {
        Some("inf")
    } else if value == f64::NEG_INFINITY {
        Some("-inf")
    } else {
        None
    }
}

/// Python's `{:.4e}`: Rust writes `9.0527e-5` where Python writes `9.0527e-05`.
fn scientific(value: f64) -> String {
    let rust = format!("{value:.PRECISION$e}");
    match rust.split_once('e') {
        Some((mantissa, exponent)) => {
            let exponent: i32 = exponent.parse().unwrap_or(0);
            let sign = if exponent < 0 { '-' } else { '+' };
            format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
        }
        None => rust,
    }
}

impl Formatter {
    fn new(storage: &Storage) -> Formatter {
        let values: Vec<f64> = match storage {
            Storage::I64(a) => {
                let width = a.iter().map(|v| v.to_string().len()).max().unwrap_or(1).max(1);
                return Formatter { mode: Mode::Integer, width };
            }
            Storage::F32(a) => a.iter().map(|&v| v as f64).collect(),
        };
        let nonzero_finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite() && *v != 0.0).collect();
        let mut formatter = Formatter { mode: Mode::FloatIntegral, width: 1 };
        if nonzero_finite.is_empty() {
            return formatter;
        }
        let max = nonzero_finite.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let min = nonzero_finite.iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
        let integral = nonzero_finite.iter().all(|v| v.ceil() == *v);
        let too_wide = max / min > 1000.0 || max > 1.0e8;
        formatter.mode = match (integral, too_wide || (!integral && min < 1.0e-4)) {
            (_, true) => Mode::Scientific,
            (true, false) => Mode::FloatIntegral,
            (false, false) => Mode::Fixed,
        };
        let extra = usize::from(matches!(formatter.mode, Mode::FloatIntegral));
        formatter.width = nonzero_finite.iter().map(|&v| formatter.raw(v).len() + extra).max().unwrap_or(1).max(1);
        formatter
    }

    fn raw(&self, value: f64) -> String {
        if let Some(special) = python_float(value) {
            return special.to_owned();
        }
        match self.mode {
            Mode::Integer => format!("{}", value as i64),
            Mode::FloatIntegral => format!("{value:.0}"),
            Mode::Fixed => format!("{value:.PRECISION$}"),
            Mode::Scientific => scientific(value),
        }
    }

    fn format(&self, value: f64) -> String {
        let mut text = self.raw(value);
        if matches!(self.mode, Mode::FloatIntegral) && value.is_finite() {
            text.push('.');
        }
        format!("{text:>width$}", width = self.width)
    }

    fn format_i64(&self, value: i64) -> String {
        format!("{value:>width$}", width = self.width)
    }
}

fn element_strings(storage: &Storage, formatter: &Formatter) -> Vec<String> {
    match storage {
        Storage::I64(a) => a.iter().map(|&v| formatter.format_i64(v)).collect(),
        Storage::F32(a) => a.iter().map(|&v| formatter.format(v as f64)).collect(),
    }
}

/// Nested brackets over the flat, already formatted elements.
fn nested(elements: &[String], shape: &[usize], indent: usize, width: usize) -> String {
    match shape {
        [] => elements.first().cloned().unwrap_or_default(),
        [_] => {
            let per_line = ((LINE_WIDTH.saturating_sub(indent)) / (width + 2)).max(1);
            let lines: Vec<String> = elements.chunks(per_line).map(|line| line.join(", ")).collect();
            format!("[{}]", lines.join(&format!(",\n{}", " ".repeat(indent + 1))))
        }
        [rows, rest @ ..] => {
            let stride: usize = rest.iter().product();
            let slices: Vec<String> =
                (0..*rows).map(|r| nested(&elements[r * stride..(r + 1) * stride], rest, indent + 1, width)).collect();
            let separator = format!(",{}{}", "\n".repeat(shape.len() - 1), " ".repeat(indent + 1));
            format!("[{}]", slices.join(&separator))
        }
    }
}

impl Tensor {
    /// The body between `tensor(` and the suffixes.
    fn body(&self) -> String {
        let storage = self.node.storage.borrow();
        let shape = storage.shape().to_vec();
        if storage.is_empty() {
            return if shape.len() == 1 { "[]".to_owned() } else { format!("[], size={:?}", Size(&shape)) };
        }
        let formatter = Formatter::new(&storage);
        nested(&element_strings(&storage, &formatter), &shape, "tensor(".len(), formatter.width)
    }
}

struct Size<'a>(&'a [usize]);

impl fmt::Debug for Size<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "({one},)"),
            dims => write!(f, "({})", dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
        }
    }
}

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = format!("tensor({}", self.body());
        let suffix = match self.grad_fn() {
            Some(grad_fn) => Some(format!("grad_fn=<{}>", grad_fn.name())),
            None if self.requires_grad() => Some("requires_grad=True".to_owned()),
            None => None,
        };
        if let Some(suffix) = suffix {
            let last_line = text.rsplit('\n').next().map_or(0, str::len);
            if last_line + suffix.len() + 2 > LINE_WIDTH {
                text.push_str(&format!(",\n{}{suffix}", " ".repeat("tensor(".len())));
            } else {
                text.push_str(&format!(", {suffix}"));
            }
        }
        write!(f, "{text})")
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
