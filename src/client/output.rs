//! `mo`'s output: aligned tables and `key: value` lines for people, the JSON for scripts.

use serde_json::Value;

/// `["5.18", "USD"]` → `5.18 USD`; `[]` → `0.00`.
pub fn money(v: &Value) -> String {
    match v.as_array().map(Vec::as_slice) {
        Some([amount, currency]) => format!(
            "{} {}",
            amount.as_str().unwrap_or("?"),
            currency.as_str().unwrap_or("")
        ),
        _ => "0.00".to_owned(),
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A list as a table of `columns`.
pub fn list(body: &Value, columns: &[&str], json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(body).unwrap_or_default());
        return;
    }
    let rows: Vec<Vec<String>> = body["list"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| columns.iter().map(|c| cell(&item[*c])).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(columns.iter().map(|c| c.to_string()).collect());
    for r in rows {
        line(r);
    }
}

/// An object as `key: value` lines (nested objects flattened with dots).
pub fn object(body: &Value, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(body).unwrap_or_default());
        return;
    }
    fn walk(prefix: &str, v: &Value) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v);
                }
            }
            Value::Array(items) if items.iter().all(|i| !i.is_object()) => {
                println!(
                    "{prefix}: {}",
                    items.iter().map(cell).collect::<Vec<_>>().join(", ")
                );
            }
            Value::Array(items) => {
                for (n, i) in items.iter().enumerate() {
                    walk(&format!("{prefix}[{n}]"), i);
                }
            }
            other => println!("{prefix}: {}", cell(other)),
        }
    }
    walk("", body);
}

/// A one-word outcome (or the order URL).
pub fn done(what: &str, json: bool) {
    if json {
        println!("{}", serde_json::json!({"result": what}));
    } else {
        println!("{what}");
    }
}
