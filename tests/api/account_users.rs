//! An account's API users (docs §6.6): added by an agent or the account's own users, logging in
//! at once with the account's rights only, new passwords effective at once; and its contacts
//! (docs §6.5).

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::on_both_backends;

const FRANCHISE: &str = "partner_api_developer_us_main";

fn users() -> String {
    format!("/accounts/{ACCT}/users")
}

async fn add(app: &TestApp, who: (&str, &str), name: &str, password: &str) -> reqwest::Response {
    let body = json!({"userName": name, "password": password});
    app.send(Method::POST, &users(), who, Some(&body)).await
}

async fn users_are_added_and_log_in_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let r = add(&app, QWE, "shopadmin", "Shopadmin1").await;
    assert_eq!(r.status(), 201);
    let own = app.url(&format!("/accounts/{ACCT}/user/shopadmin"));
    assert_eq!(r.headers()["location"], own.as_str());
    assert_eq!(r.text().await.expect("body"), "", "no body");
    // The new login sees its account, and only it.
    let login = format!("shopadmin@{FRANCHISE}");
    let me = (login.as_str(), "Shopadmin1");
    let mine = format!("/accounts/{ACCT}");
    assert_eq!(app.send(Method::GET, &mine, me, None).await.status(), 200);
    let theirs = "/accounts/acct999998";
    assert_eq!(app.send(Method::GET, theirs, me, None).await.status(), 403);
    // The docs' shape; the password is never shown.
    let user = app
        .get_json(&format!("/accounts/{ACCT}/user/shopadmin"), me)
        .await;
    assert_eq!(
        user,
        json!({"userName": "shopadmin", "links": [
            {"href": own, "rel": "self"},
            {"href": app.url(&mine), "rel": "related"},
        ]})
    );
    // The account's own user adds a colleague; the list has both (and carol), sorted.
    assert_eq!(add(&app, me, "clerk.1", "Clerk12345").await.status(), 201);
    let list = app.get_json(&users(), me).await;
    let names: Vec<&str> = list["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|u| u["userName"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["carol", "clerk.1", "shopadmin"]);
    let filtered = app
        .get_json(&format!("{}?filterUserName=c*", users()), me)
        .await;
    assert_eq!(filtered["list"].as_array().map(Vec::len), Some(2));
    // Taken in the franchise (an agent's login, another account's user's too): 409.
    for taken in ["shopadmin", "qwe", "bob"] {
        let r = add(&app, QWE, taken, "Another123").await;
        assert_eq!(r.status(), 409, "{taken}");
    }
    // The docs' rules, every problem named.
    let r = add(&app, QWE, "no spaces", "short").await;
    assert_eq!(r.status(), 400);
    let (_, details) = error_of(r).await;
    assert!(
        details["userName"].is_string() && details["password"].is_string(),
        "{details}"
    );
    assert_eq!(add(&app, QWE, "dollar", "Dollar$123").await.status(), 400);
    // Another account's user is not found here; another account is not theirs.
    let bob = format!("/accounts/{ACCT}/user/bob");
    assert_eq!(app.send(Method::GET, &bob, QWE, None).await.status(), 404);
    assert_eq!(add(&app, BOB, "sneaky", "Sneaky1234").await.status(), 403);
    assert_eq!(
        add(&app, MALLORY, "sneaky", "Sneaky1234").await.status(),
        404
    );
}

