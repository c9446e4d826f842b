use super::Problem;

/// Free text of at most `MAX` characters with no control characters other than newlines and
/// tabs (kept exactly as sent otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BoundedText<const MAX: usize>(String);

/// What [`BoundedText::parse`] takes, as a regular expression (the length is a `maxLength`):
/// no control character (Unicode `Cc`) but tab and newline.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$";

/// What a phone number may hold, as a regular expression.
pub const PHONE_PATTERN: &str = "^[0-9 +\\-().x/]*$";

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
