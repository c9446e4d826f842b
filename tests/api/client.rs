//! `mo`, the client, against a test server: free, paid (`--yes`), declined and failing
//! mailboxes, exit codes, `--json`, one-line errors, lists and mailbox commands.

use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::helpers::*;
use crate::on_both_backends;

const MO: &str = env!("CARGO_BIN_EXE_mo");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// Runs `mo` as the demo agent with `stdin` as its input (not a terminal).
async fn mo(app: &TestApp, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(MO)
        .args(["--url", &app.base, "--user", QWE.0])
        .args(args)
        .env("MO_PASSWORD", QWE.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mo");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).await.expect("write");
    drop(input);
    let out = child.wait_with_output().await.expect("mo runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn order_mailbox_end_to_end(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let order = |domain: &'static str, name: &'static str, extra: &'static [&'static str]| {
        let app = &app;
        async move {
            let mut args = vec!["order-mailbox", ACCT, domain, name, "--password-stdin"];
            args.extend_from_slice(extra);
            mo(app, &args, "Client1234\n").await
        }
    };
    // Free: follows the order to Completed, exit 0.
    let free = order(DOMAIN, "viacli", &["--json"]).await;
    assert_eq!(free.code, 0, "{}", free.stderr);
    assert_eq!(free.json()["order"]["Status"], "Completed");
    // Paid with --yes: the quote is shown, the order submitted and followed.
    let paid = order("paid.example.com", "paidcli", &["--yes", "--json"]).await;
    assert_eq!(paid.code, 0, "{}", paid.stderr);
    assert_eq!(paid.json()["order"]["Status"], "Completed");
    assert!(paid.stderr.contains("5.18 USD"), "{}", paid.stderr);
    let charges = app
        .get_json(&format!("/accounts/{ACCT}/charges"), QWE)
        .await;
    assert_eq!(charges["list"].as_array().map(Vec::len), Some(1));
    // Paid without --yes and no terminal: not submitted, cancelled, exit 3; the name is free.
    let declined = order("paid.example.com", "declined", &[]).await;
    assert_eq!(declined.code, 3, "{}", declined.stderr);
    let r = app
        .send(
            reqwest::Method::GET,
            &mailboxes_path("paid.example.com", "declined"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
    // A failing order: exit 1 and its error.
    let failed = order(DOMAIN, "fail-cli", &[]).await;
    assert_eq!(failed.code, 1);
    assert_eq!(failed.stdout.trim(), "Failed");
    assert!(
        failed.stderr.contains("error: Sandbox"),
        "{}",
        failed.stderr
    );
    // A server error: one line, exit 2.
    let dup = order(DOMAIN, "viacli", &[]).await;
    assert_eq!(dup.code, 2);
    assert_eq!(dup.stderr.lines().count(), 1, "{}", dup.stderr);
    assert!(
        dup.stderr
            .starts_with("error: 409 conflict: Mailbox already exists"),
        "{}",
        dup.stderr
    );

    // Lists and mailbox commands.
    let orders = mo(&app, &["orders", "list", "--json"], "").await;
    assert_eq!(orders.code, 0);
    assert_eq!(orders.json()["list"].as_array().map(Vec::len), Some(4));
    let table = mo(&app, &["orders", "list", "--status", "Failed"], "").await;
    assert_eq!(
        table.stdout.lines().count(),
        2,
        "header and one row: {}",
        table.stdout
    );
    assert!(table.stdout.starts_with("orderId"));
    let update = mo(
        &app,
        &[
            "mailboxes",
            "update",
            ACCT,
            DOMAIN,
            "viacli",
            "--notes",
            "from mo",
        ],
        "",
    )
    .await;
    assert_eq!(update.code, 0, "{}", update.stderr);
    let got = mo(
        &app,
        &["mailboxes", "get", ACCT, DOMAIN, "viacli", "--json"],
        "",
    )
    .await;
    assert_eq!(got.json()["notes"], "from mo");
    let list = mo(&app, &["mailboxes", "list", ACCT, DOMAIN], "").await;
    assert!(
        list.stdout.contains("viacli") && list.stdout.contains("open"),
        "{}",
        list.stdout
    );
    let accounts = mo(&app, &["accounts", "list", "--json"], "").await;
    assert_eq!(accounts.json()["list"][0]["accountNumber"], ACCT);
    let account = mo(&app, &["accounts", "get", ACCT], "").await;
    assert!(
        account.stdout.contains("status: open"),
        "{}",
        account.stdout
    );
    let delete = mo(&app, &["mailboxes", "delete", ACCT, DOMAIN, "viacli"], "").await;
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    assert!(
        delete.stdout.contains("/orders/"),
        "the order URL: {}",
        delete.stdout
    );
}

/// `mo aliases`, `mo contacts` and `mo lists` against a server.
async fn directory_commands(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("john2").await;
    app.wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    let ok = |run: &Run, what: &str| assert_eq!(run.code, 0, "{what}: {}", run.stderr);
    let run = mo(
        &app,
        &["aliases", "add", ACCT, DOMAIN, "sales", "--to", "john2"],
        "",
    )
    .await;
    ok(&run, "alias added");
    let run = mo(&app, &["--json", "aliases", "list", ACCT, DOMAIN], "").await;
    ok(&run, "aliases listed");
    assert_eq!(run.json()["list"][0]["emailAlias"], "sales");
    let run = mo(
        &app,
        &[
            "contacts",
            "add",
            ACCT,
            DOMAIN,
            "far@elsewhere.org",
            "--name",
            "Far Away",
        ],
        "",
    )
    .await;
    ok(&run, "contact added");
    let run = mo(&app, &["--json", "contacts", "list", ACCT, DOMAIN], "").await;
    let id = run.json()["list"][0]["id"].as_str().expect("id").to_owned();
    let run = mo(&app, &["--json", "contacts", "get", ACCT, DOMAIN, &id], "").await;
    assert_eq!(run.json()["name"]["name"], "Far Away");
    let run = mo(
        &app,
        &[
            "--json", "lists", "create", ACCT, DOMAIN, "team", "--owner", "john2",
        ],
        "",
    )
    .await;
    ok(&run, "list ordered");
    let order = run.json()["result"]
        .as_str()
        .expect("the order's URL")
        .to_owned();
    assert!(order.contains("/orders/"), "{order}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.get_json(&order.replace(&app.base, ""), QWE).await["order"]["Status"] != "Completed" {
        assert!(
            std::time::Instant::now() < deadline,
            "the list's order never completed"
        );
        tokio::task::yield_now().await;
    }
    for member in ["john2", id.as_str()] {
        let run = mo(
            &app,
            &["lists", "add-member", ACCT, DOMAIN, "team", member],
            "",
        )
        .await;
        ok(&run, member);
    }
    let run = mo(
        &app,
        &["--json", "lists", "members", ACCT, DOMAIN, "team"],
        "",
    )
    .await;
    assert_eq!(run.json()["list"].as_array().expect("list").len(), 2);
    let run = mo(
        &app,
        &["lists", "add-member", ACCT, DOMAIN, "team", "nobody"],
        "",
    )
    .await;
    assert_eq!(run.code, 2, "a refused request");
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    let run = mo(
        &app,
        &["lists", "remove-member", ACCT, DOMAIN, "team", "john2"],
        "",
    )
    .await;
    ok(&run, "member removed");
    let run = mo(&app, &["aliases", "delete", ACCT, DOMAIN, "sales"], "").await;
    ok(&run, "alias deleted");
    let run = mo(&app, &["contacts", "delete", ACCT, DOMAIN, &id], "").await;
    ok(&run, "contact deleted");
    let run = mo(
        &app,
        &["--json", "lists", "members", ACCT, DOMAIN, "team"],
        "",
    )
    .await;
    assert_eq!(run.json()["list"], serde_json::json!([]));
}

/// `mo catalog` and `mo addons` against a server.
async fn catalog_and_add_on_commands(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let run = mo(&app, &["catalog", "plans"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("core.plan.email.exchange2010"),
        "{}",
        run.stdout
    );
    let run = mo(&app, &["catalog", "prices", "exchange2010"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Exchange mailbox recurring fee") && run.stdout.contains("5.18 USD"),
        "{}",
        run.stdout
    );
    let placed = app.order("john").await;
    app.wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    let run = mo(
        &app,
        &["addons", "add", ACCT, DOMAIN, "john", "blackberry"],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("/orders/"), "{}", run.stdout);
    // The order is read with the agent's credentials until it ends.
    let location = run.stdout.trim().to_owned();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let done = loop {
        let body: Value = app
            .get(&location, Some(QWE), None)
            .await
            .json()
            .await
            .expect("json");
        if body["order"]["Status"] == "Completed" || body["order"]["Status"] == "Failed" {
            break body;
        }
        assert!(std::time::Instant::now() < until, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // bounded by the deadline
    };
    assert_eq!(done["order"]["Status"], "Completed");
    let run = mo(
        &app,
        &[
            "--json",
            "addons",
            "get",
            ACCT,
            DOMAIN,
            "john",
            "blackberry",
        ],
        "",
    )
    .await;
    assert_eq!(run.json()["billingStatus"], "open");
    let run = mo(
        &app,
        &["addons", "add", ACCT, DOMAIN, "john", "blackberry"],
        "",
    )
    .await;
    assert_ne!(run.code, 0, "present: a conflict");
}

on_both_backends!(
    catalog_and_add_on_commands,
    order_mailbox_end_to_end,
    directory_commands,
    webhook_commands,
    signup_walks_a_new_customer_through,
);

/// `mo signup`: every step of the generic flow in one command; the new login works at once. A
/// domain that has Exchange is refused at validate, and the order is cancelled.
async fn signup_walks_a_new_customer_through(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let args = |domain: &'static str, user: &'static str| {
        vec![
            "signup",
            domain,
            user,
            "--first-name",
            "Jane",
            "--last-name",
            "Doe",
            "--email",
            "jane@newco.example",
            "--country",
            "US",
            "--card-type",
            "visa",
            "--card-expiry",
            "2031-04",
            "--secrets-stdin",
        ]
    };
    let secrets = "Customer123\n4111111111111111\n739\n";
    let mut json = args("newco.example", "newcustomer");
    json.push("--json");
    let run = mo(&app, &json, secrets).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let order = run.json();
    assert_eq!(order["order"]["Status"], "Completed");
    assert_eq!(order["order"]["Items"].as_array().expect("items").len(), 5);
    // The progress display: a line per step without a terminal.
    assert!(run.stderr.contains("[1/10] order opened"), "{}", run.stderr);
    assert!(run.stderr.contains("[8/10] validated"), "{}", run.stderr);
    let login = ("newcustomer@partner_api_developer_us_main", "Customer123");
    let accounts = app.get_json("/accounts", login).await;
    let number = accounts["list"][0]["accountNumber"]
        .as_str()
        .expect("number");
    let exchange = app
        .get_json(&format!("/accounts/{number}/exchange/newco.example"), login)
        .await;
    assert_eq!(exchange["domain"], "newco.example");
    // Human output names the account; a taken domain fails at validate, nothing is left open.
    let run = mo(&app, &args(DOMAIN, "another"), secrets).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("cancelled"), "{}", run.stderr);
    assert!(
        run.stderr.contains("already has Exchange"),
        "{}",
        run.stderr
    );
    let open = app.get_json("/orders?filterStatus=new", QWE).await;
    assert_eq!(open["list"].as_array().expect("list").len(), 0, "{open}");
}

/// `mo webhooks`: add (the secret printed once), list, test (the delivery's outcome: the
/// target is a closed loopback port, so it failed and is pending), disable, delete.
async fn webhook_commands(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let run = mo(
        &app,
        &[
            "--json",
            "webhooks",
            "add",
            "http://127.0.0.1:9/hook",
            "--events",
            "order.status_changed,mailbox.created",
        ],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hook = run.json();
    assert!(
        hook["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_"))
    );
    let id = hook["id"].as_str().expect("id").to_owned();
    let run = mo(&app, &["webhooks", "list"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&id) && run.stdout.contains("active"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("whsec_"), "the secret is shown once");
    let run = mo(&app, &["--json", "webhooks", "test", &id], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let delivery = run.json();
    assert_eq!(delivery["type"], "webhook.test");
    assert!(
        delivery["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("connect")),
        "{delivery}"
    );
    let run = mo(&app, &["--json", "webhooks", "disable", &id], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["status"], "disabled");
    let run = mo(&app, &["webhooks", "delete", &id], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = mo(&app, &["webhooks", "get", &id], "").await;
    assert_eq!(run.code, 2, "gone: {}", run.stdout);
}
