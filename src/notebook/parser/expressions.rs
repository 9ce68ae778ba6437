//! Expressions, by precedence from `a if c else b` down to `**` (atoms and what follows them are
//! `atoms.rs`).

use super::{Parsed, Parser};
use crate::notebook::ast::{
    BinOp, Clause, CmpOp, ComprehensionKind, Expr, ExprKind, FunctionDef, Stmt, StmtKind, UnaryOp,
};
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
    pub(super) fn comprehension(
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
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let (line, column) = (lhs.line, lhs.column);
    Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, line, column }
}
