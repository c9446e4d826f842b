//! What the document says beyond the handlers' types: the values of request fields that take a
//! fixed set (utoipa has no field-level enum), the filters' patterns, and OpenAPI `links`
//! between operations, so that a client or a stateful tester (schemathesis) can follow what one
//! answer names to the operations that take it.

use serde_json::{Value, json};

/// The request fields with a fixed set of values: `(schema, field, values)`.
const FIELD_VALUES: [(&str, &str, &[&str]); 3] = [
    ("OrderActionRequest", "action", &["validate", "submit"]),
    ("MailboxActionRequest", "action", &["restore"]),
    (
        "AccountStatusRequest",
        "status",
        &["open", "suspended", "closed"],
    ),
];

/// The request fields whose rules are a regular expression: `(schema, field, pattern)`, the
/// patterns being the domain's own (a test holds them to the parsers).
const FIELD_PATTERNS: [(&str, &str, &str); 12] = [
    ("OwnerInput", "username", crate::domain::username::PATTERN),
    ("OwnerInput", "password", crate::domain::password::PATTERN),
    (
        "MailboxUpdateRequest",
        "password",
        crate::domain::password::PATTERN,
    ),
    (
        "AliasInput",
        "username",
        crate::domain::username::LOCAL_NAME_PATTERN,
    ),
    (
        "AliasInput",
        "emailForward",
        crate::domain::MAILBOX_TARGET_PATTERN,
    ),
    ("ContactRequest", "target", crate::domain::ADDRESS_PATTERN),
    ("ContactRequest", "notes", crate::domain::TEXT_PATTERN),
    ("SettingsInput", "notes", crate::domain::TEXT_PATTERN),
    (
        "ListRequest",
        "name",
        crate::domain::username::LOCAL_NAME_PATTERN,
    ),
    ("ListRequest", "owner", crate::domain::username::PATTERN),
    ("ListRequest", "description", crate::domain::TEXT_PATTERN),
    (
        "MemberRequest",
        "username",
        crate::domain::username::MEMBER_PATTERN,
    ),
];

/// A schema's property, also when the schema is an `allOf` (flattened settings).
fn property<'a>(doc: &'a mut Value, schema: &str, field: &str) -> &'a mut Value {
    let schema_value = &mut doc["components"]["schemas"][schema];
    let holder = if schema_value.get("properties").is_some() {
        schema_value
    } else {
        schema_value["allOf"]
            .as_array_mut()
            .and_then(|parts| {
                parts
                    .iter_mut()
                    .find(|p| p["properties"].get(field).is_some())
            })
            .unwrap_or_else(|| panic!("{schema}.{field} is documented"))
    };
    &mut holder["properties"][field]
}

pub fn field_values(doc: &mut Value) {
    // `admin` takes 0, 1, or (as the description says) a JSON boolean.
    property(doc, "SettingsInput", "admin")["type"] = json!(["integer", "boolean", "null"]);
    for (schema, field, values) in FIELD_VALUES {
        property(doc, schema, field)["enum"] = json!(values);
    }
    for (schema, field, pattern) in FIELD_PATTERNS {
        property(doc, schema, field)["pattern"] = json!(pattern);
    }
    // Every free-text field of the contact objects and the notes; the phone numbers.
    use crate::domain::{PHONE_PATTERN, TEXT_PATTERN};
    for (schema, pattern) in [
        ("NameInput", TEXT_PATTERN),
        ("AddressInput", TEXT_PATTERN),
        ("PhonesInput", PHONE_PATTERN),
    ] {
        let properties = doc["components"]["schemas"][schema]["properties"].as_object_mut();
        for field in properties.into_iter().flat_map(|p| p.values_mut()) {
            field["pattern"] = json!(pattern);
        }
    }
    for field in ["forwardTo", "deliverRedirect"] {
        property(doc, "SettingsInput", field)["pattern"] = json!(crate::domain::TARGET_PATTERN);
    }
}

