//! Regression tests for what was found when the API was tried as an attacker would (issue 16).

use reqwest::Method;

use crate::helpers::*;
use crate::on_both_backends;
use crate::paid::{call, order_paid};

const PAID: &str = "paid.example.com";
const PLANTED: &str = "OwnerId=00000000-0000-0000-0000-000000000000";

/// A client-chosen `OwnerId` is never adopted: the paid line gets an `OwnerId` the server
/// mints, and the planted value reads and cancels nothing. An `OwnerId` the server minted is
/// still joined by the next line.
async fn planted_owner_ids_are_not_adopted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = order_paid(&app, PAID, "planted1", Some(PLANTED)).await;
    assert_ne!(first.cookie, PLANTED, "the planted value was adopted");
    for method in [Method::GET, Method::DELETE] {
        let r = call(&app, method.clone(), "/order", None, Some(PLANTED), None).await;
        assert_eq!(r.status(), 404, "{method} /order with the planted cookie");
    }
    let r = call(&app, Method::GET, "/order", None, Some(&first.cookie), None).await;
    assert_eq!(r.status(), 200, "the minted cookie reads its order");
    let wrong = Some((QWE.0, "wrong-password-1"));
    let r = call(
        &app,
        Method::GET,
        "/order",
        wrong,
        Some(&first.cookie),
        None,
    )
    .await;
    assert_eq!(
        r.status(),
        401,
        "credentials that are sent are checked, cookie or not"
    );
    let second = order_paid(&app, PAID, "planted2", Some(&first.cookie)).await;
    assert_eq!(second.cookie, first.cookie, "a minted OwnerId is joined");
    assert_eq!(second.order_id, first.order_id, "one open order");
}

/// Links follow the `Host` header only for loopback names and `--allowed-hosts`: a forged
/// `Host` is `400` and never reaches a link or `Location`.
async fn forged_hosts_do_not_reach_links(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.allowed_hosts = vec!["mail.example.com".to_owned()];
    })
    .await;
    let get = |host: &'static str| {
        app.client
            .get(app.url("/accounts"))
            .basic_auth(QWE.0, Some(QWE.1))
            .header("Host", host)
            .send()
    };
    let r = get("evil.example").await.expect("sent");
    assert_eq!(r.status(), 400);
    let (kind, _) = error_of(r).await;
    assert_eq!(kind, "badRequest");
    let r = get("mail.example.com:8443").await.expect("sent");
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("text");
    assert!(
        body.contains("\"http://mail.example.com:8443/accounts\""),
        "{body}"
    );
    let placed = app.order("hosted").await;
    assert!(
        placed.location.starts_with(&app.base),
        "{}",
        placed.location
    );
}

/// Outside `--demo`, a server listening beyond loopback without `--public-url` or
/// `--allowed-hosts` refuses to start, naming both.
async fn a_public_listener_needs_its_host_named(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut config = test_config(&db);
    config.demo = false;
    config.listen = Some("0.0.0.0:0".to_owned());
    let Err(err) = mailorder::app::Server::start(config.clone()).await else {
        panic!("started without a host policy");
    };
    let text = format!("{err:#}");
    assert!(
        text.contains("--public-url") && text.contains("--allowed-hosts"),
        "{text}"
    );
    config.allowed_hosts = vec!["mail.example.com".to_owned()];
    let server = mailorder::app::Server::start(config)
        .await
        .expect("starts with a list");
    server.stop().await.expect("stops");
}

/// A suspended account is hidden from its own users on every route under it, and on their
/// order list and orders; its franchise's agents still see all of it.
async fn a_suspended_account_is_hidden_from_its_users(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let placed = app.order("hidden").await;
    let order = placed.location.rsplit('/').next().expect("id").to_owned();
    mailorder::admin::add_account(
        app.server().store().as_ref(),
        "partner_api_developer_us_main",
        ACCT,
        "USD",
        mailorder::domain::AccountStatus::Suspended,
    )
    .await
    .expect("suspended");
    let paths = [
        format!("/accounts/{ACCT}"),
        format!("/accounts/{ACCT}/exchange"),
        format!("/accounts/{ACCT}/exchange/{DOMAIN}"),
        mailboxes_path(DOMAIN, ""),
        mailboxes_path(DOMAIN, "hidden"),
        format!("/accounts/{ACCT}/charges"),
        "/orders".to_owned(),
        format!("/orders/{order}"),
    ];
    for path in &paths {
        let r = call(&app, Method::GET, path, Some(CAROL), None, None).await;
        assert_eq!(r.status(), 403, "GET {path} as the account's user");
        let body: serde_json::Value = r.json().await.expect("json");
        assert_eq!(
            body["forbidden"]["message"], "Account is suspended",
            "GET {path}"
        );
        let r = call(&app, Method::GET, path, Some(QWE), None, None).await;
        assert_eq!(r.status(), 200, "GET {path} as an agent");
    }
}