async fn a_new_password_works_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        add(&app, QWE, "shopadmin", "Shopadmin1").await.status(),
        201
    );
    let login = format!("shopadmin@{FRANCHISE}");
    let account = format!("/accounts/{ACCT}");
    let old = (login.as_str(), "Shopadmin1");
    assert_eq!(
        app.send(Method::GET, &account, old, None).await.status(),
        200
    );
    let path = format!("/accounts/{ACCT}/user/shopadmin");
    // userName may be repeated as it is, not changed.
    let renamed = json!({"userName": "other", "password": "Newpass123"});
    let r = app.send(Method::PUT, &path, old, Some(&renamed)).await;
    assert_eq!(r.status(), 400);
    let body = json!({"userName": "shopadmin", "password": "Newpass123"});
    let r = app.send(Method::PUT, &path, old, Some(&body)).await;
    assert_eq!(r.status(), 204);
    // The old password (cached a moment ago) is refused at once; the new one works.
    assert_eq!(
        app.send(Method::GET, &account, old, None).await.status(),
        401
    );
    let new = (login.as_str(), "Newpass123");
    assert_eq!(
        app.send(Method::GET, &account, new, None).await.status(),
        200
    );
    // An unknown user: 404.
    let r = app
        .send(
            Method::PUT,
            &format!("/accounts/{ACCT}/user/nobody"),
            QWE,
            Some(&json!({"password": "Newpass123"})),
        )
        .await;
    assert_eq!(r.status(), 404);
    // A mailbox login manages no account.
    let placed = app.order("john").await;
    app.wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    let mailbox = (&*format!("john@{DOMAIN}"), "tester1234");
    assert_eq!(
        app.send(Method::GET, &users(), mailbox, None)
            .await
            .status(),
        403
    );
}

/// The four contacts: empty until set, each kind replaced as sent, `null` clearing one, every
/// problem named.
async fn contacts_are_set_and_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let path = format!("/accounts/{ACCT}/contacts");
    let empty = app.get_json(&path, QWE).await;
    let kinds: Vec<&String> = empty.as_object().expect("object").keys().collect();
    assert_eq!(kinds, ["regular", "billing", "administrator", "technical"]);
    assert_eq!(empty["billing"]["firstName"], "");
    assert_eq!(empty["billing"]["emailVerified"], 0);
    let billing = json!({"firstName": "Jane", "lastName": "Doe", "email1": "jane@example.com",
        "countryCode": "us", "phone1": "+1 (555) 555-5501", "street1": "100 Main St."});
    let body = json!({"billing": billing, "technical": {"firstName": "Tom"}});
    let r = app.send(Method::PUT, &path, CAROL, Some(&body)).await;
    assert_eq!(r.status(), 204);
    let set = app.get_json(&path, CAROL).await;
    assert_eq!(set["billing"]["firstName"], "Jane");
    assert_eq!(set["billing"]["countryCode"], "US");
    assert_eq!(set["billing"]["email2"], "");
    assert_eq!(set["technical"]["firstName"], "Tom");
    assert_eq!(set["regular"]["firstName"], "");
    // A kind sent replaces its contact; a kind left out keeps its own; null clears.
    let r = app
        .send(
            Method::PUT,
            &path,
            QWE,
            Some(&json!({"billing": {"firstName": "Janet"}, "technical": null})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let now = app.get_json(&path, QWE).await;
    assert_eq!(now["billing"]["firstName"], "Janet");
    assert_eq!(now["billing"]["lastName"], "", "replaced, not merged");
    assert_eq!(now["technical"]["firstName"], "");
    // Every problem by name, nothing changed.
    let bad = json!({"regular": {"email1": "nobody", "countryCode": "USA", "emailVerified": 1,
        "colour": "red"}, "shipping": {}});
    let r = app.send(Method::PUT, &path, QWE, Some(&bad)).await;
    assert_eq!(r.status(), 400);
    let (_, details) = error_of(r).await;
    for key in [
        "regular.email1",
        "regular.countryCode",
        "regular.emailVerified",
        "regular.colour",
        "shipping",
    ] {
        assert!(details[key].is_string(), "{key}: {details}");
    }
    assert_eq!(
        app.get_json(&path, QWE).await["billing"]["firstName"],
        "Janet"
    );
    // Another account's user, another franchise.
    assert_eq!(app.send(Method::GET, &path, BOB, None).await.status(), 403);
    assert_eq!(
        app.send(Method::GET, &path, MALLORY, None).await.status(),
        404
    );
}

on_both_backends!(
    contacts_are_set_and_read,
    users_are_added_and_log_in_at_once,
    a_new_password_works_at_once
);
