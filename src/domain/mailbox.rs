//! Mailbox requests, parsed from the client's JSON into domain types in one pass that collects
//! every problem (so the client sees all of them at once): a new mailbox (`POST`) and a change
//! to an existing one (`PUT`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::fields::{Field, FieldProblems, Flag};
use super::fields::{Object, Problems, phone};
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

/// The owner's name and position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PersonName {
    #[schema(value_type = String, required = true, max_length = 64, example = "John Smith")]
    pub name: Short,
    #[schema(value_type = String, required = true, max_length = 64, example = "My Company")]
    pub company: Short,
    #[schema(value_type = String, required = true, max_length = 64, example = "Sales")]
    pub department: Short,
    #[schema(value_type = String, required = true, max_length = 64, example = "President")]
    pub title: Short,
}

/// The owner's postal address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PostalAddress {
    #[schema(value_type = String, required = true, max_length = 128, example = "100 Main St.")]
    pub address: BoundedText<128>,
    #[schema(value_type = String, required = true, max_length = 64, example = "Chicago")]
    pub city: Short,
    #[schema(value_type = String, required = true, max_length = 64, example = "IL")]
    pub state: Short,
    #[schema(value_type = String, required = true, max_length = 16, example = "60001")]
    pub zip: BoundedText<16>,
    #[schema(value_type = String, required = true, max_length = 64, example = "US")]
    pub country: Short,
}

/// The owner's phone numbers: digits, spaces and `+ - ( ) . x /`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Phones {
    #[schema(value_type = String, required = true, max_length = 32, example = "555-555-5501")]
    pub business_phone: BoundedText<32>,
    #[schema(value_type = String, required = true, max_length = 32, example = "555-555-5502")]
    pub home_phone: BoundedText<32>,
    #[schema(value_type = String, required = true, max_length = 32, example = "555-555-5503")]
    pub fax: BoundedText<32>,
    #[schema(value_type = String, required = true, max_length = 32, example = "555-555-5504")]
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

/// Everything about a mailbox that its owner's partner may set and change.
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxSettings {
    pub admin: bool,
    pub notes: BoundedText<1024>,
    pub recipient_limit: RecipientLimit,
    /// Mail is delivered here instead of the mailbox.
    pub deliver_redirect: Option<EmailAddress>,
    /// A copy of the mail is forwarded here; the mailbox keeps its own.
    pub forward_to: Option<EmailAddress>,
    pub contact: Contact,
}

impl Default for MailboxSettings {
    fn default() -> Self {
        Self {
            admin: false,
            notes: BoundedText::default(),
            recipient_limit: RecipientLimit::DEFAULT,
            deliver_redirect: None,
            forward_to: None,
            contact: Contact::default(),
        }
    }
}

/// The owner's name as sent: any field left out keeps its value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NameInput {
    #[schema(value_type = Option<String>, max_length = 64, example = "John Smith")]
    #[serde(default)]
    pub name: Field<String>,
    #[schema(value_type = Option<String>, max_length = 64, example = "My Company")]
    #[serde(default)]
    pub company: Field<String>,
    #[schema(value_type = Option<String>, max_length = 64, example = "Sales")]
    #[serde(default)]
    pub department: Field<String>,
    #[schema(value_type = Option<String>, max_length = 64, example = "President")]
    #[serde(default)]
    pub title: Field<String>,
}

/// The owner's postal address as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AddressInput {
    #[schema(value_type = Option<String>, max_length = 128, example = "100 Main St.")]
    #[serde(default)]
    pub address: Field<String>,
    #[schema(value_type = Option<String>, max_length = 64, example = "Chicago")]
    #[serde(default)]
    pub city: Field<String>,
    #[schema(value_type = Option<String>, max_length = 64, example = "IL")]
    #[serde(default)]
    pub state: Field<String>,
    #[schema(value_type = Option<String>, max_length = 16, example = "60001")]
    #[serde(default)]
    pub zip: Field<String>,
    #[schema(value_type = Option<String>, max_length = 64, example = "US")]
    #[serde(default)]
    pub country: Field<String>,
}

