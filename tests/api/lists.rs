//! Mailing lists and their members (docs §2.10–2.11): ordered and deleted through orders,
//! members changed at once, the mail directory following every change.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

fn lists() -> String {
    format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailingLists")
}

fn members(list: &str) -> String {
    format!("{}/{list}/members", lists())
}

async fn provisioned(app: &TestApp, username: &str) {
    let placed = app.order(username).await;
    let done = app.wait_final(&placed, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Completed");
}

/// Orders the list and waits for its order; returns the order's document.
async fn make_list(app: &TestApp, name: &str, owner: &str) -> Value {
    let body = json!({"name": name, "owner": owner, "description": "some text"});
    let r = app.send(Method::POST, &lists(), QWE, Some(&body)).await;
    assert_eq!(r.status(), 202, "{name}");
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .expect("ascii")
            .starts_with("OwnerId=")
    );
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await
}

async fn add_contact(app: &TestApp, target: &str, name: &str) -> String {
    let body = json!({"target": target, "name": {"name": name}});
    let r = app
        .send(
            Method::POST,
            &format!("/accounts/{ACCT}/exchange/{DOMAIN}/globalContacts"),
            QWE,
            Some(&body),
        )
        .await;
    assert_eq!(r.status(), 201);
    location_id(&r)
}

