//! The Exchange directory objects a partner sends: e-mail aliases and global contacts (docs
//! §2.8–2.9), parsed into types that cannot hold an invalid value. Every problem is reported
//! under its field's name, as for mailboxes.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::fields::{Object, Problems};
use super::mailbox::{ContactObjects, read_contact};
use super::{
    AddressInput, BoundedText, Contact, DomainName, EmailAddress, Field, FieldProblems, LocalName,
    NameInput, PhonesInput, Username,
};

/// The alias as sent inside `{"emailalias": …}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AliasInput {
    /// The alias's name (its address's local part): lowercase letters, digits, `_`, `-` and
    /// single inner dots; 1 to 52 characters; not a mailbox's or a list's name.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 52, example = "sales")]
    #[serde(default)]
    pub username: Field<String>,
    /// The mailbox of this domain the alias delivers to: its address, or its username.
    #[serde(default, rename = "emailForward")]
    #[schema(value_type = String, required = true, example = "john2@myexchangedomain.com")]
    pub email_forward: Field<String>,
}

/// `POST …/emailAliases`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"emailalias": {"username": "sales", "emailForward": "john2@myexchangedomain.com"}}))]
pub struct AliasCreateRequest {
    /// The docs spell it `emailalias`; `emailAlias` is taken too.
    #[serde(default, alias = "emailAlias")]
    #[schema(value_type = AliasInput, required = true)]
    pub emailalias: Field<Object<AliasInput>>,
}

/// A new e-mail alias: its name, and the mailbox of the domain it delivers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlias {
    pub name: LocalName,
    pub target: Username,
}

impl NewAlias {
    /// The alias in `domain`: the target must be an address of the domain (or a bare
    /// username), not the alias itself.
    pub fn parse(body: AliasCreateRequest, domain: &DomainName) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        let input = match body.emailalias {
            Field::Given(Object(input)) => Some(input),
            Field::Absent | Field::Null => {
                problems.insert("emailalias".into(), "Required".into());
                None
            }
            Field::Wrong => {
                problems.insert("emailalias".into(), "must be an object".into());
                None
            }
        };
        let Some(input) = input else {
            return Err(problems);
        };
        let mut f = Problems {
            prefix: "emailalias",
            problems: &mut problems,
        };
        let name = f.required("username", input.username, LocalName::parse);
        let target = f.required("emailForward", input.email_forward, |raw| {
            let address = EmailAddress::parse_or_local(raw, domain)?;
            if !address.domain().eq_ignore_ascii_case(domain.as_str()) {
                return Err(format!(
                    "must be a mailbox of {domain}, not an outside address"
                ));
            }
            Username::parse(address.local_part())
                .map_err(|p| format!("{raw:?} is not a mailbox name of this domain: {p}"))
        });
        if let (Some(n), Some(t)) = (&name, &target)
            && n.as_str() == t.as_str()
        {
            f.fail("emailForward", "must not be the alias itself");
        }
        match (name, target) {
            (Some(name), Some(target)) if problems.is_empty() => Ok(Self { name, target }),
            _ => Err(problems),
        }
    }
}

/// A global contact as sent (`POST` and `PUT` of `…/globalContacts`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"target": "abcdef@ghijklm.com", "name": {"name": "John Jello", "company": "My Company", "department": "Sales", "title": "President"}, "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"}, "phones": {"homePhone": "87238473", "businessPhone": "555-555-5501", "fax": "555-555-5503", "mobile": "555-555-5504"}, "notes": "Notes in here"}))]
pub struct ContactRequest {
    /// The contact's outside address (required when creating).
    #[schema(value_type = Option<String>, example = "abcdef@ghijklm.com")]
    #[serde(default)]
    pub target: Field<String>,
    #[schema(value_type = Option<NameInput>)]
    #[serde(default)]
    pub name: Field<Object<NameInput>>,
    #[schema(value_type = Option<AddressInput>)]
    #[serde(default)]
    pub address: Field<Object<AddressInput>>,
    #[schema(value_type = Option<PhonesInput>)]
    #[serde(default)]
    pub phones: Field<Object<PhonesInput>>,
    /// Free text, at most 1024 characters.
    #[schema(value_type = Option<String>, max_length = 1024, example = "Notes in here")]
    #[serde(default)]
    pub notes: Field<String>,
    /// Anything else: ignored on `POST`, refused by name on `PUT` (`links` is ignored, so a
    /// `GET` body can be sent back).
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, Value>,
}

/// A global contact: an outside address in the domain's address book, with its details.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalContact {
    pub target: EmailAddress,
    pub contact: Contact,
    pub notes: BoundedText<1024>,
}

