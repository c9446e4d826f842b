//! An account's contacts (docs §6.5): `regular`, `billing`, `administrator` and `technical`,
//! each the docs' flat record. Parsed from a request whose every field is a
//! [`Field`], so every problem is reported by name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::fields::{Object, Problems, phone};
use super::{BoundedText, EmailAddress, Field, FieldProblems, Problem};

/// The four kinds, in the docs' order.
pub const CONTACT_KINDS: [&str; 4] = ["regular", "billing", "administrator", "technical"];

type Text = BoundedText<128>;

/// One contact as stored and shown: every field a string (`""` when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(example = json!({"city": "Chicago", "company": "My Company", "countryCode": "US", "email1": "jane@example.com", "email2": "", "emailVerified": 0, "fax": "", "firstName": "Jane", "lastName": "Doe", "middleName": "", "phone1": "555-555-5501", "phone2": "", "postalCode": "60001", "salutation": "Ms.", "stateOrProvince": "IL", "street1": "100 Main St.", "street2": ""}))]
pub struct AccountContact {
    #[schema(value_type = String)]
    pub city: Text,
    #[schema(value_type = String)]
    pub company: Text,
    /// ISO 3166-1 alpha-2, upper case, or empty.
    #[schema(value_type = String, pattern = "^([A-Z]{2})?$")]
    pub country_code: Text,
    #[schema(value_type = String)]
    pub email1: Text,
    #[schema(value_type = String)]
    pub email2: Text,
    /// 0/1. Nothing verifies addresses yet, so it is 0.
    pub email_verified: u8,
    #[schema(value_type = String)]
    pub fax: Text,
    #[schema(value_type = String)]
    pub first_name: Text,
    #[schema(value_type = String)]
    pub last_name: Text,
    #[schema(value_type = String)]
    pub middle_name: Text,
    #[schema(value_type = String)]
    pub phone1: Text,
    #[schema(value_type = String)]
    pub phone2: Text,
    #[schema(value_type = String)]
    pub postal_code: Text,
    #[schema(value_type = String)]
    pub salutation: Text,
    #[schema(value_type = String)]
    pub state_or_province: Text,
    #[schema(value_type = String)]
    pub street1: Text,
    #[schema(value_type = String)]
    pub street2: Text,
}

/// One contact as sent: fields left out (or `null`) are empty.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountContactInput {
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub city: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub company: Field<String>,
    #[schema(value_type = Option<String>, pattern = "^([A-Za-z]{2})?$")]
    #[serde(default)]
    pub country_code: Field<String>,
    /// An e-mail address, or empty.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub email1: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub email2: Field<String>,
    /// Only 0 (nothing verifies addresses yet).
    #[schema(value_type = Option<u8>)]
    #[serde(default)]
    pub email_verified: Field<i64>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub fax: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub first_name: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub last_name: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub middle_name: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub phone1: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub phone2: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub postal_code: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub salutation: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub state_or_province: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub street1: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub street2: Field<String>,
    /// Keys the record does not have (refused by name).
    #[serde(flatten)]
    #[schema(ignore)]
    pub unknown: BTreeMap<String, Value>,
}

/// `PUT /accounts/{account}/contacts`: each kind sent replaces that contact, `null` clears it,
/// a kind left out keeps its contact.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AccountContactsRequest {
    #[schema(value_type = Option<AccountContactInput>)]
    #[serde(default)]
    pub regular: Field<Object<AccountContactInput>>,
    #[schema(value_type = Option<AccountContactInput>)]
    #[serde(default)]
    pub billing: Field<Object<AccountContactInput>>,
    #[schema(value_type = Option<AccountContactInput>)]
    #[serde(default)]
    pub administrator: Field<Object<AccountContactInput>>,
    #[schema(value_type = Option<AccountContactInput>)]
    #[serde(default)]
    pub technical: Field<Object<AccountContactInput>>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub unknown: BTreeMap<String, Value>,
}

fn email(raw: &str) -> Result<Text, Problem> {
    if raw.is_empty() {
        return Ok(Text::default());
    }
    EmailAddress::parse(raw)?;
    Text::parse(raw)
}

