//! Webhooks' domain: the event types a subscription may hear, its target URL (http or https,
//! no credentials in it), its secret, and the request bodies that create and change one.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::fields::Problems;
use super::{Field, FieldProblems, Problem, SealKey};

/// What a subscription can hear. `webhook.test` is sent only by `POST /webhooks/{id}/test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    OrderStatusChanged,
    MailboxCreated,
    MailboxUpdated,
    MailboxDeleted,
    AccountStatusChanged,
    AliasCreated,
    AliasDeleted,
    ContactCreated,
    ContactUpdated,
    ContactDeleted,
    ListCreated,
    ListUpdated,
    ListDeleted,
    Test,
}

impl EventKind {
    /// Every kind a subscription may name.
    pub const SUBSCRIBABLE: [EventKind; 13] = [
        Self::OrderStatusChanged,
        Self::MailboxCreated,
        Self::MailboxUpdated,
        Self::MailboxDeleted,
        Self::AccountStatusChanged,
        Self::AliasCreated,
        Self::AliasDeleted,
        Self::ContactCreated,
        Self::ContactUpdated,
        Self::ContactDeleted,
        Self::ListCreated,
        Self::ListUpdated,
        Self::ListDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderStatusChanged => "order.status_changed",
            Self::MailboxCreated => "mailbox.created",
            Self::MailboxUpdated => "mailbox.updated",
            Self::MailboxDeleted => "mailbox.deleted",
            Self::AccountStatusChanged => "account.status_changed",
            Self::AliasCreated => "emailAlias.created",
            Self::AliasDeleted => "emailAlias.deleted",
            Self::ContactCreated => "globalContact.created",
            Self::ContactUpdated => "globalContact.updated",
            Self::ContactDeleted => "globalContact.deleted",
            Self::ListCreated => "mailingList.created",
            Self::ListUpdated => "mailingList.updated",
            Self::ListDeleted => "mailingList.deleted",
            Self::Test => "webhook.test",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([Self::Test])
            .find(|k| k.as_str() == raw)
    }
}

/// A subscription's target: an absolute `http` or `https` URL with a host and without
/// credentials or a fragment, at most 2,000 characters. Where it may point (no loopback or
/// private addresses by default) is the delivery policy's to say, at creation and at connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(reqwest::Url);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        if raw.len() > 2000 {
            return Err("must be at most 2000 characters".into());
        }
        // As the document's pattern: printable ASCII (an IDN host in its `xn--` form), no
        // spaces, the scheme first.
        let scheme = |s: &str| {
            raw.get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
        };
        if !raw.bytes().all(|b| b.is_ascii_graphic()) || !(scheme("http://") || scheme("https://"))
        {
            return Err(
                "must be an http:// or https:// URL of printable ASCII without spaces".into(),
            );
        }
        let url = reqwest::Url::parse(raw).map_err(|_| Problem::from("must be an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must be an http or https URL".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("must name a host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not hold credentials (sign with the secret instead)".into());
        }
        if url.fragment().is_some() {
            return Err("must not have a fragment".into());
        }
        Ok(Self(url))
    }

    pub fn url(&self) -> &reqwest::Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A subscription's signing secret: 16 to 200 printable ASCII characters without spaces.
/// Generated (`whsec_` + 48 hex digits) when not given. Its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl WebhookSecret {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        if !(16..=200).contains(&raw.len()) {
            return Err("must be 16 to 200 characters".into());
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be printable ASCII without spaces".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(format!(
            "whsec_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ))
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Sealed for subscription `id` under `key`, as stored.
    pub fn seal(&self, key: &SealKey, id: &str) -> String {
        key.seal(self.0.as_bytes(), id)
    }

    /// The secret stored for subscription `id`, if `key` opens it.
    pub fn open(stored: &str, key: &SealKey, id: &str) -> Option<Self> {
        String::from_utf8(key.open(stored, id)?).ok().map(Self)
    }
}

/// The document's pattern of a subscription's URL ([`WebhookUrl::parse`] refuses more: a URL
/// with credentials or a fragment, or without a host).
pub const URL_PATTERN: &str = "^[Hh][Tt][Tt][Pp]([Ss])?://[!-~]+$";

/// The events list as sent: a non-empty array of known, subscribable kinds (repeats dropped).
fn events(f: &mut Problems<'_>, field: Field<Vec<String>>) -> Option<Vec<EventKind>> {
    let names = match field {
        Field::Absent | Field::Null => return None,
        Field::Wrong => {
            f.fail("events", "must be an array of event types");
            return None;
        }
        Field::Given(names) => names,
    };
    if names.is_empty() {
        f.fail("events", "must name at least one event type");
        return None;
    }
    let mut kinds = Vec::new();
    for name in &names {
        match EventKind::parse(name).filter(|k| *k != EventKind::Test) {
            Some(k) if kinds.contains(&k) => {}
            Some(k) => kinds.push(k),
            None => {
                let known: Vec<&str> = EventKind::SUBSCRIBABLE.iter().map(|k| k.as_str()).collect();
                f.fail(
                    "events",
                    format!("unknown event type {name:?} (known: {})", known.join(", ")),
                );
                return None;
            }
        }
    }
    Some(kinds)
}

/// `POST /webhooks`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"url": "https://shop.example.com/hooks/mailorder", "events": ["order.status_changed", "mailbox.created"]}))]
pub struct WebhookRequest {
    /// Where events are posted: `http` or `https`, without credentials.
    #[schema(value_type = String, required = true, max_length = 2000)]
    #[serde(default)]
    pub url: Field<String>,
    /// The event types to hear (at least one).
    #[schema(value_type = Vec<String>, required = true)]
    #[serde(default)]
    pub events: Field<Vec<String>>,
    /// The signing secret (16 to 200 printable characters); generated if left out. Shown once.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub secret: Field<String>,
    /// Anything else: refused by name.
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, Value>,
}

