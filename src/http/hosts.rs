//! Which `Host` headers links may be built from. Without `--public-url`, links and `Location`
//! headers follow the request's `Host` (as Hostway's do); a forged `Host: evil.example` must not
//! put another site into them, so only loopback names and the hosts of `--allowed-hosts` are
//! followed. A demo server with no list follows any `Host`.

use crate::error::ApiError;

/// The hosts links may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPolicy {
    /// Any `Host` (`--demo` without `--allowed-hosts`).
    Any,
    /// Loopback names and these host names (lower case, any port).
    Listed(Vec<String>),
}

const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

impl HostPolicy {
    /// `allowed` from `--allowed-hosts`; with none, any host for a demo server and loopback
    /// names only otherwise.
    pub fn new(allowed: &[String], demo: bool) -> Self {
        if allowed.is_empty() && demo {
            return Self::Any;
        }
        Self::Listed(
            allowed
                .iter()
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        )
    }

    /// The `Host` header's value if links may name it; a `400` naming the setting otherwise.
    pub fn check<'a>(&self, host: &'a str) -> Result<&'a str, ApiError> {
        if well_formed(host) && self.allows(host) {
            return Ok(host);
        }
        Err(ApiError::bad_request(
            "Host not served here (see --public-url and --allowed-hosts)",
        ))
    }

    fn allows(&self, host: &str) -> bool {
        let Self::Listed(names) = self else {
            return true;
        };
        let name = host_name(host).to_ascii_lowercase();
        let name = name.trim_end_matches('.');
        LOOPBACK.contains(&name) || names.iter().any(|n| n == name)
    }
}

/// `name[:port]` or `[v6][:port]`, the name of letters, digits, `.` and `-`, the address of
/// hex digits, `:` and `.`: nothing (`@`, `/`, quotes) that could make a link name another host.
fn well_formed(host: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        return after.is_empty() || after.strip_prefix(':').is_some_and(digits);
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && port.is_none_or(digits)
}

/// `example.com:8092` → `example.com`; `[::1]:8092` → `::1`.
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_listed_hosts_only() {
        let policy = HostPolicy::new(&["Mail.Example.com".to_owned()], false);
        for good in [
            "127.0.0.1:8092",
            "localhost",
            "[::1]:80",
            "mail.example.com",
            "MAIL.example.com.:443",
        ] {
            assert!(policy.check(good).is_ok(), "{good}");
        }
        for bad in [
            "evil.example",
            "mail.example.com.evil.example",
            "",
            "a b",
            "127.0.0.2",
        ] {
            assert!(policy.check(bad).is_err(), "{bad}");
        }
        assert!(HostPolicy::new(&[], false).check("evil.example").is_err());
        assert!(HostPolicy::new(&[], true).check("evil.example").is_ok());
        assert!(
            HostPolicy::new(&[], true)
                .check("[::1]@evil.example")
                .is_err()
        );
        assert!(
            HostPolicy::new(&["x.example".to_owned()], true)
                .check("evil.example")
                .is_err()
        );
    }
}
