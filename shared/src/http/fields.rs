//! Reads a JSON object field by field, telling apart "left out", `null` and a value (JSON merge
//! patch), recording an error per bad field and refusing unknown ones.

use serde_json::{Map, Value};

use crate::error::Problems;
use crate::service::Patch;

pub struct ObjectReader {
    map: Map<String, Value>,
    prefix: String,
    pub problems: Problems,
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl ObjectReader {
    pub fn new(map: Map<String, Value>) -> Self {
        Self {
            map,
            prefix: String::new(),
            problems: Problems::default(),
        }
    }

    /// Field names in errors are prefixed (e.g. `[3].` for a batch item).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn take(&mut self, name: &str) -> Patch<Value> {
        match self.map.remove(name) {
            None => Patch::Keep,
            Some(Value::Null) => Patch::Clear,
            Some(v) => Patch::Set(v),
        }
    }

    /// A string field parsed by `parse`.
    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Patch<T> {
        match self.take(name) {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(Value::String(s)) => match parse(&s) {
                Ok(v) => Patch::Set(v),
                Err(message) => {
                    let path = self.path(name);
                    self.problems.push(path, message);
                    Patch::Keep
                }
            },
            Patch::Set(other) => {
                let path = self.path(name);
                self.problems
                    .push(path, format!("must be a string, not {}", type_name(&other)));
                Patch::Keep
            }
        }
    }

    /// An obligatory field read with `read` (e.g. `|r, f| r.parsed(f, parse)`): left out or
    /// `null` records "is required"; an invalid value keeps the error `read` recorded.
    pub fn required_with<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut Self, &str) -> Patch<T>,
    ) -> Option<T> {
        let present = self.has(name);
        match read(self, name) {
            Patch::Set(value) => Some(value),
            Patch::Clear => {
                self.reject(name, "is required");
                None
            }
            // Present but invalid: `read` has said why.
            Patch::Keep if present => None,
            Patch::Keep => {
                self.reject(name, "is required");
                None
            }
        }
    }

    /// An obligatory string field parsed by `parse` (see [`Self::required_with`]).
    pub fn required<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.required_with(name, |reader, name| reader.parsed(name, parse))
    }

    /// A field that may be changed but not removed: `null` records "cannot be removed".
    pub fn not_null<T>(&mut self, name: &str, patch: Patch<T>) -> Option<T> {
        match patch {
            Patch::Set(value) => Some(value),
            Patch::Clear => {
                self.reject(name, "cannot be removed");
                None
            }
            Patch::Keep => None,
        }
    }

    pub fn boolean(&mut self, name: &str) -> Patch<bool> {
        match self.take(name) {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(Value::Bool(b)) => Patch::Set(b),
            Patch::Set(other) => {
                let path = self.path(name);
                self.problems.push(
                    path,
                    format!("must be a boolean, not {}", type_name(&other)),
                );
                Patch::Keep
            }
        }
    }

    /// An array of strings, each parsed by `parse` (errors name `field[i]`).
    pub fn list<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Patch<Vec<T>> {
        match self.take(name) {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{}[{i}]", self.path(name));
                    match item {
                        Value::String(s) => match parse(s) {
                            Ok(v) => out.push(v),
                            Err(message) => {
                                self.problems.push(path, message);
                                ok = false;
                            }
                        },
                        other => {
                            self.problems
                                .push(path, format!("must be a string, not {}", type_name(other)));
                            ok = false;
                        }
                    }
                }
                if ok {
                    Patch::Set(out)
                } else {
                    Patch::Keep
                }
            }
            Patch::Set(other) => {
                let path = self.path(name);
                self.problems.push(
                    path,
                    format!("must be an array of strings, not {}", type_name(&other)),
                );
                Patch::Keep
            }
        }
    }

    /// An object of string values.
    pub fn string_map(&mut self, name: &str) -> Patch<std::collections::BTreeMap<String, String>> {
        match self.take(name) {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(Value::Object(map)) => {
                let mut out = std::collections::BTreeMap::new();
                let mut ok = true;
                for (k, v) in map {
                    match v {
                        Value::String(s) => {
                            out.insert(k, s);
                        }
                        other => {
                            let path = format!("{}.{k}", self.path(name));
                            self.problems
                                .push(path, format!("must be a string, not {}", type_name(&other)));
                            ok = false;
                        }
                    }
                }
                if ok {
                    Patch::Set(out)
                } else {
                    Patch::Keep
                }
            }
            Patch::Set(other) => {
                let path = self.path(name);
                self.problems.push(
                    path,
                    format!("must be an object of strings, not {}", type_name(&other)),
                );
                Patch::Keep
            }
        }
    }

    /// A nested object, read with its own reader (errors prefixed `name.`).
    pub fn object(&mut self, name: &str) -> Patch<ObjectReader> {
        match self.take(name) {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(Value::Object(map)) => {
                Patch::Set(ObjectReader::new(map).with_prefix(format!("{}.", self.path(name))))
            }
            Patch::Set(other) => {
                let path = self.path(name);
                self.problems.push(
                    path,
                    format!("must be an object, not {}", type_name(&other)),
                );
                Patch::Keep
            }
        }
    }

    /// Accepts and drops a field (e.g. one that repeats the path).
    pub fn ignore(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// True when the field is present (and not yet read).
    pub fn has(&mut self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Records an error for a field whose value is present but not allowed (e.g. `null`).
    pub fn reject(&mut self, name: &str, message: &str) {
        let path = self.path(name);
        self.problems.push(path, message);
    }

    /// Merges a nested reader's problems and reports every field nobody read as unknown.
    pub fn absorb(&mut self, nested: ObjectReader) {
        let nested = nested.finish_problems();
        for e in nested.into_errors() {
            self.problems.push(e.field, e.message);
        }
    }

    fn finish_problems(mut self) -> Problems {
        let unknown: Vec<String> = self.map.keys().cloned().collect();
        for key in unknown {
            let path = self.path(&key);
            self.problems.push(path, "is not a known field");
        }
        self.problems
    }

    /// `Ok` when every field was valid and known.
    pub fn finish(self) -> Result<(), crate::Error> {
        self.finish_problems().finish()
    }
}
