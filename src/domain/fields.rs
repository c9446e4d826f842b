//! Reading a JSON request object field by field into domain types, collecting every problem
//! under the field's dotted name (`owner.password`, `phones.fax`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{BoundedText, Problem};

/// Field name (dotted, as in the request) → problem.
pub type FieldProblems = BTreeMap<String, Problem>;

pub(super) struct Fields<'a> {
    pub obj: &'a Map<String, Value>,
    pub prefix: &'static str,
    pub problems: &'a mut FieldProblems,
}

impl Fields<'_> {
    pub fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub fn fail(&mut self, name: &str, problem: impl Into<Problem>) {
        let key = self.key(name);
        self.problems.insert(key, problem.into());
    }

    pub fn present(&self, name: &str) -> bool {
        !matches!(self.obj.get(name), None | Some(Value::Null))
    }

    /// A string field; absent and `null` are `None`.
    pub fn string(&mut self, name: &str) -> Option<&str> {
        match self.obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                self.fail(name, "must be a string");
                None
            }
        }
    }

    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<T> {
        let raw = self.string(name)?;
        match parse(raw) {
            Ok(v) => Some(v),
            Err(p) => {
                self.fail(name, p);
                None
            }
        }
    }

    /// A text field if present, else `current`.
    pub fn text<const MAX: usize>(
        &mut self,
        name: &str,
        current: BoundedText<MAX>,
    ) -> BoundedText<MAX> {
        self.parsed(name, BoundedText::parse).unwrap_or(current)
    }

    pub fn integer(&mut self, name: &str) -> Option<i64> {
        match self.obj.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => v.as_i64().or_else(|| {
                self.fail(name, "must be an integer");
                None
            }),
        }
    }

    /// A 0/1 flag (JSON booleans accepted too) if present, else `current`.
    pub fn flag(&mut self, name: &str, current: bool) -> bool {
        match self.obj.get(name) {
            None | Some(Value::Null) => current,
            Some(Value::Bool(b)) => *b,
            Some(v) => match v.as_i64() {
                Some(0) => false,
                Some(1) => true,
                _ => {
                    self.fail(name, "must be 0 or 1");
                    current
                }
            },
        }
    }
}

pub(super) fn sub_object<'a>(
    obj: &'a Map<String, Value>,
    name: &'static str,
    problems: &mut FieldProblems,
) -> Option<&'a Map<String, Value>> {
    match obj.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(o),
        Some(_) => {
            problems.insert(name.into(), "must be an object".into());
            None
        }
    }
}

pub(super) fn phone<const MAX: usize>(raw: &str) -> Result<BoundedText<MAX>, Problem> {
    if !raw
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().x/".contains(c))
    {
        return Err("may contain only digits, spaces and + - ( ) . x /".into());
    }
    BoundedText::parse(raw)
}