impl GlobalContact {
    /// A new contact: `target` required and a valid address.
    pub fn parse_new(body: ContactRequest) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        if !body.target.is_present() {
            problems.insert("target".into(), "Required".into());
        }
        Self::read(body, None, problems, false)
    }

    /// A `PUT` over `current`: fields left out keep their values.
    pub fn parse_change(body: ContactRequest, current: Self) -> Result<Self, FieldProblems> {
        Self::read(body, Some(current), FieldProblems::new(), true)
    }

    fn read(
        body: ContactRequest,
        current: Option<Self>,
        mut problems: FieldProblems,
        strict: bool,
    ) -> Result<Self, FieldProblems> {
        let (base_contact, base_notes, base_target) = match current {
            Some(c) => (c.contact, c.notes, Some(c.target)),
            None => (Contact::default(), BoundedText::default(), None),
        };
        if strict {
            for key in body.other.keys().filter(|k| *k != "links") {
                problems.insert(key.clone(), "unknown field".into());
            }
        }
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        let target = match body.target {
            Field::Absent | Field::Null => base_target,
            field => f.parsed("target", field, EmailAddress::parse),
        };
        let notes = f.text("notes", body.notes, base_notes);
        let objects: ContactObjects = (body.name, body.address, body.phones);
        let contact = read_contact(objects, base_contact, &mut problems);
        match target {
            Some(target) if problems.is_empty() => Ok(Self {
                target,
                contact,
                notes,
            }),
            _ => Err(problems),
        }
    }
}

/// `POST …/mailingLists` and `PUT …/mailingLists/{name}` (docs §2.10).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"name": "list_name", "owner": "john2", "description": "some text"}))]
pub struct ListRequest {
    /// The list's name (its address's local part): an alias's rules; not a mailbox's, an
    /// alias's or a list's name. On `PUT`, only its current value.
    #[schema(value_type = String, max_length = 52, example = "list_name")]
    #[serde(default)]
    pub name: Field<String>,
    /// The username of a mailbox of the domain that owns the list. On `PUT`, only its current
    /// value.
    #[schema(value_type = String, max_length = 25, example = "john2")]
    #[serde(default)]
    pub owner: Field<String>,
    /// Free text, at most 1024 characters; the one field a `PUT` changes.
    #[schema(value_type = Option<String>, max_length = 1024, example = "some text")]
    #[serde(default)]
    pub description: Field<String>,
    /// Anything else: ignored on `POST`, refused by name on `PUT` (`links`, `members` and
    /// `billingstatus` aside, so a `GET` body can be sent back).
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, Value>,
}

/// A new mailing list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewList {
    pub name: LocalName,
    pub owner: Username,
    pub description: BoundedText<1024>,
}

impl NewList {
    pub fn parse(body: ListRequest) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        let name = f.required("name", body.name, LocalName::parse);
        let owner = f.required("owner", body.owner, Username::parse);
        let description = f.text("description", body.description, BoundedText::default());
        match (name, owner) {
            (Some(name), Some(owner)) if problems.is_empty() => Ok(Self {
                name,
                owner,
                description,
            }),
            _ => Err(problems),
        }
    }

    /// A `PUT` on the list `name` owned by `owner`: the new description (or the current one,
    /// `current`); `name` and `owner` may be sent with their current values only.
    pub fn parse_change(
        body: ListRequest,
        (name, owner, current): (&str, &str, BoundedText<1024>),
    ) -> Result<BoundedText<1024>, FieldProblems> {
        let mut problems = FieldProblems::new();
        for key in body.other.keys() {
            if !matches!(key.as_str(), "links" | "members" | "billingstatus") {
                problems.insert(key.clone(), "unknown field".into());
            }
        }
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        for (field, sent, now) in [("name", body.name, name), ("owner", body.owner, owner)] {
            if let Some(sent) = f.parsed(field, sent, |raw| Ok(raw.to_owned()))
                && sent != now
            {
                f.fail(field, format!("cannot be changed (it is {now:?})"));
            }
        }
        let description = f.text("description", body.description, current);
        if problems.is_empty() {
            Ok(description)
        } else {
            Err(problems)
        }
    }
}

/// `POST …/mailingLists/{name}/members`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"username": "john2"}))]
pub struct MemberRequest {
    /// A mailbox's username, or a global contact's id (40 hex digits), of the domain.
    #[schema(value_type = String, required = true, example = "john2")]
    #[serde(default)]
    pub username: Field<String>,
}