/// A country code: two letters (stored upper case), or empty.
pub(super) fn country(raw: &str) -> Result<Text, Problem> {
    if raw.is_empty() || (raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic())) {
        Text::parse(&raw.to_ascii_uppercase())
    } else {
        Err("must be a two-letter country code (ISO 3166-1)".into())
    }
}

impl AccountContactInput {
    fn parse(self, f: &mut Problems<'_>) -> AccountContact {
        for key in self.unknown.keys() {
            f.fail(key, "unknown field");
        }
        let mut text = |name: &str, field: Field<String>| f.text(name, field, Text::default());
        let mut c = AccountContact {
            city: text("city", self.city),
            company: text("company", self.company),
            first_name: text("firstName", self.first_name),
            last_name: text("lastName", self.last_name),
            middle_name: text("middleName", self.middle_name),
            postal_code: text("postalCode", self.postal_code),
            salutation: text("salutation", self.salutation),
            state_or_province: text("stateOrProvince", self.state_or_province),
            street1: text("street1", self.street1),
            street2: text("street2", self.street2),
            ..AccountContact::default()
        };
        c.country_code = f
            .parsed("countryCode", self.country_code, country)
            .unwrap_or_default();
        c.email1 = f.parsed("email1", self.email1, email).unwrap_or_default();
        c.email2 = f.parsed("email2", self.email2, email).unwrap_or_default();
        c.fax = f.parsed("fax", self.fax, phone).unwrap_or_default();
        c.phone1 = f.parsed("phone1", self.phone1, phone).unwrap_or_default();
        c.phone2 = f.parsed("phone2", self.phone2, phone).unwrap_or_default();
        match self.email_verified {
            Field::Absent | Field::Null | Field::Given(0) => {}
            Field::Given(_) | Field::Wrong => {
                f.fail("emailVerified", "only 0: nothing verifies addresses yet");
            }
        }
        c
    }
}

impl AccountContactsRequest {
    /// The changes: per kind sent, its new contact (`None`: cleared).
    pub fn parse(self) -> Result<Vec<(&'static str, Option<AccountContact>)>, FieldProblems> {
        let mut problems = FieldProblems::new();
        for key in self.unknown.keys() {
            problems.insert(key.clone(), "unknown contact type".into());
        }
        let mut changes = Vec::new();
        let kinds = [
            ("regular", self.regular),
            ("billing", self.billing),
            ("administrator", self.administrator),
            ("technical", self.technical),
        ];
        for (kind, field) in kinds {
            let mut f = Problems {
                prefix: kind,
                problems: &mut problems,
            };
            match field {
                Field::Absent => {}
                Field::Null => changes.push((kind, None)),
                Field::Wrong => {
                    f.problems.insert(kind.into(), "must be an object".into());
                }
                Field::Given(Object(input)) => changes.push((kind, Some(input.parse(&mut f)))),
            }
        }
        if problems.is_empty() {
            Ok(changes)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<Vec<(&'static str, Option<AccountContact>)>, FieldProblems> {
        serde_json::from_value::<AccountContactsRequest>(body)
            .unwrap()
            .parse()
    }

    #[test]
    fn contacts_parse_with_every_problem_named() {
        let changes = parse(json!({
            "billing": {"firstName": "Jane", "email1": "jane@example.com", "countryCode": "us"},
            "technical": null
        }))
        .unwrap();
        assert_eq!(changes.len(), 2);
        let billing = changes[0].1.as_ref().unwrap();
        assert_eq!(billing.country_code.as_str(), "US");
        assert_eq!(billing.email2.as_str(), "");
        assert_eq!(changes[1], ("technical", None));
        let problems = parse(json!({
            "regular": {"email1": "not an address", "countryCode": "USA", "phone1": "call me",
                        "emailVerified": 1, "colour": "red"},
            "shipping": {},
            "billing": "Jane"
        }))
        .unwrap_err();
        let keys: Vec<&str> = problems.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "billing",
                "regular.colour",
                "regular.countryCode",
                "regular.email1",
                "regular.emailVerified",
                "regular.phone1",
                "shipping"
            ]
        );
    }
}
