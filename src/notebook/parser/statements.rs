//! Statements: simple ones, compound ones with their indented blocks, assignment targets.

use std::rc::Rc;

use super::{check_target, Parsed, Parser};
use crate::notebook::ast::{BinOp, Expr, ExprKind, FunctionDef, Handler, Stmt, StmtKind};
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::scanner::{Spanned, Token};

impl Parser {
    pub(super) fn statement(&mut self) -> Parsed<Vec<Stmt>> {
        let Spanned { line, column, .. } = *self.peek();
        let stmt = |kind| Stmt { kind, line, column };
        let keyword = match &self.peek().token {
            Token::Name(name) => name.clone(),
            Token::Indent => {
                return self
                    .error("unexpected indent")
                    .map_err(|e| PyError { kind: PyErrorKind::IndentationError, ..e })
            }
            _ => String::new(),
        };
        if crate::notebook::unsupported::STATEMENTS.contains(&keyword.as_str()) {
            return self.error(format!("'{keyword}' is Python, but this notebook does not run it yet"));
        }
        let kind = match keyword.as_str() {
            "for" => {
                self.advance();
                let target = self.target_list()?;
                if !self.eat_name("in") {
                    return self.error("expected 'in'");
                }
                let iter = self.expression_list()?;
                let body = self.block()?;
                return Ok(vec![stmt(StmtKind::For { target, iter, body })]);
            }
            "while" => {
                self.advance();
                let condition = self.expression()?;
                let body = self.block()?;
                return Ok(vec![stmt(StmtKind::While { condition, body })]);
            }
            "if" => return Ok(vec![self.if_statement()?]),
            "def" => {
                self.advance();
                return Ok(vec![stmt(StmtKind::Def(Rc::new(self.function()?)))]);
            }
            "class" => {
                self.advance();
                let name = self.name()?;
                let mut bases = Vec::new();
                if self.eat_op("(") {
                    while !self.eat_op(")") {
                        bases.push(self.expression()?);
                        if !self.eat_op(",") {
                            self.expect_op(")")?;
                            break;
                        }
                    }
                }
                let body = self.block()?;
                return Ok(vec![stmt(StmtKind::Class { name, bases, body })]);
            }
            "try" => return Ok(vec![self.try_statement()?]),
            "raise" => {
                self.advance();
                let value = if self.at_statement_end() { None } else { Some(self.expression()?) };
                StmtKind::Raise(value)
            }
            "with" => {
                self.advance();
                let context = self.expression()?;
                let body = self.block()?;
                return Ok(vec![stmt(StmtKind::With { context, body })]);
            }
            "return" => {
                self.advance();
                let value = if self.at_statement_end() { None } else { Some(self.expression_list()?) };
                StmtKind::Return(value)
            }
            "pass" => {
                self.advance();
                StmtKind::Pass
            }
            "break" => {
                self.advance();
                StmtKind::Break
            }
            "continue" => {
                self.advance();
                StmtKind::Continue
            }
            "import" => {
                self.advance();
                let mut imports = Vec::new();
                loop {
                    let module = self.dotted()?;
                    let alias = if self.eat_name("as") { Some(self.name()?) } else { None };
                    imports.push(stmt(StmtKind::Import { module, alias }));
                    if !self.eat_op(",") {
                        break;
                    }
                }
                self.end_of_statement()?;
                return Ok(imports);
            }
            "from" => {
                self.advance();
                let module = self.dotted()?;
                if !self.eat_name("import") {
                    return self.error("expected 'import'");
                }
                let parenthesised = self.eat_op("(");
                let mut names = Vec::new();
                loop {
                    let name = if self.eat_op("*") { "*".to_owned() } else { self.name()? };
                    let alias = if self.eat_name("as") { Some(self.name()?) } else { None };
                    names.push((name, alias));
                    if !self.eat_op(",") || (parenthesised && self.check_op(")")) {
                        break;
                    }
                }
                if parenthesised {
                    self.expect_op(")")?;
                }
                StmtKind::FromImport { module, names }
            }
            _ => self.expression_statement()?,
        };
        self.end_of_statement()?;
        Ok(vec![stmt(kind)])
    }

    pub(super) fn at_statement_end(&self) -> bool {
        matches!(self.peek().token, Token::Newline | Token::End | Token::Dedent | Token::Op(";"))
    }

    pub(super) fn dotted(&mut self) -> Parsed<Vec<String>> {
        let mut parts = vec![self.name()?];
        while self.eat_op(".") {
            parts.push(self.name()?);
        }
        Ok(parts)
    }

    pub(super) fn if_statement(&mut self) -> Parsed<Stmt> {
        let Spanned { line, column, .. } = self.advance();
        let condition = self.expression()?;
        let body = self.block()?;
        let orelse = if self.check_name("elif") {
            vec![self.if_statement()?]
        } else if self.eat_name("else") {
            self.block()?
        } else {
            Vec::new()
        };
        Ok(Stmt { kind: StmtKind::If { condition, body, orelse }, line, column })
    }

