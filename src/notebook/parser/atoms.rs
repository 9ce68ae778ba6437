//! The tightest-binding expressions: atoms (names, literals, displays, f-strings, lambdas'
//! operands), and what follows them — calls, subscripts and slices, attributes.

use super::{is_keyword, parse_nested, Parsed, Parser};
use crate::notebook::ast::{Arg, ComprehensionKind, Expr, ExprKind, FPart, Stmt, StmtKind};
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::scanner::{Spanned, Token};

impl Parser {
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
