//! The syntax tree of a cell: statements and expressions, each with the line and column it starts
//! at.

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Expr(Expr),
    /// `a = b = value`: every target gets the value.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
    },
    While {
        condition: Expr,
        body: Vec<Stmt>,
    },
    If {
        condition: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    Def(std::rc::Rc<FunctionDef>),
    Class {
        name: String,
        bases: Vec<Expr>,
        body: Vec<Stmt>,
    },
    Return(Option<Expr>),
    With {
        context: Expr,
        body: Vec<Stmt>,
    },
    /// `import torch as th`: the dotted module and the name it is bound to.
    Import {
        module: Vec<String>,
        alias: Option<String>,
    },
    /// `from torch import nn, optim as o`.
    FromImport {
        module: Vec<String>,
        names: Vec<(String, Option<String>)>,
    },
    /// `try:` with its `except` clauses, `else:` and `finally:`.
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        orelse: Vec<Stmt>,
        finally: Vec<Stmt>,
    },
    /// `raise ValueError("…")`, or a bare `raise` inside an `except` clause.
    Raise(Option<Expr>),
    Pass,
    Break,
    Continue,
}

/// `except (TypeError, ValueError) as error:` — the kinds (all, when none), the name, the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Handler {
    pub kinds: Option<Expr>,
    pub name: Option<String>,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub name: String,
    /// Each parameter with its default, if it has one.
    pub params: Vec<(String, Option<Expr>)>,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// An f-string: text, and expressions (with their format spec) in between.
    FString(Vec<FPart>),
    Bool(bool),
    None,
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Attribute {
        value: Box<Expr>,
        name: String,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    /// `start:stop:step` inside a subscript.
    Slice {
        start: Option<Box<Expr>>,
        stop: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    Call {
        function: Box<Expr>,
        args: Vec<Arg>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `a < b <= c`: each comparison with the operand after it.
    Compare {
        first: Box<Expr>,
        rest: Vec<(CmpOp, Expr)>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    IfElse {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `lambda x, lr=0.1: x * lr`: a function whose body returns one expression.
    Lambda(std::rc::Rc<FunctionDef>),
    /// `[x * 2 for x in xs if x]`, `{k: v for k, v in d}`, and `sum(x for x in xs)`.
    Comprehension {
        kind: ComprehensionKind,
        element: Box<Expr>,
        /// A dict comprehension's value (its `element` is the key).
        value: Option<Box<Expr>>,
        clauses: Vec<Clause>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComprehensionKind {
    List,
    Dict,
    /// A generator expression: built as a list here (every use in these lessons consumes it).
    Generator,
}

/// `for target in iter` or `if condition`, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    For { target: Expr, iter: Expr },
    If(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FPart {
    Text(String),
    Value { expr: Expr, spec: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Positional(Expr),
    Keyword(String, Expr),
    /// `*args`
    Star(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    MatMul,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::MatMul => "@",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Pos,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}