/// The owner's phone numbers as sent: digits, spaces and `+ - ( ) . x /`, 32 at most.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhonesInput {
    #[schema(value_type = Option<String>, max_length = 32, example = "555-555-5501")]
    #[serde(default)]
    pub business_phone: Field<String>,
    #[schema(value_type = Option<String>, max_length = 32, example = "555-555-5502")]
    #[serde(default)]
    pub home_phone: Field<String>,
    #[schema(value_type = Option<String>, max_length = 32, example = "555-555-5503")]
    #[serde(default)]
    pub fax: Field<String>,
    #[schema(value_type = Option<String>, max_length = 32, example = "555-555-5504")]
    #[serde(default)]
    pub mobile: Field<String>,
}

/// The settings a mailbox's order or change may send; each left out keeps its value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsInput {
    /// 0 or 1 (a JSON boolean is accepted too): the mailbox may manage its domain's mailboxes.
    #[schema(value_type = Option<u8>, maximum = 1, example = 0)]
    #[serde(default)]
    pub admin: Field<Flag>,
    #[schema(value_type = Option<String>, max_length = 1024, example = "some text")]
    #[serde(default)]
    pub notes: Field<String>,
    /// 1 to 100 (default 100).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100, example = 10)]
    #[serde(default)]
    pub recipient_limit: Field<i64>,
    /// The mail goes here instead: an address, or a local part of this domain; `""` clears it.
    #[schema(value_type = Option<String>, example = "zsds")]
    #[serde(default)]
    pub deliver_redirect: Field<String>,
    /// A copy of the mail goes here: an address, or a local part of this domain; `""` clears it.
    #[schema(value_type = Option<String>, example = "asdasd")]
    #[serde(default)]
    pub forward_to: Field<String>,
    #[schema(value_type = Option<NameInput>)]
    #[serde(default)]
    pub name: Field<Object<NameInput>>,
    #[schema(value_type = Option<AddressInput>)]
    #[serde(default)]
    pub address: Field<Object<AddressInput>>,
    #[schema(value_type = Option<PhonesInput>)]
    #[serde(default)]
    pub phones: Field<Object<PhonesInput>>,
}

/// Reads the settings sent over `base`: fields left out keep their base value, also inside
/// `name`/`address`/`phones`. `own` is the mailbox's address (a forward to it is refused).
fn read_settings(
    input: SettingsInput,
    domain: &DomainName,
    own: Option<&EmailAddress>,
    base: MailboxSettings,
    problems: &mut FieldProblems,
) -> MailboxSettings {
    let mut f = Problems {
        prefix: "",
        problems,
    };
    let admin = f.flag("admin", input.admin, base.admin);
    let notes = f.text("notes", input.notes, base.notes);
    let recipient_limit = match f
        .integer("recipientLimit", input.recipient_limit)
        .map(RecipientLimit::parse)
    {
        None => base.recipient_limit,
        Some(Ok(l)) => l,
        Some(Err(p)) => {
            f.fail("recipientLimit", p);
            base.recipient_limit
        }
    };
    // A target sent as "" or null clears it; left out keeps it.
    let target = |f: &mut Problems<'_>, name: &str, field, current: Option<EmailAddress>| {
        if field == Field::Absent {
            return current;
        }
        let parsed = f
            .parsed(name, field, |raw| match raw {
                "" => Ok(None),
                raw => EmailAddress::parse_or_local(raw, domain).map(Some),
            })
            .flatten();
        if let (Some(t), Some(own)) = (&parsed, own)
            && t.as_str().eq_ignore_ascii_case(own.as_str())
        {
            f.fail(name, "must not be the mailbox's own address");
        }
        parsed
    };
    let deliver_redirect = target(
        &mut f,
        "deliverRedirect",
        input.deliver_redirect,
        base.deliver_redirect,
    );
    let forward_to = target(&mut f, "forwardTo", input.forward_to, base.forward_to);

    let contact = read_contact(
        (input.name, input.address, input.phones),
        base.contact,
        f.problems,
    );
    MailboxSettings {
        admin,
        notes,
        recipient_limit,
        deliver_redirect,
        forward_to,
        contact,
    }
}