/// A new subscription, parsed.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: WebhookUrl,
    pub events: Vec<EventKind>,
    pub secret: WebhookSecret,
}

impl WebhookRequest {
    pub fn parse(self) -> Result<NewWebhook, FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        let url = f.required("url", self.url, WebhookUrl::parse);
        if !self.events.is_present() {
            f.fail("events", "Required");
        }
        let events = events(&mut f, self.events);
        let secret = f.parsed("secret", self.secret, WebhookSecret::parse);
        for key in self.other.keys() {
            f.fail(key, "is not a field of a webhook");
        }
        match (url, events) {
            (Some(url), Some(events)) if problems.is_empty() => Ok(NewWebhook {
                url,
                events,
                secret: secret.unwrap_or_else(WebhookSecret::generate),
            }),
            _ => Err(problems),
        }
    }
}

/// `PUT /webhooks/{id}`: what is sent changes; `active: 1` turns a disabled subscription on
/// again (its failures forgotten), `0` off.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"events": ["order.status_changed"], "active": 1}))]
pub struct WebhookChange {
    #[schema(value_type = Option<String>, max_length = 2000)]
    #[serde(default)]
    pub url: Field<String>,
    #[schema(value_type = Option<Vec<String>>)]
    #[serde(default)]
    pub events: Field<Vec<String>>,
    /// A new signing secret (16 to 200 printable characters).
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub secret: Field<String>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1)]
    #[serde(default)]
    pub active: Field<i64>,
    /// Anything else: refused by name (`links`, `id`, `status` and the other read-only fields
    /// of a `GET` are ignored, so a read document can be sent back).
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, Value>,
}

/// What a `GET` shows that a `PUT` may repeat but not change.
pub const READ_ONLY: [&str; 7] = [
    "id",
    "status",
    "disabledReason",
    "account",
    "created",
    "updated",
    "links",
];

/// A change, parsed: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    pub url: Option<WebhookUrl>,
    pub events: Option<Vec<EventKind>>,
    pub secret: Option<WebhookSecret>,
    pub active: Option<bool>,
}

impl WebhookChange {
    pub fn parse(self) -> Result<WebhookUpdate, FieldProblems> {
        let mut problems = FieldProblems::new();
        let mut f = Problems {
            prefix: "",
            problems: &mut problems,
        };
        let url = f.parsed("url", self.url, WebhookUrl::parse);
        let events = events(&mut f, self.events);
        let secret = f.parsed("secret", self.secret, WebhookSecret::parse);
        for key in self
            .other
            .keys()
            .filter(|k| !READ_ONLY.contains(&k.as_str()))
        {
            f.fail(key, "is not a field of a webhook");
        }
        let active = match self.active {
            Field::Absent | Field::Null => None,
            Field::Given(0) => Some(false),
            Field::Given(1) => Some(true),
            Field::Given(_) | Field::Wrong => {
                f.fail("active", "must be 0 or 1");
                None
            }
        };
        if problems.is_empty() {
            Ok(WebhookUpdate {
                url,
                events,
                secret,
                active,
            })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(body: serde_json::Value) -> Result<NewWebhook, FieldProblems> {
        serde_json::from_value::<WebhookRequest>(body)
            .unwrap()
            .parse()
    }

    #[test]
    fn urls_are_http_without_credentials() {
        assert!(WebhookUrl::parse("https://shop.example.com/hooks?x=1").is_ok());
        assert!(
            WebhookUrl::parse("http://127.0.0.1:8080/").is_ok(),
            "the policy decides"
        );
        for bad in [
            "ftp://example.com/",
            "/relative",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "file:///etc/passwd",
            " http://example.com/",
            "http://exa mple.com/",
            "http://bücher.example/",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies_name_every_problem() {
        let ok = request(json!({"url": "https://a.example/h", "events": ["order.status_changed", "order.status_changed"]})).unwrap();
        assert_eq!(ok.events, vec![EventKind::OrderStatusChanged]);
        assert!(ok.secret.reveal().starts_with("whsec_"));
        let problems = request(json!({"events": [], "secret": "short"})).unwrap_err();
        assert!(problems.contains_key("url"));
        assert!(problems.contains_key("events"));
        assert!(problems.contains_key("secret"));
        let problems =
            request(json!({"url": "https://a.example/h", "events": ["webhook.test"]})).unwrap_err();
        assert!(
            problems.contains_key("events"),
            "test events are not subscribable"
        );
        let problems = request(
            json!({"url": "https://a.example/h", "events": ["mailbox.created"], "other": 1}),
        )
        .unwrap_err();
        assert!(problems.contains_key("other"));
    }

    #[test]
    fn secrets_are_sealed_for_their_subscription() {
        let key = SealKey::generate();
        let secret = WebhookSecret::generate();
        let stored = secret.seal(&key, "wh1");
        assert!(!stored.contains(secret.reveal()));
        assert_eq!(WebhookSecret::open(&stored, &key, "wh1"), Some(secret));
        assert_eq!(WebhookSecret::open(&stored, &key, "wh2"), None);
        assert_eq!(
            WebhookSecret::open(&stored, &SealKey::generate(), "wh1"),
            None
        );
    }

    #[test]
    fn every_kind_reads_back() {
        for k in EventKind::SUBSCRIBABLE.into_iter().chain([EventKind::Test]) {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
    }
}
