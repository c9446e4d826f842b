//! The mailbox list and the Exchange resources: Hostway's paging, sorting, filtering and
//! conditional GET rules, one by one.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ACCT, Backend, DOMAIN, MALLORY, QWE, TestApp, error_of, mailboxes_path};
use crate::on_both_backends;

const D: &str = "list.example.com";

fn names(body: &Value) -> Vec<String> {
    body["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["username"].as_str().expect("name").to_owned())
        .collect()
}

fn links(body: &Value) -> Vec<(String, String)> {
    body["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["rel"].as_str().expect("rel").to_owned(),
                l["href"].as_str().expect("href").to_owned(),
            )
        })
        .collect()
}

/// An app whose `list.example.com` has 250 open mailboxes, `user000` to `user249`.
async fn app_with_250(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    app.add_exchange(D, 1000).await;
    let fixtures: Vec<(String, &str)> = (0..250).map(|i| (format!("user{i:03}"), "open")).collect();
    app.fill_mailboxes(D, &fixtures).await;
    app
}

async fn paging_redirects(backend: Backend) {
    let app = app_with_250(backend).await;
    let list = app.url(&mailboxes_path(D, ""));
    let get = |q: &str| {
        let url = format!("{list}?{q}");
        let app = &app;
        async move { app.send(Method::GET, &url, QWE, None).await }
    };
    // No paging and more than 100: 303 to page 1 of 100, keeping the other parameters.
    let r = get("sortField=username").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{list}?sortField=username&page=1&pageSize=100").as_str()
    );
    // pageSize over 400: the same page with 400.
    let r = get("page=2&pageSize=500").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{list}?page=2&pageSize=400").as_str()
    );
    // Past the end: page 1.
    let r = get("page=4&pageSize=100").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{list}?page=1&pageSize=100").as_str()
    );
    // Half a pair: 400 naming the missing half.
    for (q, field) in [
        ("page=1", "pageSize"),
        ("pageSize=10", "page"),
        ("page=0&pageSize=10", "page"),
        ("page=1&pageSize=x", "pageSize"),
    ] {
        let r = get(q).await;
        assert_eq!(r.status(), 400, "{q}");
        let (kind, details) = error_of(r).await;
        assert_eq!(kind, "badRequest");
        assert!(details.get(field).is_some(), "{q}: {details}");
    }
}

async fn pages_and_their_links(backend: Backend) {
    let app = app_with_250(backend).await;
    let list = app.url(&mailboxes_path(D, ""));
    let page = |p: u64| format!("{list}?page={p}&pageSize=100");
    let first = app.get_json(&page(1), QWE).await;
    assert_eq!(names(&first).len(), 100);
    assert_eq!(names(&first)[0], "user000");
    assert_eq!(
        links(&first),
        [
            ("self".into(), page(1)),
            ("next".into(), page(2)),
            ("last".into(), page(3))
        ]
    );
    let middle = app.get_json(&page(2), QWE).await;
    assert_eq!(names(&middle)[0], "user100");
    assert_eq!(
        links(&middle),
        [
            ("self".into(), page(2)),
            ("first".into(), page(1)),
            ("previous".into(), page(1)),
            ("next".into(), page(3)),
            ("last".into(), page(3))
        ]
    );
    let last = app.get_json(&page(3), QWE).await;
    assert_eq!(names(&last).len(), 50);
    assert_eq!(
        links(&last),
        [
            ("self".into(), page(3)),
            ("first".into(), page(1)),
            ("previous".into(), page(2))
        ]
    );
    let item = &first["list"][0];
    assert_eq!(
        item,
        &json!({"username": "user000", "billingStatus": "open", "details": format!("{list}/user000")})
    );
    // Sorting both ways; sortOrder defaults to asc.
    let desc = app
        .get_json(
            &format!("{list}?sortField=username&sortOrder=desc&page=1&pageSize=3"),
            QWE,
        )
        .await;
    assert_eq!(names(&desc), ["user249", "user248", "user247"]);
    let asc = app
        .get_json(&format!("{list}?sortField=username&page=2&pageSize=3"), QWE)
        .await;
    assert_eq!(names(&asc), ["user003", "user004", "user005"]);
    // Bad sort or filter fields are named.
    for (q, field) in [
        ("sortField=name", "sortField"),
        ("sortField=username&sortOrder=up", "sortOrder"),
        ("filterName=x", "filterName"),
        ("filterBillingStatus=opened", "filterBillingStatus"),
        ("includeAddOns=2", "includeAddOns"),
    ] {
        let r = app
            .send(
                Method::GET,
                &format!("{list}?{q}&page=1&pageSize=10"),
                QWE,
                None,
            )
            .await;
        assert_eq!(r.status(), 400, "{q}");
        assert!(error_of(r).await.1.get(field).is_some(), "{q}");
    }
}

