//! An account's payment method (docs §3.2 `paymentInfo`, §6.4): a credit card or `offline`.
//!
//! A card number and its verification code exist only while the request is parsed: the parsed
//! [`PaymentMethod`] holds the card type, the masked number (`XXXXXXXXXXXX1111`), the expiry,
//! the holder, the billing address and a random token standing for the card. Nothing else of
//! the card is kept anywhere, so no database row, log line or error can show it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::account_contact::country;
use super::fields::{Object, Problems};
use super::{BoundedText, Field, FieldProblems, Problem};

type Text = BoundedText<128>;

/// A card number: 12 to 19 digits with a valid Luhn check digit. Never printed: `Debug`
/// shows only its masked form.
pub struct CardNumber(String);

impl CardNumber {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        if !(12..=19).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be 12 to 19 digits".into());
        }
        if !luhn(raw) {
            return Err("is not a valid card number (check digit)".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// `X` for every digit but the last four: `XXXXXXXXXXXX1111`.
    pub fn masked(&self) -> String {
        let keep = self.0.len() - 4;
        let mut masked = "X".repeat(keep);
        masked.push_str(&self.0[keep..]);
        masked
    }

    /// Whether the number belongs to the card type's issuer ranges.
    fn issued_by(&self, card: CardType) -> bool {
        let n = |len: usize| self.0[..len].parse::<u32>().unwrap_or(0);
        match card {
            CardType::Visa => self.0.starts_with('4'),
            CardType::Mastercard => (51..=55).contains(&n(2)) || (2221..=2720).contains(&n(4)),
            CardType::Amex => matches!(n(2), 34 | 37),
            CardType::Discover => {
                self.0.starts_with("6011") || n(2) == 65 || (644..=649).contains(&n(3))
            }
        }
    }
}

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardNumber({})", self.masked())
    }
}

/// The Luhn check over a string of ASCII digits.
pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2, d * 2) {
                (0, _) => d,
                (_, doubled) if doubled > 9 => doubled - 9,
                (_, doubled) => doubled,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card types the docs name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CardType {
    Visa,
    Mastercard,
    Discover,
    Amex,
}

impl CardType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visa => "visa",
            Self::Mastercard => "mastercard",
            Self::Discover => "discover",
            Self::Amex => "amex",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        Ok(match raw {
            "visa" => Self::Visa,
            "mastercard" => Self::Mastercard,
            "discover" => Self::Discover,
            "amex" => Self::Amex,
            _ => return Err("must be visa, mastercard, discover or amex".into()),
        })
    }
}

/// `YYYY-MM`, the last month the card is valid in; it must not have passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub year: i32,
    pub month: u8,
}

impl Expiry {
    pub fn parse(raw: &str, today: time::Date) -> Result<Self, Problem> {
        let bad = || Problem::from("must be YYYY-MM");
        let (y, m) = raw.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        if (year, month) < (today.year(), u8::from(today.month())) {
            return Err("the card has expired".into());
        }
        if year > today.year() + 30 {
            return Err("is too far in the future".into());
        }
        Ok(Self { year, month })
    }
}

impl std::fmt::Display for Expiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A billing address as sent and shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct BillingAddress {
    #[schema(value_type = String)]
    pub city: Text,
    /// ISO 3166-1 alpha-2, upper case, or empty.
    #[schema(value_type = String, pattern = "^([A-Z]{2})?$")]
    pub country_code: Text,
    #[schema(value_type = String)]
    pub postal_code: Text,
    #[schema(value_type = String)]
    pub state_or_province: Text,
    #[schema(value_type = String)]
    pub street1: Text,
    #[schema(value_type = String)]
    pub street2: Text,
}

/// A billing address as sent: every field optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingAddressInput {
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub city: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub country_code: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub postal_code: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub state_or_province: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub street1: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub street2: Field<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub unknown: std::collections::BTreeMap<String, serde_json::Value>,
}

