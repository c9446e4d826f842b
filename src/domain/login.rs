//! An account's API logins (docs §3.2's order user, §6.6's account users): the user name and
//! password rules, and the request bodies that create a user or change its password.

use serde::Deserialize;
use utoipa::ToSchema;

use super::fields::Problems;
use super::{Field, FieldProblems, Password, Problem};

/// The docs' user names: 1 to 50 letters, digits, `.`, `-`, `_` or `@` (a login is then
/// `<userName>@<franchise>`; the franchise is what follows the last `@`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

pub const USER_NAME_PATTERN: &str = "^[A-Za-z0-9._@-]{1,50}$";
/// [`account_password`]'s rules as a regular expression: 8 to 50 printable ASCII characters
/// without `&'"\/<>$` or spaces, a letter and a digit among them.
pub const ACCOUNT_PASSWORD_PATTERN: &str =
    "^(?=.*[A-Za-z])(?=.*[0-9])[!#%(-.0-;=?-\\[\\]-~]{8,50}$";

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        if raw.is_empty() {
            return Err("Required".into());
        }
        if raw.len() > 50 {
            return Err("must be at most 50 characters".into());
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
        {
            return Err("may contain only letters, digits, '.', '-', '_' and '@'".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The docs' account user passwords: 8 to 50 characters, at least one letter and one digit,
/// none of `&'"\/<>$`; printable ASCII without spaces, like every password here.
pub fn account_password(raw: &str) -> Result<Password, Problem> {
    let len = raw.chars().count();
    if len == 0 {
        return Err("Required".into());
    }
    if !(8..=50).contains(&len) {
        return Err("must be 8 to 50 characters".into());
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b"&'\"\\/<>$".contains(&b))
    {
        return Err("must be printable ASCII without spaces or any of &'\"\\/<>$".into());
    }
    if !raw.bytes().any(|b| b.is_ascii_alphabetic()) {
        return Err("must contain a letter".into());
    }
    if !raw.bytes().any(|b| b.is_ascii_digit()) {
        return Err("must contain a digit".into());
    }
    Password::parse_api(raw)
}

/// `POST /accounts/{account}/users`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"userName": "mytestuser1", "password": "Mytestpass1"}))]
pub struct AccountUserRequest {
    #[schema(value_type = String, required = true, pattern = "^[A-Za-z0-9._@-]{1,50}$")]
    #[serde(default)]
    pub user_name: Field<String>,
    /// 8 to 50 characters, a letter and a digit, none of `&'"\/<>$`. Never returned.
    #[schema(value_type = String, required = true, pattern = "^(?=.*[A-Za-z])(?=.*[0-9])[!#%(-.0-;=?-\\[\\]-~]{8,50}$")]
    #[serde(default)]
    pub password: Field<String>,
}

/// `PUT /accounts/{account}/user/{userName}`: a new password (`userName` may be repeated as
/// it is).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"password": "Mytestpass2"}))]
pub struct AccountUserChange {
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub user_name: Field<String>,
    #[schema(value_type = String, required = true, pattern = "^(?=.*[A-Za-z])(?=.*[0-9])[!#%(-.0-;=?-\\[\\]-~]{8,50}$")]
    #[serde(default)]
    pub password: Field<String>,
}

impl AccountUserRequest {
    pub fn parse(self) -> Result<(UserName, Password), FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        let name = f.required("userName", self.user_name, UserName::parse);
        let password = f.required("password", self.password, account_password);
        match (name, password) {
            (Some(n), Some(p)) if problems.is_empty() => Ok((n, p)),
            _ => Err(problems),
        }
    }
}

impl AccountUserChange {
    /// The new password; `userName`, if sent, must be the user's own.
    pub fn parse(self, user: &str) -> Result<Password, FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        match self.user_name {
            Field::Absent | Field::Null => {}
            Field::Given(name) if name == user => {}
            Field::Given(_) | Field::Wrong => {
                f.problems.insert(
                    "userName".into(),
                    "cannot be changed (send the user's own or leave it out)".into(),
                );
            }
        }
        let password = f.required("password", self.password, account_password);
        match password {
            Some(p) if problems.is_empty() => Ok(p),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_docs_rules() {
        assert!(UserName::parse("mytestuser1").is_ok());
        assert!(UserName::parse("john.smith@example.com").is_ok());
        assert!(UserName::parse("").is_err());
        assert!(UserName::parse("no spaces").is_err());
        assert!(UserName::parse(&"a".repeat(51)).is_err());
        assert!(account_password("Mytestpass1").is_ok());
        assert!(account_password("short1").is_err());
        assert!(account_password("nodigitshere").is_err());
        assert!(account_password("12345678").is_err());
        assert!(account_password("with$dollar1").is_err());
        assert!(account_password("with space1").is_err());
        assert!(account_password(&format!("a1{}", "b".repeat(48))).is_ok());
        assert!(account_password(&format!("a1{}", "b".repeat(49))).is_err());
    }

    proptest! {
        /// The documented patterns say what the parsers take.
        #[test]
        fn patterns_are_the_parsers(raw in "[ -~]{0,60}") {
            let schema = |p: &str| {
                jsonschema::validator_for(&serde_json::json!({"type": "string", "pattern": p}))
                    .unwrap()
            };
            let text = serde_json::Value::String(raw.clone());
            prop_assert_eq!(
                schema(USER_NAME_PATTERN).is_valid(&text),
                UserName::parse(&raw).is_ok()
            );
            prop_assert_eq!(
                schema(ACCOUNT_PASSWORD_PATTERN).is_valid(&text),
                account_password(&raw).is_ok()
            );
        }
    }
}
