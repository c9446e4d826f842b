//! The configuration file (`--config PATH`, TOML): defaults for the command line's settings.
//! Precedence is flags, then `MAILORDER_…` environment variables, then the file, then the
//! built-in defaults: each file setting becomes the default of the argument of the same name,
//! which clap ranks below the environment and the flags.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Command;

/// The commented example printed by `mailorder config example`.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// `--config PATH` / `--config=PATH` from the raw arguments, else `MAILORDER_CONFIG`.
pub fn path_from(args: &[String]) -> Option<PathBuf> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("MAILORDER_CONFIG").map(PathBuf::from)
}

/// Reads the file into `(argument id, value)` pairs.
pub fn read(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

pub fn parse(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    table
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => bail!("{key}: a string, integer or boolean is expected, not {other}"),
            };
            Ok((key.replace('-', "_"), value))
        })
        .collect()
}

fn has_arg(command: &Command, id: &str) -> bool {
    command.get_arguments().any(|a| a.get_id() == id)
}

/// Makes every setting the default of its argument, at the top level and in each subcommand
/// that has it. A setting no command knows is an error (a typo must not be ignored).
pub fn apply(mut command: Command, settings: &[(String, String)]) -> anyhow::Result<Command> {
    let mut known = BTreeSet::new();
    for (key, value) in settings {
        if has_arg(&command, key) {
            known.insert(key.as_str());
            command = command.mut_arg(key.as_str(), |a| a.default_value(value.clone()));
        }
        let names: Vec<String> = command
            .get_subcommands()
            .filter(|sc| has_arg(sc, key))
            .map(|sc| sc.get_name().to_owned())
            .collect();
        for name in names {
            known.insert(key.as_str());
            command = command.mut_subcommand(name, |sc| {
                sc.mut_arg(key.as_str(), |a| a.default_value(value.clone()))
            });
        }
    }
    if let Some((unknown, _)) = settings.iter().find(|(k, _)| !known.contains(k.as_str())) {
        bail!("unknown setting {unknown:?}");
    }
    Ok(command)
}

/// A database URL with any password replaced by `***`, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://mo:s3cret@db:5432/mo"),
            "postgres://mo:***@db:5432/mo"
        );
        assert_eq!(redact_url("postgres://mo@db/mo"), "postgres://mo@db/mo");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn values_become_strings_and_dashes_underscores() {
        let s = parse("db-max-connections = 3\ndemo = true\nlisten = \"x:1\"").expect("parses");
        assert_eq!(
            s,
            [
                ("db_max_connections".to_owned(), "3".to_owned()),
                ("demo".to_owned(), "true".to_owned()),
                ("listen".to_owned(), "x:1".to_owned()),
            ]
        );
        assert!(parse("workers = [1]").is_err());
        assert!(parse("nonsense").is_err());
    }
}