/// `PUT /orders/{order}/account/paymentInfo`.
#[derive(Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"paymentInfoType": "credit_card", "accountNumber": "4111111111111111", "cardHolderName": "Jane Doe", "creditCardType": "visa", "expirationDate": "2031-04", "verificationNumber": "123", "billingAddress": {"city": "Chicago", "countryCode": "US", "postalCode": "60001", "stateOrProvince": "IL", "street1": "100 Main St.", "street2": ""}}))]
pub struct PaymentInfoRequest {
    /// `credit_card`, or `offline` (agents only: the franchise bills the customer itself).
    #[schema(value_type = String, required = true, pattern = "^(credit_card|offline)$")]
    #[serde(default)]
    pub payment_info_type: Field<String>,
    /// The card number (credit cards): 12 to 19 digits, Luhn-checked. Never stored or shown;
    /// answers show `XXXXXXXXXXXX1111`.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{12,19}$")]
    #[serde(default)]
    pub account_number: Field<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub card_holder_name: Field<String>,
    #[schema(value_type = Option<String>, pattern = "^(visa|mastercard|discover|amex)$")]
    #[serde(default)]
    pub credit_card_type: Field<String>,
    /// `YYYY-MM`, this month or later.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}$")]
    #[serde(default)]
    pub expiration_date: Field<String>,
    /// 3 digits (4 for amex). Checked, never stored.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{3,4}$")]
    #[serde(default)]
    pub verification_number: Field<String>,
    #[schema(value_type = Option<BillingAddressInput>)]
    #[serde(default)]
    pub billing_address: Field<Object<BillingAddressInput>>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub unknown: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A payment method as kept (with the order, then on the account) and shown: nothing of a
/// card but its type, masked number, expiry and holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// `credit_card` or `offline`.
    pub payment_info_type: String,
    pub credit_card_type: Option<CardType>,
    /// `XXXXXXXXXXXX1111`.
    pub account_number: Option<String>,
    pub expiration_date: Option<String>,
    pub card_holder_name: Option<String>,
    pub billing_address: Option<BillingAddress>,
    /// Random; stands for the card with whoever charges it.
    pub token: String,
}

/// Never the card number or code: only which fields were sent.
impl std::fmt::Debug for PaymentInfoRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentInfoRequest")
            .field("payment_info_type", &self.payment_info_type)
            .field("account_number", &self.account_number.is_present())
            .field(
                "verification_number",
                &self.verification_number.is_present(),
            )
            .finish_non_exhaustive()
    }
}

impl BillingAddressInput {
    fn parse(self, f: &mut Problems<'_>) -> BillingAddress {
        for key in self.unknown.keys() {
            f.fail(key, "unknown field");
        }
        let mut text = |name: &str, field: Field<String>| f.text(name, field, Text::default());
        let mut a = BillingAddress {
            city: text("city", self.city),
            postal_code: text("postalCode", self.postal_code),
            state_or_province: text("stateOrProvince", self.state_or_province),
            street1: text("street1", self.street1),
            street2: text("street2", self.street2),
            ..BillingAddress::default()
        };
        a.country_code = f
            .parsed("countryCode", self.country_code, country)
            .unwrap_or_default();
        a
    }
}

