use super::Problem;

/// Free text of at most `MAX` characters with no control characters other than newlines and
/// tabs (kept exactly as sent otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        if raw.chars().count() > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        if raw
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err("must not contain control characters".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(BoundedText::<3>::parse("abc").is_ok());
        assert!(BoundedText::<3>::parse("abcd").is_err());
        assert!(BoundedText::<3>::parse("ééé").is_ok());
        assert!(BoundedText::<9>::parse("a\u{0}b").is_err());
        assert!(BoundedText::<9>::parse("a\nb").is_ok());
    }
}
