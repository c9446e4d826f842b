//! The Exchange directory objects: e-mail aliases and global contacts (docs §2.8–2.9), their
//! exact statuses and bodies, the list conventions on their lists, and the domain's one
//! namespace shared with mailboxes.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

fn aliases() -> String {
    format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailAliases")
}

fn contacts() -> String {
    format!("/accounts/{ACCT}/exchange/{DOMAIN}/globalContacts")
}

async fn add_alias(app: &TestApp, name: &str, target: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        &aliases(),
        QWE,
        Some(&json!({"emailalias": {"username": name, "emailForward": target}})),
    )
    .await
}

async fn provisioned(app: &TestApp, username: &str) {
    let placed = app.order(username).await;
    let done = app.wait_final(&placed, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Completed");
}

async fn aliases_in_the_docs_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    provisioned(&app, "john2").await;
    let r = add_alias(&app, "sales", "john2@myexchangedomain.com").await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers()["location"],
        app.url(&format!("{}/sales/", aliases())).as_str()
    );
    assert!(r.headers().get("content-type").is_none());
    assert_eq!(r.text().await.expect("body"), "", "201 has no body");
    // `emailAlias` as the key, and a bare username as the target, are taken too.
    let r = app
        .send(
            Method::POST,
            &aliases(),
            QWE,
            Some(&json!({"emailAlias": {"username": "info", "emailForward": "john2"}})),
        )
        .await;
    assert_eq!(r.status(), 201);

    let sales = app.get_json(&format!("{}/sales", aliases()), QWE).await;
    assert_eq!(
        sales,
        json!({"emailAlias": "sales", "emailForward": "john2@myexchangedomain.com", "links": [
            {"href": app.url(&format!("{}/sales/", aliases())), "rel": "self"},
            {"href": app.url(&mailboxes_path(DOMAIN, "john2")), "rel": "related"}]})
    );
    // The docs' lower-case spelling of the path answers the same.
    let lower = format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailaliases/sales");
    assert_eq!(app.get_json(&lower, QWE).await["emailAlias"], "sales");
    // Conditional GET.
    let r = app
        .send(Method::GET, &format!("{}/sales", aliases()), QWE, None)
        .await;
    let modified = r.headers()["last-modified"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let r = app
        .client
        .get(app.url(&format!("{}/sales", aliases())))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("If-Modified-Since", modified)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 304);

    // Refusals, each by name.
    for (body, field) in [
        (
            json!({"emailalias": {"username": "x", "emailForward": "someone@elsewhere.org"}}),
            "emailalias.emailForward",
        ),
        (
            json!({"emailalias": {"username": "x", "emailForward": "nobody"}}),
            "emailalias.emailForward",
        ),
        (
            json!({"emailalias": {"username": "self1", "emailForward": "self1"}}),
            "emailalias.emailForward",
        ),
        (
            json!({"emailalias": {"username": "Bad Name", "emailForward": "john2"}}),
            "emailalias.username",
        ),
        (
            json!({"emailalias": {"emailForward": "john2"}}),
            "emailalias.username",
        ),
        (json!({}), "emailalias"),
    ] {
        let r = app.send(Method::POST, &aliases(), QWE, Some(&body)).await;
        assert_eq!(r.status(), 400, "{body}");
        let (kind, details) = error_of(r).await;
        assert_eq!(kind, "badRequest");
        assert!(details.get(field).is_some(), "{body}: {details}");
    }
    let r = add_alias(&app, "sales", "john2").await;
    assert_eq!(r.status(), 409, "the same alias twice");
    assert_eq!(error_of(r).await.0, "conflict");

    // Delete: 204, then 404.
    let r = app
        .send(Method::DELETE, &format!("{}/info", aliases()), QWE, None)
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .send(Method::DELETE, &format!("{}/info", aliases()), QWE, None)
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .send(Method::GET, &format!("{}/info", aliases()), QWE, None)
        .await;
    assert_eq!(r.status(), 404);
}

