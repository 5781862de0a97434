//! SCIM PATCH (RFC 7644 §3.5.2): `add`, `remove`, `replace` (any case: Entra sends `Replace`),
//! with a path (`name.givenName`, `emails[type eq "work"].value`, schema-qualified paths) or
//! without one (the value's keys are paths, dotted keys such as `name.givenName` included).
//! Applied to the user as rendered; the result is then checked and mapped like a PUT body, so a
//! PATCH can do exactly what a PUT can and nothing else.
//!
//! This file reads the `PatchOp` request; `apply.rs` applies its operations.

mod apply;
#[cfg(test)]
mod tests;

pub use apply::apply;

use serde_json::Value;

use super::error::ScimError;
use super::filter;
use super::schema::PATCH_OP;

/// Most operations one PATCH may carry.
pub const MAX_OPERATIONS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
}

/// One operation as read from the request.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: Option<String>,
    pub value: Option<Value>,
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidValue", detail)
}

/// Reads a `PatchOp` request body.
pub fn operations(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let Value::Object(fields) = body else {
        return Err(ScimError::bad(
            "invalidSyntax",
            "The body must be a PatchOp object.",
        ));
    };
    let member = |name: &str| filter::member(body, name);
    if let Some(schemas) = member("schemas") {
        let ok = schemas
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(PATCH_OP)));
        if !ok {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("schemas: must be [\"{PATCH_OP}\"]"),
            ));
        }
    }
    if let Some(unknown) = fields
        .keys()
        .find(|k| !k.eq_ignore_ascii_case("schemas") && !k.eq_ignore_ascii_case("Operations"))
    {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("{unknown}: is not a member of a PatchOp"),
        ));
    }
    let Some(Value::Array(list)) = member("Operations") else {
        return Err(ScimError::bad(
            "invalidSyntax",
            "Operations: must be a list of operations",
        ));
    };
    if list.is_empty() || list.len() > MAX_OPERATIONS {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("Operations: must hold 1 to {MAX_OPERATIONS} operations"),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("Operations[{i}]");
        let Value::Object(op_fields) = item else {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("{at}: must be an object"),
            ));
        };
        let mut op = None;
        let mut path = None;
        let mut value = None;
        for (k, v) in op_fields {
            match k.to_ascii_lowercase().as_str() {
                "op" => {
                    op = Some(match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                        Some("add") => Op::Add,
                        Some("remove") => Op::Remove,
                        Some("replace") => Op::Replace,
                        _ => {
                            return Err(ScimError::bad(
                                "invalidSyntax",
                                format!("{at}.op: must be add, remove or replace"),
                            ))
                        }
                    })
                }
                "path" => match v {
                    Value::String(p) if !p.trim().is_empty() => path = Some(p.clone()),
                    Value::Null => {}
                    Value::String(_) => {}
                    _ => {
                        return Err(ScimError::bad(
                            "invalidPath",
                            format!("{at}.path: must be a string"),
                        ))
                    }
                },
                "value" => value = Some(v.clone()),
                _ => {
                    return Err(ScimError::bad(
                        "invalidSyntax",
                        format!("{at}.{k}: is not a member of an operation"),
                    ))
                }
            }
        }
        let Some(op) = op else {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("{at}.op: is required"),
            ));
        };
        if op != Op::Remove && value.is_none() {
            return Err(invalid(
                format!("{at}.value: is required for {op:?}").to_lowercase(),
            ));
        }
        out.push(Operation { op, path, value });
    }
    Ok(out)
}
