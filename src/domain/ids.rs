use std::fmt;

use rand::RngCore;

/// An order id: 40 lowercase hex characters like Hostway's. The first 16 encode the creation
/// time in milliseconds since the Unix epoch, the other 24 are random (96 bits), so ids sort by
/// creation time and cannot be guessed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderId(String);

impl OrderId {
    pub fn generate(now_ms: i64) -> Self {
        let mut random = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut random);
        let mut s = format!("{:016x}", now_ms.max(0));
        for b in random {
            s.push_str(&format!("{b:02x}"));
        }
        Self(s)
    }

    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 40
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The creation time encoded in the id.
    pub fn created_ms(&self) -> i64 {
        i64::from_str_radix(&self.0[..16], 16).unwrap_or(0)
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `OwnerId` cookie value: a lowercase UUID v4 identifying the client building an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OwnerId(uuid::Uuid);

impl OwnerId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        uuid::Uuid::parse_str(raw.trim()).ok().map(Self)
    }

    /// What the database keeps of it: the SHA-256 of the cookie's value, in hex. The cookie is
    /// a bearer credential for the open order, so, like a password, it is not stored as
    /// itself; 122 random bits need no salt or slow hash.
    pub fn stored_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.0.hyphenated().to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for OwnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_encode_time_and_sort() {
        let a = OrderId::generate(0x145ff9ba7e5);
        assert_eq!(a.as_str().len(), 40);
        assert!(a.as_str().starts_with("00000145ff9ba7e5"));
        assert_eq!(a.created_ms(), 0x145ff9ba7e5);
        assert!(OrderId::generate(1) < OrderId::generate(2));
        assert_ne!(OrderId::generate(5), OrderId::generate(5));
        assert!(OrderId::parse(a.as_str()).is_some());
        assert!(OrderId::parse("00000145FF9BA7E58E7C2C51007F000000010001").is_none());
        assert!(OrderId::parse("123").is_none());
    }

    #[test]
    fn owner_ids_are_lowercase_uuids() {
        let o = OwnerId::parse("F9CAFB10-2E85-4B1A-BD69-1B1A91437D50").unwrap();
        assert_eq!(o.to_string(), "f9cafb10-2e85-4b1a-bd69-1b1a91437d50");
        assert!(OwnerId::parse("nope").is_none());
    }
}