async fn lists_in_the_docs_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    provisioned(&app, "john2").await;
    let done = make_list(&app, "team", "john2").await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(done["order"]["Items"][0]["Type"], "create_list");
    assert_eq!(
        done["order"]["Items"][0]["Mailbox"],
        "team@myexchangedomain.com"
    );
    let own = app.url(&format!("{}/team", lists()));
    let team = app.get_json(&format!("{}/team", lists()), QWE).await;
    assert_eq!(
        team,
        json!({"name": "team", "owner": "john2", "billingstatus": "open", "description": "some text",
               "members": format!("{own}/members"), "links": [{"href": format!("{own}/"), "rel": "self"}]})
    );
    let all = app.get_json(&lists(), QWE).await;
    assert_eq!(
        all["list"],
        json!([{"billingStatus": "open", "name": "team", "details": own}])
    );
    // Refusals by name.
    for (body, field) in [
        (json!({"name": "x1", "owner": "nobody"}), "owner"),
        (json!({"name": "Bad Name", "owner": "john2"}), "name"),
        (json!({"owner": "john2"}), "name"),
    ] {
        let r = app.send(Method::POST, &lists(), QWE, Some(&body)).await;
        assert_eq!(r.status(), 400, "{body}");
        assert!(error_of(r).await.1.get(field).is_some(), "{body}");
    }
    for taken in ["team", "john2"] {
        let body = json!({"name": taken, "owner": "john2"});
        let r = app.send(Method::POST, &lists(), QWE, Some(&body)).await;
        assert_eq!(r.status(), 409, "{taken}");
    }
    let r = app
        .post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("team"))
        .await;
    assert_eq!(r.status(), 409, "a list's name is not a mailbox's");
    // PUT changes the description only, at either path.
    let one = format!("{}/team", lists());
    let r = app
        .send(
            Method::PUT,
            &one,
            QWE,
            Some(&json!({"description": "the team"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["location"], format!("{own}/").as_str());
    let singular = format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailingList/team");
    let mut back = app.get_json(&one, QWE).await;
    assert_eq!(back["description"], "the team");
    back["description"] = json!("sent back");
    assert_eq!(
        app.send(Method::PUT, &singular, QWE, Some(&back))
            .await
            .status(),
        204,
        "a GET body sent back"
    );
    assert_eq!(app.get_json(&one, QWE).await["description"], "sent back");
    for (body, field) in [
        (json!({"name": "renamed"}), "name"),
        (json!({"owner": "someone"}), "owner"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let r = app.send(Method::PUT, &one, QWE, Some(&body)).await;
        assert_eq!(r.status(), 400, "{body}");
        assert!(error_of(r).await.1.get(field).is_some());
    }
    // DELETE: an order; then the list and its name are gone.
    let r = app.send(Method::DELETE, &one, QWE, None).await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(done["order"]["Items"][0]["Type"], "delete_list");
    assert_eq!(app.send(Method::GET, &one, QWE, None).await.status(), 404);
    assert_eq!(
        app.send(Method::DELETE, &one, QWE, None).await.status(),
        404
    );
    assert_eq!(
        make_list(&app, "team", "john2").await["order"]["Status"],
        "Completed"
    );
}

async fn members_come_and_go(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for user in ["john2", "anna", "zoe"] {
        provisioned(&app, user).await;
    }
    make_list(&app, "team", "john2").await;
    let contact = add_contact(&app, "ext@elsewhere.org", "Outside Person").await;
    let add = |member: String| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &members("team"),
                QWE,
                Some(&json!({"username": member})),
            )
            .await
        }
    };
    let r = add("anna".into()).await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers()["location"],
        app.url(&format!("{}/anna", members("team"))).as_str()
    );
    assert_eq!(add(contact.clone()).await.status(), 201);
    assert_eq!(add("anna".into()).await.status(), 409);
    let r = add("nobody".into()).await;
    assert_eq!(r.status(), 400);
    assert!(error_of(r).await.1.get("username").is_some());
    // The directory delivers the list to its members.
    assert_eq!(
        app.directory_alias("team@myexchangedomain.com").await,
        Some(vec![
            "anna@myexchangedomain.com".to_owned(),
            "ext@elsewhere.org".to_owned()
        ])
    );
    let list = app.get_json(&members("team"), QWE).await;
    let anna_url = app.url(&format!("{}/anna", members("team")));
    // By username without a sortField: the contact's id (digits first), then anna.
    assert_eq!(list["list"][0]["type"], "globalContact");
    assert_eq!(list["list"][0]["username"], contact.as_str());
    assert_eq!(list["list"][0]["name"], "Outside Person");
    assert_eq!(
        list["list"][1],
        json!({"username": "anna", "type": "mailbox", "name": "John Smith", "links": [
            {"href": anna_url, "rel": "self"},
            {"href": app.url(&mailboxes_path(DOMAIN, "anna")), "rel": "related"}]})
    );
    assert_eq!(
        app.get_json(&format!("{}/anna", members("team")), QWE)
            .await["username"],
        "anna"
    );
    // Filters and sorting.
    let contacts_only = app
        .get_json(
            &format!("{}?filterType=globalContact", members("team")),
            QWE,
        )
        .await;
    assert_eq!(contacts_only["list"].as_array().expect("list").len(), 1);
    let by_name = app
        .get_json(
            &format!("{}?sortField=name&sortOrder=desc", members("team")),
            QWE,
        )
        .await;
    assert_eq!(by_name["list"][0]["name"], "Outside Person");
    // Non-members: the domain's other mailboxes and contacts.
    let others = app
        .get_json(&format!("{}/team/nonMembers", lists()), QWE)
        .await;
    let names: Vec<&str> = others["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["username"].as_str().expect("username"))
        .collect();
    assert_eq!(names, ["john2", "zoe"]);
    let r = app
        .client
        .request(Method::OPTIONS, app.url(&members("team")))
        .basic_auth(QWE.0, Some(QWE.1))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.expect("json")["sortFields"],
        json!(["name", "username", "type"])
    );
    // Removing: 204, then 404; the directory follows.
    let r = app
        .send(
            Method::DELETE,
            &format!("{}/anna", members("team")),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .send(
            Method::DELETE,
            &format!("{}/anna", members("team")),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        app.directory_alias("team@myexchangedomain.com").await,
        Some(vec!["ext@elsewhere.org".to_owned()])
    );
    // A contact that goes leaves the list; one whose target changes is followed.
    let other = add_contact(&app, "old@elsewhere.org", "Another").await;
    assert_eq!(add(other.clone()).await.status(), 201);
    let r = app
        .send(
            Method::PUT,
            &format!("/accounts/{ACCT}/exchange/{DOMAIN}/globalContacts/{other}"),
            QWE,
            Some(&json!({"target": "new@elsewhere.org"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.directory_alias("team@myexchangedomain.com").await,
        Some(vec![
            "ext@elsewhere.org".to_owned(),
            "new@elsewhere.org".to_owned()
        ])
    );
    let r = app
        .send(
            Method::DELETE,
            &format!("/accounts/{ACCT}/exchange/{DOMAIN}/globalContacts/{contact}"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.directory_alias("team@myexchangedomain.com").await,
        Some(vec!["new@elsewhere.org".to_owned()])
    );
    // A purged mailbox leaves every list.
    assert_eq!(add("zoe".into()).await.status(), 201);
    app.delete_mailbox_and_wait("zoe").await;
    let left = app.get_json(&members("team"), QWE).await;
    assert!(!left.to_string().contains("\"zoe\""), "{left}");
    assert_eq!(
        app.directory_alias("team@myexchangedomain.com").await,
        Some(vec!["new@elsewhere.org".to_owned()])
    );
    // Deleting the list stops its address at once.
    let r = app
        .send(Method::DELETE, &format!("{}/team", lists()), QWE, None)
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(app.directory_alias("team@myexchangedomain.com").await, None);
}

/// A list, an alias and a mailbox asked for the same name at once: exactly one gets it, and
/// the list that lost never delivers.
async fn a_list_an_alias_and_a_mailbox_race_for_a_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    provisioned(&app, "owner1").await;
    for round in 0..4 {
        let name = format!("race{round}");
        let list = json!({"name": name, "owner": "owner1"});
        let alias = json!({"emailalias": {"username": name, "emailForward": "owner1"}});
        let aliases = format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailAliases");
        let mailbox = mailbox_body(&name);
        let list_path = lists();
        let (l, a, m) = tokio::join!(
            app.send(Method::POST, &list_path, QWE, Some(&list)),
            app.send(Method::POST, &aliases, QWE, Some(&alias)),
            app.post_mailbox(QWE, ACCT, DOMAIN, &mailbox),
        );
        let won: Vec<&str> = [
            (l.status(), 202, "list"),
            (a.status(), 201, "alias"),
            (m.status(), 202, "mailbox"),
        ]
        .iter()
        .filter(|(got, ok, _)| got.as_u16() == *ok)
        .map(|(_, _, kind)| *kind)
        .collect();
        let lost = [l.status(), a.status(), m.status()]
            .iter()
            .filter(|s| s.as_u16() == 409)
            .count();
        assert!(
            won.len() == 1 && lost == 2,
            "round {round}: {won:?}, {lost} conflicts"
        );
        if won == ["list"] {
            let done = app
                .wait_final(&Placed::from_response(&l), Duration::from_secs(20))
                .await;
            assert_eq!(done["order"]["Status"], "Completed");
        }
        // The directory routes the name as the winner says: the alias to its mailbox, the
        // list (no members yet) nowhere; a mailbox's own rows are its forwarding.
        let address = format!("{name}@{DOMAIN}");
        let routed = app.directory_alias(&address).await.unwrap_or_default();
        match won[0] {
            "alias" => assert_eq!(routed, [format!("owner1@{DOMAIN}")]),
            "list" => assert!(routed.is_empty(), "round {round}: {routed:?}"),
            _ => {}
        }
    }
}

on_both_backends!(
    lists_in_the_docs_shape,
    members_come_and_go,
    a_list_an_alias_and_a_mailbox_race_for_a_name
);
