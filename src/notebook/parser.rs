//! Tokens to a syntax tree, by recursive descent over Python's grammar for the subset the lessons
//! use. Nesting is bounded, so no cell can overflow the stack.

use std::rc::Rc;

use super::ast::{Arg, BinOp, CmpOp, Expr, ExprKind, FPart, FunctionDef, Stmt, StmtKind, UnaryOp};
use super::error::{PyError, PyErrorKind};
use super::scanner::{scan, Spanned, Token};

/// How deeply expressions and blocks may nest (Python's own parser stops near 200).
pub const MAX_NESTING: usize = 100;

pub fn parse(source: &str) -> Result<Vec<Stmt>, PyError> {
    let tokens = scan(source)?;
    let mut parser = Parser { tokens, at: 0, depth: 0 };
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

    fn statement(&mut self) -> Parsed<Vec<Stmt>> {
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

    fn at_statement_end(&self) -> bool {
        matches!(self.peek().token, Token::Newline | Token::End | Token::Dedent | Token::Op(";"))
    }

    fn dotted(&mut self) -> Parsed<Vec<String>> {
        let mut parts = vec![self.name()?];
        while self.eat_op(".") {
            parts.push(self.name()?);
        }
        Ok(parts)
    }

    fn if_statement(&mut self) -> Parsed<Stmt> {
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

    fn function(&mut self) -> Parsed<FunctionDef> {
        let name = self.name()?;
        self.expect_op("(")?;
        let mut params = Vec::new();
        while !self.eat_op(")") {
            let param = self.name()?;
            let default = if self.eat_op("=") { Some(self.expression()?) } else { None };
            params.push((param, default));
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        if self.eat_op("->") {
            self.expression()?;
        }
        let body = self.block()?;
        Ok(FunctionDef { name, params, body })
    }

    /// `:` then either statements on the same line or an indented block.
    fn block(&mut self) -> Parsed<Vec<Stmt>> {
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
            body.extend(self.statement()?);
        }
        self.depth -= 1;
        Ok(body)
    }

    fn expression_statement(&mut self) -> Parsed<StmtKind> {
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

    fn augmented_op(&mut self) -> Option<BinOp> {
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
    fn expression_list(&mut self) -> Parsed<Expr> {
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
    fn target_list(&mut self) -> Parsed<Expr> {
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

    fn or_test_without_in(&mut self) -> Parsed<Expr> {
        // A for-target is a primary (or a parenthesised tuple of them): never a comparison.
        self.unary()
    }

    fn expression(&mut self) -> Parsed<Expr> {
        self.nest()?;
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

    fn or_test(&mut self) -> Parsed<Expr> {
        let mut lhs = self.and_test()?;
        while self.eat_name("or") {
            let rhs = self.and_test()?;
            let (line, column) = (lhs.line, lhs.column);
            lhs = Expr { kind: ExprKind::Or(Box::new(lhs), Box::new(rhs)), line, column };
        }
        Ok(lhs)
    }

    fn and_test(&mut self) -> Parsed<Expr> {
        let mut lhs = self.not_test()?;
        while self.eat_name("and") {
            let rhs = self.not_test()?;
            let (line, column) = (lhs.line, lhs.column);
            lhs = Expr { kind: ExprKind::And(Box::new(lhs), Box::new(rhs)), line, column };
        }
        Ok(lhs)
    }

    fn not_test(&mut self) -> Parsed<Expr> {
        let Spanned { line, column, .. } = *self.peek();
        if self.eat_name("not") {
            self.nest()?;
            let operand = self.not_test()?;
            self.depth -= 1;
            return Ok(Expr { kind: ExprKind::Unary { op: UnaryOp::Not, operand: Box::new(operand) }, line, column });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Parsed<Expr> {
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
            rest.push((op, self.arithmetic()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let (line, column) = (first.line, first.column);
        Ok(Expr { kind: ExprKind::Compare { first: Box::new(first), rest }, line, column })
    }

    fn arithmetic(&mut self) -> Parsed<Expr> {
        let mut lhs = self.term()?;
        loop {
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

    fn term(&mut self) -> Parsed<Expr> {
        let mut lhs = self.unary()?;
        loop {
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

    fn unary(&mut self) -> Parsed<Expr> {
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

    fn power(&mut self) -> Parsed<Expr> {
        let base = self.primary()?;
        if self.eat_op("**") {
            self.nest()?;
            let exponent = self.unary()?;
            self.depth -= 1;
            return Ok(binary(BinOp::Pow, base, exponent));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let mut value = self.atom()?;
        loop {
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

    fn arguments(&mut self) -> Parsed<Vec<Arg>> {
        let mut args = Vec::new();
        while !self.eat_op(")") {
            if self.eat_op("*") {
                args.push(Arg::Star(self.expression()?));
            } else if matches!(self.peek().token, Token::Name(_)) && matches!(self.peek_at(1), Token::Op("=")) {
                let name = self.name()?;
                self.advance();
                args.push(Arg::Keyword(name, self.expression()?));
            } else {
                args.push(Arg::Positional(self.expression()?));
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok(args)
    }

    /// `i`, `a:b:c` (any part left out), or several of them (`[:, 0]`) as a tuple.
    fn subscript(&mut self) -> Parsed<Expr> {
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

    fn slice_item(&mut self) -> Parsed<Expr> {
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

    fn atom(&mut self) -> Parsed<Expr> {
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
                at(ExprKind::FString(f_string(&text, line, column)?))
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

    fn sequence(&mut self, close: &str) -> Parsed<Vec<Expr>> {
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

fn check_target(target: &Expr) -> Parsed<()> {
    match &target.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => Ok(()),
        ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().try_for_each(check_target),
        _ => Err(PyError::at(PyErrorKind::SyntaxError, "cannot assign to expression", target.line, target.column)),
    }
}

fn is_keyword(name: &str) -> bool {
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

/// `f"loss {loss:.4f}"`: text and `{expression[:spec]}` parts (`{{` and `}}` are braces).
fn f_string(text: &str, line: usize, column: usize) -> Parsed<Vec<FPart>> {
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
                let statements = parse(&source)
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
