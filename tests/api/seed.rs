//! The canonical example, `Order-Exchange-mailbox-free`, replayed byte for byte.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

const SEED: &str = include_str!("../fixtures/Order-Exchange-mailbox-free.txt");

/// The seed's two requests: (request line, header lines, body).
fn seed_requests() -> [(String, Vec<String>, String); 2] {
    let lines: Vec<&str> = SEED.lines().collect();
    let start = |prefix: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .expect("request line")
    };
    let headers_after = |i: usize| -> Vec<String> {
        lines[i + 1..]
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.to_string())
            .collect()
    };
    let post = start("POST ");
    let post_headers = headers_after(post);
    let body_start = post + 1 + post_headers.len() + 1;
    let body_len = lines[body_start..]
        .iter()
        .position(|l| *l == "}")
        .expect("end of body")
        + 1;
    let body = lines[body_start..body_start + body_len].join("\n");
    let get = start("GET ");
    [
        (lines[post].to_owned(), post_headers, body),
        (lines[get].to_owned(), headers_after(get), String::new()),
    ]
}

struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends exactly the given request line, headers and body (plus the `Host`, `Content-Length`
/// and `Connection: close` that HTTP/1.1 needs) over a plain TCP connection.
async fn raw(app: &TestApp, line: &str, headers: &[String], body: &str) -> RawResponse {
    let addr = app.server().addr();
    let mut request = format!("{line} HTTP/1.1\r\nHost: {addr}\r\n");
    for h in headers {
        request.push_str(h);
        request.push_str("\r\n");
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .expect("response within 10 s")
        .expect("read");
    let text = String::from_utf8(out).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let mut head_lines = head.split("\r\n");
    let status = head_lines
        .next()
        .expect("status line")
        .split(' ')
        .nth(1)
        .expect("code")
        .parse()
        .expect("number");
    let headers = head_lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header");
            (n.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}

fn is_hex40(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn seed_replayed_byte_for_byte(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let [
        (post_line, post_headers, post_body),
        (get_line, get_headers, _),
    ] = seed_requests();
    assert_eq!(
        post_line,
        "POST /accounts/acct999999/exchange/myexchangedomain.com/mailboxes"
    );
    assert!(post_body.starts_with("{\n  \"owner\"") && post_body.ends_with("}\n}"));

    let created = raw(&app, &post_line, &post_headers, &post_body).await;
    assert_eq!(created.status, 202, "{}", created.body);
    assert!(created.body.is_empty());
    let location = created.header("Location").expect("Location");
    let prefix = format!("{}/orders/", app.base);
    let order_id = location.strip_prefix(&prefix).expect("absolute order URL");
    assert!(is_hex40(order_id), "{location}");
    let set_cookie = created.header("Set-Cookie").expect("Set-Cookie");
    let owner = set_cookie
        .strip_prefix("OwnerId=")
        .and_then(|v| v.strip_suffix("; Path=/"))
        .expect(set_cookie);
    let parsed = uuid::Uuid::parse_str(owner).expect("uuid");
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(
        parsed.hyphenated().to_string(),
        owner,
        "lowercase hyphenated"
    );

    // The seed's GET, with its exact header lines, our order id and our cookie value.
    let seed_order = "00000145ff9ba7e58e7c2c51007f000000010001";
    let seed_owner = "f9cafb10-2e85-4b1a-bd69-1b1a91437d50";
    let get_line = get_line.replace(seed_order, order_id);
    let get_headers: Vec<String> = get_headers
        .iter()
        .map(|h| h.replace(seed_owner, owner))
        .collect();
    assert!(
        get_headers.iter().any(|h| h.ends_with("; Path=/")),
        "the seed sends the stray Path"
    );
    let expected = |status: &str| {
        json!({
            "order": {"Status": status, "Account": format!("{}/accounts/acct999999", app.base)},
            "links": [{"href": format!("{}/orders/{order_id}/", app.base), "rel": "self"}]
        })
    };

    let processing = raw(&app, &get_line, &get_headers, "").await;
    assert_eq!(processing.status, 200);
    assert!(
        processing
            .header("Content-Type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let body: Value = serde_json::from_str(&processing.body).expect("json");
    assert_eq!(docs_fields(&body), expected("Processing"));
    assert!(
        processing.body.find("\"order\"") < processing.body.find("\"links\""),
        "docs' key order"
    );

    app.drain_queue().await;
    let completed = raw(&app, &get_line, &get_headers, "").await;
    assert_eq!(
        docs_fields(&serde_json::from_str::<Value>(&completed.body).expect("json")),
        expected("Completed")
    );

    // The mailbox exists, open, in the docs' shape.
    let r = app
        .get(
            &app.url("/accounts/acct999999/exchange/myexchangedomain.com/mailboxes/a.a"),
            Some(crate::helpers::QWE),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    let mailbox: Value = r.json().await.expect("json");
    assert_eq!(
        mailbox,
        json!({
            "username": "a.a", "admin": 0, "notes": "some text", "quota": 2048, "recipientLimit": 10,
            "archiving": 0, "blackberry": 0, "billingStatus": "open",
            "name": {"name": "John Smith", "company": "My Company", "department": "Sales", "title": "President"},
            "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"},
            "phones": {"businessPhone": "555-555-5501", "homePhone": "555-555-5502", "fax": "555-555-5503", "mobile": "555-555-5504"},
            "forwardTo": "asdasd@myexchangedomain.com",
            "deliverRedirect": "zsds@myexchangedomain.com",
            "links": [{"href": format!("{}/accounts/acct999999/exchange/myexchangedomain.com/mailboxes/a.a", app.base), "rel": "self"}]
        })
    );
}

async fn public_url_builds_the_links(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.public_url = Some("http://coreapi01.ote.chicago.hostway:8092/".into());
    })
    .await;
    let r = app
        .post_mailbox(
            crate::helpers::QWE,
            "acct999999",
            "myexchangedomain.com",
            &crate::helpers::seed_body(),
        )
        .await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().expect("ascii").to_owned();
    assert!(
        location.starts_with("http://coreapi01.ote.chicago.hostway:8092/orders/"),
        "{location}"
    );
    assert!(is_hex40(location.rsplit('/').next().expect("id")));
}

on_both_backends!(seed_replayed_byte_for_byte, public_url_builds_the_links);

/// The order body with only the docs' fields, after checking that everything else is one of
/// our documented extensions placed after them ("Response bodies may carry extra fields beyond
/// those documented; clients are told to ignore them", Orders-orderId:GET).
fn docs_fields(body: &Value) -> Value {
    let top: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(
        top,
        ["order", "links"],
        "only the docs' top-level keys, in order"
    );
    let order = body["order"].as_object().expect("order object");
    let keys: Vec<&str> = order.keys().map(String::as_str).collect();
    assert_eq!(&keys[..2], ["Status", "Account"], "the docs' fields first");
    for extra in &keys[2..] {
        assert!(
            ["Errors", "Items", "Created", "Updated"].contains(extra),
            "undocumented extension {extra}"
        );
    }
    json!({
        "order": {"Status": order["Status"], "Account": order["Account"]},
        "links": body["links"],
    })
}
