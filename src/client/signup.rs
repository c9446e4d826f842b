//! `mo signup`: a new customer through the generic order flow in one command, step by step
//! with a progress display: the order, the new account, its user, contacts and payment method,
//! the Exchange plan on the domain, validate (every missing piece named), the quote, submit, and
//! the order followed to its end.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};

use super::api::Api;
use super::{output, read_line};

#[derive(Debug, Args)]
pub struct Signup {
    /// The domain Exchange is set up on.
    pub domain: String,
    /// The new account's API user (logs in as `<user>@<franchise>` afterwards).
    pub user_name: String,
    /// The catalog plan (`mo catalog plans`).
    #[arg(long, default_value = "exchange2010")]
    pub plan: String,
    /// The contact (regular, billing, administrator and technical alike).
    #[arg(long)]
    pub first_name: String,
    #[arg(long)]
    pub last_name: String,
    #[arg(long)]
    pub email: String,
    #[arg(long, default_value = "")]
    pub phone: String,
    #[arg(long, default_value = "")]
    pub street: String,
    #[arg(long, default_value = "")]
    pub city: String,
    #[arg(long, default_value = "")]
    pub state: String,
    #[arg(long, default_value = "")]
    pub postal_code: String,
    /// Two letters (ISO 3166-1).
    #[arg(long, default_value = "")]
    pub country: String,
    /// Bill the customer yourself (agents): no card.
    #[arg(long, conflicts_with_all = ["card_type", "card_expiry"])]
    pub offline: bool,
    /// visa, mastercard, discover or amex. The number and code come from MO_CARD_NUMBER and
    /// MO_CARD_CODE, standard input (`--secrets-stdin`) or a prompt; never from an argument.
    #[arg(long, required_unless_present = "offline")]
    pub card_type: Option<String>,
    /// YYYY-MM.
    #[arg(long, required_unless_present = "offline")]
    pub card_expiry: Option<String>,
    /// The card holder; the contact's name if left out.
    #[arg(long)]
    pub card_holder: Option<String>,
    /// Read the user's password, then the card number and code, one per line, from standard
    /// input.
    #[arg(long)]
    pub secrets_stdin: bool,
    /// Submit without asking (a paid plan's price is shown either way).
    #[arg(long)]
    pub yes: bool,
}

/// The secrets: from standard input, the environment or a prompt.
fn secret(from_stdin: bool, env: &str, prompt: &str) -> anyhow::Result<String> {
    if from_stdin {
        return read_line();
    }
    if let Ok(v) = std::env::var(env) {
        return Ok(v);
    }
    rpassword::prompt_password(prompt).with_context(|| format!("cannot read {prompt}"))
}

/// The progress display: one line per step on standard error (a bar on a terminal).
struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    const STEPS: u64 = 10;

    fn new(quiet: bool) -> Progress {
        let bar = indicatif::ProgressBar::new(Self::STEPS);
        if quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        } else if let Ok(style) =
            indicatif::ProgressStyle::with_template("[{pos}/{len}] {bar:20} {msg}")
        {
            bar.set_style(style);
        }
        Progress { bar }
    }

    fn step(&self, what: &str) {
        self.bar.inc(1);
        self.bar.set_message(what.to_owned());
        if self.bar.is_hidden() {
            eprintln!("[{}/{}] {what}", self.bar.position(), Self::STEPS);
        }
    }
}