async fn alias_lists_follow_the_conventions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    provisioned(&app, "john2").await;
    for name in ["a1", "a2", "b1", "b2", "c1"] {
        assert_eq!(add_alias(&app, name, "john2").await.status(), 201);
    }
    let names = |v: &Value| -> Vec<String> {
        v["list"]
            .as_array()
            .expect("list")
            .iter()
            .map(|a| a["emailAlias"].as_str().expect("name").to_owned())
            .collect()
    };
    let all = app.get_json(&aliases(), QWE).await;
    assert_eq!(names(&all), ["a1", "a2", "b1", "b2", "c1"]);
    let desc = app
        .get_json(
            &format!("{}?sortField=emailAlias&sortOrder=desc", aliases()),
            QWE,
        )
        .await;
    assert_eq!(names(&desc), ["c1", "b2", "b1", "a2", "a1"]);
    let filtered = app
        .get_json(&format!("{}?filterEmailAlias=B*", aliases()), QWE)
        .await;
    assert_eq!(names(&filtered), ["b1", "b2"], "wildcards, case ignored");
    let by_target = app
        .get_json(&format!("{}?filterEmailForward=john2", aliases()), QWE)
        .await;
    assert_eq!(names(&by_target).len(), 5);
    let page = app
        .get_json(&format!("{}?page=2&pageSize=2", aliases()), QWE)
        .await;
    assert_eq!(names(&page), ["b1", "b2"]);
    let rels: Vec<&str> = page["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert_eq!(rels, ["self", "first", "previous", "next", "last"]);
    for (query, to) in [
        ("page=9&pageSize=2", "page=1&pageSize=2"),
        ("page=1&pageSize=500", "page=1&pageSize=400"),
    ] {
        let r = app
            .send(Method::GET, &format!("{}?{query}", aliases()), QWE, None)
            .await;
        assert_eq!(r.status(), 303, "{query}");
        assert!(
            r.headers()["location"]
                .to_str()
                .expect("ascii")
                .ends_with(to),
            "{query}"
        );
    }
    for bad in ["sortField=target", "filterColour=red", "page=1"] {
        let r = app
            .send(Method::GET, &format!("{}?{bad}", aliases()), QWE, None)
            .await;
        assert_eq!(r.status(), 400, "{bad}");
    }
    let r = app
        .client
        .request(Method::OPTIONS, app.url(&aliases()))
        .basic_auth(QWE.0, Some(QWE.1))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["allow"], "GET,POST,OPTIONS");
    let options: Value = r.json().await.expect("json");
    assert_eq!(options["sortFields"], json!(["emailAlias"]));
}

/// A local name is a mailbox or an alias, never both: either way round, and when both are
/// asked for at once exactly one gets it.
async fn one_namespace_per_domain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    provisioned(&app, "john2").await;
    let r = add_alias(&app, "john2", "john2").await;
    assert_eq!(r.status(), 400, "an alias of itself");
    provisioned(&app, "other").await;
    let r = add_alias(&app, "other", "john2").await;
    assert_eq!(r.status(), 409, "a mailbox's name");
    assert_eq!(add_alias(&app, "sales", "john2").await.status(), 201);
    let r = app
        .post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("sales"))
        .await;
    assert_eq!(r.status(), 409, "an alias's name");
    for round in 0..4 {
        let name = format!("race{round}");
        let body = mailbox_body(&name);
        let (alias, mailbox) = tokio::join!(
            add_alias(&app, &name, "john2"),
            app.post_mailbox(QWE, ACCT, DOMAIN, &body),
        );
        let statuses = (alias.status().as_u16(), mailbox.status().as_u16());
        assert!(
            statuses == (201, 409) || statuses == (409, 202),
            "round {round}: {statuses:?}"
        );
    }
}

/// A mailbox whose creation fails takes the aliases made while it was pending: a later mailbox
/// of its name starts without them.
async fn a_failed_mailbox_takes_its_aliases(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let placed = app.order("fail-now").await;
    assert_eq!(add_alias(&app, "failalias", "fail-now").await.status(), 201);
    let address = format!("failalias@{DOMAIN}");
    assert!(app.directory_alias(&address).await.is_some());
    app.drain_queue().await;
    assert_eq!(app.order_status(&placed).await["order"]["Status"], "Failed");
    let path = format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailAliases/failalias");
    assert_eq!(app.send(Method::GET, &path, QWE, None).await.status(), 404);
    assert_eq!(app.directory_alias(&address).await, None);
}

/// Purging a mailbox removes its aliases with it (mail to them would bounce otherwise).
async fn a_purged_mailbox_takes_its_aliases(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    provisioned(&app, "leaving").await;
    assert_eq!(add_alias(&app, "gone", "leaving").await.status(), 201);
    assert!(
        app.directory_alias("gone@myexchangedomain.com")
            .await
            .is_some()
    );
    let done = app.delete_mailbox_and_wait("leaving").await;
    assert_eq!(done["order"]["Status"], "Completed");
    let r = app
        .send(Method::GET, &format!("{}/gone", aliases()), QWE, None)
        .await;
    assert_eq!(r.status(), 404);
    assert!(
        app.directory_alias("gone@myexchangedomain.com")
            .await
            .is_none()
    );
    // The name is free again, for either kind.
    provisioned(&app, "gone").await;
}

