use std::fmt;

use super::Problem;

/// A mailbox username (the local part of the mailbox address).
///
/// Lowercase letters, digits, `_` and `-`, with single dots that are neither first nor last
/// (the docs' own example is `a.a`); 1 to 25 characters; not one of the reserved names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

const RESERVED: [&str; 3] = ["administrator", "admins", "helpdesk"];
pub const MAX_LEN: usize = 25;
/// [`Username::parse`]'s rules as a regular expression (for the OpenAPI document).
pub const PATTERN: &str = "^(?!(?:administrator|admins|helpdesk)$)[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*$";

/// The rules every local name of a domain follows (a mailbox's, an alias's, a list's), up to
/// `max` characters.
fn local_name(raw: &str, max: usize) -> Result<(), Problem> {
    if raw.is_empty() {
        return Err("Required".into());
    }
    if raw.len() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if let Some(bad) = raw
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '_' | '-' | '.'))
    {
        return Err(format!(
            "may contain only lowercase letters, digits, '_', '-' and '.', not {bad:?}"
        ));
    }
    if raw.starts_with('.') || raw.ends_with('.') || raw.contains("..") {
        return Err("dots must be single and not at either end".into());
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(raw)) {
        return Err(format!("{raw:?} is a reserved name"));
    }
    Ok(())
}

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        local_name(raw, MAX_LEN).map(|()| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of an e-mail alias or a mailing list: a mailbox's rules, up to 52 characters (the
/// docs' limit for aliases). It shares the domain's namespace with the mailboxes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalName(String);

pub const LOCAL_NAME_MAX: usize = 52;
/// [`LocalName::parse`]'s rules as a regular expression (for the OpenAPI document).
pub const LOCAL_NAME_PATTERN: &str = PATTERN;
/// A list member as `POST …/members` names it: a global contact's id (40 lowercase hex
/// digits) or a mailbox's username, as a regular expression.
pub const MEMBER_PATTERN: &str = "^(?:[0-9a-f]{40}|(?=.{1,25}$)(?!(?:administrator|admins|helpdesk)$)[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*)$";

impl LocalName {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        local_name(raw, LOCAL_NAME_MAX).map(|()| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LocalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_docs_examples() {
        for ok in [
            "a.a",
            "john2",
            "user1",
            "a",
            "x_y-z.9",
            "a234567890123456789012345",
        ] {
            assert_eq!(Username::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_bad_names() {
        for bad in [
            "",
            ".a",
            "a.",
            "a..b",
            "John",
            "a b",
            "a@b",
            "ADMINISTRATOR",
            "admins",
            "helpdesk",
            "a2345678901234567890123456",
            "é",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn valid_shapes_parse_and_round_trip(s in "[a-z0-9_-]{1,10}(\\.[a-z0-9_-]{1,6}){0,2}") {
            prop_assume!(!RESERVED.contains(&s.as_str()));
            let parsed = Username::parse(&s).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        #[test]
        fn anything_parsed_obeys_the_rules(s in "\\PC{0,30}") {
            if let Ok(u) = Username::parse(&s) {
                let u = u.as_str();
                prop_assert!((1..=MAX_LEN).contains(&u.len()));
                prop_assert!(u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c)));
                prop_assert!(!u.starts_with('.') && !u.ends_with('.') && !u.contains(".."));
            }
        }
    }
}
