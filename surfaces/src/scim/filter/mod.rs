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
//!
//! `parse.rs` reads filters and PATCH paths, `eval.rs` evaluates a filter over a rendered
//! resource; how a filter reads storage is `plan.rs` (one level up).

mod eval;
mod parse;
#[cfg(test)]
mod tests;

pub use eval::{matches, member, paths};
pub use parse::{parse, parse_path, MAX_FILTER_LEN};

use serde_json::Value;

/// The core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

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
