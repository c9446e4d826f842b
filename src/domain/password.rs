use std::fmt;

use argon2::password_hash::{Output, ParamsString, SaltString, rand_core::OsRng};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, PasswordHash as PhcHash, Version};

use super::Problem;

/// A mailbox owner's password as the client sent it. It never leaves memory: it has no
/// `Display`, no `Serialize`, and its `Debug` is redacted. The ways out are [`Password::hash`],
/// [`super::SealedPassword::seal`] (encrypted at rest) and [`Password::reveal`] (only for the
/// signed request that hands it to a mail platform's agent).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 20;
/// [`Password::parse`]'s rules as a regular expression (for the OpenAPI document; a digit is
/// required, so "not only lowercase letters" needs no clause of its own).
pub const PATTERN: &str = "^(?=.*[A-Za-z])(?=.*[0-9])[!-~]{8,20}$";

impl Password {
    /// Hostway's rules: 8-20 characters, one word, letters and at least one digit, not only
    /// lowercase letters; and printable ASCII, since HTTP Basic and IMAP `LOGIN` leave the
    /// encoding of anything else to chance ([`PATTERN`] says the same to clients).
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let len = raw.chars().count();
        if len == 0 {
            return Err("Required".into());
        }
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(format!("must be {MIN_LEN} to {MAX_LEN} characters"));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be printable ASCII without spaces".into());
        }
        if !raw.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Err("must contain a letter".into());
        }
        if !raw.bytes().any(|b| b.is_ascii_digit()) {
            return Err("must contain a digit".into());
        }
        if raw.bytes().all(|b| b.is_ascii_lowercase()) {
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
    /// Dovecot reads (`$argon2id$v=19$…`), in fresh working memory. CPU-heavy and 19 MiB: the
    /// server hashes on its bounded pool ([`crate::hashing::HashPool`]) with [`Self::hash_in`].
    pub fn hash(&self) -> PasswordHash {
        self.hash_in(&mut HashMemory::default())
    }

    /// [`Self::hash`] in the given working memory (grown to the parameters' size if needed).
    pub fn hash_in(&self, memory: &mut HashMemory) -> PasswordHash {
        let params = Params::default();
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt
            .decode_b64(&mut salt_bytes)
            .expect("a generated salt decodes");
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(
                self.0.as_bytes(),
                salt_bytes,
                &mut out,
                memory.blocks(params.block_count()),
            )
            .expect("argon2id with default parameters cannot fail");
        let phc = PhcHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).expect("default parameters encode"),
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).expect("32 bytes is a valid output")),
        };
        PasswordHash(phc.to_string())
    }

    /// Checks this password against a stored hash, in fresh working memory.
    pub fn verify(&self, hash: &PasswordHash) -> bool {
        self.verify_in(hash, &mut HashMemory::default())
    }

    /// [`Self::verify`] in the given working memory. A stored hash that does not parse, or that
    /// asks for more than [`MAX_MEMORY_KIB`], does not verify.
    pub fn verify_in(&self, hash: &PasswordHash, memory: &mut HashMemory) -> bool {
        let Ok(phc) = PhcHash::new(&hash.0) else {
            return false;
        };
        let (Some(expected), Some(salt)) = (phc.hash, phc.salt) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(phc.algorithm) else {
            return false;
        };
        let version = match phc.version.map(Version::try_from) {
            None => Version::default(),
            Some(Ok(v)) => v,
            Some(Err(_)) => return false,
        };
        let Ok(params) = Params::try_from(&phc) else {
            return false;
        };
        if params.m_cost() > MAX_MEMORY_KIB {
            return false;
        }
        let mut salt_bytes = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let mut out = [0u8; Output::MAX_LENGTH];
        let out = &mut out[..expected.len()];
        let blocks = params.block_count();
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(self.0.as_bytes(), salt_bytes, out, memory.blocks(blocks))
            .is_ok()
            // `Output`'s equality is constant-time.
            && Output::new(out).is_ok_and(|computed| computed == expected)
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

/// The most working memory a stored hash may ask for (64 MiB); ours use 19 MiB.
pub const MAX_MEMORY_KIB: u32 = 64 * 1024;

/// argon2id's working memory (1 KiB blocks), kept by a hashing thread between hashes so that
/// each hash does not allocate and zero 19 MiB afresh. Empty until first used.
#[derive(Default)]
pub struct HashMemory(Vec<Block>);

impl HashMemory {
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0 = vec![Block::default(); count];
        }
        &mut self.0[..count]
    }

    /// Bytes held.
    pub fn size(&self) -> usize {
        self.0.len() * Block::SIZE
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

    /// Hashes made in reused memory are the crate's standard PHC hashes: each side verifies the
    /// other's (stored hashes from before the pool keep working, and Dovecot reads ours).
    #[test]
    fn reused_memory_hashes_are_standard_argon2id() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let p = Password::parse("tester1234").unwrap();
        let mut memory = HashMemory::default();
        let ours = p.hash_in(&mut memory);
        assert_eq!(memory.size(), 19456 * 1024);
        let phc = PhcHash::new(ours.as_str()).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"tester1234", &phc)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"tester12345", &phc)
                .is_err()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"tester1234", &salt)
            .unwrap()
            .to_string();
        let theirs = PasswordHash::from_stored(theirs);
        assert!(
            p.verify_in(&theirs, &mut memory),
            "the same memory, used again"
        );
        assert!(
            !Password::parse("tester12345")
                .unwrap()
                .verify_in(&theirs, &mut memory)
        );
        assert_eq!(memory.size(), 19456 * 1024, "reused, not grown");
        for junk in [
            "",
            "$argon2id$",
            "plain",
            "$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
        ] {
            assert!(!p.verify_in(&PasswordHash::from_stored(junk.into()), &mut memory));
        }
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
