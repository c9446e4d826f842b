//! The OpenAPI document: a snapshot, every route of the router in it (and nothing else), and
//! the docs page with no external assets.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;
use mailorder::http::{API_PATHS, OPS_PATHS};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openapi.json");

/// The spec has not changed unintentionally. After an intended change, regenerate it with
/// `cargo run -- openapi > tests/fixtures/openapi.json` (or run this test with
/// `UPDATE_SNAPSHOTS=1`) and review the diff.
#[tokio::test]
async fn the_spec_matches_its_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let r = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let served: Value = r.json().await.expect("json");
    assert_eq!(served["openapi"], "3.1.0");
    let pretty = serde_json::to_string_pretty(&served).expect("json") + "\n";
    assert_eq!(
        pretty,
        mailorder::http::openapi::pretty(),
        "served = printed"
    );
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &pretty).expect("snapshot written");
    }
    let stored = std::fs::read_to_string(SNAPSHOT).expect("snapshot exists");
    assert!(
        stored == pretty,
        "the OpenAPI document changed; if intended, regenerate tests/fixtures/openapi.json"
    );
}

fn concrete(path: &str) -> String {
    path.replace("{account}", ACCT)
        .replace("{partnerAccount}", "demo-partner")
        .replace("{domain}", DOMAIN)
        .replace("{username}", "nobody")
        .replace("{order}", "0000000000000000000000000000000000000000")
        .replace("{list}", "team")
        .replace("{spec}", "core.plan.email.exchange2010")
        .replace("{offering}", "USD-1")
        .replace("{service}", "core.service.email.exchange.domain")
}

