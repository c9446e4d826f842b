//! The `http` driver against a mock agent (wiremock) that checks every request's signature the
//! way docs/http-agent.md tells agents to: success, retry after `5xx`, a timeout, a permanent
//! `4xx`, and a request signed with the wrong secret.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::Row;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::*;
use crate::on_both_backends;
use mailorder::app::ServeConfig;
use mailorder::domain::SealKey;
use mailorder::provision::{AgentConfig, DriverSelection};

const SECRET: &str = "agent-shared-secret-0123456789";
const KEY: &str = "8f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
const FRANCHISE: &str = "partner_api_developer_us_main";

/// The agent side of docs/http-agent.md: recompute the signature over `timestamp.body` and
/// compare; refuse with 401 if it does not match, else answer `then`.
struct VerifyingAgent {
    then: ResponseTemplate,
}

fn signature_ok(req: &Request) -> bool {
    let header = |name: &str| {
        req.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp = header("X-Mailorder-Timestamp");
    let Some(hex) = header("X-Mailorder-Signature")
        .strip_prefix("v1=")
        .map(str::to_owned)
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&req.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (t - mailorder::now_ms() / 1000).abs() <= 300);
    fresh && expected == hex
}

impl Respond for VerifyingAgent {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if signature_ok(req) {
            self.then.clone()
        } else {
            ResponseTemplate::new(401).set_body_json(json!({"message": "bad signature"}))
        }
    }
}

fn agent_mock(then: ResponseTemplate) -> Mock {
    Mock::given(method("POST"))
        .and(path("/agent"))
        .respond_with(VerifyingAgent { then })
}

fn use_agent(c: &mut ServeConfig, server: &MockServer, secret: &str, timeout: Duration) {
    c.drivers = DriverSelection {
        http_franchises: DriverSelection::names(FRANCHISE),
        http_plans: Default::default(),
        agent: Some(Arc::new(AgentConfig {
            url: format!("{}/agent", server.uri()).parse().expect("url"),
            secret: secret.as_bytes().to_vec(),
            seal_key: SealKey::parse(KEY).expect("key"),
            timeout,
        })),
    };
}