/// A filter that takes one of `values` (any case) or a pattern with `*`, as an ECMA-262 regular
/// expression: `^(?:[nN][eE][wW]|…)$|\*`.
pub fn filter_pattern(values: &[&str]) -> String {
    let alternatives: Vec<String> = values
        .iter()
        .map(|v| {
            v.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                    } else if "\\^$.|?*+()[]{}/".contains(c) {
                        format!("\\{c}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    format!("^(?:{})$|\\*", alternatives.join("|"))
}

/// The mailbox `PUT` body as one closed object: the settings, the fields that may be sent at
/// their current values only, and `links` (ignored, so that a `GET` body can be sent back);
/// any other key is refused by name, so the schema says `additionalProperties: false` (utoipa
/// writes the flattened settings as an `allOf`, which cannot be closed).
pub fn close_update_body(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let mut properties = schemas["SettingsInput"]["properties"].clone();
    let update = &mut schemas["MailboxUpdateRequest"];
    for part in update["allOf"].as_array().into_iter().flatten() {
        for (name, schema) in part["properties"].as_object().into_iter().flatten() {
            properties[name.as_str()] = schema.clone();
        }
    }
    let flag = |what: &str| {
        json!({"type": ["integer", "null"], "minimum": 0, "maximum": 1,
        "description": format!("{what}: may be sent with its current value only")})
    };
    properties["quota"] = json!({"type": ["integer", "null"],
        "description": "May be sent with its current value only (set by the plan)"});
    properties["archiving"] = flag("The archiving add-on");
    properties["blackberry"] = flag("The BlackBerry add-on");
    properties["links"] = json!({"description": "Ignored (a GET body may be sent back)"});
    *update = json!({
        "type": "object",
        "description": update["description"],
        "example": update["example"],
        "properties": properties,
        "additionalProperties": false,
    });
}

/// The account contacts' `PUT` body (docs §6.5), closed at both levels (unknown kinds and
/// fields are refused by name), each field with what its parser takes: free text, an address
/// or nothing, a phone number, a two-letter country; `emailVerified` only 0.
pub fn account_contact_bodies(doc: &mut Value) {
    use crate::domain::{ADDRESS_PATTERN, PHONE_PATTERN, TEXT_PATTERN};
    let schemas = &mut doc["components"]["schemas"];
    let input = &mut schemas["AccountContactInput"];
    for (name, field) in input["properties"].as_object_mut().into_iter().flatten() {
        let pattern = match name.as_str() {
            "emailVerified" => {
                *field = json!({"type": ["integer", "null"], "minimum": 0, "maximum": 0,
                    "description": "Only 0: nothing verifies addresses yet"});
                continue;
            }
            "countryCode" => "^([A-Za-z]{2})?$".to_owned(),
            "email1" | "email2" => format!("^$|{ADDRESS_PATTERN}"),
            "fax" | "phone1" | "phone2" => PHONE_PATTERN.to_owned(),
            _ => TEXT_PATTERN.to_owned(),
        };
        field["pattern"] = json!(pattern);
        field["maxLength"] = json!(128);
    }
    input["additionalProperties"] = json!(false);
    schemas["AccountContactsRequest"]["additionalProperties"] = json!(false);
}

/// The global contact bodies: one type in the code, two schemas in the document. The `POST`
/// needs `target` (`ContactCreateRequest`); the `PUT` takes any field and refuses unknown ones,
/// `links` aside (`ContactRequest`, closed).
pub fn split_contact_bodies(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let mut create = schemas["ContactRequest"].clone();
    create["required"] = json!(["target"]);
    create["properties"]["target"]["type"] = json!("string");
    create["description"] =
        json!("`POST …/globalContacts`: `target` is required; unknown fields are ignored.");
    schemas["ContactCreateRequest"] = create;
    let update = &mut schemas["ContactRequest"];
    update["properties"]["links"] = json!({"description": "Ignored (a GET body may be sent back)"});
    update["additionalProperties"] = json!(false);
    update["description"] = json!(
        "`PUT …/globalContacts/{contact}`: the fields to change; the others stay. Unknown fields are refused by name."
    );
    let path = "/accounts/{account}/exchange/{domain}/globalContacts";
    doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/ContactCreateRequest"});
}

/// The mailing-list bodies: one type, two schemas. The `POST` needs `name` and `owner`
/// (`ListCreateRequest`); the `PUT` takes them at their current values only and refuses unknown
/// fields, the `GET` body's `links`, `members` and `billingstatus` aside (`ListRequest`, closed).
pub fn split_list_bodies(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let mut create = schemas["ListRequest"].clone();
    create["required"] = json!(["name", "owner"]);
    create["description"] = json!("`POST …/mailingLists`: unknown fields are ignored.");
    schemas["ListCreateRequest"] = create;
    let update = &mut schemas["ListRequest"];
    for ignored in ["links", "members", "billingstatus"] {
        update["properties"][ignored] =
            json!({"description": "Ignored (a GET body may be sent back)"});
    }
    update["additionalProperties"] = json!(false);
    update["description"] = json!(
        "`PUT …/mailingLists/{list}`: only `description` changes; `name` and `owner` at their current values only."
    );
    let path = "/accounts/{account}/exchange/{domain}/mailingLists";
    doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/ListCreateRequest"});
}

/// A link to `operation` with `parameters` (name → runtime expression).
fn link(operation: &str, parameters: &[(&str, &str)], description: &str) -> Value {
    let parameters: serde_json::Map<String, Value> = parameters
        .iter()
        .map(|(name, expression)| ((*name).to_owned(), json!(expression)))
        .collect();
    json!({"operationId": operation, "parameters": parameters, "description": description})
}

/// `links` from the answers that name something to the operations on it.
pub fn add_links(doc: &mut Value) {
    let mailbox = [
        ("account", "$request.path.account"),
        ("domain", "$request.path.domain"),
        ("username", "$request.body#/owner/username"),
    ];
    let listed_mailbox = [
        ("account", "$request.path.account"),
        ("domain", "$request.path.domain"),
        ("username", "$response.body#/list/0/username"),
    ];
    let order = [("order", "$response.body#/list/0/orderId")];
    let account = [("account", "$response.body#/list/0/accountNumber")];
    let domain = [
        ("account", "$request.path.account"),
        ("domain", "$response.body#/list/0/domain"),
    ];
    /// `(path, method, status, links by name)`.
    type Links<'a> = (&'a str, &'a str, &'a str, Vec<(&'a str, Value)>);
    let alias = [
        ("account", "$request.path.account"),
        ("domain", "$request.path.domain"),
        ("alias", "$request.body#/emailalias/username"),
    ];
    let listed_contact = [
        ("account", "$request.path.account"),
        ("domain", "$request.path.domain"),
        ("contact", "$response.body#/list/0/id"),
    ];
    let table: [Links; 7] = [
        (
            "/accounts/{account}/exchange/{domain}/emailAliases",
            "post",
            "201",
            vec![
                ("alias", link("alias_read", &alias, "The alias added")),
                ("delete", link("alias_delete", &alias, "Remove it")),
            ],
        ),
        (
            "/accounts/{account}/exchange/{domain}/globalContacts",
            "get",
            "200",
            vec![
                (
                    "contact",
                    link("contact_read", &listed_contact, "The first contact listed"),
                ),
                (
                    "change",
                    link("contact_update", &listed_contact, "Change it"),
                ),
                (
                    "delete",
                    link("contact_delete", &listed_contact, "Remove it"),
                ),
            ],
        ),
        (
            "/accounts/{account}/exchange/{domain}/mailboxes",
            "post",
            "202",
            vec![
                (
                    "mailbox",
                    link("mailbox_read", &mailbox, "The mailbox ordered"),
                ),
                ("change", link("mailbox_update", &mailbox, "Change it")),
                (
                    "delete",
                    link("mailbox_delete", &mailbox, "Close or purge it"),
                ),
                (
                    "action",
                    link("mailbox_action", &mailbox, "Restore it once closed"),
                ),
            ],
        ),
        (
            "/accounts/{account}/exchange/{domain}/mailboxes",
            "get",
            "200",
            vec![
                (
                    "mailbox",
                    link("mailbox_read", &listed_mailbox, "The first mailbox listed"),
                ),
                (
                    "change",
                    link("mailbox_update", &listed_mailbox, "Change it"),
                ),
            ],
        ),
        (
            "/orders",
            "get",
            "200",
            vec![
                (
                    "order",
                    link("order_read", &order, "The first order listed"),
                ),
                (
                    "action",
                    link("order_action", &order, "Validate or submit it"),
                ),
                ("quote", link("order_quote", &order, "Its quote")),
                ("cancel", link("order_cancel", &order, "Cancel it")),
            ],
        ),
        (
            "/accounts",
            "get",
            "200",
            vec![
                (
                    "account",
                    link("account_read", &account, "The first account listed"),
                ),
                (
                    "exchange",
                    link("exchange_list", &account, "Its Exchange domains"),
                ),
                ("charges", link("charges_list", &account, "Its ledger")),
            ],
        ),
        (
            "/accounts/{account}/exchange",
            "get",
            "200",
            vec![
                (
                    "exchange",
                    link("exchange_read", &domain, "The first domain listed"),
                ),
                ("mailboxes", link("mailbox_list", &domain, "Its mailboxes")),
            ],
        ),
    ];
    for (path, method, status, links) in table {
        let response = &mut doc["paths"][path][method]["responses"][status];
        assert!(response.is_object(), "{method} {path} answers {status}");
        response["links"] = links
            .into_iter()
            .map(|(name, l)| (name.to_owned(), l))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
}

/// The payment method's bodies: closed (unknown fields are refused by name), free text as the
/// parser takes it, the billing address's country two letters.
pub fn payment_bodies(doc: &mut Value) {
    use crate::domain::TEXT_PATTERN;
    let schemas = &mut doc["components"]["schemas"];
    let address = &mut schemas["BillingAddressInput"];
    for (name, field) in address["properties"].as_object_mut().into_iter().flatten() {
        let pattern = match name.as_str() {
            "countryCode" => "^([A-Za-z]{2})?$",
            _ => TEXT_PATTERN,
        };
        field["pattern"] = json!(pattern);
        field["maxLength"] = json!(128);
    }
    address["additionalProperties"] = json!(false);
    let request = &mut schemas["PaymentInfoRequest"];
    request["properties"]["cardHolderName"]["pattern"] = json!(TEXT_PATTERN);
    request["properties"]["cardHolderName"]["maxLength"] = json!(128);
    request["additionalProperties"] = json!(false);
}

#[cfg(test)]
mod tests {
    #[test]
    fn filter_patterns_take_any_case_and_stars() {
        let pattern = super::filter_pattern(&["new", "close_pending"]);
        assert_eq!(
            pattern,
            "^(?:[nN][eE][wW]|[cC][lL][oO][sS][eE]_[pP][eE][nN][dD][iI][nN][gG])$|\\*"
        );
    }
}