async fn filters_with_wildcards(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_exchange(D, 1000).await;
    let fixtures: Vec<(String, &str)> = [
        ("alpha", "open"),
        ("alphabet", "closed"),
        ("beta", "open"),
        ("gamma.alpha", "pending"),
        ("delta_x", "open"),
        ("deltaxx", "open"),
        ("ordered", "new"),
        ("going", "purge_pending"),
    ]
    .iter()
    .map(|(n, s)| (n.to_string(), *s))
    .collect();
    app.fill_mailboxes(D, &fixtures).await;
    let list = app.url(&mailboxes_path(D, ""));
    let query = |q: &str| {
        let url = format!("{list}?sortField=username&{q}");
        let app = &app;
        async move { names(&app.get_json(&url, QWE).await) }
    };
    assert_eq!(query("filterUsername=alpha").await, ["alpha"]);
    assert_eq!(
        query("filterUsername=ALPHA*").await,
        ["alpha", "alphabet"],
        "prefix, case-insensitive"
    );
    assert_eq!(
        query("filterUsername=*alpha").await,
        ["alpha", "gamma.alpha"],
        "suffix"
    );
    assert_eq!(
        query("filterUsername=*ph*").await,
        ["alpha", "alphabet", "gamma.alpha"],
        "infix"
    );
    assert_eq!(
        query("filterUsername=delta_*").await,
        ["delta_x"],
        "'_' is literal"
    );
    assert_eq!(
        query("filterUsername=*a_x*").await,
        ["delta_x"],
        "'_' is literal inside patterns too"
    );
    // Without a status filter: provisioned or being provisioned, not those in open orders.
    assert_eq!(
        query("").await,
        [
            "alpha",
            "alphabet",
            "beta",
            "delta_x",
            "deltaxx",
            "gamma.alpha",
            "going"
        ]
    );
    assert_eq!(query("filterBillingStatus=new").await, ["ordered"]);
    assert_eq!(query("filterBillingStatus=closed").await, ["alphabet"]);
    assert_eq!(
        query("filterBillingStatus=*pending").await,
        ["gamma.alpha", "going"]
    );
    // One case rule on both back ends: every filter ignores ASCII case.
    for q in [
        "filterBillingStatus=*PENDING",
        "filterBillingStatus=Purge_Pending",
        "filterBillingStatus=PURGE*",
        "filterUsername=*ALPHA",
        "filterUsername=GOING",
    ] {
        let lower = q
            .split_once('=')
            .map(|(k, v)| format!("{k}={}", v.to_ascii_lowercase()))
            .expect("pair");
        assert_eq!(query(q).await, query(&lower).await, "{q}");
        assert!(!query(q).await.is_empty(), "{q}");
    }
    assert_eq!(
        query("filterUsername=alpha*&filterBillingStatus=open").await,
        ["alpha"],
        "filters AND"
    );
    // Add-ons on request only.
    let plain = app
        .get_json(&format!("{list}?filterUsername=beta"), QWE)
        .await;
    assert!(plain["list"][0].get("archiving").is_none());
    let with = app
        .get_json(&format!("{list}?filterUsername=beta&includeAddOns=1"), QWE)
        .await;
    assert_eq!(
        (
            &with["list"][0]["archiving"],
            &with["list"][0]["blackberry"]
        ),
        (&json!(0), &json!(0))
    );
    app.assert_counts_exact().await;
    // The self link repeats the query.
    assert_eq!(
        links(&with)[0].1,
        format!("{list}?filterUsername=beta&includeAddOns=1")
    );
}

