use std::fmt;

use super::Problem;

/// An ISO 4217 currency code such as `USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw.as_bytes() {
            [a, b, c] if raw.bytes().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(format!("{raw:?} is not a currency code like USD")),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("parsed from ASCII")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-negative amount of money in exact minor units (cents); rendered with two decimals as
/// the Hostway docs do (`"5.18"`). Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_minor(minor: i64) -> Result<Self, Problem> {
        if minor < 0 {
            return Err("must not be negative".into());
        }
        Ok(Self(minor))
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    /// Parses `"5"`, `"5.1"` or `"5.18"`; more than two decimals, signs or exponents are refused.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let bad = || format!("{raw:?} is not an amount like 5.18");
        let (units, cents) = match raw.split_once('.') {
            Some((u, c)) if (1..=2).contains(&c.len()) => (u, c),
            Some(_) => return Err(bad()),
            None => (raw, ""),
        };
        if units.is_empty()
            || !units
                .bytes()
                .chain(cents.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let units: i64 = units.parse().map_err(|_| bad())?;
        let cents: i64 = if cents.is_empty() {
            0
        } else {
            format!("{cents:0<2}").parse().map_err(|_| bad())?
        };
        units
            .checked_mul(100)
            .and_then(|u| u.checked_add(cents))
            .map(Self)
            .ok_or_else(|| format!("{raw:?} is too large"))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_renders_two_decimals() {
        assert_eq!(Money::parse("5.18").unwrap().minor(), 518);
        assert_eq!(Money::parse("5.1").unwrap().to_string(), "5.10");
        assert_eq!(Money::parse("339").unwrap().to_string(), "339.00");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        for bad in [
            "",
            "-1",
            "1.234",
            ".5",
            "5.",
            "1e3",
            "abc",
            "99999999999999999999",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Currency::parse("USD").unwrap().as_str(), "USD");
        assert!(Currency::parse("usd").is_err());
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(minor in 0i64..=i64::MAX / 1000) {
            let m = Money::from_minor(minor).unwrap();
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }

        #[test]
        fn sums_are_exact(a in 0i64..1_000_000_000, b in 0i64..1_000_000_000) {
            let s = Money(a).checked_add(Money(b)).unwrap();
            prop_assert_eq!(s.minor(), a + b);
        }
    }
}
