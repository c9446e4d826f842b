use std::fmt;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash as PhcHash};

use super::Problem;

/// A mailbox owner's password as the client sent it. It never leaves memory: it has no
/// `Display`, no `Serialize`, and its `Debug` is redacted. The ways out are [`Password::hash`],
/// [`super::SealedPassword::seal`] (encrypted at rest) and [`Password::reveal`] (only for the
/// signed request that hands it to a mail platform's agent).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 20;

impl Password {
    /// Hostway's rules: 8-20 characters, one word, letters and at least one digit, not only
    /// lowercase letters.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let len = raw.chars().count();
        if len == 0 {
            return Err("Required".into());
        }
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(format!("must be {MIN_LEN} to {MAX_LEN} characters"));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces or control characters".into());
        }
        if !raw.chars().any(char::is_alphabetic) {
            return Err("must contain a letter".into());
        }
        if !raw.chars().any(|c| c.is_ascii_digit()) {
            return Err("must contain a digit".into());
        }
        if raw.chars().all(char::is_lowercase) {
            return Err("must not be only lowercase letters".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// An API user's password (set by an administrator); only length is enforced.
    pub fn parse_api(raw: &str) -> Result<Self, Problem> {
        if raw.chars().count() < MIN_LEN {
            return Err(format!("must be at least {MIN_LEN} characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password presented for login: no rules apply, it is only ever compared with a hash.
    pub(crate) fn presented(raw: String) -> Self {
        Self(raw)
    }

    /// Whether the password contains `needle`, ignoring case (used against the username).
    pub fn contains_ignoring_case(&self, needle: &str) -> bool {
        self.0.to_lowercase().contains(&needle.to_lowercase())
    }

    /// Hashes with argon2id (the crate's defaults: m=19456 KiB, t=2, p=1), in the PHC form that
    /// Dovecot reads (`$argon2id$v=19$…`). CPU-heavy: call it from a blocking thread.
    pub fn hash(&self) -> PasswordHash {
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("argon2id with default parameters cannot fail");
        PasswordHash(phc.to_string())
    }

    /// Checks this password against a stored hash. CPU-heavy: call it from a blocking thread.
    pub fn verify(&self, hash: &PasswordHash) -> bool {
        PhcHash::new(&hash.0).is_ok_and(|phc| {
            Argon2::default()
                .verify_password(self.0.as_bytes(), &phc)
                .is_ok()
        })
    }

    /// The plain password: only for sealing it and for the signed request to the `http` agent.
    pub(crate) fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An argon2id hash in PHC string form.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored hash read back from the database.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_password_is_accepted() {
        assert!(Password::parse("tester1234").is_ok());
        assert!(Password::parse("Abcdefgh1").is_ok());
    }

    #[test]
    fn rule_breakers_are_refused() {
        for bad in [
            "",
            "short1A",
            "abcdefghij",
            "12345678",
            "has space1",
            "a23456789012345678901",
            "tab\t12345",
        ] {
            assert!(Password::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn hash_is_argon2id_phc_and_verifies() {
        let p = Password::parse("tester1234").unwrap();
        let h = p.hash();
        assert!(h.as_str().starts_with("$argon2id$v=19$"));
        assert!(p.verify(&h));
        assert!(!Password::parse("tester12345").unwrap().verify(&h));
        assert!(!format!("{p:?}{h:?}").contains("tester"));
    }

    proptest! {
        #[test]
        fn anything_parsed_obeys_the_rules(s in "\\PC{0,24}") {
            if let Ok(p) = Password::parse(&s) {
                let n = p.reveal().chars().count();
                prop_assert!((MIN_LEN..=MAX_LEN).contains(&n));
                prop_assert!(p.reveal().chars().any(|c| c.is_ascii_digit()));
                prop_assert!(!p.reveal().chars().any(char::is_whitespace));
            }
        }
    }
}