async fn requests(server: &MockServer) -> Vec<(Value, String)> {
    server
        .received_requests()
        .await
        .expect("recording")
        .iter()
        .map(|r| {
            let key = r
                .headers
                .get("Idempotency-Key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (serde_json::from_slice(&r.body).expect("JSON body"), key)
        })
        .collect()
}

async fn sealed_of(app: &TestApp, username: &str) -> Option<Option<String>> {
    let pool = app.db.pool().await;
    let row = sqlx::query(&format!(
        "SELECT password_sealed FROM mailboxes WHERE username = '{username}'"
    ))
    .fetch_optional(&pool)
    .await
    .expect("query");
    pool.close().await;
    row.map(|r| r.get::<Option<String>, _>("password_sealed"))
}

async fn agent_runs_each_step_with_a_signed_request(backend: Backend) {
    let agent = MockServer::start().await;
    agent_mock(ResponseTemplate::new(200)).mount(&agent).await;
    let app = TestApp::spawn_with(backend, |c| {
        c.worker.workers = 0;
        use_agent(c, &agent, SECRET, Duration::from_secs(5));
    })
    .await;
    let body =
        json!({"owner": {"username": "agentuser", "password": "Agent12345"}, "forwardTo": "boss"});
    let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
    assert_eq!(r.status(), 202);
    let placed = Placed::from_response(&r);
    // Until the agent has it, the password is held sealed, never in plain text.
    let sealed = sealed_of(&app, "agentuser")
        .await
        .flatten()
        .expect("sealed");
    assert!(sealed.starts_with("xc1:") && !sealed.contains("Agent12345"));
    app.drain_queue().await;
    assert_eq!(
        app.order_status(&placed).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(
        sealed_of(&app, "agentuser").await,
        Some(None),
        "erased after the step"
    );
    assert_eq!(
        app.directory_hash("agentuser@myexchangedomain.com").await,
        None
    );

    let sent = requests(&agent).await;
    assert_eq!(sent.len(), 1);
    let (create, key) = &sent[0];
    assert_eq!(create["step"], "create_mailbox");
    assert_eq!(create["password"], "Agent12345");
    assert_eq!(create["idempotencyKey"], key.as_str());
    assert_eq!(
        create["mailbox"]["address"],
        "agentuser@myexchangedomain.com"
    );
    assert_eq!(create["mailbox"]["forwardTo"], "boss@myexchangedomain.com");
    assert_eq!(create["mailbox"]["quotaMb"], 2048);

    // Changes reach the agent as steps: notes alone are mailorder's own (no step); a new
    // password is sealed until set_password delivers it; forwarding goes as update_mailbox.
    let put = |query: &'static str, body: Value| {
        let app = &app;
        async move {
            let r = app
                .send(
                    Method::PUT,
                    &mailboxes_path(DOMAIN, &format!("agentuser{query}")),
                    QWE,
                    Some(&body),
                )
                .await;
            assert_eq!(r.status(), 204);
            r.headers()
                .get("X-Mailorder-Order")
                .map(|v| v.to_str().expect("ascii").to_owned())
        }
    };
    assert_eq!(put("", json!({"notes": "no step"})).await, None);
    let order = put("?passwordReset=1", json!({"password": "Newpass678"}))
        .await
        .expect("an order");
    let sealed = sealed_of(&app, "agentuser")
        .await
        .flatten()
        .expect("sealed");
    assert!(!sealed.contains("Newpass678"));
    app.drain_queue().await;
    let done = app.get_json(&order, QWE).await;
    assert_eq!(done["order"]["Status"], "Completed", "{done}");
    assert_eq!(
        sealed_of(&app, "agentuser").await,
        Some(None),
        "erased once delivered"
    );
    let (step, key) = requests(&agent).await.pop().expect("a request");
    assert_eq!(step["step"], "set_password");
    assert_eq!(step["password"], "Newpass678");
    assert!(key.ends_with(":set_password"), "{key}");
    assert!(put("", json!({"forwardTo": "deputy"})).await.is_some());
    app.drain_queue().await;
    let (step, _) = requests(&agent).await.pop().expect("a request");
    assert_eq!(step["step"], "update_mailbox");
    assert_eq!(step["mailbox"]["forwardTo"], "deputy@myexchangedomain.com");
    assert!(step.get("password").is_none());
    assert_eq!(requests(&agent).await.len(), 3);

    // The account's suspension and reopening, one step per mailbox.
    for (status, step, active) in [
        ("suspended", "suspend_mailbox", false),
        ("open", "restore_mailbox", true),
    ] {
        let r = app
            .send(
                Method::PUT,
                &format!("/accounts/{ACCT}"),
                QWE,
                Some(&json!({"status": status})),
            )
            .await;
        assert_eq!(r.status(), 204);
        app.drain_queue().await;
        let (last, _) = requests(&agent).await.pop().expect("a request");
        assert_eq!(last["step"], step);
        assert_eq!(last["mailbox"]["active"], active);
        assert!(last["revision"].is_i64());
    }

    // Close and purge: steps without the password.
    for (query, step) in [
        ("purge=0", "suspend_mailbox"),
        ("purge=1", "delete_mailbox"),
    ] {
        let r = app
            .send(
                Method::DELETE,
                &mailboxes_path(DOMAIN, &format!("agentuser?{query}")),
                QWE,
                None,
            )
            .await;
        assert_eq!(r.status(), 202);
        app.drain_queue().await;
        let (last, key) = requests(&agent).await.pop().expect("a request");
        assert_eq!(last["step"], step);
        assert!(last.get("password").is_none(), "{last}");
        assert!(key.ends_with(step), "{key}");
    }
    assert!(
        !captured_logs().contains("Agent12345"),
        "no password in logs"
    );
}

async fn agent_5xx_and_timeouts_are_retried_with_the_same_key(backend: Backend) {
    let agent = MockServer::start().await;
    // First a 503, then a 429, then an answer too slow for the timeout, then success.
    agent_mock(ResponseTemplate::new(503).set_body_string("maintenance"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&agent)
        .await;
    agent_mock(ResponseTemplate::new(429).set_body_string("slow down"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&agent)
        .await;
    agent_mock(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&agent)
        .await;
    agent_mock(ResponseTemplate::new(200))
        .with_priority(3)
        .mount(&agent)
        .await;
    let app = TestApp::spawn_with(backend, |c| {
        use_agent(c, &agent, SECRET, Duration::from_secs(1))
    })
    .await;
    let placed = app.order("retried").await;
    let done = app.wait_final(&placed, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Completed", "{done}");
    let sent = requests(&agent).await;
    assert_eq!(sent.len(), 4);
    let keys: Vec<&str> = sent.iter().map(|(_, k)| k.as_str()).collect();
    assert!(
        keys.iter().all(|k| *k == keys[0] && !k.is_empty()),
        "{keys:?}"
    );
    assert!(sent.iter().all(|(b, _)| b["password"] == "tester1234"));
    assert_eq!(sealed_of(&app, "retried").await, Some(None));
}

async fn agent_4xx_fails_the_order_with_its_message(backend: Backend) {
    let agent = MockServer::start().await;
    agent_mock(
        ResponseTemplate::new(422)
            .set_body_json(json!({"message": "name reserved on the platform"})),
    )
    .mount(&agent)
    .await;
    let app = TestApp::spawn_with(backend, |c| {
        use_agent(c, &agent, SECRET, Duration::from_secs(5))
    })
    .await;
    let placed = app.order("refused").await;
    let done = app.wait_final(&placed, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Failed");
    let message = done["order"]["Errors"][0]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("name reserved on the platform"),
        "{message}"
    );
    assert!(message.contains("422"), "{message}");
    assert!(
        !message.contains("tester1234"),
        "an echoed password is masked: {message}"
    );
    let steps: Vec<Value> = requests(&agent)
        .await
        .into_iter()
        .map(|(b, _)| b["step"].clone())
        .collect();
    // No retry, and no delete of whatever the platform has under that name.
    assert_eq!(steps, [json!("create_mailbox")]);
    // The name (and the sealed password with it) is gone.
    assert_eq!(sealed_of(&app, "refused").await, None);
}

async fn agent_refuses_a_bad_signature(backend: Backend) {
    let agent = MockServer::start().await;
    agent_mock(ResponseTemplate::new(200)).mount(&agent).await;
    let app = TestApp::spawn_with(backend, |c| {
        use_agent(
            c,
            &agent,
            "not-the-agents-secret-at-all",
            Duration::from_secs(5),
        )
    })
    .await;
    let placed = app.order("forged").await;
    let done = app.wait_final(&placed, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Failed");
    let message = done["order"]["Errors"][0]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("401") && message.contains("bad signature"),
        "{message}"
    );
}

/// The agent's steps since `from`: (step, the address or list it names, its destinations).
async fn directory_steps(agent: &MockServer, from: usize) -> Vec<(String, String, Value)> {
    requests(agent)
        .await
        .into_iter()
        .skip(from)
        .map(|(body, _)| {
            let step = body["step"].as_str().unwrap_or_default().to_owned();
            let (address, destinations) = match step.as_str() {
                "sync_address" => (
                    body["address"]["address"].clone(),
                    json!({"kind": body["address"]["kind"], "to": body["address"]["destinations"]}),
                ),
                "create_list" | "delete_list" => (body["list"]["address"].clone(), Value::Null),
                _ => (body["mailbox"]["address"].clone(), Value::Null),
            };
            (
                step,
                address.as_str().unwrap_or_default().to_owned(),
                destinations,
            )
        })
        .collect()
}

/// Aliases, lists and their members in a franchise the agent serves reach it: each change of
/// an address's routing queues a signed `sync_address` step (in the changing transaction) with
/// the address's destinations as they are when it runs; lists are created and deleted with
/// `create_list`/`delete_list`. A domain the agent does not serve queues no such step.
async fn directory_objects_are_carried_to_the_agent(backend: Backend) {
    let agent = MockServer::start().await;
    agent_mock(ResponseTemplate::new(200)).mount(&agent).await;
    let app = TestApp::spawn_with(backend, |c| {
        c.worker.workers = 0;
        use_agent(c, &agent, SECRET, Duration::from_secs(5));
    })
    .await;
    for user in ["owner1", "member2"] {
        let placed = app.order(user).await;
        app.drain_queue().await;
        assert_eq!(
            app.order_status(&placed).await["order"]["Status"],
            "Completed"
        );
    }
    let seen = requests(&agent).await.len();
    let at = |local: &str| format!("{local}@{DOMAIN}");
    let base = format!("/accounts/{ACCT}/exchange/{DOMAIN}");
    // An alias: its address and target.
    let alias = json!({"emailalias": {"username": "sales", "emailForward": "owner1"}});
    let r = app
        .send(
            Method::POST,
            &format!("{base}/emailAliases"),
            QWE,
            Some(&alias),
        )
        .await;
    assert_eq!(r.status(), 201);
    app.drain_queue().await;
    assert_eq!(
        directory_steps(&agent, seen).await,
        [(
            "sync_address".into(),
            at("sales"),
            json!({"kind": "alias", "to": [at("owner1")]})
        )]
    );
    // A list: created, then a member mailbox and a contact.
    let seen = requests(&agent).await.len();
    let list = json!({"name": "team", "owner": "owner1"});
    let r = app
        .send(
            Method::POST,
            &format!("{base}/mailingLists"),
            QWE,
            Some(&list),
        )
        .await;
    assert_eq!(r.status(), 202);
    let placed = Placed::from_response(&r);
    app.drain_queue().await;
    assert_eq!(
        app.order_status(&placed).await["order"]["Status"],
        "Completed"
    );
    let members = format!("{base}/mailingLists/team/members");
    let r = app
        .send(
            Method::POST,
            &members,
            QWE,
            Some(&json!({"username": "member2"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Each step sends the routing as it is when it runs: run this one before the next change.
    app.drain_queue().await;
    let contact = json!({"target": "friend@elsewhere.org"});
    let r = app
        .send(
            Method::POST,
            &format!("{base}/globalContacts"),
            QWE,
            Some(&contact),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = location_id(&r);
    let r = app
        .send(Method::POST, &members, QWE, Some(&json!({"username": id})))
        .await;
    assert_eq!(r.status(), 201);
    app.drain_queue().await;
    let list_kind = |to: Value| json!({"kind": "mailingList", "to": to});
    assert_eq!(
        directory_steps(&agent, seen).await,
        [
            ("create_list".into(), at("team"), Value::Null),
            ("sync_address".into(), at("team"), list_kind(json!([]))),
            (
                "sync_address".into(),
                at("team"),
                list_kind(json!([at("member2")]))
            ),
            (
                "sync_address".into(),
                at("team"),
                list_kind(json!(["friend@elsewhere.org", at("member2")]))
            ),
        ]
    );
    // The contact's deletion leaves the list; the alias's deletion empties its address.
    let seen = requests(&agent).await.len();
    let r = app
        .send(
            Method::DELETE,
            &format!("{base}/globalContacts/{id}"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .send(
            Method::DELETE,
            &format!("{base}/emailAliases/sales"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    app.drain_queue().await;
    assert_eq!(
        directory_steps(&agent, seen).await,
        [
            (
                "sync_address".into(),
                at("team"),
                list_kind(json!([at("member2")]))
            ),
            (
                "sync_address".into(),
                at("sales"),
                json!({"kind": null, "to": []})
            ),
        ]
    );
    // A purged member leaves the list on the platform too; then the list goes.
    let seen = requests(&agent).await.len();
    let r = app
        .send(
            Method::DELETE,
            &mailboxes_path(DOMAIN, "member2"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    app.drain_queue().await;
    let r = app
        .send(
            Method::DELETE,
            &format!("{base}/mailingLists/team"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    app.drain_queue().await;
    assert_eq!(
        directory_steps(&agent, seen).await,
        [
            ("delete_mailbox".into(), at("member2"), Value::Null),
            ("sync_address".into(), at("team"), list_kind(json!([]))),
            ("delete_list".into(), at("team"), Value::Null),
        ]
    );
    // Every step was an order of the account, completed.
    let pool = app.db.pool().await;
    let open: i64 =
        sqlx::query("SELECT count(*) AS n FROM order_items WHERE status <> 'Completed'")
            .fetch_one(&pool)
            .await
            .expect("count")
            .get("n");
    pool.close().await;
    assert_eq!(open, 0);
}

/// Without the agent, alias and list changes queue nothing: the mail directory has them.
async fn directory_domains_queue_no_address_steps(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("owner1").await;
    app.wait_final(&placed, Duration::from_secs(20)).await;
    let alias = json!({"emailalias": {"username": "sales", "emailForward": "owner1"}});
    let path = format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailAliases");
    assert_eq!(
        app.send(Method::POST, &path, QWE, Some(&alias))
            .await
            .status(),
        201
    );
    let pool = app.db.pool().await;
    let steps: i64 =
        sqlx::query("SELECT count(*) AS n FROM order_items WHERE kind = 'sync_address'")
            .fetch_one(&pool)
            .await
            .expect("count")
            .get("n");
    pool.close().await;
    assert_eq!(steps, 0);
}

/// The final document of the order a `202` placed.
async fn final_of(app: &TestApp, r: reqwest::Response) -> Value {
    assert_eq!(r.status(), 202);
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await
}

/// Add-on steps reach the agent, signed, with the add-on named; its refusal fails the order and
/// leaves the mailbox without the add-on.
async fn add_ons_are_carried_to_the_agent(backend: Backend) {
    let agent = MockServer::start().await;
    agent_mock(ResponseTemplate::new(200)).mount(&agent).await;
    let app = TestApp::spawn_with(backend, |c| {
        use_agent(c, &agent, SECRET, Duration::from_secs(5))
    })
    .await;
    let placed = app.order("owner1").await;
    assert_eq!(
        app.wait_final(&placed, Duration::from_secs(20)).await["order"]["Status"],
        "Completed"
    );
    let path = mailboxes_path(DOMAIN, "owner1/blackberry/");
    let added = final_of(&app, app.send(Method::PUT, &path, QWE, None).await).await;
    assert_eq!(added["order"]["Status"], "Completed");
    let removed = final_of(&app, app.send(Method::DELETE, &path, QWE, None).await).await;
    assert_eq!(removed["order"]["Status"], "Completed");
    let steps: Vec<(Value, Value)> = requests(&agent)
        .await
        .into_iter()
        .map(|(body, _)| (body["step"].clone(), body["addOn"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!("create_mailbox"), Value::Null),
            (json!("add_blackberry"), json!("blackberry")),
            (json!("remove_blackberry"), json!("blackberry")),
        ]
    );
    // The agent refuses: the order fails with its message, the mailbox has no add-on.
    agent.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"message": "no BES here"})))
        .mount(&agent)
        .await;
    let refused = final_of(&app, app.send(Method::PUT, &path, QWE, None).await).await;
    assert_eq!(refused["order"]["Status"], "Failed");
    assert_eq!(app.send(Method::GET, &path, QWE, None).await.status(), 404);
    let mailbox = app.get_json(&mailboxes_path(DOMAIN, "owner1"), QWE).await;
    assert_eq!(mailbox["blackberry"], 0);
}

/// `DELETE /accounts/{acct}` whose purge the platform refuses: the deletion fails, what it had
/// not purged comes back (the mailboxes `open`, the account `open` as it was), and it can be
/// asked for again.
async fn a_failed_account_deletion_undoes_itself(backend: Backend) {
    let agent = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/agent"))
        .and(wiremock::matchers::body_partial_json(
            json!({"step": "delete_mailbox"}),
        ))
        .respond_with(VerifyingAgent {
            then: ResponseTemplate::new(422).set_body_json(json!({"message": "legal hold"})),
        })
        .with_priority(1)
        .mount(&agent)
        .await;
    agent_mock(ResponseTemplate::new(200)).mount(&agent).await;
    let app = TestApp::spawn_with(backend, |c| {
        use_agent(c, &agent, SECRET, Duration::from_secs(5))
    })
    .await;
    for name in ["held1", "held2"] {
        let done = app
            .wait_final(&app.order(name).await, Duration::from_secs(20))
            .await;
        assert_eq!(done["order"]["Status"], "Completed");
    }
    let path = format!("/accounts/{ACCT}");
    let r = app.send(Method::DELETE, &path, QWE, None).await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Failed", "{done}");
    let items: Vec<(&str, &str, i64)> = done["order"]["Items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let code = i["Error"]["code"].as_i64().unwrap_or(0);
            (
                i["Type"].as_str().unwrap(),
                i["Status"].as_str().unwrap(),
                code,
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("purge_mailbox", "Failed", 502),
            ("purge_mailbox", "Failed", 424),
            ("close_account", "Failed", 424),
        ]
    );
    assert_eq!(app.get_json(&path, QWE).await["status"], "open");
    for name in ["held1", "held2"] {
        let mailbox = app.get_json(&mailboxes_path(DOMAIN, name), QWE).await;
        assert_eq!(mailbox["billingStatus"], "open", "{name}");
    }
    // Nothing is left half done: it may be asked for again.
    let r = app.send(Method::DELETE, &path, QWE, None).await;
    assert_eq!(r.status(), 202);
}

on_both_backends!(
    a_failed_account_deletion_undoes_itself,
    add_ons_are_carried_to_the_agent,
    directory_objects_are_carried_to_the_agent,
    directory_domains_queue_no_address_steps,
    agent_runs_each_step_with_a_signed_request,
    agent_5xx_and_timeouts_are_retried_with_the_same_key,
    agent_4xx_fails_the_order_with_its_message,
    agent_refuses_a_bad_signature,
);
