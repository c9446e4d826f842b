//! The generic order flow's bodies (docs §3.1-3.2, §6.4): the order created, its account, user,
//! payment method, products and services, and the requests that set them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Link;
use crate::domain::{BillingAddress, CardType, Field};

/// `POST /orders` → `201`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    #[schema(example = "0000013ad6dd95746a399f90000a71384bf242cf")]
    pub order_id: String,
    /// `self` (the order list) and `item` (the order).
    pub links: Vec<Link>,
}

/// `POST /orders`: `{}`, or `{"clientIp"}` (agents only).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"clientIp": "203.0.113.7"}))]
pub struct OrderCreateRequest {
    /// The end customer's IP address (agents only).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub client_ip: Field<String>,
}

/// `PUT /orders/{order}/account`: a new account (`currency`, `language`) or an existing one
/// (`accountNumber`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"currency": "USD", "language": "en-US"}))]
pub struct OrderAccountRequest {
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "USD")]
    pub currency: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "en-US")]
    pub language: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "acct999999")]
    pub account_number: Field<String>,
}

/// `GET /orders/{order}/account`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderAccountDocument {
    /// The account number (given when the order is created).
    pub number: String,
    /// `new` until the order is submitted, then `pending`, and `open` once provisioned (or
    /// the account's status, for an existing account).
    pub status: String,
    pub currency: String,
    pub language: String,
    /// The order's contacts.
    pub contact_info: String,
    /// The order's payment method (once set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_info: Option<String>,
    /// The order's account user (once set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub links: Vec<Link>,
}

/// `GET /orders/{order}/account/user`: the password is never shown.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderUserDocument {
    pub user_name: String,
    pub links: Vec<Link>,
}

/// A payment method as shown: the card's type, masked number and expiry, never the number.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInfoDocument {
    /// `credit_card` or `offline`.
    pub payment_info_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_card_type: Option<CardType>,
    /// `XXXXXXXXXXXX1111`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^X+[0-9]{4}$")]
    pub account_number: Option<String>,
    /// `YYYY-MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_holder_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<BillingAddress>,
    /// 0/1: the account's default method (an order's is 1).
    pub default: u8,
    pub links: Vec<Link>,
}

/// `GET /accounts/{account}/paymentInfo`: the active methods, masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentInfoList {
    pub list: Vec<PaymentInfoDocument>,
    /// `related`: the default method (when there is one).
    pub default: Vec<Link>,
    pub links: Vec<Link>,
}

/// `POST /orders/{order}/account/products`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"offering": "http://127.0.0.1:8092/productSpecifications/core.plan.email.exchange2010/offerings/USD-1"}))]
pub struct ProductRequest {
    /// The offering's URL (or its path).
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    pub offering: Field<String>,
    /// Not supported: a code is refused (`400`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub promo_code: Field<String>,
    /// Accepted and not used (Hostway's; mailorder names products by their offering).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub display_name: Field<String>,
    /// Accepted and not used (Hostway's).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub partner_id: Field<String>,
}

/// `201` of a product or service: its URL (also in `Location`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUrl {
    pub url: String,
}

/// `GET /orders/{order}/account/products/{product}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderProductDocument {
    /// The catalog offering.
    pub offering: String,
    /// Its services' URLs.
    pub services: Vec<String>,
    pub links: Vec<Link>,
}

/// `POST /orders/{order}/account/products/{product}/services`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "example.com", "serviceSpecification": "http://127.0.0.1:8092/serviceSpecifications/core.service.email.exchange.domain", "billingCycle": 1, "attributes": {"domain": "example.com"}}))]
pub struct ServiceRequest {
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    pub name: Field<String>,
    /// The service specification's URL (or its path).
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    pub service_specification: Field<String>,
    /// Months, 1 to 120; one the specification offers.
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 120)]
    pub billing_cycle: Field<i64>,
    /// `{"domain": "example.com"}` for the Exchange domain service.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub attributes: Field<serde_json::Map<String, serde_json::Value>>,
    /// URLs of services of this order (or of the account) it belongs with: at most 16, each at
    /// most 2048 characters.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>, max_items = 16)]
    pub related_to: Field<Vec<String>>,
    /// Not supported: a code is refused (`400`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub promo_code: Field<String>,
    /// 1 (the only quantity a domain has).
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1)]
    pub quantity: Field<i64>,
}

/// `PUT …/services/{service}`: only `name` and `billingCycle` change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "example.com", "billingCycle": 1}))]
pub struct ServiceChange {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 120)]
    pub billing_cycle: Field<i64>,
}

/// `GET …/services/{service}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderServiceDocument {
    pub name: String,
    pub service_specification: String,
    pub billing_cycle: i64,
    pub attributes: std::collections::BTreeMap<String, String>,
    pub related_to: Vec<String>,
    pub links: Vec<Link>,
}

/// An account attribute.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountAttribute {
    #[schema(example = "partner_account_id")]
    pub name: String,
    #[schema(example = "partner-4711")]
    pub value: String,
    pub links: Vec<Link>,
}

/// `POST /accounts/{account}/attributes`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"name": "partner_account_id", "value": "partner-4711"}))]
pub struct AttributeCreate {
    /// 1 to 64 letters, digits, `_`, `.` or `-`.
    #[serde(default)]
    #[schema(value_type = String, required = true, pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub name: Field<String>,
    /// At most 255 characters, no control characters; a `partner_account_id` 1 to 64 of
    /// letters, digits, `.`, `_`, `~`, `-`.
    #[serde(default)]
    #[schema(value_type = String, required = true, max_length = 255, pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$")]
    pub value: Field<String>,
}

/// `PUT /accounts/{account}/attributes/{name}`: the value (`name`, if sent, must be the
/// path's).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"value": "partner-4712"}))]
pub struct AttributeChange {
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub name: Field<String>,
    /// As `AttributeCreate`'s.
    #[serde(default)]
    #[schema(value_type = String, required = true, max_length = 255, pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$")]
    pub value: Field<String>,
}

/// A product of an account in `GET /accounts/{account}/products`: an Exchange domain on its
/// plan.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountProduct {
    pub product_specification: String,
    /// `open`.
    pub status: &'static str,
    pub service_specification: String,
    /// The domains (the domain service's `domain` attribute).
    pub services: Vec<String>,
    /// `related`: the Exchange domain.
    pub links: Vec<Link>,
}
