//! The mailbox order request, parsed from the client's JSON into domain types in one pass that
//! collects every problem (so the client sees all of them at once).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{BoundedText, DomainName, EmailAddress, Password, Problem, Username};

/// Maximum recipients per message, 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecipientLimit(u8);

impl RecipientLimit {
    /// Used when the order leaves it out: the most permissive allowed value.
    pub const DEFAULT: RecipientLimit = RecipientLimit(100);

    pub fn parse(n: i64) -> Result<Self, Problem> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=100).contains(n))
            .map(Self)
            .ok_or_else(|| "must be an integer from 1 to 100".into())
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

type Short = BoundedText<64>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonName {
    pub name: Short,
    pub company: Short,
    pub department: Short,
    pub title: Short,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostalAddress {
    pub address: BoundedText<128>,
    pub city: Short,
    pub state: Short,
    pub zip: BoundedText<16>,
    pub country: Short,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Phones {
    pub business_phone: BoundedText<32>,
    pub home_phone: BoundedText<32>,
    pub fax: BoundedText<32>,
    pub mobile: BoundedText<32>,
}

/// The owner's contact details, stored and returned as the docs' `name`/`address`/`phones`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    pub name: PersonName,
    pub address: PostalAddress,
    pub phones: Phones,
}

/// A valid request for a new mailbox in `domain`.
#[derive(Debug, Clone)]
pub struct NewMailbox {
    pub username: Username,
    pub password: Password,
    pub address: EmailAddress,
    pub admin: bool,
    pub notes: BoundedText<1024>,
    pub recipient_limit: RecipientLimit,
    /// Mail is delivered here instead of the mailbox.
    pub deliver_redirect: Option<EmailAddress>,
    /// A copy of the mail is forwarded here; the mailbox keeps its own.
    pub forward_to: Option<EmailAddress>,
    pub contact: Contact,
}

/// Field name (dotted, as in the request) → problem.
pub type FieldProblems = BTreeMap<String, Problem>;

struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: &'static str,
    problems: &'a mut FieldProblems,
}

impl Fields<'_> {
    fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    fn fail(&mut self, name: &str, problem: impl Into<Problem>) {
        let key = self.key(name);
        self.problems.insert(key, problem.into());
    }

    /// A string field; absent and `null` are `None`.
    fn string(&mut self, name: &str) -> Option<&str> {
        match self.obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                self.fail(name, "must be a string");
                None
            }
        }
    }

    fn parsed<T>(
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

    fn text<const MAX: usize>(&mut self, name: &str) -> BoundedText<MAX> {
        self.parsed(name, BoundedText::parse).unwrap_or_default()
    }

    fn integer(&mut self, name: &str) -> Option<i64> {
        match self.obj.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => v.as_i64().or_else(|| {
                self.fail(name, "must be an integer");
                None
            }),
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        match self.obj.get(name) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(v) => match v.as_i64() {
                Some(0) => false,
                Some(1) => true,
                _ => {
                    self.fail(name, "must be 0 or 1");
                    false
                }
            },
        }
    }
}

fn sub_object<'a>(
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

fn phone<const MAX: usize>(raw: &str) -> Result<BoundedText<MAX>, Problem> {
    if !raw
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().x/".contains(c))
    {
        return Err("may contain only digits, spaces and + - ( ) . x /".into());
    }
    BoundedText::parse(raw)
}

impl NewMailbox {
    /// Parses the body of `POST …/exchange/{domain}/mailboxes`. Unknown fields are ignored.
    pub fn parse(body: &Value, domain: &DomainName) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        let Value::Object(root) = body else {
            problems.insert("body".into(), "must be a JSON object".into());
            return Err(problems);
        };

        let empty = Map::new();
        let owner = match root.get("owner") {
            None | Some(Value::Null) => {
                problems.insert("owner".into(), "Required".into());
                &empty
            }
            Some(Value::Object(o)) => o,
            Some(_) => {
                problems.insert("owner".into(), "must be an object".into());
                &empty
            }
        };
        let owner_present = !problems.contains_key("owner");
        let (username, password) = {
            let mut f = Fields {
                obj: owner,
                prefix: "owner",
                problems: &mut problems,
            };
            let username = f.parsed("username", Username::parse);
            let password = f.parsed("password", Password::parse);
            if owner_present {
                for (name, missing) in [
                    ("username", username.is_none()),
                    ("password", password.is_none()),
                ] {
                    if missing && f.string(name).is_none() && !f.problems.contains_key(&f.key(name))
                    {
                        f.fail(name, "Required");
                    }
                }
            }
            (username, password)
        };

