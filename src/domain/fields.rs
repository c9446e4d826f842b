//! Request fields as sent, and reading them into domain types while collecting every problem
//! under the field's dotted name (`owner.password`, `phones.fax`), so that the client sees all
//! of them at once.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{BoundedText, Problem};

/// Field name (dotted, as in the request) → problem.
pub type FieldProblems = BTreeMap<String, Problem>;

/// A field of a request body as sent: left out, `null`, of its documented type, or of another
/// type (reported, never a failure of the whole body). Fields of a request type default to
/// `Absent` (`#[serde(default)]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Given(T),
    Wrong,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Field::Null,
            value => match T::deserialize(&value) {
                Ok(v) => Field::Given(v),
                // JSON Schema counts `1.0` as the integer 1; so does the API.
                Err(_) => as_integer(&value)
                    .and_then(|n| T::deserialize(Value::from(n)).ok())
                    .map_or(Field::Wrong, Field::Given),
            },
        })
    }
}

/// A number with no fraction, as an integer.
fn as_integer(value: &Value) -> Option<i64> {
    let f = value.as_f64().filter(|f| f.fract() == 0.0)?;
    // Within i64 (2^63 is exactly representable; anything from it on is not an i64).
    (f >= -(2f64.powi(63)) && f < 2f64.powi(63)).then_some(f as i64)
}

impl<T> Field<T> {
    /// Sent with a value (of any type).
    pub fn is_present(&self) -> bool {
        matches!(self, Field::Given(_) | Field::Wrong)
    }
}

/// A nested object of a request body: only a JSON object is one (serde would otherwise read a
/// struct from an array of its fields in order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object<T>(pub T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, Value>::deserialize(d)?;
        T::deserialize(Value::Object(map))
            .map(Object)
            .map_err(serde::de::Error::custom)
    }
}

/// A 0/1 flag as sent: an integer, or (accepted too) a JSON boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Flag {
    Bool(bool),
    Int(i64),
}

/// Collects the problems of the fields under one prefix.
pub(super) struct Problems<'a> {
    pub prefix: &'static str,
    pub problems: &'a mut FieldProblems,
}

impl Problems<'_> {
    pub fn fail(&mut self, name: &str, problem: impl Into<Problem>) {
        let key = if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        };
        self.problems.insert(key, problem.into());
    }

    /// A string field parsed with `parse`; `None` if absent, `null` or wrong (reported).
    pub fn parsed<T>(
        &mut self,
        name: &str,
        field: Field<String>,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<T> {
        match field {
            Field::Absent | Field::Null => None,
            Field::Wrong => {
                self.fail(name, "must be a string");
                None
            }
            Field::Given(raw) => parse(&raw).map_err(|p| self.fail(name, p)).ok(),
        }
    }

    /// [`Self::parsed`] for a field that must be sent: left out or `null` is `Required`.
    pub fn required<T>(
        &mut self,
        name: &str,
        field: Field<String>,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<T> {
        if !field.is_present() {
            self.fail(name, "Required");
            return None;
        }
        self.parsed(name, field, parse)
    }

    /// A text field if sent, else `current`.
    pub fn text<const MAX: usize>(
        &mut self,
        name: &str,
        field: Field<String>,
        current: BoundedText<MAX>,
    ) -> BoundedText<MAX> {
        self.parsed(name, field, BoundedText::parse)
            .unwrap_or(current)
    }

    pub fn integer(&mut self, name: &str, field: Field<i64>) -> Option<i64> {
        match field {
            Field::Absent | Field::Null => None,
            Field::Given(n) => Some(n),
            Field::Wrong => {
                self.fail(name, "must be an integer");
                None
            }
        }
    }

    /// A 0/1 flag (JSON booleans accepted too) if sent, else `current`.
    pub fn flag(&mut self, name: &str, field: Field<Flag>, current: bool) -> bool {
        match field {
            Field::Absent | Field::Null => current,
            Field::Given(Flag::Bool(b)) => b,
            Field::Given(Flag::Int(0)) => false,
            Field::Given(Flag::Int(1)) => true,
            Field::Given(Flag::Int(_)) | Field::Wrong => {
                self.fail(name, "must be 0 or 1");
                current
            }
        }
    }

    /// A nested object if sent; a value of another type is reported.
    pub fn object<T>(&mut self, name: &str, field: Field<Object<T>>) -> Option<T> {
        match field {
            Field::Absent | Field::Null => None,
            Field::Given(Object(o)) => Some(o),
            Field::Wrong => {
                self.fail(name, "must be an object");
                None
            }
        }
    }
}

/// A phone number: digits, spaces and `+ - ( ) . x /`, at most `MAX` characters.
pub fn phone<const MAX: usize>(raw: &str) -> Result<BoundedText<MAX>, Problem> {
    if !raw
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().x/".contains(c))
    {
        return Err("may contain only digits, spaces and + - ( ) . x /".into());
    }
    BoundedText::parse(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Body {
        a: Field<String>,
        b: Field<i64>,
        c: Field<Flag>,
    }

    #[test]
    fn objects_are_only_objects() {
        #[derive(Debug, Default, PartialEq, Deserialize)]
        struct Inner {
            #[serde(default)]
            a: Field<String>,
        }
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            o: Field<Object<Inner>>,
        }
        let b: Body = serde_json::from_value(serde_json::json!({"o": {"a": "x"}})).unwrap();
        assert_eq!(
            b.o,
            Field::Given(Object(Inner {
                a: Field::Given("x".into())
            }))
        );
        // serde alone reads a struct from an array of its fields.
        let b: Body = serde_json::from_value(serde_json::json!({"o": ["x"]})).unwrap();
        assert_eq!(b.o, Field::Wrong);
    }

    #[test]
    fn integral_numbers_are_integers() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            n: Field<i64>,
            #[serde(default)]
            f: Field<Flag>,
        }
        let b: Body = serde_json::from_value(serde_json::json!({"n": 10.0, "f": 1.0})).unwrap();
        assert_eq!(b.n, Field::Given(10));
        assert_eq!(b.f, Field::Given(Flag::Int(1)));
        let b: Body = serde_json::from_value(serde_json::json!({"n": 10.5, "f": 1e300})).unwrap();
        assert_eq!(b.n, Field::Wrong);
        assert_eq!(b.f, Field::Wrong);
    }

    #[test]
    fn fields_as_sent() {
        let body: Body = serde_json::from_value(json!({"a": null, "b": "7", "c": true})).unwrap();
        assert_eq!(body.a, Field::Null);
        assert_eq!(body.b, Field::Wrong);
        assert_eq!(body.c, Field::Given(Flag::Bool(true)));
        let body: Body = serde_json::from_value(json!({"a": "x", "zzz": 1})).unwrap();
        assert_eq!(body.a, Field::Given("x".to_owned()));
        assert_eq!(body.b, Field::Absent);
    }
}