impl MemberRequest {
    /// The member named: a mailbox's username or a contact's id.
    pub fn parse(self) -> Result<String, FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        let member = f.required("username", self.username, |raw| {
            if super::OrderId::parse(raw).is_some() || Username::parse(raw).is_ok() {
                Ok(raw.to_owned())
            } else {
                Err("must be a mailbox's username or a global contact's id".into())
            }
        });
        member.ok_or(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn domain() -> DomainName {
        DomainName::parse("example.com").unwrap()
    }

    fn alias(body: Value) -> Result<NewAlias, FieldProblems> {
        NewAlias::parse(serde_json::from_value(body).unwrap(), &domain())
    }

    #[test]
    fn aliases_point_at_a_mailbox_of_the_domain() {
        let a = alias(
            json!({"emailalias": {"username": "sales", "emailForward": "john2@example.com"}}),
        )
        .unwrap();
        assert_eq!((a.name.as_str(), a.target.as_str()), ("sales", "john2"));
        let a =
            alias(json!({"emailAlias": {"username": "sales", "emailForward": "john2"}})).unwrap();
        assert_eq!(a.target.as_str(), "john2");
        let problems =
            alias(json!({"emailalias": {"username": "sales", "emailForward": "x@elsewhere.org"}}))
                .unwrap_err();
        assert!(problems["emailalias.emailForward"].contains("outside"));
        let problems =
            alias(json!({"emailalias": {"username": "same", "emailForward": "same@example.com"}}))
                .unwrap_err();
        assert!(problems["emailalias.emailForward"].contains("itself"));
        let problems = alias(json!({"emailalias": {"username": "Bad Name"}})).unwrap_err();
        assert!(problems.contains_key("emailalias.username"));
        assert_eq!(problems["emailalias.emailForward"], "Required");
        let problems = alias(json!({})).unwrap_err();
        assert_eq!(problems["emailalias"], "Required");
        let problems = alias(json!({"emailalias": ["sales"]})).unwrap_err();
        assert_eq!(problems["emailalias"], "must be an object");
        assert!(
            alias(json!({"emailalias": {"username": "a".repeat(52), "emailForward": "b"}})).is_ok()
        );
        assert!(
            alias(json!({"emailalias": {"username": "a".repeat(53), "emailForward": "b"}}))
                .is_err()
        );
    }

    fn contact(body: Value) -> ContactRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn lists_change_only_their_description() {
        let list: ListRequest =
            serde_json::from_value(json!({"name": "team", "owner": "john2", "description": "d"}))
                .unwrap();
        let new = NewList::parse(list).unwrap();
        assert_eq!((new.name.as_str(), new.owner.as_str()), ("team", "john2"));
        let problems = NewList::parse(serde_json::from_value(json!({})).unwrap()).unwrap_err();
        assert_eq!(
            (problems["name"].as_str(), problems["owner"].as_str()),
            ("Required", "Required")
        );
        let change = |body: Value| {
            NewList::parse_change(
                serde_json::from_value(body).unwrap(),
                ("team", "john2", BoundedText::parse("old").unwrap()),
            )
        };
        assert_eq!(
            change(json!({"name": "team", "owner": "john2", "description": "new"}))
                .unwrap()
                .as_str(),
            "new"
        );
        assert_eq!(change(json!({"links": []})).unwrap().as_str(), "old");
        assert!(
            change(json!({"name": "other"}))
                .unwrap_err()
                .contains_key("name")
        );
        assert!(
            change(json!({"owner": "x"}))
                .unwrap_err()
                .contains_key("owner")
        );
        assert_eq!(
            change(json!({"colour": "red"})).unwrap_err()["colour"],
            "unknown field"
        );
    }

    #[test]
    fn members_are_mailboxes_or_contacts() {
        let member = |v: Value| serde_json::from_value::<MemberRequest>(v).unwrap().parse();
        assert_eq!(member(json!({"username": "john2"})).unwrap(), "john2");
        let id = "00000136a13b95a2f4f587fd000ae6fa2cb8a7d8";
        assert_eq!(member(json!({"username": id})).unwrap(), id);
        assert!(member(json!({"username": "Not Valid"})).is_err());
        assert_eq!(member(json!({})).unwrap_err()["username"], "Required");
    }

    #[test]
    fn contacts_need_a_target_and_change_in_part() {
        let c = GlobalContact::parse_new(contact(
            json!({"target": "abc@ghi.com", "name": {"name": "John"}, "notes": "n", "links": []}),
        ))
        .unwrap();
        assert_eq!(c.target.as_str(), "abc@ghi.com");
        assert_eq!(c.contact.name.name.as_str(), "John");
        let problems =
            GlobalContact::parse_new(contact(json!({"name": {"name": "x"}}))).unwrap_err();
        assert_eq!(problems["target"], "Required");
        let problems =
            GlobalContact::parse_new(contact(json!({"target": "not an address"}))).unwrap_err();
        assert!(problems.contains_key("target"));
        let changed = GlobalContact::parse_change(
            contact(json!({"name": {"company": "Acme"}, "links": []})),
            c.clone(),
        )
        .unwrap();
        assert_eq!(changed.contact.name.name.as_str(), "John", "kept");
        assert_eq!(changed.contact.name.company.as_str(), "Acme");
        assert_eq!(changed.target, c.target);
        let problems =
            GlobalContact::parse_change(contact(json!({"colour": "red"})), c).unwrap_err();
        assert_eq!(problems["colour"], "unknown field");
    }
}