/// With `--metrics-token`, `/metrics` answers only to that bearer token.
async fn metrics_can_require_a_token(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.metrics_token = Some("scrape-secret-1".to_owned());
    })
    .await;
    let scrape = |auth: Option<&'static str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send()
    };
    for auth in [None, Some("Bearer wrong"), Some("Bearer scrape-secret-")] {
        let r = scrape(auth).await.expect("sent");
        assert_eq!(r.status(), 401, "{auth:?}");
        assert_eq!(error_of(r).await.0, "unauthorized");
    }
    let r = scrape(Some("Bearer scrape-secret-1")).await.expect("sent");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("text").ends_with("# EOF\n"));
}

/// Wrong passwords for one login from one address back off: after five, `429` with
/// `Retry-After` (growing), even for the right password from there; the same login from
/// another address, and other logins from this one, are not affected.
async fn failed_logins_back_off_per_login_and_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let from = |ip: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(ip))
            .build()
            .expect("client")
    };
    let (here, there) = (from([127, 0, 0, 1]), from([127, 0, 0, 2]));
    let get = |client: &reqwest::Client, who: (&str, &str)| {
        client
            .get(app.url("/accounts"))
            .basic_auth(who.0, Some(who.1))
            .send()
    };
    let wrong = (QWE.0, "wrong-guess-1");
    for n in 0..5 {
        let r = get(&here, wrong).await.expect("sent");
        assert_eq!(r.status(), 401, "guess {n}");
    }
    let mut waits = Vec::new();
    for _ in 0..3 {
        let r = get(&here, wrong).await.expect("sent");
        if r.status() == 401 {
            // The guess that starts the back-off is still answered 401.
            continue;
        }
        assert_eq!(r.status(), 429);
        waits.push(
            r.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        );
        assert_eq!(error_of(r).await.0, "tooManyRequests");
    }
    assert!(!waits.is_empty(), "backing off");
    let r = get(&here, QWE).await.expect("sent");
    assert_eq!(r.status(), 429, "the right password waits too, from here");
    let r = get(&there, QWE).await.expect("sent");
    assert_eq!(
        r.status(),
        200,
        "from another address the real user gets in"
    );
    let r = get(&here, CAROL).await.expect("sent");
    assert_eq!(r.status(), 200, "another login from here is not affected");
}

/// A changed password ends the old one's cached logins at once on the instance that changed
/// it, and (PostgreSQL, many instances on one database) on the others as soon as the
/// announcement reaches them.
async fn changed_credentials_end_cached_logins_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("rotated").await;
    let done = app
        .wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
    let own = mailboxes_path(DOMAIN, "rotated");
    let login = format!("rotated@{DOMAIN}");
    let old = (login.as_str(), "tester1234");
    let other = if backend == Backend::Postgres {
        Some(TestApp::spawn_on(&app.db.url, |_| {}).await)
    } else {
        None
    };
    let instances: Vec<&TestApp> = std::iter::once(&app).chain(other.as_ref()).collect();
    for instance in &instances {
        let r = call(instance, Method::GET, &own, Some(old), None, None).await;
        assert_eq!(r.status(), 200, "the old password works, and is cached");
    }
    let r = call(
        &app,
        Method::PUT,
        &format!("{own}?passwordReset=1"),
        Some(QWE),
        None,
        Some(&serde_json::json!({"password": "Fresh9876x"})),
    )
    .await;
    assert_eq!(r.status(), 204);
    let r = call(&app, Method::GET, &own, Some(old), None, None).await;
    assert_eq!(r.status(), 401, "at once on the instance that changed it");
    if let Some(other) = &other {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let r = call(other, Method::GET, &own, Some(old), None, None).await;
            if r.status() == 401 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the other instance still takes the old password"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await; // poll, bounded by the deadline
        }
        let r = call(
            other,
            Method::GET,
            &own,
            Some((login.as_str(), "Fresh9876x")),
            None,
            None,
        )
        .await;
        assert_eq!(r.status(), 200);
    }
}