impl PaymentInfoRequest {
    /// The method to keep, or every problem by field. `offline_allowed`: the caller is an
    /// agent. Problems name the field, never echo a card number or code.
    pub fn parse(
        self,
        offline_allowed: bool,
        today: time::Date,
    ) -> Result<PaymentMethod, FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        for key in self.unknown.keys() {
            f.fail(key, "unknown field");
        }
        let token = format!("tok_{}", uuid::Uuid::new_v4().simple());
        let kind = f.required("paymentInfoType", self.payment_info_type, |raw| match raw {
            "credit_card" => Ok("credit_card"),
            "offline" if offline_allowed => Ok("offline"),
            "offline" => Err("offline payment is for agents only".into()),
            _ => Err("must be credit_card or offline".into()),
        });
        let address = {
            let mut nested = Problems {
                prefix: "billingAddress",
                problems: f.problems,
            };
            match self.billing_address {
                Field::Absent | Field::Null => None,
                Field::Wrong => {
                    nested
                        .problems
                        .insert("billingAddress".into(), "must be an object".into());
                    None
                }
                Field::Given(Object(input)) => Some(input.parse(&mut nested)),
            }
        };
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        let method = match kind {
            Some("credit_card") => {
                let number = f.required("accountNumber", self.account_number, CardNumber::parse);
                let card = f.required("creditCardType", self.credit_card_type, CardType::parse);
                let expiry = f.required("expirationDate", self.expiration_date, |raw| {
                    Expiry::parse(raw, today)
                });
                let holder = f.required("cardHolderName", self.card_holder_name, |raw| {
                    if raw.trim().is_empty() {
                        Err("Required".into())
                    } else {
                        Text::parse(raw)
                    }
                });
                let code_len = if card == Some(CardType::Amex) { 4 } else { 3 };
                f.required("verificationNumber", self.verification_number, |raw| {
                    if raw.len() == code_len && raw.bytes().all(|b| b.is_ascii_digit()) {
                        Ok(())
                    } else {
                        Err(format!("must be {code_len} digits"))
                    }
                });
                if let (Some(n), Some(c)) = (&number, card)
                    && !n.issued_by(c)
                {
                    f.fail("creditCardType", "does not match the card number");
                }
                match (number, card, expiry, holder) {
                    (Some(n), Some(c), Some(e), Some(h)) => Some(PaymentMethod {
                        payment_info_type: "credit_card".into(),
                        credit_card_type: Some(c),
                        account_number: Some(n.masked()),
                        expiration_date: Some(e.to_string()),
                        card_holder_name: Some(h.as_str().to_owned()),
                        billing_address: address,
                        token,
                    }),
                    _ => None,
                }
            }
            Some(_) => {
                for (name, sent) in [
                    ("accountNumber", self.account_number.is_present()),
                    ("creditCardType", self.credit_card_type.is_present()),
                    ("expirationDate", self.expiration_date.is_present()),
                    ("verificationNumber", self.verification_number.is_present()),
                ] {
                    if sent {
                        f.fail(name, "only for credit_card");
                    }
                }
                Some(PaymentMethod {
                    payment_info_type: "offline".into(),
                    credit_card_type: None,
                    account_number: None,
                    expiration_date: None,
                    card_holder_name: None,
                    billing_address: address,
                    token,
                })
            }
            None => None,
        };
        match method {
            Some(m) if problems.is_empty() => Ok(m),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn today() -> time::Date {
        time::macros::date!(2026 - 12 - 07)
    }

    fn parse(body: serde_json::Value) -> Result<PaymentMethod, FieldProblems> {
        serde_json::from_value::<PaymentInfoRequest>(body)
            .unwrap()
            .parse(true, today())
    }

    fn card(number: &str, kind: &str, expiry: &str) -> serde_json::Value {
        json!({"paymentInfoType": "credit_card", "accountNumber": number, "cardHolderName": "Jane Doe",
               "creditCardType": kind, "expirationDate": expiry,
               "verificationNumber": if kind == "amex" { "1234" } else { "123" }})
    }

    #[test]
    fn a_card_keeps_only_its_masked_number() {
        let m = parse(card("4111111111111111", "visa", "2026-12")).unwrap();
        assert_eq!(m.account_number.as_deref(), Some("XXXXXXXXXXXX1111"));
        let kept = serde_json::to_string(&m).unwrap();
        assert!(!kept.contains("4111111111111111"), "{kept}");
        assert!(!kept.contains("123\""), "{kept}");
        assert!(m.token.starts_with("tok_"));
    }

    #[test]
    fn bad_cards_are_refused_by_field_without_echo() {
        let e = parse(card("4111111111111112", "visa", "2030-01")).unwrap_err();
        assert!(e["accountNumber"].contains("check digit"));
        let e = parse(card("4111111111111111", "visa", "2026-11")).unwrap_err();
        assert_eq!(e["expirationDate"], "the card has expired");
        let e = parse(card("4111111111111111", "amex", "2030-01")).unwrap_err();
        assert_eq!(e["creditCardType"], "does not match the card number");
        let e = parse(card("378282246310005", "diners", "2030-01")).unwrap_err();
        assert!(e.contains_key("creditCardType"));
        let all = format!("{e:?}");
        assert!(!all.contains("378282246310005"));
        assert!(parse(card("378282246310005", "amex", "2030-01")).is_ok());
        assert!(parse(card("5555555555554444", "mastercard", "2030-01")).is_ok());
        assert!(parse(card("6011111111111117", "discover", "2030-01")).is_ok());
    }

    #[test]
    fn offline_is_for_agents() {
        let body = json!({"paymentInfoType": "offline"});
        assert!(parse(body.clone()).is_ok());
        let e = serde_json::from_value::<PaymentInfoRequest>(body)
            .unwrap()
            .parse(false, today())
            .unwrap_err();
        assert!(e["paymentInfoType"].contains("agents"));
    }

    proptest! {
        /// Every number with its check digit appended passes; changing one digit fails.
        #[test]
        fn luhn_accepts_its_own_check_digit(body in "[0-9]{11,18}", at in 0usize..18, bump in 1u8..10) {
            let check = (0..10u8).find(|d| luhn(&format!("{body}{d}"))).unwrap();
            let number = format!("{body}{check}");
            prop_assert!(CardNumber::parse(&number).is_ok());
            let at = at % number.len();
            let mut bytes = number.into_bytes();
            bytes[at] = b'0' + (bytes[at] - b'0' + bump) % 10;
            prop_assert!(!luhn(std::str::from_utf8(&bytes).unwrap()));
        }

        #[test]
        fn masks_keep_four_digits(body in "[0-9]{11,18}") {
            let check = (0..10u8).find(|d| luhn(&format!("{body}{d}"))).unwrap();
            let number = format!("{body}{check}");
            let masked = CardNumber::parse(&number).unwrap().masked();
            prop_assert_eq!(masked.len(), number.len());
            prop_assert!(masked.ends_with(&number[number.len() - 4..]));
            prop_assert_eq!(masked.matches('X').count(), number.len() - 4);
        }
    }
}
