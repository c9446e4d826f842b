//! Passwords at rest for drivers that need the plain password (the `http` agent): sealed with
//! XChaCha20-Poly1305 under a key from the configuration, bound to the mailbox's address, and
//! kept only until the agent has taken the step.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use super::{Password, Problem};

const PREFIX: &str = "xc1:";
const NONCE_LEN: usize = 24;

/// The 32-byte key for sealed passwords; given as 64 hex digits. Its `Debug` is redacted.
#[derive(Clone)]
pub struct SealKey(Key);

impl SealKey {
    pub fn parse(hex: &str) -> Result<Self, Problem> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(
                "must be 64 hex digits (32 random bytes, e.g. `openssl rand -hex 32`)".into(),
            );
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                .map_err(|_| Problem::from("must be hex digits"))?;
        }
        Ok(Self(key.into()))
    }
}

impl SealKey {
    /// A random key (for a process that was given none: what it seals, only it can open).
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// A key for another purpose, derived from this one under `label`.
    pub fn derive(&self, label: &[u8]) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(self.0.as_slice())
            .expect("any key length works");
        mac.update(label);
        mac.finalize().into_bytes().into()
    }

    /// Seals `plain`, bound to `aad` (it opens only for the same `aad`): `xc1:` + base64.
    pub fn seal(&self, plain: &[u8], aad: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = XChaCha20Poly1305::new(&self.0)
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption of a short message cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD_NO_PAD.encode(bytes))
    }

    /// Opens what [`Self::seal`] sealed for `aad`; `None` for another key or `aad`.
    pub fn open(&self, sealed: &str, aad: &str) -> Option<Vec<u8>> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)?;
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(&self.0)
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .ok()
    }
}

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

/// A sealed password as stored: `xc1:` + base64(nonce ‖ ciphertext ‖ tag).
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPassword(String);

impl fmt::Debug for SealedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealedPassword(..)")
    }
}

impl SealedPassword {
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Seals `password` for `address` (the address is authenticated: the sealed value cannot be
    /// moved to another mailbox).
    pub fn seal(password: &Password, key: &SealKey, address: &str) -> Self {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let cipher = XChaCha20Poly1305::new(&key.0);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: password.reveal().as_bytes(),
                    aad: address.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption of a short message cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Self(format!("{PREFIX}{}", STANDARD_NO_PAD.encode(bytes)))
    }

    /// Opens it again; fails for another key, another address, or a damaged value.
    pub fn open(&self, key: &SealKey, address: &str) -> Result<Password, Problem> {
        let refused = || Problem::from("the sealed password cannot be opened with this key");
        let bytes = self
            .0
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(refused)?;
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = XChaCha20Poly1305::new(&key.0)
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: address.as_bytes(),
                },
            )
            .map_err(|_| refused())?;
        String::from_utf8(plain)
            .map(Password::presented)
            .map_err(|_| refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn seals_and_opens_for_the_same_key_and_address_only() {
        let key = SealKey::parse(HEX).expect("key");
        let password = Password::parse("Secret123").expect("password");
        let sealed = SealedPassword::seal(&password, &key, "a@b.example");
        assert!(!sealed.as_str().contains("Secret123"));
        assert_ne!(
            sealed,
            SealedPassword::seal(&password, &key, "a@b.example"),
            "a fresh nonce each time"
        );
        let opened = sealed.open(&key, "a@b.example").expect("opens");
        assert_eq!(opened.reveal(), "Secret123");
        assert!(sealed.open(&key, "c@b.example").is_err(), "another mailbox");
        let other = SealKey::parse(&HEX.replace('0', "f")).expect("key");
        assert!(sealed.open(&other, "a@b.example").is_err(), "another key");
        let damaged = SealedPassword::from_stored(sealed.as_str().replace('A', "B"));
        if damaged != sealed {
            assert!(damaged.open(&key, "a@b.example").is_err());
        }
        assert!(
            SealedPassword::from_stored("plain".into())
                .open(&key, "a@b.example")
                .is_err()
        );
    }

    #[test]
    fn keys_are_64_hex_digits_and_never_printed() {
        assert!(SealKey::parse("abc").is_err());
        assert!(SealKey::parse(&"g".repeat(64)).is_err());
        let key = SealKey::parse(HEX).expect("key");
        assert_eq!(format!("{key:?}"), "SealKey(<redacted>)");
    }
}
