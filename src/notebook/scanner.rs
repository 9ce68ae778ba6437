//! Source text to tokens, as Python's tokenizer makes them for the subset the lessons use:
//! indentation becomes `Indent`/`Dedent`, a line break inside brackets is no token, comments are
//! dropped. Every token knows its line and column (1-based), for the caret under an error.

use super::error::{PyError, PyErrorKind};

/// The longest cell the scanner reads (a cell is typed by hand; the seed's longest is ~1.5 KB).
pub const MAX_CELL_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// An f-string's raw text between its quotes; the parser reads the `{…}` parts.
    FStr(String),
    /// An operator or a bracket: `+`, `**=`, `(`, `->`, …
    Op(&'static str),
    Newline,
    Indent,
    Dedent,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub token: Token,
    pub line: usize,
    pub column: usize,
}

const OPERATORS: &[&str] = &[
    "**=", "//=", "->", "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "@=", "+", "-", "*", "/",
    "%", "@", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";",
];

pub fn scan(source: &str) -> Result<Vec<Spanned>, PyError> {
    if source.len() > MAX_CELL_BYTES {
        return Err(PyError::new(
            PyErrorKind::SyntaxError,
            format!("a cell may hold at most {MAX_CELL_BYTES} bytes; this one has {}", source.len()),
        ));
    }
    let mut tokens = Vec::new();
    let mut indents = vec![0usize];
    let mut depth = 0usize;
    // The previous line ended with `\`: this one continues it (no indentation, no newline before).
    let mut continued = false;
    for (index, raw_line) in source.split('\n').enumerate() {
        let line = index + 1;
        let text = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let chars: Vec<char> = text.chars().collect();
        let mut column = 0;
        if depth == 0 && !std::mem::take(&mut continued) {
            let indent =
                chars.iter().take_while(|c| **c == ' ' || **c == '\t').map(|c| if *c == '\t' { 4 } else { 1 }).sum();
            let first = chars.iter().position(|c| *c != ' ' && *c != '\t');
            let blank = match first {
                None => true,
                Some(i) => chars[i] == '#',
            };
            if blank {
                continue;
            }
            column = first.unwrap_or(0);
            let current = *indents.last().unwrap_or(&0);
            if indent > current {
                indents.push(indent);
                tokens.push(Spanned { token: Token::Indent, line, column: column + 1 });
            } else {
                while indent < *indents.last().unwrap_or(&0) {
                    indents.pop();
                    tokens.push(Spanned { token: Token::Dedent, line, column: column + 1 });
                }
                if indent != *indents.last().unwrap_or(&0) {
                    return Err(PyError::at(
                        PyErrorKind::IndentationError,
                        "unindent does not match any outer indentation level",
                        line,
                        column + 1,
                    ));
                }
            }
        }
        while column < chars.len() {
            let c = chars[column];
            let start = column;
            if c == ' ' || c == '\t' {
                column += 1;
            } else if c == '#' {
                break;
            } else if c == '\\' && column + 1 == chars.len() {
                // An explicit line join: the next line continues this one.
                continued = true;
                column += 1;
            } else if c.is_ascii_digit() || (c == '.' && chars.get(column + 1).is_some_and(char::is_ascii_digit)) {
                let (token, end) = number(&chars, column, line)?;
                tokens.push(Spanned { token, line, column: start + 1 });
                column = end;
            } else if c == '"' || c == '\'' {
                let (text, end) = string(&chars, column, line)?;
                tokens.push(Spanned { token: Token::Str(text), line, column: start + 1 });
                column = end;
            } else if (c == 'f' || c == 'F') && matches!(chars.get(column + 1), Some('"') | Some('\'')) {
                let (text, end) = string(&chars, column + 1, line)?;
                tokens.push(Spanned { token: Token::FStr(text), line, column: start + 1 });
                column = end;
            } else if c.is_alphabetic() || c == '_' {
                while column < chars.len() && (chars[column].is_alphanumeric() || chars[column] == '_') {
                    column += 1;
                }
                let name: String = chars[start..column].iter().collect();
                tokens.push(Spanned { token: Token::Name(name), line, column: start + 1 });
            } else {
                let rest: String = chars[column..chars.len().min(column + 3)].iter().collect();
                let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
                    return Err(PyError::at(
                        PyErrorKind::SyntaxError,
                        format!("invalid character '{c}'"),
                        line,
                        start + 1,
                    ));
                };
                match *op {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                column += op.chars().count();
                tokens.push(Spanned { token: Token::Op(op), line, column: start + 1 });
            }
        }
        if continued {
            continue;
        }
        if depth == 0 && !matches!(tokens.last(), None | Some(Spanned { token: Token::Newline, .. })) {
            tokens.push(Spanned { token: Token::Newline, line, column: chars.len() + 1 });
        }
    }
    let last_line = source.split('\n').count();
    if depth > 0 {
        return Err(PyError::at(
            PyErrorKind::SyntaxError,
            "unexpected end of cell: a bracket is never closed",
            last_line,
            1,
        ));
    }
    while indents.len() > 1 {
        indents.pop();
        tokens.push(Spanned { token: Token::Dedent, line: last_line, column: 1 });
    }
    tokens.push(Spanned { token: Token::End, line: last_line + 1, column: 1 });
    Ok(tokens)
}

fn number(chars: &[char], mut column: usize, line: usize) -> Result<(Token, usize), PyError> {
    let start = column;
    let mut float = false;
    while column < chars.len() {
        let c = chars[column];
        if c.is_ascii_digit() || c == '_' {
            column += 1;
        } else if c == '.' && !float {
            float = true;
            column += 1;
        } else if (c == 'e' || c == 'E')
            && (chars.get(column + 1).is_some_and(char::is_ascii_digit)
                || (matches!(chars.get(column + 1), Some('+') | Some('-'))
                    && chars.get(column + 2).is_some_and(char::is_ascii_digit)))
        {
            float = true;
            column += 2;
        } else {
            break;
        }
    }
    let text: String = chars[start..column].iter().filter(|c| **c != '_').collect();
    let token =
        if float { text.parse::<f64>().map(Token::Float).ok() } else { text.parse::<i64>().map(Token::Int).ok() };
    match token {
        Some(token) => Ok((token, column)),
        None => Err(PyError::at(
            PyErrorKind::OverflowError,
            format!("the number {text} is too large (integers here are 64-bit)"),
            line,
            start + 1,
        )),
    }
}

fn string(chars: &[char], column: usize, line: usize) -> Result<(String, usize), PyError> {
    let quote = chars[column];
    let mut text = String::new();
    let mut at = column + 1;
    while at < chars.len() {
        match chars[at] {
            c if c == quote => return Ok((text, at + 1)),
            '\\' if at + 1 < chars.len() => {
                text.push(match chars[at + 1] {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                at += 2;
            }
            c => {
                text.push(c);
                at += 1;
            }
        }
    }
    Err(PyError::at(PyErrorKind::SyntaxError, "unterminated string literal", line, column + 1))
}