/// The contact objects sent (`name`, `address`, `phones`), read over `base`: fields left out
/// keep their base value, also inside each object. A mailbox's owner and a global contact are
/// described the same way.
pub(super) fn read_contact(
    (name, address, phones): ContactObjects,
    base: Contact,
    problems: &mut FieldProblems,
) -> Contact {
    let mut contact = base;
    let mut f = Problems {
        prefix: "",
        problems,
    };
    if let Some(o) = f.object("name", name) {
        let mut f = Problems {
            prefix: "name",
            problems: f.problems,
        };
        let n = &mut contact.name;
        n.name = f.text("name", o.name, std::mem::take(&mut n.name));
        n.company = f.text("company", o.company, std::mem::take(&mut n.company));
        n.department = f.text(
            "department",
            o.department,
            std::mem::take(&mut n.department),
        );
        n.title = f.text("title", o.title, std::mem::take(&mut n.title));
    }
    if let Some(o) = f.object("address", address) {
        let mut f = Problems {
            prefix: "address",
            problems: f.problems,
        };
        let a = &mut contact.address;
        a.address = f.text("address", o.address, std::mem::take(&mut a.address));
        a.city = f.text("city", o.city, std::mem::take(&mut a.city));
        a.state = f.text("state", o.state, std::mem::take(&mut a.state));
        a.zip = f.text("zip", o.zip, std::mem::take(&mut a.zip));
        a.country = f.text("country", o.country, std::mem::take(&mut a.country));
    }
    if let Some(o) = f.object("phones", phones) {
        let mut f = Problems {
            prefix: "phones",
            problems: f.problems,
        };
        let p = &mut contact.phones;
        for (name, field, slot) in [
            ("businessPhone", o.business_phone, &mut p.business_phone),
            ("homePhone", o.home_phone, &mut p.home_phone),
            ("fax", o.fax, &mut p.fax),
            ("mobile", o.mobile, &mut p.mobile),
        ] {
            if let Some(v) = f.parsed(name, field, phone::<32>) {
                *slot = v;
            }
        }
    }
    contact
}

/// `name`, `address` and `phones` as sent.
pub(super) type ContactObjects = (
    Field<Object<NameInput>>,
    Field<Object<AddressInput>>,
    Field<Object<PhonesInput>>,
);

/// The mailbox's owner as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct OwnerInput {
    /// Lowercase letters, digits, `_`, `-` and single inner dots; 1 to 25 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 25, example = "a.a")]
    #[serde(default)]
    pub username: Field<String>,
    /// 8 to 20 characters, one word, letters and at least one digit, not only lowercase.
    #[schema(value_type = String, required = true, min_length = 8, max_length = 20, example = "tester1234")]
    #[serde(default)]
    pub password: Field<String>,
}

/// `POST …/mailboxes`: the owner and the mailbox's settings. Unknown fields are ignored (on
/// `PUT` they are refused).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"owner": {"username": "a.a", "password": "tester1234"}, "admin": 0, "notes": "some text", "recipientLimit": 10, "deliverRedirect": "zsds", "forwardTo": "asdasd", "name": {"name": "John Smith", "company": "My Company", "department": "Sales", "title": "President"}, "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"}, "phones": {"businessPhone": "555-555-5501", "homePhone": "555-555-5502", "fax": "555-555-5503", "mobile": "555-555-5504"}}))]
pub struct MailboxCreateRequest {
    #[schema(value_type = OwnerInput, required = true)]
    #[serde(default)]
    pub owner: Field<Object<OwnerInput>>,
    #[serde(flatten)]
    pub settings: SettingsInput,
}