/// Without credentials, an order that exists and one that does not answer alike (`401`), so
/// a stranger with some cookie cannot tell which ids exist.
async fn order_ids_do_not_leak_existence(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("existing").await;
    let real = placed
        .location
        .strip_prefix(&app.base)
        .expect("own link")
        .to_owned();
    let made_up = "/orders/0000000000000000000000000000000000000001";
    for path in [real.as_str(), made_up] {
        for cookie in [None, Some(PLANTED)] {
            let r = call(&app, Method::GET, path, None, cookie, None).await;
            assert_eq!(r.status(), 401, "GET {path} with {cookie:?}");
        }
    }
}

/// An `OwnerId` minted for another account (here another franchise's free order) is not
/// adopted either: planted on a victim, it would give the planter the victim's open order.
async fn owner_ids_of_other_accounts_are_not_adopted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .post_mailbox(
            MALLORY,
            "acct111111",
            "other.example.net",
            &mailbox_body("planter"),
        )
        .await;
    assert_eq!(r.status(), 202);
    let minted = Placed::from_response(&r).cookie;
    let victim = order_paid(&app, PAID, "victim1", Some(&minted)).await;
    assert_ne!(
        victim.cookie, minted,
        "another account's OwnerId was adopted"
    );
    let r = call(&app, Method::GET, "/order", None, Some(&minted), None).await;
    assert_eq!(r.status(), 404, "the planter's cookie owns no open order");
}

/// `OwnerId`s are stored as hashes; an order written before (the cookie itself in `owner_id`)
/// is rehashed once, at the start after the migration, and its cookie still finds it.
async fn owner_ids_are_stored_hashed(backend: Backend) {
    use sqlx::Row;
    let mut app = TestApp::spawn(backend).await;
    let open = order_paid(&app, PAID, "legacy1", None).await;
    let cookie = open.cookie.trim_start_matches("OwnerId=").to_owned();
    let pool = app.db.pool().await;
    let stored = |pool: sqlx::AnyPool, id: String| async move {
        sqlx::query(&format!("SELECT owner_id FROM orders WHERE id = '{id}'"))
            .fetch_one(&pool)
            .await
            .expect("order")
            .get::<String, _>("owner_id")
    };
    let key = stored(pool.clone(), open.order_id.clone()).await;
    assert_eq!(key.len(), 64, "{key}");
    assert!(!key.contains(&cookie));
    // As a release before hashing left it.
    for statement in [
        format!(
            "UPDATE orders SET owner_id = '{cookie}' WHERE id = '{}'",
            open.order_id
        ),
        "INSERT INTO owner_rehash_pending (pending) VALUES (1)".to_owned(),
    ] {
        sqlx::query(&statement)
            .execute(&pool)
            .await
            .expect("legacy row");
    }
    app.stop().await;
    let again = TestApp::spawn_on(&app.db.url, |_| {}).await;
    assert_eq!(stored(pool.clone(), open.order_id.clone()).await, key);
    let r = call(
        &again,
        Method::GET,
        "/order",
        None,
        Some(&open.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 200, "the cookie still finds its open order");
    let pending = sqlx::query("SELECT count(*) AS n FROM owner_rehash_pending")
        .fetch_one(&pool)
        .await
        .expect("count")
        .get::<i64, _>("n");
    assert_eq!(pending, 0, "rehashed once");
    pool.close().await;
}

on_both_backends!(
    owner_ids_are_stored_hashed,
    owner_ids_of_other_accounts_are_not_adopted,
    order_ids_do_not_leak_existence,
    changed_credentials_end_cached_logins_everywhere,
    failed_logins_back_off_per_login_and_address,
    metrics_can_require_a_token,
    a_suspended_account_is_hidden_from_its_users,
    planted_owner_ids_are_not_adopted,
    forged_hosts_do_not_reach_links,
    a_public_listener_needs_its_host_named,
);
