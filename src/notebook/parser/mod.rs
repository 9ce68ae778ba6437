//! Tokens to a syntax tree, by recursive descent over Python's grammar for the subset the lessons
//! use. Nesting is bounded, so no cell can overflow the stack.

mod atoms;
mod expressions;
mod statements;

use super::ast::{Expr, ExprKind, Stmt};
use super::error::{PyError, PyErrorKind};
use super::scanner::{scan, Spanned, Token};

/// How deeply expressions and blocks may nest (Python's own parser stops near 200).
pub const MAX_NESTING: usize = 100;

pub fn parse(source: &str) -> Result<Vec<Stmt>, PyError> {
    parse_nested(source, 0)
}

/// `source` parsed as if `depth` levels deep already (an f-string's expressions are parsed
/// inside the expression that holds the f-string).
pub(super) fn parse_nested(source: &str, depth: usize) -> Result<Vec<Stmt>, PyError> {
    let tokens = scan(source)?;
    let mut parser = Parser { tokens, at: 0, depth };
    if depth > MAX_NESTING {
        return parser.error(format!("too many nested parentheses or blocks (at most {MAX_NESTING})"));
    }
    let mut statements = Vec::new();
    while !parser.check(&Token::End) {
        if parser.eat(&Token::Newline) {
            continue;
        }
        statements.extend(parser.statement()?);
    }
    Ok(statements)
}

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
    depth: usize,
}

type Parsed<T> = Result<T, PyError>;

impl Parser {
    fn peek(&self) -> &Spanned {
        // The scanner always ends with `End`, and `advance` never moves past it.
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        &self.tokens[(self.at + ahead).min(self.tokens.len() - 1)].token
    }

    fn advance(&mut self) -> Spanned {
        let token = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        token
    }

    fn check(&self, token: &Token) -> bool {
        &self.peek().token == token
    }

    fn check_op(&self, op: &str) -> bool {
        matches!(&self.peek().token, Token::Op(o) if *o == op)
    }

    fn check_name(&self, name: &str) -> bool {
        matches!(&self.peek().token, Token::Name(n) if n == name)
    }

    fn eat(&mut self, token: &Token) -> bool {
        let found = self.check(token);
        if found {
            self.advance();
        }
        found
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let found = self.check_op(op);
        if found {
            self.advance();
        }
        found
    }

    fn eat_name(&mut self, name: &str) -> bool {
        let found = self.check_name(name);
        if found {
            self.advance();
        }
        found
    }

    fn error<T>(&self, message: impl Into<String>) -> Parsed<T> {
        let at = self.peek();
        Err(PyError::at(PyErrorKind::SyntaxError, message, at.line, at.column))
    }

    fn expect_op(&mut self, op: &str) -> Parsed<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            self.error(format!("expected '{op}'"))
        }
    }

    fn name(&mut self) -> Parsed<String> {
        match &self.peek().token {
            Token::Name(name) if !is_keyword(name) => {
                let name = name.clone();
                self.advance();
                Ok(name)
            }
            _ => self.error("expected a name"),
        }
    }

    /// A chain `a + b + c …`, `a.b.c …`, `f()()…` is as deep a tree as nesting: its links count
    /// against the same limit.
    fn chain(&self, links: usize) -> Parsed<()> {
        if self.depth + links / 4 > MAX_NESTING {
            return self.error(format!("an expression too long to evaluate (more than {} links)", MAX_NESTING * 4));
        }
        Ok(())
    }

    fn nest(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.error(format!("too many nested parentheses or blocks (at most {MAX_NESTING})"));
        }
        Ok(())
    }

    fn end_of_statement(&mut self) -> Parsed<()> {
        if self.eat(&Token::Newline) || self.eat_op(";") || self.check(&Token::End) || self.check(&Token::Dedent) {
            Ok(())
        } else {
            self.error("invalid syntax")
        }
    }
}

pub(super) fn check_target(target: &Expr) -> Parsed<()> {
    match &target.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => Ok(()),
        ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().try_for_each(check_target),
        _ => Err(PyError::at(PyErrorKind::SyntaxError, "cannot assign to expression", target.line, target.column)),
    }
}

pub(super) fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "and"
            | "as"
            | "break"
            | "class"
            | "continue"
            | "def"
            | "elif"
            | "else"
            | "for"
            | "from"
            | "if"
            | "import"
            | "in"
            | "is"
            | "not"
            | "or"
            | "pass"
            | "return"
            | "while"
            | "with"
            | "lambda"
            | "yield"
            | "del"
            | "global"
            | "try"
            | "except"
            | "finally"
            | "raise"
    )
}