/// Walks the router: for every path it serves and every method, the router answers `405`
/// exactly when the spec does not document that method on that path.
#[tokio::test]
async fn the_spec_covers_every_route() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let spec = mailorder::http::openapi::document();
    let documented = spec["paths"].as_object().expect("paths");
    // The demo account by partner id too.
    let r = app
        .send(
            Method::POST,
            &format!("/accounts/{ACCT}/attributes"),
            QWE,
            Some(&serde_json::json!({"name": "partner_account_id", "value": "demo-partner"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    // An order open on it, so that `DELETE /accounts/{account}` is refused (`409`), not done.
    let r = app
        .send(Method::POST, "/orders", QWE, Some(&serde_json::json!({})))
        .await;
    assert_eq!(r.status(), 201);
    let order = r.headers()["location"].to_str().expect("ascii").to_owned();
    let r = app
        .send(
            Method::PUT,
            &format!("{order}/account"),
            QWE,
            Some(&serde_json::json!({"accountNumber": ACCT})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let partner = mailorder::http::partner_paths();
    let served: Vec<&str> = API_PATHS
        .iter()
        .copied()
        .chain(partner.iter().map(String::as_str))
        .chain(OPS_PATHS.iter().copied())
        .collect();
    for path in documented.keys() {
        assert!(
            served.contains(&path.as_str()),
            "{path} documented but not served"
        );
    }
    for path in &served {
        let ops = documented
            .get(*path)
            .unwrap_or_else(|| panic!("{path} not documented"));
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
            Method::PATCH,
        ] {
            let mut req = app
                .client
                .request(method.clone(), app.url(&concrete(path)))
                .basic_auth(QWE.0, Some(QWE.1));
            if [Method::POST, Method::PUT].contains(&method) {
                req = req.json(&serde_json::json!({}));
            }
            let status = req.send().await.expect("sent").status().as_u16();
            let in_spec = ops.get(method.as_str().to_ascii_lowercase()).is_some();
            assert_eq!(status != 405, in_spec, "{method} {path}: answered {status}");
        }
    }
}

/// The page shows what the types say (fields, types, required, enum values, examples), renders
/// the descriptions' markdown, links only inside itself and to `/openapi.json`, and loads
/// nothing from elsewhere.
#[tokio::test]
async fn the_docs_page_shows_the_bodies_and_needs_nothing_from_outside() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let r = app.client.get(app.url("/docs")).send().await.expect("sent");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = r.text().await.expect("text");
    for path in API_PATHS {
        assert!(
            html.contains(&format!("<code>{path}</code>")),
            "{path} on the page"
        );
    }
    for forbidden in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!html.contains(forbidden), "{forbidden} on the page");
    }
    let spec = mailorder::http::openapi::document();
    for href in html.split("href=\"").skip(1) {
        let target = &href[..href.find('"').unwrap_or(0)];
        if let Some(id) = target.strip_prefix('#') {
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "dangling anchor {target}"
            );
        } else {
            assert_eq!(target, "/openapi.json", "external link");
        }
    }
    // The mailbox order: its request body's fields, required ones marked, the seed's body as
    // the example, its optional quote, and its description's markdown rendered.
    let start = html
        .find("id=\"mailbox_create\"")
        .expect("the mailbox order");
    let op = &html[start..start + html[start..].find("</div>").expect("its end")];
    for expected in [
        "<code>owner</code> <span class=\"req\">required</span>",
        "<a href=\"#schema-MailboxCreateRequest\">MailboxCreateRequest</a>",
        "<code>recipientLimit</code>",
        "min 1, max 100",
        "&quot;username&quot;: &quot;a.a&quot;",
        "&quot;businessPhone&quot;: &quot;555-555-5501&quot;",
        "none, or <a href=\"#schema-CompactQuote\">CompactQuote</a>",
        "<code>Location</code>",
        "Credentials: HTTP Basic.",
    ] {
        assert!(
            op.contains(expected),
            "{expected} missing from the mailbox order"
        );
    }
    assert!(
        !op.contains('`'),
        "unrendered markdown in the mailbox order"
    );
    // Every schema has its section, with its enum values.
    for name in spec["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
    {
        assert!(
            html.contains(&format!("id=\"schema-{name}\"")),
            "{name} has no section"
        );
    }
    assert!(html.contains("<code>new</code><code>Processing</code><code>Completed</code>"));
}

/// The lists' documented query parameters are the ones their handlers take: each documented
/// sort field, order and filter is accepted, and a filter the document does not name is refused.
#[tokio::test]
async fn the_lists_parameters_are_what_the_handlers_take() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // The lists under a mailing list need one.
    let placed = app.order("john2").await;
    app.wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    let r = app
        .send(
            Method::POST,
            &format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailingLists"),
            QWE,
            Some(&serde_json::json!({"name": "team", "owner": "john2"})),
        )
        .await;
    assert_eq!(r.status(), 202);
    app.wait_final(
        &Placed::from_response(&r),
        std::time::Duration::from_secs(20),
    )
    .await;
    // And the deliveries' list a subscription.
    let r = app
        .send(
            Method::POST,
            "/webhooks",
            QWE,
            Some(&serde_json::json!({"url": "http://127.0.0.1:9/hook", "events": ["mailbox.created"]})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let webhook = location_id(&r);
    // And the account a partner id (its lists again under `/partnerAccounts`).
    let r = app
        .send(
            Method::POST,
            &format!("/accounts/{ACCT}/attributes"),
            QWE,
            Some(&serde_json::json!({"name": "partner_account_id", "value": "demo-partner"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let spec = mailorder::http::openapi::document();
    let (mut lists, mut account_lists, mut partner_lists) = (0, 0, 0);
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(params) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
        if !names.contains(&"pageSize") {
            continue;
        }
        if path.starts_with("/partnerAccounts/") {
            partner_lists += 1;
        } else {
            lists += 1;
            account_lists += usize::from(path.starts_with("/accounts/{account}"));
        }
        let mut queries = vec!["page=1&pageSize=10".to_owned()];
        for p in params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().expect("name");
            match p["schema"]["enum"].as_array() {
                Some(values) => queries.extend(
                    values
                        .iter()
                        .map(|v| format!("{name}={}", v.as_str().expect("text"))),
                ),
                None if name.starts_with("filter") => queries.push(format!("{name}=*")),
                None => {}
            }
        }
        for query in &queries {
            let url = app.url(&format!(
                "{}?{query}",
                concrete(path).replace("{webhook}", &webhook)
            ));
            let r = app
                .client
                .get(&url)
                .basic_auth(QWE.0, Some(QWE.1))
                .send()
                .await
                .expect("sent");
            assert!(
                r.status().is_success() || r.status() == 303,
                "{path}?{query}: {}",
                r.status()
            );
        }
        let url = app.url(&format!("{}?filterNothing=x", concrete(path)));
        let r = app
            .client
            .get(&url)
            .basic_auth(QWE.0, Some(QWE.1))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 400, "{path}: an undocumented filter");
    }
    assert_eq!(
        lists, 22,
        "twenty-two lists (the offering takes the prices' filters)"
    );
    assert_eq!(
        partner_lists, account_lists,
        "each account list by partner id too"
    );
}

/// The patterns the document gives for usernames and passwords are the parsers' rules: a
/// string matches the documented schema exactly when the parser takes it (what schemathesis
/// relies on to tell valid requests from invalid ones).
#[test]
fn documented_patterns_are_the_parsers_rules() {
    use mailorder::domain::{Password, Username};
    use proptest::prelude::*;
    let doc = mailorder::http::openapi::document();
    let owner = &doc["components"]["schemas"]["OwnerInput"]["properties"];
    let username = jsonschema::validator_for(&owner["username"]).expect("username schema");
    let password = jsonschema::validator_for(&owner["password"]).expect("password schema");
    let reset = jsonschema::validator_for(
        &doc["components"]["schemas"]["MailboxUpdateRequest"]["properties"]["password"],
    )
    .expect("reset schema");
    for name in [
        "a.a",
        "john2",
        "administrator",
        "admins",
        "helpdesk",
        ".a",
        "a.",
        "a..b",
        "",
    ] {
        let s = Value::String(name.to_owned());
        assert_eq!(
            username.is_valid(&s),
            Username::parse(name).is_ok(),
            "{name:?}"
        );
    }
    let agree = |text: &str| -> Result<(), TestCaseError> {
        let s = Value::String(text.to_owned());
        prop_assert_eq!(
            username.is_valid(&s),
            Username::parse(text).is_ok(),
            "username {:?}",
            text
        );
        prop_assert_eq!(
            password.is_valid(&s),
            Password::parse(text).is_ok(),
            "password {:?}",
            text
        );
        prop_assert_eq!(
            reset.is_valid(&s),
            password.is_valid(&s),
            "reset {:?}",
            text
        );
        Ok(())
    };
    proptest!(ProptestConfig::with_cases(2000), |(text in "[a-zA-Z0-9._\\- !~é\\t]{0,27}")| {
        agree(&text)?;
    });
    proptest!(ProptestConfig::with_cases(500), |(text in "[a-z]{2,5}(\\.[a-z0-9_-]{1,5}){0,3}")| {
        agree(&text)?;
    });
    // Free text and phone numbers.
    let schemas = &doc["components"]["schemas"];
    let text = jsonschema::validator_for(&schemas["NameInput"]["properties"]["company"])
        .expect("text schema");
    let phone = jsonschema::validator_for(&schemas["PhonesInput"]["properties"]["fax"])
        .expect("phone schema");
    proptest!(ProptestConfig::with_cases(2000), |(s in "[a-z0-9 +().x/\\-é\\t\\n\\r\\x00\\x1f\\x7f\\u{85}\\u{a0}]{0,70}")| {
        let v = Value::String(s.clone());
        prop_assert_eq!(text.is_valid(&v), mailorder::domain::BoundedText::<64>::parse(&s).is_ok(), "text {:?}", s);
        prop_assert_eq!(phone.is_valid(&v), mailorder::domain::phone::<32>(&s).is_ok(), "phone {:?}", s);
    });
    // Forwarding targets: an address, a local part of the mailbox's domain, or "" (none).
    let target = jsonschema::validator_for(&schemas["SettingsInput"]["properties"]["forwardTo"])
        .expect("target schema");
    let home = mailorder::domain::DomainName::parse("example.com").expect("domain");
    let parses =
        |s: &str| s.is_empty() || mailorder::domain::EmailAddress::parse_or_local(s, &home).is_ok();
    for s in [
        "",
        "a",
        "a.b+c@x.example",
        "a@b",
        "@x.com",
        "a..b",
        "a@x..com",
        "a@-x.com",
        "a@x.com.",
        "a b",
    ] {
        assert_eq!(
            target.is_valid(&Value::String(s.into())),
            parses(s),
            "{s:?}"
        );
    }
    proptest!(ProptestConfig::with_cases(3000), |(s in "[a-zA-Z0-9._%+\\-@ é]{0,12}(@[a-z0-9.\\-]{0,12})?")| {
        prop_assert_eq!(target.is_valid(&Value::String(s.clone())), parses(&s), "target {:?}", s);
    });
    // A contact's target (a full address) and an alias's mailbox (a username, with or without
    // a domain; that it is the alias's own domain is checked against the path).
    let address = jsonschema::validator_for(&schemas["ContactRequest"]["properties"]["target"])
        .expect("address schema");
    let mailbox = jsonschema::validator_for(&schemas["AliasInput"]["properties"]["emailForward"])
        .expect("mailbox schema");
    let names_a_mailbox = |s: &str| {
        mailorder::domain::EmailAddress::parse_or_local(s, &home)
            .ok()
            .is_some_and(|a| mailorder::domain::Username::parse(a.local_part()).is_ok())
    };
    proptest!(ProptestConfig::with_cases(3000), |(s in "[a-zA-Z0-9._%+\\-@ é]{0,12}(@[a-zA-Z0-9.\\-]{0,12})?")| {
        let v = Value::String(s.clone());
        prop_assert_eq!(address.is_valid(&v), mailorder::domain::EmailAddress::parse(&s).is_ok(), "address {:?}", s);
        prop_assert_eq!(mailbox.is_valid(&v), names_a_mailbox(&s), "mailbox {:?}", s);
    });
    for s in [
        "admins",
        "admins@x.com",
        "a.b@x.com",
        "Ab@x.com",
        &"a".repeat(26),
    ] {
        let v = Value::String(s.to_owned());
        assert_eq!(mailbox.is_valid(&v), names_a_mailbox(s), "{s:?}");
    }
    // A list member: a mailbox's username or a contact's id.
    let member = jsonschema::validator_for(&schemas["MemberRequest"]["properties"]["username"])
        .expect("member schema");
    let parses_member = |s: &str| {
        serde_json::from_value::<mailorder::domain::MemberRequest>(
            serde_json::json!({"username": s}),
        )
        .expect("body")
        .parse()
        .is_ok()
    };
    let id = "00000136a13b95a2f4f587fd000ae6fa2cb8a7d8";
    for s in [
        id,
        &id.to_uppercase(),
        &id[1..],
        "john2",
        "admins",
        &"a".repeat(26),
        "",
    ] {
        assert_eq!(
            member.is_valid(&Value::String(s.to_owned())),
            parses_member(s),
            "{s:?}"
        );
    }
    proptest!(ProptestConfig::with_cases(2000), |(s in "[0-9a-fA-Z._\\-]{0,42}")| {
        prop_assert_eq!(member.is_valid(&Value::String(s.clone())), parses_member(&s), "member {:?}", s);
    });
    let long_local = "a".repeat(65);
    let long_domain = format!("a@{}.com", "b".repeat(63));
    let too_long_domain = format!("a@{}", vec!["c".repeat(60); 5].join("."));
    for s in [
        long_local.as_str(),
        long_domain.as_str(),
        too_long_domain.as_str(),
    ] {
        assert_eq!(
            target.is_valid(&Value::String(s.into())),
            parses(s),
            "{s:?}"
        );
    }
}
