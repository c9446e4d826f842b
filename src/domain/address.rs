use std::fmt;

use super::Problem;

/// A DNS domain name, stored lowercase: at least two labels of letters, digits and inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let lower = raw.to_ascii_lowercase();
        if lower.is_empty() {
            return Err("Required".into());
        }
        if lower.len() > 253 {
            return Err("must be at most 253 characters".into());
        }
        let labels: Vec<&str> = lower.split('.').collect();
        if labels.len() < 2 {
            return Err("must have at least two labels, like example.com".into());
        }
        for label in &labels {
            let ok = (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(format!("{raw:?} is not a valid domain name"));
            }
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`EmailAddress::parse_or_local`] takes, or `""` (no target), as a regular expression:
/// a local part (1 to 64 of letters, digits and `. _ % + -`, dots single and inner), with or
/// without `@` and a domain (two or more labels of letters, digits and inner hyphens, at most
/// 253 characters).
pub const TARGET_PATTERN: &str = concat!(
    "^$|^(?=[^@]{1,64}(?:@|$))[A-Za-z0-9_%+-]+(?:\\.[A-Za-z0-9_%+-]+)*",
    "(?:@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)?$"
);

/// What [`EmailAddress::parse`] takes (a full address), as a regular expression.
pub const ADDRESS_PATTERN: &str = concat!(
    "^(?=[^@]{1,64}@)[A-Za-z0-9_%+-]+(?:\\.[A-Za-z0-9_%+-]+)*",
    "@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
);

/// A mailbox of a domain as an alias names it: a username (a mailbox's rules), with or without
/// `@` and a domain, as a regular expression. (That the domain is the alias's own is checked
/// against the request's path, which a pattern cannot see.)
pub const MAILBOX_TARGET_PATTERN: &str = concat!(
    "^(?=[^@]{1,25}(?:@|$))(?!(?:administrator|admins|helpdesk)(?:@|$))",
    "[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*",
    "(?:@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)?$"
);

/// An e-mail address `local@domain`. The local part keeps its case (RFC 5321), the domain is
/// lowercased. Local parts are limited to the characters mail systems actually accept
/// unquoted: letters, digits and `. _ % + -`, with no leading, trailing or double dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    full: String,
    at: usize,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return Err(format!("{raw:?} is not an e-mail address"));
        };
        Self::from_parts(local, &DomainName::parse(domain)?)
    }

    /// An address, or a bare local part that means an address in `default_domain`.
    pub fn parse_or_local(raw: &str, default_domain: &DomainName) -> Result<Self, Problem> {
        if raw.contains('@') {
            Self::parse(raw)
        } else {
            Self::from_parts(raw, default_domain)
        }
    }

    pub fn from_parts(local: &str, domain: &DomainName) -> Result<Self, Problem> {
        if local.is_empty() {
            return Err("the part before @ is empty".into());
        }
        if local.len() > 64 {
            return Err("the part before @ must be at most 64 characters".into());
        }
        if !local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return Err(format!("{local:?} is not a valid mailbox name"));
        }
        Ok(Self {
            full: format!("{local}@{}", domain.as_str()),
            at: local.len(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.full
    }

    pub fn local_part(&self) -> &str {
        &self.full[..self.at]
    }

    pub fn domain(&self) -> &str {
        &self.full[self.at + 1..]
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domains() {
        assert_eq!(
            DomainName::parse("MyExchangeDomain.com").unwrap().as_str(),
            "myexchangedomain.com"
        );
        for bad in ["", "com", "a..b", "-a.com", "a-.com", "a_b.com", "a b.com"] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn local_parts_resolve_in_the_default_domain() {
        let d = DomainName::parse("myexchangedomain.com").unwrap();
        let a = EmailAddress::parse_or_local("zsds", &d).unwrap();
        assert_eq!(a.as_str(), "zsds@myexchangedomain.com");
        let b = EmailAddress::parse_or_local("x.y@Other.ORG", &d).unwrap();
        assert_eq!((b.local_part(), b.domain()), ("x.y", "other.org"));
        for bad in ["", "@x.com", "a@", "a b", ".a", "a..b@x.com", "a@b"] {
            assert!(EmailAddress::parse_or_local(bad, &d).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn parsed_addresses_reparse_to_themselves(s in "\\PC{0,40}") {
            if let Ok(a) = EmailAddress::parse(&s) {
                prop_assert_eq!(EmailAddress::parse(a.as_str()).unwrap(), a.clone());
                prop_assert_eq!(format!("{}@{}", a.local_part(), a.domain()), a.as_str());
            }
        }
    }
}
