//! SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): the parser and the evaluation of a
//! filter over a SCIM resource as rendered (JSON).
//!
//! Grammar: `attrPath pr`, `attrPath op value` (`eq ne co sw ew gt ge lt le`), `and`, `or`, `not
//! (…)`, grouping with parentheses, value paths `emails[type eq "work"]` (optionally followed by a
//! sub-attribute comparison, `emails[type eq "work"].value eq "…"`), attribute paths with a schema
//! URN prefix. Attribute names and operators are case-insensitive. `not` binds tighter than `and`,
//! `and` tighter than `or`.
//!
//! The `+` that Entra ID sends for spaces is not decoded here: it belongs to the query string's
//! form-urlencoding (`+` is a space there, `%2B` a plus), which the query extractor decodes before
//! the filter reaches this parser. A literal `+` inside a filter value stays a `+`.

use serde_json::Value;

/// The core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// Longest filter text accepted (characters).
pub const MAX_FILTER_LEN: usize = 2_000;
/// Deepest nesting of parentheses, `not` and value paths.
const MAX_DEPTH: usize = 16;

/// `[URI ":"] ATTRNAME ["." subAttr]`; names as written (compared case-insensitively).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN, when the path names one (`urn:…:enterprise:2.0:User`).
    pub uri: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// True when the path names `name` (and `sub`) of the core User schema, case-insensitively.
    pub fn is(&self, name: &str, sub: Option<&str>) -> bool {
        let core = self
            .uri
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(USER_SCHEMA));
        core && self.name.eq_ignore_ascii_case(name)
            && match (self.sub.as_deref(), sub) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }

    fn parse(text: &str) -> Result<Self, String> {
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

impl std::fmt::Display for AttrPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        write!(f, "{}", self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
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
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`, true when an element of `attr` matches `filter`; with `then`, the element
    /// must also match `then` (a comparison of one of its sub-attributes).
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
        then: Option<Box<Filter>>,
    },
}

/// A PATCH path: `attrPath` or `valuePath [subAttr]`.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`emails[type eq "work"].value`).
    pub sub: Option<String>,
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

// ---------------------------------------------------------------------------------------------
// Evaluation over a rendered resource.

/// Attributes compared case-sensitively (RFC 7643 `caseExact: true`); all others ignore case.
fn case_exact(path: &AttrPath) -> bool {
    path.is("id", None)
        || path.is("externalId", None)
        || path.is("meta", Some("version"))
        || path.is("meta", Some("location"))
}

/// Date-time attributes, compared as instants.
fn is_date_time(path: &AttrPath) -> bool {
    path.is("meta", Some("created")) || path.is("meta", Some("lastModified"))
}

/// The object member named `name`, case-insensitively.
pub fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// The object holding the attributes of `path`'s schema: the resource itself for the core
/// schema (or a relative path), the extension object for an extension URN.
fn scope<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    match &path.uri {
        Some(uri) if !uri.eq_ignore_ascii_case(USER_SCHEMA) => member(resource, uri),
        _ => Some(resource),
    }
}

/// Every value `path` reaches, arrays flattened (a multi-valued attribute without a
/// sub-attribute yields its elements; for complex elements their `value`).
fn values<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(top) = scope(resource, path).and_then(|s| member(s, &path.name)) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    elements
        .into_iter()
        .filter_map(|e| match &path.sub {
            Some(sub) => member(e, sub),
            None if e.is_object() && top.is_array() => member(e, "value"),
            None => Some(e),
        })
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

fn present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn instant(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn compare(actual: &Value, op: CompareOp, expected: &Value, exact: bool, date: bool) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (actual, expected) {
        (Value::String(a), Value::String(b)) => {
            if date {
                if let (Some(a), Some(b)) = (instant(a), instant(b)) {
                    return ordered(op, a.cmp(&b));
                }
            }
            let (a, b) = if exact {
                (a.clone(), b.clone())
            } else {
                (a.to_lowercase(), b.to_lowercase())
            };
            match op {
                CompareOp::Co => return a.contains(&b),
                CompareOp::Sw => return a.starts_with(&b),
                CompareOp::Ew => return a.ends_with(&b),
                _ => Some(a.cmp(&b)),
            }
        }
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::Bool(a), Value::Bool(b)) => match op {
            CompareOp::Eq => return a == b,
            CompareOp::Ne => return a != b,
            _ => return false,
        },
        (_, Value::Null) => match op {
            CompareOp::Eq => return !present(actual),
            CompareOp::Ne => return present(actual),
            _ => return false,
        },
        _ => None,
    };
    match ordering {
        Some(o) => ordered(op, o),
        // Different types: only `ne` holds.
        None => op == CompareOp::Ne,
    }
}

fn ordered(op: CompareOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => o == Equal,
        CompareOp::Ne => o != Equal,
        CompareOp::Gt => o == Greater,
        CompareOp::Ge => o != Less,
        CompareOp::Lt => o == Less,
        CompareOp::Le => o != Greater,
        // Substring operators on non-strings match nothing.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// True when `resource` (a rendered SCIM resource, or an element of a multi-valued attribute for
/// the filter inside a value path) matches `filter`.
pub fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::Present(path) => values(resource, path).into_iter().any(present),
        Filter::Compare { path, op, value } => {
            let found = values(resource, path);
            let (exact, date) = (case_exact(path), is_date_time(path));
            if found.is_empty() {
                // An absent attribute equals null and differs from every value.
                return match op {
                    CompareOp::Eq => value.is_null(),
                    CompareOp::Ne => !value.is_null(),
                    _ => false,
                };
            }
            if *op == CompareOp::Ne {
                // `ne` on a multi-valued attribute: no element equals the value.
                return !found
                    .iter()
                    .any(|v| compare(v, CompareOp::Eq, value, exact, date));
            }
            found.iter().any(|v| compare(v, *op, value, exact, date))
        }
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(f) => !matches(f, resource),
        Filter::ValuePath { path, filter, then } => {
            let Some(top) = scope(resource, path).and_then(|s| member(s, &path.name)) else {
                return false;
            };
            let elements: Vec<&Value> = match top {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            elements
                .into_iter()
                .any(|e| matches(filter, e) && then.as_ref().is_none_or(|t| matches(t, e)))
        }
    }
}

/// The attribute paths a filter names (to refuse unknown attributes with `invalidFilter`).
pub fn paths(filter: &Filter) -> Vec<AttrPath> {
    let mut out = Vec::new();
    fn walk(f: &Filter, out: &mut Vec<AttrPath>, prefix: Option<&AttrPath>) {
        let qualified = |p: &AttrPath| match prefix {
            Some(parent) => AttrPath {
                uri: parent.uri.clone(),
                name: parent.name.clone(),
                sub: Some(p.name.clone()),
            },
            None => p.clone(),
        };
        match f {
            Filter::Present(p) | Filter::Compare { path: p, .. } => out.push(qualified(p)),
            Filter::And(a, b) | Filter::Or(a, b) => {
                walk(a, out, prefix);
                walk(b, out, prefix);
            }
            Filter::Not(inner) => walk(inner, out, prefix),
            Filter::ValuePath { path, filter, then } => {
                walk(filter, out, Some(path));
                if let Some(t) = then {
                    walk(t, out, Some(path));
                }
            }
        }
    }
    walk(filter, &mut out, None);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(text: &str) -> Filter {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn path(name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            uri: None,
            name: name.into(),
            sub: sub.map(Into::into),
        }
    }

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "usr_01ABC",
            "externalId": "ext-1",
            "userName": "Alice@Example.com",
            "name": {"givenName": "Alice", "familyName": "Smith", "formatted": "Alice Smith"},
            "displayName": "Alice",
            "active": true,
            "emails": [
                {"value": "alice@example.com", "type": "work", "primary": true},
                {"value": "alice@home.example", "type": "home"}
            ],
            "title": "",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984", "department": "Tour Operations"
            },
            "meta": {"created": "2026-01-01T10:00:00Z", "lastModified": "2026-02-01T10:00:00.500Z", "version": "W/\"3\""}
        })
    }

    #[test]
    fn every_operator_and_literal_parses() {
        assert_eq!(
            parsed(r#"userName eq "bjensen""#),
            Filter::Compare {
                path: path("userName", None),
                op: CompareOp::Eq,
                value: json!("bjensen")
            }
        );
        for op in [
            "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Ge",
        ] {
            assert!(parse(&format!("userName {op} \"x\"")).is_ok(), "{op}");
        }
        assert_eq!(parsed("title pr"), Filter::Present(path("title", None)));
        assert_eq!(parsed("title PR"), Filter::Present(path("title", None)));
        for literal in ["true", "False", "null", "12", "-1.5e3"] {
            assert!(parse(&format!("x eq {literal}")).is_ok(), "{literal}");
        }
        assert_eq!(
            parsed(r#"name.familyName co "O\"Malley""#),
            Filter::Compare {
                path: path("name", Some("familyName")),
                op: CompareOp::Co,
                value: json!("O\"Malley")
            }
        );
    }

    #[test]
    fn not_binds_tighter_than_and_and_and_tighter_than_or() {
        let f = parsed(r#"a eq "1" or b eq "2" and not (c pr)"#);
        let Filter::Or(_, right) = f else {
            panic!("or at the top: {f:?}")
        };
        let Filter::And(_, not) = *right else {
            panic!("and on the right")
        };
        assert!(matches!(*not, Filter::Not(_)));
        let grouped = parsed(r#"(a eq "1" or b eq "2") and c pr"#);
        assert!(matches!(grouped, Filter::And(..)));
        assert!(matches!(parsed(r#"a eq "1" OR b eq "2""#), Filter::Or(..)));
    }

    #[test]
    fn schema_urns_and_value_paths_parse() {
        let f = parsed(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "A""#);
        let Filter::Compare { path: p, .. } = &f else {
            panic!("{f:?}")
        };
        assert_eq!(p.uri.as_deref(), Some(USER_SCHEMA));
        assert!(p.is("name", Some("givenName")));
        let f = parsed(r#"emails[type eq "work" and value co "@example.com"]"#);
        assert!(matches!(f, Filter::ValuePath { then: None, .. }));
        let f = parsed(r#"emails[type eq "work"].value eq "alice@example.com""#);
        assert!(matches!(f, Filter::ValuePath { then: Some(_), .. }));
    }

    #[test]
    fn malformed_filters_say_what_is_wrong() {
        let cases = [
            ("", "is empty"),
            ("userName", "misses an operator"),
            (r#"userName eq"#, "misses a value"),
            (r#"userName xx "a""#, "unknown operator"),
            (r#"userName eq bjensen"#, "double quotes"),
            (r#"userName eq "open"#, "unterminated string"),
            (r#"(userName eq "a""#, "closing parenthesis"),
            (r#"userName eq "a")"#, "unmatched closing"),
            (r#"emails[type eq "work""#, "closing bracket"),
            (r#"not userName eq "a""#, "parenthesis after not"),
            (r#"userName eq "a" extra"#, "after the end"),
            (r#""a" eq userName"#, "expects an attribute"),
            (r#"user&name eq "a""#, "not an attribute path"),
            (r#"userName eq "a" and"#, "ends where"),
        ];
        for (text, expected) in cases {
            let err = parse(text).err().unwrap_or_default();
            assert!(err.contains(expected), "{text:?}: {err:?}");
        }
        let deep = format!("{}a pr{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep).is_err_and(|e| e.contains("nests deeper")));
        assert!(parse(&format!("a eq \"{}\"", "x".repeat(3000))).is_err());
    }

    #[test]
    fn evaluation_follows_rfc_7644_semantics() {
        let u = user();
        let cases = [
            (r#"userName eq "alice@example.com""#, true),
            (r#"USERNAME Eq "ALICE@EXAMPLE.COM""#, true),
            (r#"userName ne "alice@example.com""#, false),
            (r#"userName sw "alice""#, true),
            (r#"userName ew ".com""#, true),
            (r#"userName co "@EXAMPLE""#, true),
            (r#"externalId eq "EXT-1""#, false),
            (r#"externalId eq "ext-1""#, true),
            (r#"id eq "usr_01ABC""#, true),
            (r#"active eq true"#, true),
            (r#"active eq false"#, false),
            (r#"title pr"#, false),
            (r#"displayName pr"#, true),
            (r#"nickName pr"#, false),
            (r#"nickName eq null"#, true),
            (r#"emails.value eq "alice@home.example""#, true),
            (r#"emails eq "alice@home.example""#, true),
            (r#"emails co "home""#, true),
            (r#"emails.type eq "other""#, false),
            (r#"emails[type eq "work"]"#, true),
            (
                r#"emails[type eq "work" and value ew "home.example"]"#,
                false,
            ),
            (
                r#"emails[type eq "work"].value eq "alice@example.com""#,
                true,
            ),
            (
                r#"emails[type eq "home"].value eq "alice@example.com""#,
                false,
            ),
            (r#"emails[primary eq true].value sw "alice@""#, true),
            (
                r#"name.givenName eq "alice" and name.familyName eq "smith""#,
                true,
            ),
            (
                r#"name.givenName eq "bob" or name.familyName eq "smith""#,
                true,
            ),
            (r#"not (name.givenName eq "alice")"#, false),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "tour""#,
                true,
            ),
            (r#"meta.lastModified gt "2026-02-01T10:00:00Z""#, true),
            (
                r#"meta.lastModified gt "2026-02-01T10:00:00.500+00:00""#,
                false,
            ),
            (r#"meta.lastModified ge "2026-02-01T11:00:00+01:00""#, true),
            (r#"meta.created lt "2026-01-01T10:00:01Z""#, true),
            (r#"active gt true"#, false),
        ];
        for (text, expected) in cases {
            assert_eq!(matches(&parsed(text), &u), expected, "{text}");
        }
    }

    #[test]
    fn patch_paths_parse_with_value_filters_and_sub_attributes() {
        let p = parse_path(r#"emails[type eq "work"].value"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.attr.is("emails", None));
        assert!(p.filter.is_some());
        assert_eq!(p.sub.as_deref(), Some("value"));
        let p = parse_path("name.givenName").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.attr.is("name", Some("givenName")) && p.filter.is_none());
        let p = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.attr.name, "manager");
        for bad in [
            "",
            "emails[type eq",
            "emails[type eq \"w\"]x",
            "a b",
            "name.given[x pr]",
        ] {
            assert!(parse_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn filter_paths_are_listed_qualified() {
        let f = parsed(r#"emails[type eq "work"] and userName pr"#);
        let names: Vec<String> = paths(&f).iter().map(ToString::to_string).collect();
        assert_eq!(names, ["emails.type", "userName"]);
    }
}