/// `PUT …/mailboxes/{username}`: the settings to change; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"notes": "moved to sales", "recipientLimit": 50}))]
pub struct MailboxUpdateRequest {
    /// Only with `?passwordReset=1`, and then required; the create rules, and it may not contain
    /// the username.
    #[schema(value_type = Option<String>, min_length = 8, max_length = 20)]
    #[serde(default)]
    pub password: Field<String>,
    /// May be sent with its current value only.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub username: Field<String>,
    /// May be sent with its current value only.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub billing_status: Field<String>,
    #[serde(flatten)]
    pub settings: SettingsInput,
    /// Every other key: refused by name, except the read-only keys of `GET` (`quota`,
    /// `archiving`, `blackberry` with their current values, and `links`), so that a body read,
    /// changed and sent back works.
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A valid request for a new mailbox in `domain`.
#[derive(Debug, Clone)]
pub struct NewMailbox {
    pub username: Username,
    pub password: Password,
    pub address: EmailAddress,
    pub settings: MailboxSettings,
}

impl NewMailbox {
    /// Parses the body of `POST …/exchange/{domain}/mailboxes`.
    pub fn parse(body: MailboxCreateRequest, domain: &DomainName) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        let owner = match body.owner {
            Field::Absent | Field::Null => {
                problems.insert("owner".into(), "Required".into());
                None
            }
            Field::Wrong => {
                problems.insert("owner".into(), "must be an object".into());
                None
            }
            Field::Given(Object(owner)) => Some(owner),
        };
        let (username, password) = match owner {
            None => (None, None),
            Some(owner) => {
                let mut f = Problems {
                    prefix: "owner",
                    problems: &mut problems,
                };
                for (name, sent) in [
                    ("username", owner.username.is_present()),
                    ("password", owner.password.is_present()),
                ] {
                    if !sent {
                        f.fail(name, "Required");
                    }
                }
                (
                    f.parsed("username", owner.username, Username::parse),
                    f.parsed("password", owner.password, Password::parse),
                )
            }
        };
        let address = username
            .as_ref()
            .and_then(|u| EmailAddress::from_parts(u.as_str(), domain).ok());
        let settings = read_settings(
            body.settings,
            domain,
            address.as_ref(),
            MailboxSettings::default(),
            &mut problems,
        );
        match (username, password, address) {
            (Some(username), Some(password), Some(address)) if problems.is_empty() => Ok(Self {
                username,
                password,
                address,
                settings,
            }),
            _ => Err(problems),
        }
    }
}

/// A valid `PUT` on an existing mailbox: its complete new settings and, for a password reset,
/// the new password.
#[derive(Debug, Clone)]
pub struct MailboxChange {
    pub settings: MailboxSettings,
    pub password: Option<Password>,
}