async fn options_describe_the_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .send(Method::OPTIONS, &mailboxes_path(DOMAIN, ""), QWE, None)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["allow"], "GET,POST,OPTIONS");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["sortFields"], json!(["username"]));
    assert_eq!(body["sortOrders"], json!(["asc", "desc"]));
    assert_eq!(
        body["filterFields"][0],
        json!({"field": "username", "values": []})
    );
    assert_eq!(body["filterFields"][1]["field"], "billingStatus");
    assert_eq!(
        body["filterFields"][1]["values"]
            .as_array()
            .expect("values")
            .len(),
        8
    );
    assert_eq!(
        app.send(Method::OPTIONS, &mailboxes_path(DOMAIN, ""), MALLORY, None)
            .await
            .status(),
        404
    );
}

async fn exchange_resources(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let base = &app.base;
    let domains = app
        .get_json(&format!("/accounts/{ACCT}/exchange"), QWE)
        .await;
    let listed: Vec<&str> = domains["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["domain"].as_str().expect("domain"))
        .collect();
    assert_eq!(listed, ["myexchangedomain.com", "paid.example.com"]);
    assert_eq!(domains["list"][0]["version"], "2010");
    assert_eq!(
        domains["list"][0]["links"][0]["href"],
        format!("{base}/accounts/{ACCT}/exchange/myexchangedomain.com/")
    );
    assert_eq!(
        app.send(
            Method::GET,
            &format!("/accounts/{ACCT}/exchange"),
            MALLORY,
            None
        )
        .await
        .status(),
        404
    );

    let path = format!("/accounts/{ACCT}/exchange/{DOMAIN}");
    let e = app.get_json(&path, QWE).await;
    let own = format!("{base}/accounts/{ACCT}/exchange/{DOMAIN}/");
    assert_eq!(e["domain"], DOMAIN);
    assert_eq!(e["version"], "2010");
    assert_eq!(e["links"], json!([{"href": own, "rel": "self"}]));
    assert_eq!(
        e["mailboxes"],
        json!([{"href": format!("{own}mailboxes/"), "rel": "related"}])
    );
    for rel in ["globalContacts", "emailAliases"] {
        assert_eq!(e[rel][0]["rel"], "related", "{rel}");
    }
    // No dead ends: every link the resource gives answers.
    for rel in [
        "links",
        "mailboxes",
        "globalContacts",
        "mailingLists",
        "emailAliases",
    ] {
        for link in e[rel].as_array().expect("links") {
            let href = link["href"].as_str().expect("href");
            let r = app.send(Method::GET, href, QWE, None).await;
            assert_eq!(r.status(), 200, "{rel}: {href}");
        }
    }
    assert_eq!(
        (&e["freeMailboxes"], &e["usedMailboxes"]),
        (&json!(10), &json!(0))
    );
    assert_eq!(e["mailboxPrice"], json!(["5.18", "USD"]));
    assert_eq!(e["nextMailboxPrice"], json!([]), "the next one is free");
    let paid = app
        .get_json(&format!("/accounts/{ACCT}/exchange/paid.example.com"), QWE)
        .await;
    assert_eq!(paid["nextMailboxPrice"], json!(["5.18", "USD"]));
    assert_eq!(
        app.send(Method::GET, &path, MALLORY, None).await.status(),
        404
    );
}

async fn conditional_gets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("cached").await;
    app.wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    for (path, change) in [
        (mailboxes_path(DOMAIN, "cached"), "notes"),
        (format!("/accounts/{ACCT}/exchange/{DOMAIN}"), "order"),
    ] {
        let r = app.send(Method::GET, &path, QWE, None).await;
        assert_eq!(r.status(), 200);
        let stamp = r.headers()["last-modified"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let conditional = || {
            app.client
                .get(app.url(&path))
                .basic_auth(QWE.0, Some(QWE.1))
                .header("If-Modified-Since", &stamp)
                .send()
        };
        let r = conditional().await.expect("sent");
        assert_eq!(r.status(), 304, "{path}");
        assert!(r.bytes().await.expect("body").is_empty());
        if change == "notes" {
            let r = app
                .send(Method::PUT, &path, QWE, Some(&json!({"notes": "changed"})))
                .await;
            assert_eq!(r.status(), 204);
        } else {
            app.order("another").await;
        }
        let r = conditional().await.expect("sent");
        assert_eq!(r.status(), 200, "{path} changed");
        assert_ne!(r.headers()["last-modified"].to_str().expect("ascii"), stamp);
    }
}

on_both_backends!(
    paging_redirects,
    pages_and_their_links,
    filters_with_wildcards,
    options_describe_the_list,
    exchange_resources,
    conditional_gets,
);
