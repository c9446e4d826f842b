//! `GET /docs`: the OpenAPI document as one HTML page, rendered on the server with no script,
//! style sheet or font from elsewhere (it works offline). Each operation shows its parameters,
//! its request body's fields (name, type, required, constraints, enum values) with an example,
//! and each answer with its headers and body; every schema has its own section with its fields
//! and example. Descriptions are markdown; raw HTML in them is shown as text.

use std::fmt::Write;

use pulldown_cmark::{Event, Parser, html};
use serde_json::Value;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}\
    h2{border-bottom:1px solid #ccc;margin-top:2.5rem}h3{margin:.2rem 0}\
    .op{margin:1.2rem 0;padding:.6rem 1rem;border:1px solid #ddd;border-radius:6px}\
    .m{font-weight:bold;text-transform:uppercase;display:inline-block;min-width:4.5rem}\
    .get{color:#0a6}.post{color:#06c}.put{color:#a60}.delete{color:#c22}.options{color:#666}\
    code,pre{background:#f5f5f5;border-radius:3px}code{padding:0 .2rem}pre{padding:.5rem;overflow:auto}\
    table{border-collapse:collapse;margin:.4rem 0;width:100%}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}\
    th{background:#fafafa}td code{overflow-wrap:anywhere}.req{color:#c22;font-size:.85em}.status{font-weight:bold}.enum code{margin-right:.2rem}\
    nav ul{columns:2}p{margin:.4rem 0}";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown to HTML, with any HTML in the source shown as text.
fn markdown(text: &str) -> String {
    let events = Parser::new(text).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// Markdown of one line, without the paragraph around it (for table cells).
fn inline(text: &str) -> String {
    let rendered = markdown(text);
    let trimmed = rendered.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|t| t.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => rendered,
    }
}

fn anchor(name: &str) -> String {
    format!("schema-{name}")
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// A schema's type in a few words, schema names linked to their sections.
fn type_of(schema: &Value) -> String {
    if let Some(name) = ref_name(schema) {
        return format!("<a href=\"#{}\">{}</a>", anchor(name), escape(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[key].as_array() {
            let joiner = if key == "allOf" { " and " } else { " or " };
            return options.iter().map(type_of).collect::<Vec<_>>().join(joiner);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let mut words: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "array" => format!("array of {}", type_of(&schema["items"])),
            "object"
                if schema
                    .get("additionalProperties")
                    .is_some_and(Value::is_object) =>
            {
                format!("map of {}", type_of(&schema["additionalProperties"]))
            }
            other => escape(other),
        })
        .collect();
    if words.is_empty() {
        words.push("any".to_owned());
    }
    let mut text = words.join(" or ");
    if let Some(format) = schema["format"].as_str() {
        let _ = write!(text, " ({})", escape(format));
    }
    text
}

/// Constraints and enum values of a schema, as a short note.
fn constraints(schema: &Value) -> String {
    let mut notes = Vec::new();
    for (key, word) in [
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "min"),
        ("maximum", "max"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
    ] {
        if let Some(n) = schema.get(key) {
            notes.push(format!("{word} {n}"));
        }
    }
    let mut text = escape(&notes.join(", "));
    if let Some(values) = schema["enum"].as_array() {
        text.push_str("<span class=\"enum\">one of: ");
        for v in values {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let _ = write!(text, "<code>{}</code>", escape(&shown));
        }
        text.push_str("</span>");
    }
    text
}

/// A table of an object schema's fields (of all its `allOf` parts); for a reference, the
/// referenced schema's.
fn fields_table(doc: &Value, schema: &Value) -> String {
    let mut rows = String::new();
    field_rows(doc, schema, "", &mut rows);
    if rows.is_empty() {
        return rows;
    }
    format!("<table><tr><th>field</th><th>type</th><th>about</th></tr>{rows}</table>")
}

/// The referenced object schema of a field (`$ref`, or one of a `oneOf` such as "null or X").
fn object_ref<'a>(doc: &'a Value, field: &'a Value) -> Option<&'a Value> {
    let name = ref_name(field).or_else(|| field["oneOf"].as_array()?.iter().find_map(ref_name))?;
    let target = &doc["components"]["schemas"][name];
    target.get("properties").map(|_| target)
}

/// One row per field, and the fields of a nested object as `outer.inner` below it (two levels
/// deep, as the request bodies nest).
fn field_rows(doc: &Value, schema: &Value, prefix: &str, out: &mut String) {
    let resolved = ref_name(schema).map_or(schema, |name| &doc["components"]["schemas"][name]);
    for part in resolved["allOf"].as_array().into_iter().flatten() {
        field_rows(doc, part, prefix, out);
    }
    let required: Vec<&str> = resolved["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, field) in resolved["properties"].as_object().into_iter().flatten() {
        let flag = if required.contains(&name.as_str()) {
            " <span class=\"req\">required</span>"
        } else {
            ""
        };
        let about = field["description"]
            .as_str()
            .map(inline)
            .unwrap_or_default();
        let limits = constraints(field);
        let target = ref_name(field).map(|n| &doc["components"]["schemas"][n]);
        let limits = match target {
            Some(t) if limits.is_empty() => constraints(t),
            _ => limits,
        };
        let _ = write!(
            out,
            "<tr><td><code>{}{}</code>{flag}</td><td>{}</td><td>{about} {limits}</td></tr>",
            escape(prefix),
            escape(name),
            type_of(field),
        );
        if let Some(nested) = object_ref(doc, field).filter(|_| prefix.matches('.').count() < 2) {
            field_rows(doc, nested, &format!("{prefix}{name}."), out);
        }
    }
}

/// Who may call an operation, from its security list.
fn credentials(op: &Value) -> String {
    let names: Vec<&str> = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys())
        .map(|name| match name.as_str() {
            "basic" => "HTTP Basic",
            "ownerId" => "the <code>OwnerId</code> cookie",
            other => other,
        })
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("<p>Credentials: {}.</p>", names.join(", or "))
    }
}

fn example_block(example: Option<&Value>) -> String {
    example
        .map(|e| {
            let pretty = serde_json::to_string_pretty(e).unwrap_or_default();
            format!("<p>Example:</p><pre>{}</pre>", escape(&pretty))
        })
        .unwrap_or_default()
}

fn example_of<'a>(doc: &'a Value, media: &'a Value) -> Option<&'a Value> {
    media.get("example").or_else(|| {
        ref_name(&media["schema"])
            .and_then(|name| doc["components"]["schemas"][name].get("example"))
    })
}

fn parameters(op: &Value) -> String {
    let Some(params) = op["parameters"].as_array() else {
        return String::new();
    };
    let mut out =
        String::from("<table><tr><th>parameter</th><th>in</th><th>type</th><th>about</th></tr>");
    for p in params {
        let flag = if p["required"].as_bool().unwrap_or(false) {
            " <span class=\"req\">required</span>"
        } else {
            ""
        };
        let about = p["description"].as_str().map(inline).unwrap_or_default();
        let example = p["example"]
            .as_str()
            .map(|e| format!(" e.g. <code>{}</code>", escape(e)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{flag}</td><td>{}</td><td>{}</td><td>{about}{} {example}</td></tr>",
            escape(p["name"].as_str().unwrap_or("")),
            escape(p["in"].as_str().unwrap_or("")),
            type_of(&p["schema"]),
            constraints(&p["schema"]),
        );
    }
    out.push_str("</table>");
    out
}

fn request_body(doc: &Value, op: &Value) -> String {
    let Some(content) = op["requestBody"]["content"].as_object() else {
        return String::new();
    };
    let mut out = String::new();
    for (media, body) in content {
        let _ = write!(
            out,
            "<h4>Request body <code>{}</code>: {}</h4>{}{}",
            escape(media),
            type_of(&body["schema"]),
            fields_table(doc, &body["schema"]),
            example_block(example_of(doc, body))
        );
    }
    out
}

fn responses(doc: &Value, op: &Value) -> String {
    let mut out = String::from(
        "<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>headers</th><th>body</th></tr>",
    );
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        let headers: Vec<String> = response["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, h)| {
                let about = h["description"].as_str().map(inline).unwrap_or_default();
                format!("<code>{}</code> {about}", escape(name))
            })
            .collect();
        let mut body: Vec<String> = response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(media, c)| {
                let example = if status.starts_with('2') {
                    example_of(doc, c)
                        .map(|e| {
                            let pretty = serde_json::to_string_pretty(e).unwrap_or_default();
                            format!(
                                "<details><summary>example</summary><pre>{}</pre></details>",
                                escape(&pretty)
                            )
                        })
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                format!(
                    "{} <code>{}</code>{example}",
                    type_of(&c["schema"]),
                    escape(media)
                )
            })
            .collect();
        for (media, c) in response["x-optional-body"]
            .as_object()
            .into_iter()
            .flatten()
        {
            body.push(format!(
                "none, or {} <code>{}</code> (<code>x-optional-body</code>)",
                type_of(&c["schema"]),
                escape(media)
            ));
        }
        let _ = write!(
            out,
            "<tr><td class=\"status\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(status),
            inline(response["description"].as_str().unwrap_or("")),
            headers.join("<br>"),
            if body.is_empty() {
                "none".to_owned()
            } else {
                body.join("<br>")
            }
        );
    }
    out.push_str("</table>");
    out
}

/// The page: a table of contents, every operation by tag, then every schema.
pub fn render(doc: &Value) -> String {
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mailorder API</title><style>{STYLE}</style></head><body>"
    );
    let info = &doc["info"];
    let _ = write!(
        out,
        "<h1>{} {}</h1>{}<p>The machine-readable document: <a href=\"/openapi.json\">/openapi.json</a>. Schemas: <a href=\"#schemas\">below</a>.</p>",
        escape(info["title"].as_str().unwrap_or("")),
        escape(info["version"].as_str().unwrap_or("")),
        markdown(info["description"].as_str().unwrap_or(""))
    );
    let operations: Vec<(&str, &str, &Value)> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, op)| (path.as_str(), method.as_str(), op))
        })
        .collect();
    out.push_str("<nav><ul>");
    for (path, method, op) in &operations {
        let id = op["operationId"].as_str().unwrap_or("");
        let _ = write!(
            out,
            "<li><a href=\"#{}\"><span class=\"m {method}\">{method}</span></a> <code>{}</code></li>",
            escape(id),
            escape(path)
        );
    }
    out.push_str("</ul></nav>");
    let mut current_tag = "";
    for (path, method, op) in &operations {
        let tag = op["tags"][0].as_str().unwrap_or("Other");
        if tag != current_tag {
            let _ = write!(out, "<h2>{}</h2>", escape(tag));
            current_tag = tag;
        }
        let _ = write!(
            out,
            "<div class=\"op\" id=\"{}\"><h3><span class=\"m {method}\">{method}</span> <code>{}</code></h3>{}",
            escape(op["operationId"].as_str().unwrap_or("")),
            escape(path),
            markdown(op["summary"].as_str().unwrap_or(""))
        );
        if let Some(d) = op["description"].as_str() {
            out.push_str(&markdown(d));
        }
        out.push_str(&credentials(op));
        out.push_str(&parameters(op));
        out.push_str(&request_body(doc, op));
        out.push_str(&responses(doc, op));
        out.push_str("</div>");
    }
    out.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let _ = write!(
            out,
            "<div class=\"op\" id=\"{}\"><h3>{}</h3>{}<p>Type: {} {}</p>{}{}</div>",
            anchor(name),
            escape(name),
            markdown(schema["description"].as_str().unwrap_or("")),
            type_of(schema),
            constraints(schema),
            fields_table(doc, schema),
            example_block(schema.get("example"))
        );
    }
    out.push_str("</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_html_stays_text() {
        assert_eq!(
            inline("the `OwnerId` cookie"),
            "the <code>OwnerId</code> cookie"
        );
        let html = markdown("a <script>alert(1)</script> b");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn types_link_to_schemas_and_show_enums() {
        let schema = serde_json::json!({"type": ["array", "null"], "items": {"$ref": "#/components/schemas/Link"}});
        assert_eq!(
            type_of(&schema),
            "array of <a href=\"#schema-Link\">Link</a> or null"
        );
        let status = serde_json::json!({"type": "string", "enum": ["new", "Completed"]});
        assert!(constraints(&status).contains("<code>Completed</code>"));
    }
}
