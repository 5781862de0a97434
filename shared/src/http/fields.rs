//! Reads a JSON object field by field, telling apart "left out", `null` and a value (JSON merge
//! patch), recording an error per bad field and refusing unknown ones.

use serde_json::{Map, Value};

use crate::domain::Permissions;
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
            Patch::Set(other) => self.wrong_type(name, "a string", &other),
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

    /// Party permissions `{canSendDocument, canReceiveDocument, canRemoveDocument,
    /// canManageHook}` under `name`: the object and every flag required, each a boolean; one
    /// error per bad field, unknown flags refused.
    pub fn permissions(&mut self, name: &str) -> Option<Permissions> {
        let mut nested = self.required_with(name, |reader, name| reader.object(name))?;
        let mut flag = |field: &str| nested.required_with(field, |r, f| r.boolean(f));
        let send = flag("canSendDocument");
        let receive = flag("canReceiveDocument");
        let remove = flag("canRemoveDocument");
        let hook = flag("canManageHook");
        self.absorb(nested);
        Some(Permissions {
            can_send_document: send?,
            can_receive_document: receive?,
            can_remove_document: remove?,
            can_manage_hook: hook?,
        })
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
            Patch::Set(other) => self.wrong_type(name, "a boolean", &other),
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
                let base = self.path(name);
                let entries = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{base}[{i}]"), (), v));
                self.each_string(entries, |(), s| parse(&s))
            }
            Patch::Set(other) => self.wrong_type(name, "an array of strings", &other),
        }
    }

    /// An object of string values.
    pub fn string_map(&mut self, name: &str) -> Patch<std::collections::BTreeMap<String, String>> {
        match self.take(name) {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(Value::Object(map)) => {
                let base = self.path(name);
                let entries = map.into_iter().map(|(k, v)| (format!("{base}.{k}"), k, v));
                self.each_string(entries, |k, s| Ok((k, s)))
                    .map(|pairs| pairs.into_iter().collect())
            }
            Patch::Set(other) => self.wrong_type(name, "an object of strings", &other),
        }
    }

    /// Every `(path, key, value)` read as a string by `parse`, each bad one recorded under its
    /// path: all of them, or `Keep` when any was bad.
    fn each_string<K, T>(
        &mut self,
        entries: impl Iterator<Item = (String, K, Value)>,
        mut parse: impl FnMut(K, String) -> Result<T, String>,
    ) -> Patch<Vec<T>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (path, key, value) in entries {
            let parsed = match value {
                Value::String(s) => parse(key, s),
                other => Err(format!("must be a string, not {}", type_name(&other))),
            };
            match parsed {
                Ok(v) => out.push(v),
                Err(message) => {
                    self.problems.push(path, message);
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

    /// Records that `name` is not `what` (it is `other`).
    fn wrong_type<T>(&mut self, name: &str, what: &str, other: &Value) -> Patch<T> {
        let path = self.path(name);
        self.problems
            .push(path, format!("must be {what}, not {}", type_name(other)));
        Patch::Keep
    }

    /// A nested object, read with its own reader (errors prefixed `name.`).
    pub fn object(&mut self, name: &str) -> Patch<ObjectReader> {
        match self.take(name) {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(Value::Object(map)) => {
                Patch::Set(ObjectReader::new(map).with_prefix(format!("{}.", self.path(name))))
            }
            Patch::Set(other) => self.wrong_type(name, "an object", &other),
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