pub async fn signup(api: &Api, s: Signup, json_out: bool) -> anyhow::Result<ExitCode> {
    let password = secret(
        s.secrets_stdin,
        "MO_SIGNUP_PASSWORD",
        "New user's password: ",
    )?;
    let card = if s.offline {
        json!({"paymentInfoType": "offline"})
    } else {
        let number = secret(s.secrets_stdin, "MO_CARD_NUMBER", "Card number: ")?;
        let code = secret(s.secrets_stdin, "MO_CARD_CODE", "Card verification code: ")?;
        json!({"paymentInfoType": "credit_card", "accountNumber": number.trim(),
               "creditCardType": s.card_type, "expirationDate": s.card_expiry,
               "verificationNumber": code.trim(),
               "cardHolderName": s.card_holder.clone().unwrap_or(format!("{} {}", s.first_name, s.last_name)),
               "billingAddress": {"street1": s.street, "city": s.city, "stateOrProvince": s.state,
                                  "postalCode": s.postal_code, "countryCode": s.country}})
    };
    let progress = Progress::new(json_out);
    let opened = api.post_order("/orders", &json!({})).await?;
    let order = opened
        .location
        .context("the server gave no order location")?;
    let cookie = opened.cookie;
    progress.step("order opened");
    let spec = format!("/productSpecifications/core.plan.email.{}", s.plan);
    let offerings = api.get_list(&format!("{spec}/offerings")).await?;
    let offering = &offerings["list"][0];
    let currency = offering["currency"]
        .as_str()
        .context("the plan has no offering")?;
    let offering_url = offering["details"]
        .as_str()
        .context("the offering has no URL")?
        .to_owned();
    let put = |tail: &'static str, body: Value| {
        let (order, cookie) = (&order, &cookie);
        async move {
            api.with_cookie("PUT", &format!("{order}{tail}"), cookie, &body)
                .await
        }
    };
    put(
        "/account",
        json!({"currency": currency, "language": "en-US"}),
    )
    .await?;
    progress.step("new account");
    put(
        "/account/user",
        json!({"userName": s.user_name, "password": password}),
    )
    .await?;
    progress.step("user");
    let contact = json!({"firstName": s.first_name, "lastName": s.last_name, "email1": s.email,
        "phone1": s.phone, "street1": s.street, "city": s.city, "stateOrProvince": s.state,
        "postalCode": s.postal_code, "countryCode": s.country});
    let contacts = json!({"regular": contact, "billing": contact, "administrator": contact, "technical": contact});
    put("/account/contacts", contacts).await?;
    progress.step("contacts");
    put("/account/paymentInfo", card).await?;
    progress.step("payment method");
    let (product, _) = api
        .with_cookie(
            "POST",
            &format!("{order}/account/products"),
            &cookie,
            &json!({"offering": offering_url}),
        )
        .await?;
    let product = product.context("the server gave no product location")?;
    progress.step("Exchange plan");
    let service = json!({"name": s.domain, "attributes": {"domain": s.domain},
        "serviceSpecification": api.url("/serviceSpecifications/core.service.email.exchange.domain")});
    api.with_cookie("POST", &format!("{product}/services"), &cookie, &service)
        .await?;
    progress.step("domain");
    let validated = api
        .with_cookie(
            "POST",
            &format!("{order}/action"),
            &cookie,
            &json!({"action": "validate"}),
        )
        .await;
    if let Err(e) = validated {
        // Not complete (or the domain is taken): nothing is kept open.
        let _ = api.cancel(&order, &cookie).await;
        return Err(e.context("the order is not complete; it was cancelled"));
    }
    progress.step("validated");
    let quote = api
        .get_with_cookie(&format!("{order}/quote"), &cookie)
        .await?;
    let total = quote["quote"]["Total"].as_str().unwrap_or("0").to_owned();
    let currency = quote["quote"]["Currency"].as_str().unwrap_or("").to_owned();
    let paid = !total.chars().all(|c| c == '0' || c == '.');
    if paid && !s.yes && !super::confirm(&format!("Submit the order for {total} {currency}?"))? {
        api.cancel(&order, &cookie).await?;
        eprintln!("Not submitted; the order was cancelled.");
        return Ok(ExitCode::from(3));
    }
    let hash = quote["quote"]["Hash"].as_str().map(str::to_owned);
    api.submit(&format!("{order}/action"), &cookie, hash.as_deref())
        .await?;
    progress.step("submitted");
    let done = api.follow(&order, &cookie, !json_out).await?;
    progress.step("provisioned");
    progress.bar.finish_and_clear();
    let account = api
        .get_with_cookie(&format!("{order}/account"), &cookie)
        .await?;
    if !json_out && done["order"]["Status"] == "Completed" {
        let number = account["number"].as_str().unwrap_or("?");
        output::done(
            &format!("account {number} is open; its user is {}", s.user_name),
            false,
        );
    }
    super::finish(&done, json_out)
}
