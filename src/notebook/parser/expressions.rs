//! Expressions, by precedence from `a if c else b` down to atoms, and f-strings.

use super::{is_keyword, parse_nested, Parsed, Parser};
use crate::notebook::ast::{
    Arg, BinOp, Clause, CmpOp, ComprehensionKind, Expr, ExprKind, FPart, FunctionDef, Stmt, StmtKind, UnaryOp,
};
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::scanner::{Spanned, Token};

impl Parser {
    pub(super) fn or_test_without_in(&mut self) -> Parsed<Expr> {
        // A for-target is a primary (or a parenthesised tuple of them): never a comparison.
        self.unary()
    }

    pub(super) fn expression(&mut self) -> Parsed<Expr> {
        self.nest()?;
        if self.check_name("lambda") {
            let lambda = self.lambda();
            self.depth -= 1;
            return lambda;
        }
        let value = self.or_test()?;
        let result = if self.check_name("if") && !matches!(self.peek_at(1), Token::Newline) {
            self.advance();
            let condition = self.or_test()?;
            if !self.eat_name("else") {
                return self.error("expected 'else'");
            }
            let otherwise = self.expression()?;
            let (line, column) = (value.line, value.column);
            Expr {
                kind: ExprKind::IfElse {
                    condition: Box::new(condition),
                    then: Box::new(value),
                    otherwise: Box::new(otherwise),
                },
                line,
                column,
            }
        } else {
            value
        };
        self.depth -= 1;
        Ok(result)
    }

    /// `lambda params: expression`, as a function named `<lambda>` that returns it.
    fn lambda(&mut self) -> Parsed<Expr> {
        let Spanned { line, column, .. } = self.advance();
        let params = self.parameters(":")?;
        let value = self.expression()?;
        let body = vec![Stmt { kind: StmtKind::Return(Some(value)), line, column }];
        let def = FunctionDef { name: "<lambda>".into(), params, body };
        Ok(Expr { kind: ExprKind::Lambda(std::rc::Rc::new(def)), line, column })
    }

    /// After a comprehension's element: its `for … in …` and `if …` clauses, up to `close`.
    fn comprehension(
        &mut self,
        kind: ComprehensionKind,
        element: Expr,
        value: Option<Expr>,
        close: &str,
    ) -> Parsed<Expr> {
        let (line, column) = (element.line, element.column);
        let mut clauses = Vec::new();
        loop {
            if self.eat_name("for") {
                let target = self.target_list()?;
                if !self.eat_name("in") {
                    return self.error("expected 'in'");
                }
                clauses.push(Clause::For { target, iter: self.or_test()? });
            } else if self.eat_name("if") {
                clauses.push(Clause::If(self.or_test()?));
            } else {
                self.expect_op(close)?;
                break;
            }
        }
        let kind = ExprKind::Comprehension { kind, element: Box::new(element), value: value.map(Box::new), clauses };
        Ok(Expr { kind, line, column })
    }

    pub(super) fn or_test(&mut self) -> Parsed<Expr> {
        let mut lhs = self.and_test()?;
        let mut links = 0;
        while self.eat_name("or") {
            links += 1;
            self.chain(links)?;
            let rhs = self.and_test()?;
            let (line, column) = (lhs.line, lhs.column);
            lhs = Expr { kind: ExprKind::Or(Box::new(lhs), Box::new(rhs)), line, column };
        }
        Ok(lhs)
    }

    pub(super) fn and_test(&mut self) -> Parsed<Expr> {
        let mut lhs = self.not_test()?;
        let mut links = 0;
        while self.eat_name("and") {
            links += 1;
            self.chain(links)?;
            let rhs = self.not_test()?;
            let (line, column) = (lhs.line, lhs.column);
            lhs = Expr { kind: ExprKind::And(Box::new(lhs), Box::new(rhs)), line, column };
        }
        Ok(lhs)
    }

