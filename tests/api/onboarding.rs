//! Customer onboarding through the API alone (docs §3.1-3.2, §5.1): a partner agent opens an
//! order, sets up a new account (user, contacts, card), orders Exchange on a new domain, gets
//! the missing pieces named by validate, submits, and the order completes step by step; the
//! new account's own login then orders a free mailbox there, which logs in over IMAP.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::mail_peers::*;
use crate::on_both_backends;

const FRANCHISE: &str = "partner_api_developer_us_main";
pub const VISA: &str = "4111111111111111";
const NEW_DOMAIN: &str = "onboarded.example";

/// An order being built: its URL and cookie, and the credentials sent along (if any).
pub struct Shop<'a> {
    pub app: &'a TestApp,
    pub order: String,
    pub cookie: String,
    pub auth: Option<(&'a str, &'a str)>,
}

impl<'a> Shop<'a> {
    /// `POST /orders` as `who`.
    pub async fn open(app: &'a TestApp, who: (&'a str, &'a str)) -> Shop<'a> {
        let r = app
            .send(Method::POST, "/orders", who, Some(&json!({})))
            .await;
        assert_eq!(r.status(), 201);
        let placed = Placed::from_response(&r);
        let body: Value = r.json().await.expect("json");
        assert_eq!(
            placed.location,
            app.url(&format!(
                "/orders/{}",
                body["orderId"].as_str().expect("id")
            ))
        );
        Shop {
            app,
            order: placed.location,
            cookie: placed.cookie,
            auth: None,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        tail: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = self
            .app
            .client
            .request(method, format!("{}{tail}", self.order))
            .header("Cookie", &self.cookie);
        if let Some((user, password)) = self.auth {
            req = req.basic_auth(user, Some(password));
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn put(&self, tail: &str, body: Value) -> reqwest::Response {
        self.call(Method::PUT, tail, Some(&body)).await
    }

    pub async fn post(&self, tail: &str, body: Value) -> reqwest::Response {
        self.call(Method::POST, tail, Some(&body)).await
    }

    pub async fn get(&self, tail: &str) -> reqwest::Response {
        self.call(Method::GET, tail, None).await
    }

    pub async fn json(&self, tail: &str) -> Value {
        let r = self.get(tail).await;
        assert_eq!(r.status(), 200, "GET {tail}");
        r.json().await.expect("json")
    }

    /// `validate`'s answer: its status and the details of an error.
    pub async fn validate(&self) -> (u16, Value) {
        let r = self.post("/action", json!({"action": "validate"})).await;
        let status = r.status().as_u16();
        if status == 204 {
            return (status, Value::Null);
        }
        (status, error_of(r).await.1)
    }

    pub fn placed(&self) -> Placed {
        Placed {
            location: self.order.clone(),
            cookie: self.cookie.clone(),
        }
    }
}

pub fn contact(first: &str) -> Value {
    json!({"firstName": first, "lastName": "Doe", "email1": format!("{}@example.com", first.to_lowercase()),
           "phone1": "555-555-5501", "street1": "100 Main St.", "city": "Chicago", "stateOrProvince": "IL",
           "postalCode": "60001", "countryCode": "us"})
}

pub fn card(number: &str, expiry: &str) -> Value {
    json!({"paymentInfoType": "credit_card", "accountNumber": number, "cardHolderName": "Jane Doe",
           "creditCardType": "visa", "expirationDate": expiry, "verificationNumber": "739",
           "billingAddress": {"street1": "100 Main St.", "city": "Chicago", "stateOrProvince": "IL",
                              "postalCode": "60001", "countryCode": "US"}})
}

pub fn offering(app: &TestApp) -> String {
    app.url("/productSpecifications/core.plan.email.exchange2010/offerings/USD-1")
}

pub fn domain_service(app: &TestApp, domain: Option<&str>) -> Value {
    let mut body = json!({"name": "Exchange", "billingCycle": 1,
        "serviceSpecification": app.url("/serviceSpecifications/core.service.email.exchange.domain")});
    if let Some(d) = domain {
        body["attributes"] = json!({"domain": d});
    }
    body
}

/// Everything a new account needs but the product: user, contacts, card.
pub async fn fill_account(shop: &Shop<'_>, user: &str, password: &str) {
    let r = shop
        .put(
            "/account/user",
            json!({"userName": user, "password": password}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let contacts = json!({"regular": contact("Jane"), "billing": contact("Bill"),
                          "administrator": contact("Ada"), "technical": contact("Tec")});
    assert_eq!(shop.put("/account/contacts", contacts).await.status(), 204);
    assert_eq!(
        shop.put("/account/paymentInfo", card(VISA, "2031-04"))
            .await
            .status(),
        204
    );
}

fn missing(details: &Value) -> Vec<String> {
    let mut keys: Vec<String> = details
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

async fn a_partner_onboards_a_customer_who_then_orders_a_mailbox(backend: Backend) {
    let dovecot = installed(&[DOVECOT]);
    let app = TestApp::spawn(backend).await;
    let shop = Shop::open(&app, QWE).await;
    // The cookie owns an open order: a second one is refused with Hostway's words.
    let again = app
        .client
        .post(app.url("/orders"))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("Cookie", &shop.cookie)
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.expect("json");
    assert_eq!(
        body["conflict"]["message"],
        "A new order has already been created for this ownerID"
    );

    // A new account from the start: `new`, a number, the franchise's currency.
    let account = shop.json("/account").await;
    assert_eq!(account["status"], "new");
    assert_eq!(account["currency"], "USD");
    let number = account["number"].as_str().expect("number").to_owned();
    assert!(number.starts_with("acct"), "{number}");
    // Nobody sees the draft as an account.
    let r = app
        .send(Method::GET, &format!("/accounts/{number}"), QWE, None)
        .await;
    assert_eq!(r.status(), 404);
    let order = shop.json("").await;
    assert_eq!(order["order"]["Account"], format!("{}/account", shop.order));

    // Validate names every missing piece.
    let (status, details) = shop.validate().await;
    assert_eq!(status, 400);
    assert_eq!(
        missing(&details),
        [
            "contacts.administrator",
            "contacts.billing",
            "contacts.regular",
            "contacts.technical",
            "paymentInfo",
            "products",
            "user"
        ]
    );

    let r = shop
        .put("/account", json!({"currency": "EUR", "language": "en-US"}))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        error_of(r).await.0,
        "badRequest",
        "a currency the franchise does not sell in"
    );
    let r = shop
        .put("/account", json!({"currency": "USD", "language": "en-US"}))
        .await;
    assert_eq!(r.status(), 204);

    // The cookie alone builds the rest (a shop's anonymous customer).
    let user = "newcustomer1";
    fill_account(&shop, user, "Customer123").await;
    assert_eq!(
        shop.json("/account/user").await,
        json!({"userName": user, "links": [{"href": format!("{}/account/user/", shop.order), "rel": "self"}]})
    );
    let payment = shop.json("/account/paymentInfo").await;
    assert_eq!(payment["accountNumber"], "XXXXXXXXXXXX1111");
    assert_eq!(payment["expirationDate"], "2031-04");
    assert_eq!(
        shop.json("/account/contacts").await["billing"]["firstName"],
        "Bill"
    );

    let r = shop
        .post("/account/products", json!({"offering": offering(&app)}))
        .await;
    assert_eq!(r.status(), 201);
    let product = r.headers()["location"].to_str().expect("ascii").to_owned();
    let created: Value = r.json().await.expect("json");
    assert_eq!(created, json!({"url": product}));
    let (status, details) = shop.validate().await;
    assert_eq!(status, 400);
    assert_eq!(
        missing(&details),
        [format!("products.{}", product.rsplit('/').next().unwrap())]
    );

    let tail = format!("{}/services", product.trim_start_matches(&shop.order));
    let r = shop
        .post(&tail, domain_service(&app, Some(NEW_DOMAIN)))
        .await;
    assert_eq!(r.status(), 201);
    let service = r.headers()["location"].to_str().expect("ascii").to_owned();
    let shown = app
        .client
        .get(&service)
        .header("Cookie", &shop.cookie)
        .send()
        .await
        .expect("sent");
    let shown: Value = shown.json().await.expect("json");
    assert_eq!(shown["attributes"], json!({"domain": NEW_DOMAIN}));
    assert_eq!(shop.validate().await.0, 204);

    // The quote (nothing to pay: the plan's mailboxes are included) and the submit.
    let quote = shop.json("/quote").await;
    let hash = quote["quote"]["Hash"].as_str().expect("hash").to_owned();
    let r = shop
        .post("/action", json!({"action": "submit", "quoteHash": hash}))
        .await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(&shop.placed(), Duration::from_secs(30))
        .await;
    assert_eq!(done["order"]["Status"], "Completed", "{done}");
    let steps: Vec<(&str, &str)> = done["order"]["Items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["Type"].as_str().unwrap(), i["Target"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("open_account", number.as_str()),
            ("create_user", user),
            ("set_contacts", number.as_str()),
            ("add_payment", number.as_str()),
            ("create_exchange", NEW_DOMAIN),
        ]
    );
    assert_eq!(
        done["order"]["Account"],
        app.url(&format!("/accounts/{number}"))
    );

    // The new account's own login: its account, contacts, masked card and domain.
    let login = format!("{user}@{FRANCHISE}");
    let me = (login.as_str(), "Customer123");
    let acct = app.get_json(&format!("/accounts/{number}"), me).await;
    assert_eq!(acct["status"], "open");
    let cards = app
        .get_json(&format!("/accounts/{number}/paymentInfo"), me)
        .await;
    assert_eq!(cards["list"][0]["accountNumber"], "XXXXXXXXXXXX1111");
    assert_eq!(cards["list"][0]["default"], 1);
    let default = cards["default"][0]["href"].as_str().expect("default link");
    assert_eq!(app.get_json(default, me).await["creditCardType"], "visa");
    let contacts = app
        .get_json(&format!("/accounts/{number}/contacts"), me)
        .await;
    assert_eq!(contacts["technical"]["firstName"], "Tec");
    let exchange = app
        .get_json(&format!("/accounts/{number}/exchange/{NEW_DOMAIN}"), me)
        .await;
    assert_eq!(exchange["plan"], "exchange2010");
    assert_eq!(
        exchange["freeMailboxes"], 10,
        "the plan's included mailboxes"
    );
    assert_eq!(exchange["usedMailboxes"], 0);

    // The seed's flow on the new domain, by the new login: free, submitted at once.
    let (mut dovecot_child, port) = if dovecot {
        let (child, port, _) = start_dovecot(&app).await;
        (Some(child), port)
    } else {
        (None, 0)
    };
    let body = json!({"owner": {"username": "first", "password": "Firstbox12"}});
    let r = app.post_mailbox(me, &number, NEW_DOMAIN, &body).await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed", "{done}");
    if let Some(child) = dovecot_child.as_mut() {
        let address = format!("first@{NEW_DOMAIN}");
        assert!(
            imap_login(port, &address, "Firstbox12").await,
            "the new mailbox logs in"
        );
        assert!(!imap_login(port, &address, "Wrongbox12").await);
        let _ = child.kill().await;
    }
}

async fn cards_are_checked_and_never_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = Shop::open(&app, QWE).await;
    let bad_luhn = "4111111111111112";
    let r = shop
        .put("/account/paymentInfo", card(bad_luhn, "2031-04"))
        .await;
    assert_eq!(r.status(), 400);
    let text = r.text().await.expect("body");
    assert!(
        text.contains("accountNumber") && !text.contains(bad_luhn),
        "{text}"
    );
    let r = shop
        .put("/account/paymentInfo", card(VISA, "2020-01"))
        .await;
    assert_eq!(r.status(), 400);
    let (_, details) = error_of(r).await;
    assert_eq!(details["expirationDate"], "the card has expired");
    let mut wrong_type = card(VISA, "2031-04");
    wrong_type["creditCardType"] = json!("amex");
    assert_eq!(
        shop.put("/account/paymentInfo", wrong_type).await.status(),
        400
    );
    assert_eq!(
        shop.put("/account/paymentInfo", card("5555555555554444", "2031-04"))
            .await
            .status(),
        400
    );
    // Offline billing is the agents' (the cookie alone is not an agent).
    let r = shop
        .put(
            "/account/paymentInfo",
            json!({"paymentInfoType": "offline"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let agent = Shop {
        auth: Some(QWE),
        ..shop
    };
    let r = agent
        .put(
            "/account/paymentInfo",
            json!({"paymentInfoType": "offline"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        agent.json("/account/paymentInfo").await["paymentInfoType"],
        "offline"
    );
    // A good card replaces it; only its masked form is shown. The hygiene sweep (when the app
    // is dropped) searches the database and the logs for every number and code sent.
    assert_eq!(
        agent
            .put("/account/paymentInfo", card("4012888888881881", "2030-12"))
            .await
            .status(),
        204
    );
    assert_eq!(
        agent.json("/account/paymentInfo").await["accountNumber"],
        "XXXXXXXXXXXX1881"
    );
}

async fn a_domain_with_exchange_is_refused_at_validate_and_submit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = Shop::open(&app, QWE).await;
    fill_account(&shop, "taken.domain", "Customer123").await;
    let r = shop
        .post("/account/products", json!({"offering": offering(&app)}))
        .await;
    let product = r.headers()["location"].to_str().expect("ascii").to_owned();
    let tail = format!("{}/services", product.trim_start_matches(&shop.order));
    assert_eq!(
        shop.post(&tail, domain_service(&app, Some(DOMAIN)))
            .await
            .status(),
        201
    );
    let (status, details) = shop.validate().await;
    assert_eq!(status, 409);
    assert_eq!(details["domain"], DOMAIN);
    let r = shop.post("/action", json!({"action": "submit"})).await;
    assert_eq!(r.status(), 409);
    // Nothing was taken: the order is still open, its account still a draft.
    assert_eq!(shop.json("/account").await["status"], "new");
    // A service without its domain is named.
    let shop2 = Shop::open(&app, QWE).await;
    let r = shop2
        .post("/account/products", json!({"offering": offering(&app)}))
        .await;
    let product = r.headers()["location"].to_str().expect("ascii").to_owned();
    let tail = format!("{}/services", product.trim_start_matches(&shop2.order));
    assert_eq!(
        shop2.post(&tail, domain_service(&app, None)).await.status(),
        201
    );
    let (_, details) = shop2.validate().await;
    let named: Vec<&Value> = details.as_object().unwrap().values().collect();
    assert!(
        named.contains(&&json!("No domain attribute set.")),
        "{details}"
    );
}

async fn the_order_shorthand_opens_an_order_on_the_fly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Without a cookie or credentials: nothing to open it for.
    let r = app
        .client
        .put(app.url("/order/account/user"))
        .json(&json!({"userName": "flyuser", "password": "Flyuser123"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    // With an agent's credentials: a new order, and its cookie.
    let r = app
        .send(
            Method::PUT,
            "/order/account/user",
            QWE,
            Some(&json!({"userName": "flyuser", "password": "Flyuser123"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let cookie = r.headers()["set-cookie"].to_str().expect("ascii");
    let cookie = cookie.split(';').next().expect("pair").to_owned();
    let shop = Shop {
        app: &app,
        order: app.url("/order"),
        cookie,
        auth: None,
    };
    assert_eq!(shop.json("/account/user").await["userName"], "flyuser");
    let order = shop.json("").await;
    assert_eq!(order["order"]["Status"], "new");
    // The next write goes to the same order (no second cookie).
    let r = shop
        .put("/account/contacts", json!({"regular": contact("Jane")}))
        .await;
    assert_eq!(r.status(), 204);
    assert!(r.headers().get("set-cookie").is_none());
    // GET never opens an order.
    let r = app.send(Method::GET, "/order/account", QWE, None).await;
    assert_eq!(r.status(), 404);
    // A login the franchise has already is refused at once.
    let r = shop
        .put(
            "/account/user",
            json!({"userName": "qwe", "password": "Qwepass123"}),
        )
        .await;
    assert_eq!(r.status(), 409);
}

async fn orders_and_their_accounts_are_the_owners_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let shop = Shop::open(&app, QWE).await;
    // Another franchise's agent, without the cookie: the order does not exist for it.
    let r = app
        .send(
            Method::GET,
            &format!("{}/account", shop.order),
            MALLORY,
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
    // An account user of the franchise, without the cookie: not its order's account.
    let r = app
        .send(Method::GET, &format!("{}/account", shop.order), BOB, None)
        .await;
    assert_eq!(r.status(), 403);
    // A cookie of someone else's order.
    let other = Shop::open(&app, QWE).await;
    let foreign = Shop {
        cookie: other.cookie.clone(),
        ..Shop {
            app: &app,
            order: shop.order.clone(),
            cookie: String::new(),
            auth: None,
        }
    };
    assert_eq!(foreign.get("/account").await.status(), 401);
    assert_eq!(
        foreign
            .put(
                "/account/user",
                json!({"userName": "x.y", "password": "Xypass1234"})
            )
            .await
            .status(),
        401
    );
    // Attaching an account takes credentials covering it.
    let r = shop.put("/account", json!({"accountNumber": ACCT})).await;
    assert_eq!(r.status(), 401);
    let mallory = Shop {
        auth: Some(MALLORY),
        ..Shop {
            app: &app,
            order: shop.order.clone(),
            cookie: shop.cookie.clone(),
            auth: None,
        }
    };
    assert_eq!(
        mallory
            .put("/account", json!({"accountNumber": ACCT}))
            .await
            .status(),
        404
    );
    let agent = Shop {
        auth: Some(QWE),
        ..shop
    };
    assert_eq!(
        agent
            .put("/account", json!({"accountNumber": ACCT}))
            .await
            .status(),
        204
    );
    let account = agent.json("/account").await;
    assert_eq!(account["number"], ACCT);
    assert_eq!(account["status"], "open");
    // An existing account's users, contacts and payment method take credentials covering it:
    // the cookie alone sets up only a new account.
    let cookie_only = Shop {
        auth: None,
        app: &app,
        order: agent.order.clone(),
        cookie: agent.cookie.clone(),
    };
    let user = json!({"userName": "sneaky", "password": "Sneaky1234"});
    assert_eq!(
        cookie_only
            .put("/account/user", user.clone())
            .await
            .status(),
        401
    );
    let contacts = json!({"regular": contact("Sneaky")});
    assert_eq!(
        cookie_only
            .put("/account/contacts", contacts)
            .await
            .status(),
        401
    );
    let bobs = Shop {
        auth: Some(BOB),
        ..cookie_only
    };
    assert_eq!(bobs.put("/account/user", user.clone()).await.status(), 403);
    assert_eq!(agent.put("/account/user", user).await.status(), 204);
    // An account user's order is for its own account; it cannot open new accounts.
    let own = Shop::open(&app, BOB).await;
    assert_eq!(own.json("/account").await["number"], "acct999998");
    let own = Shop {
        auth: Some(BOB),
        ..own
    };
    let r = own
        .put("/account", json!({"currency": "USD", "language": "en-US"}))
        .await;
    assert_eq!(r.status(), 403);
    // Mailbox logins order through the shortcuts only.
    let mailbox = format!("a.a@{DOMAIN}");
    let r = app
        .send(
            Method::POST,
            "/orders",
            (mailbox.as_str(), "tester1234"),
            Some(&json!({})),
        )
        .await;
    assert!(matches!(r.status().as_u16(), 401 | 403), "{}", r.status());
    // clientIp is the agents'.
    let r = app
        .send(
            Method::POST,
            "/orders",
            BOB,
            Some(&json!({"clientIp": "203.0.113.7"})),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .send(
            Method::POST,
            "/orders",
            QWE,
            Some(&json!({"clientIp": "203.0.113.7"})),
        )
        .await;
    assert_eq!(r.status(), 201);
}

/// Two customers ordered with one user name: the second order's `create_user` fails when the
/// first has taken it; the second order fails step by step (the rest not run), its domain is
/// free again and its account closed. Validate refuses the taken name from then on.
async fn a_failed_step_fails_the_rest_and_frees_the_domain(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let mut shops = Vec::new();
    for domain in ["first.example", "second.example"] {
        let shop = Shop::open(&app, QWE).await;
        fill_account(&shop, "dupuser", "Dupuser123").await;
        let r = shop
            .post("/account/products", json!({"offering": offering(&app)}))
            .await;
        let product = location_id(&r);
        let tail = format!("/account/products/{product}/services");
        let r = shop.post(&tail, domain_service(&app, Some(domain))).await;
        assert_eq!(r.status(), 201);
        let r = shop.post("/action", json!({"action": "submit"})).await;
        assert_eq!(r.status(), 202);
        shops.push(shop);
    }
    app.drain_queue().await;
    let first = shops[0].json("").await;
    assert_eq!(first["order"]["Status"], "Completed", "{first}");
    let second = shops[1].json("").await;
    assert_eq!(second["order"]["Status"], "Failed", "{second}");
    let items: Vec<(&str, &str, i64)> = second["order"]["Items"]
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
            ("open_account", "Completed", 0),
            ("create_user", "Failed", 409),
            ("set_contacts", "Failed", 424),
            ("add_payment", "Failed", 424),
            ("create_exchange", "Failed", 424),
        ]
    );
    let number = shops[1].json("/account").await["number"]
        .as_str()
        .expect("number")
        .to_owned();
    let account = app.get_json(&format!("/accounts/{number}"), QWE).await;
    assert_eq!(account["status"], "closed");
    // The domain is free: another order takes it; the user name is taken now (409 at once).
    let again = Shop::open(&app, QWE).await;
    fill_account(&again, "another.user", "Another123").await;
    let r = again
        .post("/account/products", json!({"offering": offering(&app)}))
        .await;
    let product = location_id(&r);
    let tail = format!("/account/products/{product}/services");
    let r = again
        .post(&tail, domain_service(&app, Some("second.example")))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(again.validate().await.0, 204);
    let r = again
        .put(
            "/account/user",
            json!({"userName": "dupuser", "password": "Dupuser123"}),
        )
        .await;
    assert_eq!(r.status(), 409);
}

on_both_backends!(
    a_failed_step_fails_the_rest_and_frees_the_domain,
    a_partner_onboards_a_customer_who_then_orders_a_mailbox,
    cards_are_checked_and_never_kept,
    a_domain_with_exchange_is_refused_at_validate_and_submit,
    the_order_shorthand_opens_an_order_on_the_fly,
    orders_and_their_accounts_are_the_owners_only,
);