    /// `try:` then `except [kinds [as name]]:` clauses, `else:`, `finally:`.
    pub(super) fn try_statement(&mut self) -> Parsed<Stmt> {
        let Spanned { line, column, .. } = self.advance();
        let body = self.block()?;
        let mut handlers = Vec::new();
        while self.eat_name("except") {
            let kinds = if self.check_op(":") { None } else { Some(self.expression()?) };
            let name = if self.eat_name("as") { Some(self.name()?) } else { None };
            handlers.push(Handler { kinds, name, body: self.block()? });
        }
        let orelse = if !handlers.is_empty() && self.eat_name("else") { self.block()? } else { Vec::new() };
        let finally = if self.eat_name("finally") { self.block()? } else { Vec::new() };
        if handlers.is_empty() && finally.is_empty() {
            return self.error("expected 'except' or 'finally' block");
        }
        Ok(Stmt { kind: StmtKind::Try { body, handlers, orelse, finally }, line, column })
    }

    /// The parameters of a `def` (up to `)`) or a `lambda` (up to `:`), each with its default.
    pub(super) fn parameters(&mut self, close: &str) -> Parsed<Vec<(String, Option<Expr>)>> {
        let mut params: Vec<(String, Option<Expr>)> = Vec::new();
        while !self.eat_op(close) {
            let param = self.name()?;
            if params.iter().any(|(p, _)| *p == param) {
                return self.error(format!("duplicate argument '{param}' in function definition"));
            }
            let default = if self.eat_op("=") { Some(self.expression()?) } else { None };
            if default.is_none() && params.iter().any(|(_, d)| d.is_some()) {
                return self.error("non-default argument follows default argument");
            }
            params.push((param, default));
            if !self.eat_op(",") {
                self.expect_op(close)?;
                break;
            }
        }
        Ok(params)
    }

    pub(super) fn function(&mut self) -> Parsed<FunctionDef> {
        let name = self.name()?;
        self.expect_op("(")?;
        let params = self.parameters(")")?;
        if self.eat_op("->") {
            self.expression()?;
        }
        let body = self.block()?;
        Ok(FunctionDef { name, params, body })
    }

    /// `:` then either statements on the same line or an indented block.
    pub(super) fn block(&mut self) -> Parsed<Vec<Stmt>> {
        self.expect_op(":")?;
        self.nest()?;
        let mut body = Vec::new();
        if self.eat(&Token::Newline) {
            if !self.eat(&Token::Indent) {
                return self
                    .error("expected an indented block")
                    .map_err(|e| PyError { kind: PyErrorKind::IndentationError, ..e });
            }
            while !self.eat(&Token::Dedent) && !self.check(&Token::End) {
                if self.eat(&Token::Newline) {
                    continue;
                }
                body.extend(self.statement()?);
            }
        } else {
            // `if c: a = 1; b = 2`: every statement of the line is in the block.
            loop {
                body.extend(self.statement()?);
                let after_semicolon = self.at > 0 && matches!(self.tokens[self.at - 1].token, Token::Op(";"));
                if !after_semicolon || self.at_statement_end() {
                    if after_semicolon {
                        self.eat(&Token::Newline);
                    }
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(body)
    }

    pub(super) fn expression_statement(&mut self) -> Parsed<StmtKind> {
        let first = self.expression_list()?;
        if let Some(op) = self.augmented_op() {
            check_target(&first)?;
            let value = self.expression_list()?;
            return Ok(StmtKind::AugAssign { target: first, op, value });
        }
        if !self.check_op("=") {
            return Ok(StmtKind::Expr(first));
        }
        let mut targets = vec![first];
        while self.eat_op("=") {
            targets.push(self.expression_list()?);
        }
        let value =
            targets.pop().ok_or_else(|| PyError::new(PyErrorKind::SyntaxError, "an assignment needs a value"))?;
        for target in &targets {
            check_target(target)?;
        }
        Ok(StmtKind::Assign { targets, value })
    }

    pub(super) fn augmented_op(&mut self) -> Option<BinOp> {
        let op = match &self.peek().token {
            Token::Op("+=") => BinOp::Add,
            Token::Op("-=") => BinOp::Sub,
            Token::Op("*=") => BinOp::Mul,
            Token::Op("/=") => BinOp::Div,
            Token::Op("//=") => BinOp::FloorDiv,
            Token::Op("%=") => BinOp::Mod,
            Token::Op("**=") => BinOp::Pow,
            Token::Op("@=") => BinOp::MatMul,
            _ => return None,
        };
        self.advance();
        Some(op)
    }

    /// `a, b` as a tuple; a single expression as itself.
    pub(super) fn expression_list(&mut self) -> Parsed<Expr> {
        let first = self.expression()?;
        if !self.check_op(",") {
            return Ok(first);
        }
        let (line, column) = (first.line, first.column);
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_statement_end() || self.check_op("=") || self.check_op(")") {
                break;
            }
            items.push(self.expression()?);
        }
        Ok(Expr { kind: ExprKind::Tuple(items), line, column })
    }

    /// A `for` target: names, attributes, subscripts, tuples of them (stops before `in`).
    pub(super) fn target_list(&mut self) -> Parsed<Expr> {
        let first = self.or_test_without_in()?;
        let (line, column) = (first.line, first.column);
        if !self.check_op(",") {
            check_target(&first)?;
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.check_name("in") {
                break;
            }
            items.push(self.or_test_without_in()?);
        }
        let target = Expr { kind: ExprKind::Tuple(items), line, column };
        check_target(&target)?;
        Ok(target)
    }
}
