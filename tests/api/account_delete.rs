//! `DELETE /accounts/{account}` (agents): an order purges the account's mailboxes and lists one
//! after another, then purges it (not found any more). Its mailboxes stop logging in over IMAP, its logins stop
//! working, and its names (the domain, the users' logins) are free for a new account.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::mail_peers::*;
use crate::on_both_backends;
use crate::onboarding::{Shop, domain_service, fill_account, offering};

async fn a_deleted_account_frees_its_names_and_stops_its_mail(backend: Backend) {
    let dovecot = installed(&[DOVECOT]);
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let first = app.order("victim").await;
    let done = app.wait_final(&first, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Completed");
    let lists = format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailingLists");
    let r = app
        .send(
            Method::POST,
            &lists,
            QWE,
            Some(&json!({"name": "team", "owner": "victim"})),
        )
        .await;
    assert_eq!(r.status(), 202);
    let made = app
        .wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(made["order"]["Status"], "Completed");
    let aliases = format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailAliases");
    let body = json!({"emailalias": {"username": "sales", "emailForward": "victim"}});
    assert_eq!(
        app.send(Method::POST, &aliases, QWE, Some(&body))
            .await
            .status(),
        201
    );
    let address = format!("victim@{DOMAIN}");
    let mut imap = None;
    if dovecot {
        let (child, port, _) = start_dovecot(&app).await;
        assert!(
            imap_login(port, &address, "tester1234").await,
            "logs in before"
        );
        imap = Some((child, port));
    }

    // Only agents delete accounts.
    let path = format!("/accounts/{ACCT}");
    assert_eq!(
        app.send(Method::DELETE, &path, CAROL, None).await.status(),
        403
    );
    let r = app.send(Method::DELETE, &path, QWE, None).await;
    assert_eq!(r.status(), 202);
    let deletion = Placed::from_response(&r);
    let done = app.wait_final(&deletion, Duration::from_secs(30)).await;
    assert_eq!(done["order"]["Status"], "Completed", "{done}");
    let kinds: Vec<&str> = done["order"]["Items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["Type"].as_str().expect("type"))
        .collect();
    assert_eq!(kinds, ["purge_mailbox", "delete_list", "close_account"]);

    // The mail stops: no login, no directory row, no alias.
    assert_eq!(app.directory_hash(&address).await, None);
    assert_eq!(app.directory_alias(&format!("sales@{DOMAIN}")).await, None);
    if let Some((mut child, port)) = imap {
        assert!(
            !imap_login(port, &address, "tester1234").await,
            "no login after"
        );
        let _ = child.kill().await;
    }
    // The account is purged (not found, as the docs' purged accounts); its users' logins are
    // gone; it is in no list.
    assert_eq!(app.send(Method::GET, &path, QWE, None).await.status(), 404);
    let accounts = app.get_json("/accounts", QWE).await;
    assert!(!accounts.to_string().contains(ACCT), "{accounts}");
    let r = app.send(Method::GET, &path, CAROL, None).await;
    assert_eq!(r.status(), 401);
    // Its old orders still read as they were.
    let old = app.order_status(&first).await;
    assert_eq!(old["order"]["Items"][0]["Mailbox"], address);

    // The names are free: a new customer takes the domain and the login `carol`.
    let shop = Shop::open(&app, QWE).await;
    fill_account(&shop, "carol", "Carolnew123").await;
    let r = shop
        .post("/account/products", json!({"offering": offering(&app)}))
        .await;
    let product = location_id(&r);
    let r = shop
        .post(
            &format!("/account/products/{product}/services"),
            domain_service(&app, Some(DOMAIN)),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(shop.validate().await.0, 204);
    let r = shop.post("/action", json!({"action": "submit"})).await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(&shop.placed(), Duration::from_secs(30))
        .await;
    assert_eq!(done["order"]["Status"], "Completed", "{done}");
    let number = shop.json("/account").await["number"]
        .as_str()
        .expect("number")
        .to_owned();
    let carol = ("carol@partner_api_developer_us_main", "Carolnew123");
    let r = app
        .post_mailbox(carol, &number, DOMAIN, &mailbox_body("victim"))
        .await;
    assert_eq!(r.status(), 202, "the old mailbox's name too");
    let done = app
        .wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");

    // Gone: a second delete finds nothing; an account without domains is purged at once.
    assert_eq!(
        app.send(Method::DELETE, &path, QWE, None).await.status(),
        404
    );
    let bobs = "/accounts/acct999998";
    assert_eq!(
        app.send(Method::DELETE, bobs, QWE, None).await.status(),
        204
    );
    assert_eq!(app.send(Method::GET, bobs, QWE, None).await.status(), 404);
    assert_eq!(app.send(Method::GET, bobs, BOB, None).await.status(), 401);
}

on_both_backends!(a_deleted_account_frees_its_names_and_stops_its_mail);