    pub(super) fn not_test(&mut self) -> Parsed<Expr> {
        let Spanned { line, column, .. } = *self.peek();
        if self.eat_name("not") {
            self.nest()?;
            let operand = self.not_test()?;
            self.depth -= 1;
            return Ok(Expr { kind: ExprKind::Unary { op: UnaryOp::Not, operand: Box::new(operand) }, line, column });
        }
        self.comparison()
    }

    pub(super) fn comparison(&mut self) -> Parsed<Expr> {
        let first = self.arithmetic()?;
        let mut rest = Vec::new();
        loop {
            let op = match &self.peek().token {
                Token::Op("==") => CmpOp::Eq,
                Token::Op("!=") => CmpOp::NotEq,
                Token::Op("<") => CmpOp::Lt,
                Token::Op("<=") => CmpOp::LtE,
                Token::Op(">") => CmpOp::Gt,
                Token::Op(">=") => CmpOp::GtE,
                Token::Name(n) if n == "in" => CmpOp::In,
                Token::Name(n) if n == "is" => {
                    if matches!(self.peek_at(1), Token::Name(n) if n == "not") {
                        self.advance();
                        CmpOp::IsNot
                    } else {
                        CmpOp::Is
                    }
                }
                Token::Name(n) if n == "not" && matches!(self.peek_at(1), Token::Name(m) if m == "in") => {
                    self.advance();
                    CmpOp::NotIn
                }
                _ => break,
            };
            self.advance();
            self.chain(rest.len() + 1)?;
            rest.push((op, self.arithmetic()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let (line, column) = (first.line, first.column);
        Ok(Expr { kind: ExprKind::Compare { first: Box::new(first), rest }, line, column })
    }

    pub(super) fn arithmetic(&mut self) -> Parsed<Expr> {
        let mut lhs = self.term()?;
        let mut links = 0;
        loop {
            links += 1;
            self.chain(links)?;
            let op = if self.check_op("+") {
                BinOp::Add
            } else if self.check_op("-") {
                BinOp::Sub
            } else {
                return Ok(lhs);
            };
            self.advance();
            let rhs = self.term()?;
            lhs = binary(op, lhs, rhs);
        }
    }

    pub(super) fn term(&mut self) -> Parsed<Expr> {
        let mut lhs = self.unary()?;
        let mut links = 0;
        loop {
            links += 1;
            self.chain(links)?;
            let op = match &self.peek().token {
                Token::Op("*") => BinOp::Mul,
                Token::Op("/") => BinOp::Div,
                Token::Op("//") => BinOp::FloorDiv,
                Token::Op("%") => BinOp::Mod,
                Token::Op("@") => BinOp::MatMul,
                _ => return Ok(lhs),
            };
            self.advance();
            let rhs = self.unary()?;
            lhs = binary(op, lhs, rhs);
        }
    }

    pub(super) fn unary(&mut self) -> Parsed<Expr> {
        let Spanned { line, column, .. } = *self.peek();
        let op = if self.check_op("-") {
            UnaryOp::Neg
        } else if self.check_op("+") {
            UnaryOp::Pos
        } else {
            return self.power();
        };
        self.advance();
        self.nest()?;
        let operand = self.unary()?;
        self.depth -= 1;
        Ok(Expr { kind: ExprKind::Unary { op, operand: Box::new(operand) }, line, column })
    }

    pub(super) fn power(&mut self) -> Parsed<Expr> {
        let base = self.primary()?;
        if self.eat_op("**") {
            self.nest()?;
            let exponent = self.unary()?;
            self.depth -= 1;
            return Ok(binary(BinOp::Pow, base, exponent));
        }
        Ok(base)
    }

    pub(super) fn primary(&mut self) -> Parsed<Expr> {
        let mut value = self.atom()?;
        let mut links = 0;
        loop {
            links += 1;
            self.chain(links)?;
            let (line, column) = (value.line, value.column);
            if self.eat_op(".") {
                let name = self.name()?;
                value = Expr { kind: ExprKind::Attribute { value: Box::new(value), name }, line, column };
            } else if self.eat_op("(") {
                let args = self.arguments()?;
                value = Expr { kind: ExprKind::Call { function: Box::new(value), args }, line, column };
            } else if self.eat_op("[") {
                let index = self.subscript()?;
                self.expect_op("]")?;
                value =
                    Expr { kind: ExprKind::Subscript { value: Box::new(value), index: Box::new(index) }, line, column };
            } else {
                return Ok(value);
            }
        }
    }

    pub(super) fn arguments(&mut self) -> Parsed<Vec<Arg>> {
        let mut args = Vec::new();
        while !self.eat_op(")") {
            if self.eat_op("*") {
                args.push(Arg::Star(self.expression()?));
            } else if matches!(self.peek().token, Token::Name(_)) && matches!(self.peek_at(1), Token::Op("=")) {
                let name = self.name()?;
                self.advance();
                args.push(Arg::Keyword(name, self.expression()?));
            } else {
                let value = self.expression()?;
                // `sum(x for x in xs)`: a generator as the only argument.
                if self.check_name("for") {
                    args.push(Arg::Positional(self.comprehension(ComprehensionKind::Generator, value, None, ")")?));
                    break;
                }
                args.push(Arg::Positional(value));
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok(args)
    }

    /// `i`, `a:b:c` (any part left out), or several of them (`[:, 0]`) as a tuple.
    pub(super) fn subscript(&mut self) -> Parsed<Expr> {
        let Spanned { line, column, .. } = *self.peek();
        let mut items = vec![self.slice_item()?];
        let mut tuple = false;
        while self.eat_op(",") {
            tuple = true;
            if self.check_op("]") {
                break;
            }
            items.push(self.slice_item()?);
        }
        if tuple {
            return Ok(Expr { kind: ExprKind::Tuple(items), line, column });
        }
        Ok(items.remove(0))
    }

    pub(super) fn slice_item(&mut self) -> Parsed<Expr> {
        let Spanned { line, column, .. } = *self.peek();
        let start = if self.check_op(":") { None } else { Some(self.expression()?) };
        if !self.eat_op(":") {
            return start.map_or_else(|| self.error("expected an index"), Ok);
        }
        let part = |p: &mut Parser| -> Parsed<Option<Box<Expr>>> {
            if p.check_op(":") || p.check_op("]") || p.check_op(",") {
                Ok(None)
            } else {
                Ok(Some(Box::new(p.expression()?)))
            }
        };
        let stop = part(self)?;
        let step = if self.eat_op(":") { part(self)? } else { None };
        Ok(Expr { kind: ExprKind::Slice { start: start.map(Box::new), stop, step }, line, column })
    }

    pub(super) fn atom(&mut self) -> Parsed<Expr> {
        let Spanned { token, line, column } = self.peek().clone();
        let at = |kind| Ok(Expr { kind, line, column });
        match token {
            Token::Int(value) => {
                self.advance();
                at(ExprKind::Int(value))
            }
            Token::Float(value) => {
                self.advance();
                at(ExprKind::Float(value))
            }
            Token::Str(mut text) => {
                self.advance();
                // Adjacent literals join, as in Python.
                while let Token::Str(more) = &self.peek().token {
                    text.push_str(more);
                    self.advance();
                }
                at(ExprKind::Str(text))
            }
            Token::FStr(text) => {
                self.advance();
                at(ExprKind::FString(f_string(&text, line, column, self.depth)?))
            }
            Token::Name(name) => match name.as_str() {
                "True" | "False" => {
                    self.advance();
                    at(ExprKind::Bool(name == "True"))
                }
                "None" => {
                    self.advance();
                    at(ExprKind::None)
                }
                _ if is_keyword(&name) => self.error("invalid syntax"),
                _ => {
                    self.advance();
                    at(ExprKind::Name(name))
                }
            },
            Token::Op("(") => {
                self.advance();
                self.nest()?;
                if self.eat_op(")") {
                    self.depth -= 1;
                    return at(ExprKind::Tuple(Vec::new()));
                }
                let first = self.expression()?;
                if self.check_name("for") {
                    let generator = self.comprehension(ComprehensionKind::Generator, first, None, ")");
                    self.depth -= 1;
                    return generator;
                }
                let result = if self.check_op(",") {
                    let mut items = vec![first];
                    while self.eat_op(",") {
                        if self.check_op(")") {
                            break;
                        }
                        items.push(self.expression()?);
                    }
                    Expr { kind: ExprKind::Tuple(items), line, column }
                } else {
                    first
                };
                self.expect_op(")")?;
                self.depth -= 1;
                Ok(result)
            }
            Token::Op("[") => {
                self.advance();
                self.nest()?;
                if !self.check_op("]") {
                    let first = self.expression()?;
                    if self.check_name("for") {
                        let list = self.comprehension(ComprehensionKind::List, first, None, "]");
                        self.depth -= 1;
                        return list;
                    }
                    let mut items = vec![first];
                    if self.eat_op(",") {
                        items.extend(self.sequence("]")?);
                    } else {
                        self.expect_op("]")?;
                    }
                    self.depth -= 1;
                    return at(ExprKind::List(items));
                }
                let items = self.sequence("]")?;
                self.depth -= 1;
                at(ExprKind::List(items))
            }
            Token::Op("{") => {
                self.advance();
                self.nest()?;
                let mut pairs = Vec::new();
                while !self.eat_op("}") {
                    let key = self.expression()?;
                    self.expect_op(":")?;
                    let value = self.expression()?;
                    if pairs.is_empty() && self.check_name("for") {
                        let dict = self.comprehension(ComprehensionKind::Dict, key, Some(value), "}");
                        self.depth -= 1;
                        return dict;
                    }
                    pairs.push((key, value));
                    if !self.eat_op(",") {
                        self.expect_op("}")?;
                        break;
                    }
                }
                self.depth -= 1;
                at(ExprKind::Dict(pairs))
            }
            Token::Newline | Token::End => self.error("invalid syntax: the expression is incomplete"),
            _ => self.error("invalid syntax"),
        }
    }

    pub(super) fn sequence(&mut self, close: &str) -> Parsed<Vec<Expr>> {
        let mut items = Vec::new();
        while !self.eat_op(close) {
            items.push(self.expression()?);
            if !self.eat_op(",") {
                self.expect_op(close)?;
                break;
            }
        }
        Ok(items)
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let (line, column) = (lhs.line, lhs.column);
    Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, line, column }
}

/// `f"loss {loss:.4f}"`: text and `{expression[:spec]}` parts (`{{` and `}}` are braces).
fn f_string(text: &str, line: usize, column: usize, depth: usize) -> Parsed<Vec<FPart>> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    while at < chars.len() {
        match chars[at] {
            '{' if chars.get(at + 1) == Some(&'{') => {
                literal.push('{');
                at += 2;
            }
            '}' if chars.get(at + 1) == Some(&'}') => {
                literal.push('}');
                at += 2;
            }
            '{' => {
                let close =
                    chars[at..].iter().position(|c| *c == '}').map(|i| at + i).ok_or_else(|| {
                        PyError::at(PyErrorKind::SyntaxError, "f-string: expecting '}'", line, column)
                    })?;
                let inner: String = chars[at + 1..close].iter().collect();
                let (source, spec) = match inner.rfind(':') {
                    Some(i) if !inner[i..].contains(']') => (inner[..i].to_owned(), inner[i + 1..].to_owned()),
                    _ => (inner, String::new()),
                };
                let statements = parse_nested(&source, depth + 1)
                    .map_err(|e| PyError::at(e.kind, format!("f-string: {}", e.message), line, column))?;
                let expr = match statements.as_slice() {
                    [Stmt { kind: StmtKind::Expr(expr), .. }] => expr.clone(),
                    _ => {
                        return Err(PyError::at(
                            PyErrorKind::SyntaxError,
                            "f-string: expected an expression",
                            line,
                            column,
                        ))
                    }
                };
                if !literal.is_empty() {
                    parts.push(FPart::Text(std::mem::take(&mut literal)));
                }
                parts.push(FPart::Value { expr, spec });
                at = close + 1;
            }
            c => {
                literal.push(c);
                at += 1;
            }
        }
    }
    if !literal.is_empty() {
        parts.push(FPart::Text(literal));
    }
    Ok(parts)
}