        let mut f = Fields {
            obj: root,
            prefix: "",
            problems: &mut problems,
        };
        let admin = f.flag("admin");
        let notes = f.text::<1024>("notes");
        let recipient_limit = match f.integer("recipientLimit").map(RecipientLimit::parse) {
            None => RecipientLimit::DEFAULT,
            Some(Ok(l)) => l,
            Some(Err(p)) => {
                f.fail("recipientLimit", p);
                RecipientLimit::DEFAULT
            }
        };
        let target = |f: &mut Fields<'_>, name: &str| {
            f.parsed(name, |raw| match raw {
                "" => Ok(None),
                raw => EmailAddress::parse_or_local(raw, domain).map(Some),
            })
            .flatten()
        };
        let deliver_redirect = target(&mut f, "deliverRedirect");
        let forward_to = target(&mut f, "forwardTo");

        let mut contact = Contact::default();
        if let Some(o) = sub_object(root, "name", &mut problems) {
            let mut f = Fields {
                obj: o,
                prefix: "name",
                problems: &mut problems,
            };
            contact.name = PersonName {
                name: f.text("name"),
                company: f.text("company"),
                department: f.text("department"),
                title: f.text("title"),
            };
        }
        if let Some(o) = sub_object(root, "address", &mut problems) {
            let mut f = Fields {
                obj: o,
                prefix: "address",
                problems: &mut problems,
            };
            contact.address = PostalAddress {
                address: f.text("address"),
                city: f.text("city"),
                state: f.text("state"),
                zip: f.text("zip"),
                country: f.text("country"),
            };
        }
        if let Some(o) = sub_object(root, "phones", &mut problems) {
            let mut f = Fields {
                obj: o,
                prefix: "phones",
                problems: &mut problems,
            };
            let mut p = |name| f.parsed(name, phone::<32>).unwrap_or_default();
            contact.phones = Phones {
                business_phone: p("businessPhone"),
                home_phone: p("homePhone"),
                fax: p("fax"),
                mobile: p("mobile"),
            };
        }

        let address = username
            .as_ref()
            .and_then(|u| EmailAddress::from_parts(u.as_str(), domain).ok());
        for (name, t) in [
            ("deliverRedirect", &deliver_redirect),
            ("forwardTo", &forward_to),
        ] {
            if let (Some(t), Some(own)) = (t, &address)
                && t.as_str().eq_ignore_ascii_case(own.as_str())
            {
                problems.insert(name.into(), "must not be the mailbox's own address".into());
            }
        }

        match (username, password, address) {
            (Some(username), Some(password), Some(address)) if problems.is_empty() => Ok(Self {
                username,
                password,
                address,
                admin,
                notes,
                recipient_limit,
                deliver_redirect,
                forward_to,
                contact,
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn domain() -> DomainName {
        DomainName::parse("myexchangedomain.com").unwrap()
    }

    fn seed() -> Value {
        json!({
          "owner": {"username": "a.a", "password": "tester1234"},
          "admin": 0, "notes": "some text", "recipientLimit": 10,
          "deliverRedirect": "zsds", "forwardTo": "asdasd",
          "name": {"name": "John Smith", "company": "My Company", "department": "Sales", "title": "President"},
          "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"},
          "phones": {"businessPhone": "555-555-5501", "homePhone": "555-555-5502", "fax": "555-555-5503", "mobile": "555-555-5504"}
        })
    }

    #[test]
    fn the_seed_body_parses() {
        let m = NewMailbox::parse(&seed(), &domain()).unwrap();
        assert_eq!(m.address.as_str(), "a.a@myexchangedomain.com");
        assert_eq!(
            m.deliver_redirect.unwrap().as_str(),
            "zsds@myexchangedomain.com"
        );
        assert_eq!(
            m.forward_to.unwrap().as_str(),
            "asdasd@myexchangedomain.com"
        );
        assert_eq!(m.recipient_limit.get(), 10);
        assert_eq!(m.contact.phones.mobile.as_str(), "555-555-5504");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let body = json!({"owner": {"username": "Bad Name"}, "admin": 2, "recipientLimit": 0,
                          "forwardTo": "a b", "name": "x", "phones": {"fax": "call me"}});
        let p = NewMailbox::parse(&body, &domain()).unwrap_err();
        let keys: Vec<&str> = p.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "admin",
                "forwardTo",
                "name",
                "owner.password",
                "owner.username",
                "phones.fax",
                "recipientLimit"
            ]
        );
        assert_eq!(p["owner.password"], "Required");
    }

    #[test]
    fn missing_owner_is_required() {
        let p = NewMailbox::parse(&json!({}), &domain()).unwrap_err();
        assert_eq!(p["owner"], "Required");
        assert_eq!(p.len(), 1);
    }
}