/// What a change is checked against: the mailbox as it is now.
pub struct CurrentMailbox<'a> {
    pub username: &'a str,
    pub billing_status: super::BillingStatus,
    /// What `GET` shows of the plan and add-ons: `quota` (MB), `archiving`, `blackberry`.
    pub read_only: [(&'static str, i64); 3],
    pub address: &'a EmailAddress,
    pub settings: MailboxSettings,
}

impl MailboxChange {
    /// Parses a `PUT` body. `username` and `billingStatus` may be present with their current
    /// values only; `password` only (and then necessarily) with `passwordReset=1`, and it may not
    /// contain the username.
    pub fn parse(
        body: MailboxUpdateRequest,
        domain: &DomainName,
        current: CurrentMailbox<'_>,
        password_reset: bool,
    ) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        for (name, field, now) in [
            ("username", body.username, current.username),
            (
                "billingStatus",
                body.billing_status,
                current.billing_status.as_str(),
            ),
        ] {
            if let Some(sent) = f.parsed(name, field, |raw| Ok(raw.to_owned()))
                && sent != now
            {
                f.fail(name, format!("cannot be changed (it is {now:?})"));
            }
        }
        for (key, value) in &body.other {
            let current_value = current.read_only.iter().find(|(k, _)| k == key);
            match (key.as_str(), current_value) {
                ("links", _) => {}
                (_, Some((_, now))) if value.as_i64() == Some(*now) => {}
                (_, Some((_, now))) => f.fail(key, format!("cannot be changed (it is {now})")),
                ("owner", None) => f.fail(
                    key,
                    "cannot be changed; send password with passwordReset=1 to reset it",
                ),
                (_, None) => f.fail(key, "unknown field"),
            }
        }
        let password = match (password_reset, body.password.is_present()) {
            (false, false) => None,
            (false, true) => {
                f.fail("password", "may only be sent with passwordReset=1");
                None
            }
            (true, false) => {
                f.fail("password", "Required");
                None
            }
            (true, true) => f.parsed("password", body.password, |raw| {
                let p = Password::parse(raw)?;
                if p.contains_ignoring_case(current.username) {
                    return Err("must not contain the username".into());
                }
                Ok(p)
            }),
        };
        let settings = read_settings(
            body.settings,
            domain,
            Some(current.address),
            current.settings,
            &mut problems,
        );
        if problems.is_empty() {
            Ok(Self { settings, password })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn domain() -> DomainName {
        DomainName::parse("myexchangedomain.com").unwrap()
    }

    fn create(body: Value) -> MailboxCreateRequest {
        serde_json::from_value(body).expect("an object")
    }

    fn update(body: Value) -> MailboxUpdateRequest {
        serde_json::from_value(body).expect("an object")
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
        let m = NewMailbox::parse(create(seed()), &domain()).unwrap();
        assert_eq!(m.address.as_str(), "a.a@myexchangedomain.com");
        let s = m.settings;
        assert_eq!(
            s.deliver_redirect.unwrap().as_str(),
            "zsds@myexchangedomain.com"
        );
        assert_eq!(
            s.forward_to.unwrap().as_str(),
            "asdasd@myexchangedomain.com"
        );
        assert_eq!(s.recipient_limit.get(), 10);
        assert_eq!(s.contact.phones.mobile.as_str(), "555-555-5504");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let body = json!({"owner": {"username": "Bad Name"}, "admin": 2, "recipientLimit": 0,
                          "forwardTo": "a b", "name": "x", "phones": {"fax": "call me"}});
        let p = NewMailbox::parse(create(body), &domain()).unwrap_err();
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
        let p = NewMailbox::parse(create(json!({})), &domain()).unwrap_err();
        assert_eq!(p["owner"], "Required");
        assert_eq!(p.len(), 1);
    }

    fn current(settings: &MailboxSettings, address: &EmailAddress) -> CurrentMailbox<'static> {
        let address: &'static EmailAddress = Box::leak(Box::new(address.clone()));
        CurrentMailbox {
            username: "a.a",
            billing_status: super::super::BillingStatus::Open,
            read_only: [("quota", 2048), ("archiving", 0), ("blackberry", 0)],
            address,
            settings: settings.clone(),
        }
    }

    #[test]
    fn changes_keep_what_is_left_out() {
        let m = NewMailbox::parse(create(seed()), &domain()).unwrap();
        let body = json!({"username": "a.a", "billingStatus": "open", "notes": "new", "name": {"title": "CEO"}, "forwardTo": ""});
        let c = MailboxChange::parse(
            update(body),
            &domain(),
            current(&m.settings, &m.address),
            false,
        )
        .unwrap();
        assert_eq!(c.settings.notes.as_str(), "new");
        assert_eq!(c.settings.contact.name.title.as_str(), "CEO");
        assert_eq!(c.settings.contact.name.name.as_str(), "John Smith");
        assert_eq!(c.settings.forward_to, None);
        assert_eq!(c.settings.deliver_redirect, m.settings.deliver_redirect);
        assert_eq!(c.settings.recipient_limit.get(), 10);
        assert!(c.password.is_none());
    }

    #[test]
    fn immutable_fields_and_password_rules() {
        let m = NewMailbox::parse(create(seed()), &domain()).unwrap();
        let cur = || current(&m.settings, &m.address);
        let err = |body: Value, reset| {
            MailboxChange::parse(update(body), &domain(), cur(), reset).unwrap_err()
        };
        assert!(err(json!({"username": "b"}), false).contains_key("username"));
        assert!(err(json!({"billingStatus": "closed"}), false).contains_key("billingStatus"));
        assert!(err(json!({"password": "Newpass123"}), false).contains_key("password"));
        assert_eq!(err(json!({}), true)["password"], "Required");
        assert!(
            err(json!({"password": "xxA.A12345"}), true).contains_key("password"),
            "contains the username"
        );
        let ok = MailboxChange::parse(
            update(json!({"password": "Newpass123"})),
            &domain(),
            cur(),
            true,
        )
        .unwrap();
        assert!(ok.password.is_some());
    }
}