async fn contacts_in_the_docs_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"target": "abcdef@ghijklm.com",
        "name": {"name": "John Jello", "company": "My Company", "department": "Sales", "title": "President"},
        "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"},
        "phones": {"homePhone": "87238473", "businessPhone": "555-555-5501", "fax": "555-555-5503", "mobile": "555-555-5504"},
        "notes": "Notes in here"});
    let r = app.send(Method::POST, &contacts(), QWE, Some(&body)).await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().expect("ascii").to_owned();
    let id = location_id(&r);
    assert_eq!(id.len(), 40);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(location, app.url(&format!("{}/{id}/", contacts())));
    let mut expected = body.clone();
    expected["links"] = json!([{"href": location, "rel": "self"}]);
    let one = format!("{}/{id}", contacts());
    assert_eq!(app.get_json(&one, QWE).await, expected);
    // A second contact with the same target is a conflict.
    let r = app.send(Method::POST, &contacts(), QWE, Some(&body)).await;
    assert_eq!(r.status(), 409);
    for (bad, field) in [
        (json!({"name": {"name": "x"}}), "target"),
        (json!({"target": "not an address"}), "target"),
        (
            json!({"target": "a@b.com", "phones": {"fax": "call me"}}),
            "phones.fax",
        ),
    ] {
        let r = app.send(Method::POST, &contacts(), QWE, Some(&bad)).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert!(error_of(r).await.1.get(field).is_some(), "{bad}");
    }
    // A partial PUT: 204 with the contact's Location, the rest kept.
    let r = app
        .send(
            Method::PUT,
            &one,
            QWE,
            Some(&json!({"target": "new@test.com", "name": {"name": "First Last"}})),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["location"], location.as_str());
    let changed = app.get_json(&one, QWE).await;
    assert_eq!(changed["target"], "new@test.com");
    assert_eq!(changed["name"]["name"], "First Last");
    assert_eq!(changed["name"]["company"], "My Company", "kept");
    assert_eq!(changed["notes"], "Notes in here", "kept");
    // A GET body sent back works; an unknown field is refused by name.
    assert_eq!(
        app.send(Method::PUT, &one, QWE, Some(&changed))
            .await
            .status(),
        204
    );
    let r = app
        .send(Method::PUT, &one, QWE, Some(&json!({"colour": "red"})))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(error_of(r).await.1["colour"], "unknown field");
    // Another contact cannot take the new target.
    let other = json!({"target": "other@test.com"});
    assert_eq!(
        app.send(Method::POST, &contacts(), QWE, Some(&other))
            .await
            .status(),
        201
    );
    let list = app
        .get_json(&format!("{}?filterTarget=other*", contacts()), QWE)
        .await;
    let other_url = list["list"][0]["details"]
        .as_str()
        .expect("details")
        .to_owned();
    let r = app
        .send(
            Method::PUT,
            &other_url,
            QWE,
            Some(&json!({"target": "NEW@test.com"})),
        )
        .await;
    assert_eq!(r.status(), 409, "the same address in another case");
    // The list: sorted by target, filtered by name with wildcards.
    let all = app.get_json(&contacts(), QWE).await;
    let targets: Vec<&str> = all["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["target"].as_str().expect("target"))
        .collect();
    assert_eq!(targets, ["new@test.com", "other@test.com"]);
    let named = app
        .get_json(&format!("{}?filterName=first*", contacts()), QWE)
        .await;
    assert_eq!(named["list"].as_array().expect("list").len(), 1);
    assert_eq!(named["list"][0]["name"], "First Last");
    // Delete: 204, then 404; a made-up id is 404.
    assert_eq!(
        app.send(Method::DELETE, &one, QWE, None).await.status(),
        204
    );
    assert_eq!(app.send(Method::GET, &one, QWE, None).await.status(), 404);
    assert_eq!(
        app.send(Method::DELETE, &one, QWE, None).await.status(),
        404
    );
    let made_up = format!("{}/not-an-id", contacts());
    assert_eq!(
        app.send(Method::GET, &made_up, QWE, None).await.status(),
        404
    );
}

on_both_backends!(
    a_failed_mailbox_takes_its_aliases,
    aliases_in_the_docs_shape,
    alias_lists_follow_the_conventions,
    one_namespace_per_domain,
    a_purged_mailbox_takes_its_aliases,
    contacts_in_the_docs_shape,
);
