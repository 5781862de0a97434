//! The filter grammar (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): a lexer and a recursive
//! descent parser; each error says what is wrong.

use serde_json::Value;

use super::{AttrPath, CompareOp, Filter, PatchPath};

/// Longest filter text accepted (characters).
pub const MAX_FILTER_LEN: usize = 2_000;
/// Deepest nesting of parentheses, `not` and value paths.
const MAX_DEPTH: usize = 16;

impl AttrPath {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let (uri, rest) = match text.rfind(':') {
            Some(i) => (Some(text[..i].to_string()), &text[i + 1..]),
            None => (None, text),
        };
        if let Some(uri) = &uri {
            if !uri.to_ascii_lowercase().starts_with("urn:") {
                return Err(format!("{text:?} is not an attribute path"));
            }
        }
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (rest, None),
        };
        let valid = |n: &str| {
            n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        };
        if !valid(name) || sub.is_some_and(|s| !valid(s)) {
            return Err(format!("{text:?} is not an attribute path"));
        }
        Ok(Self {
            uri,
            name: name.to_string(),
            sub: sub.map(str::to_string),
        })
    }
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Str(String),
    Word(String),
}

fn lex(text: &str) -> Result<Vec<Token>, String> {
    if text.chars().count() > MAX_FILTER_LEN {
        return Err(format!("is longer than {MAX_FILTER_LEN} characters"));
    }
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                // A JSON string literal, escapes included.
                chars.next();
                let mut end = None;
                let mut escaped = false;
                for (i, ch) in chars.by_ref() {
                    match (escaped, ch) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let Some(end) = end else {
                    return Err("has an unterminated string".into());
                };
                let literal = &text[start..=end];
                let value: String = serde_json::from_str(literal)
                    .map_err(|_| format!("has an invalid string {literal}"))?;
                tokens.push(Token::Str(value));
            }
            _ => {
                let mut end = text.len();
                while let Some(&(i, ch)) = chars.peek() {
                    if ch.is_whitespace() || "()[]\"".contains(ch) {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                tokens.push(Token::Word(text[start..end].to_string()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nests deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Filter, String> {
        let mut left = self.and_expr()?;
        while self.peek_keyword("or") {
            self.next();
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.next();
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn group(&mut self) -> Result<Filter, String> {
        // The opening parenthesis is consumed by the caller.
        self.deeper()?;
        let inner = self.or_expr()?;
        self.depth -= 1;
        match self.next() {
            Some(Token::Close) => Ok(inner),
            _ => Err("misses a closing parenthesis".into()),
        }
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_keyword("not") {
            self.next();
            if self.next() != Some(Token::Open) {
                return Err("needs a parenthesis after not".into());
            }
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.next();
            return self.group();
        }
        self.attr_expr()
    }

    fn attr_expr(&mut self) -> Result<Filter, String> {
        let path = match self.next() {
            Some(Token::Word(w)) => AttrPath::parse(&w)?,
            Some(Token::Str(s)) => return Err(format!("expects an attribute before \"{s}\"")),
            Some(_) => return Err("expects an attribute path".into()),
            None => return Err("ends where an attribute path was expected".into()),
        };
        if self.peek() == Some(&Token::OpenBracket) {
            self.next();
            if path.sub.is_some() {
                return Err(format!("{path} cannot take a value filter"));
            }
            self.deeper()?;
            let filter = self.or_expr()?;
            self.depth -= 1;
            if self.next() != Some(Token::CloseBracket) {
                return Err("misses a closing bracket".into());
            }
            // `].sub op value`: a comparison of the matched element's sub-attribute.
            let then = match self.peek() {
                Some(Token::Word(w)) if w.starts_with('.') => {
                    let sub = AttrPath::parse(&w[1..])?;
                    self.next();
                    Some(Box::new(self.comparison(sub)?))
                }
                _ => None,
            };
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
                then,
            });
        }
        self.comparison(path)
    }

    fn comparison(&mut self, path: AttrPath) -> Result<Filter, String> {
        let op = match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(path))
            }
            Some(Token::Word(w)) => {
                CompareOp::parse(&w).ok_or_else(|| format!("has an unknown operator {w:?}"))?
            }
            _ => return Err(format!("misses an operator after {path}")),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => match serde_json::from_str::<serde_json::Number>(&w) {
                    Ok(n) => Value::Number(n),
                    Err(_) => {
                        return Err(format!(
                            "compares {path} with {w:?}: strings must be in double quotes"
                        ))
                    }
                },
            },
            _ => return Err(format!("misses a value after the operator on {path}")),
        };
        Ok(Filter::Compare { path, op, value })
    }
}

/// Parses a filter; the error says what is wrong (answered with scimType `invalidFilter`).
pub fn parse(text: &str) -> Result<Filter, String> {
    let tokens = lex(text)?;
    if tokens.is_empty() {
        return Err("is empty".into());
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let filter = parser.or_expr()?;
    match parser.peek() {
        None => Ok(filter),
        Some(Token::Close) => Err("has an unmatched closing parenthesis".into()),
        Some(_) => Err("has text after the end of the expression".into()),
    }
}

/// Parses a PATCH path (answered with scimType `invalidPath` when it fails).
pub fn parse_path(text: &str) -> Result<PatchPath, String> {
    let text = text.trim();
    let (head, rest) = match text.find('[') {
        Some(i) => (&text[..i], Some(&text[i..])),
        None => (text, None),
    };
    let attr = AttrPath::parse(head)?;
    let Some(rest) = rest else {
        return Ok(PatchPath {
            attr,
            filter: None,
            sub: None,
        });
    };
    if attr.sub.is_some() {
        return Err(format!("{attr} cannot take a value filter"));
    }
    let Some(close) = rest.rfind(']') else {
        return Err("misses a closing bracket".into());
    };
    let filter = parse(&rest[1..close])?;
    let after = &rest[close + 1..];
    let sub = match after.strip_prefix('.') {
        Some(s) => Some(AttrPath::parse(s)?.name),
        None if after.is_empty() => None,
        None => return Err(format!("has {after:?} after the value filter")),
    };
    Ok(PatchPath {
        attr,
        filter: Some(filter),
        sub,
    })
}
