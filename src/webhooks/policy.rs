//! Where webhooks may be delivered: by default nowhere on loopback, link-local (the cloud
//! metadata services among them), private, carrier-grade NAT, unspecified, multicast or
//! broadcast addresses (IPv4-mapped IPv6 addresses are judged as their IPv4 address). The
//! operator may allow networks (`--webhook-allow-nets`; the tests allow loopback). A URL is
//! checked when it is subscribed (every address its host resolves to) and again at each
//! connection: the delivery client resolves through [`PolicyResolver`], which hands the
//! connector only allowed addresses, so a host that resolves elsewhere later (DNS rebinding)
//! gets nothing; a literal address is checked before each request.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

/// The networks webhooks may not reach unless allowed.
const DENIED: [&str; 21] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
    // IPv4-compatible addresses (`::a.b.c.d`, deprecated), `::` and `::1` among them.
    "::/96",
    "::1/128",
    // Translated or tunnelled IPv4: local-use NAT64, 6to4, Teredo; site-local (deprecated).
    "64:ff9b:1::/48",
    "2002::/16",
    "2001::/32",
    "fec0::/10",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "64:ff9b::/96",
];

/// Which addresses deliveries may connect to.
#[derive(Debug, Clone)]
pub struct TargetPolicy {
    denied: Vec<IpNet>,
    allowed: Vec<IpNet>,
}

impl TargetPolicy {
    /// The default policy, with `allowed` networks exempted.
    pub fn new(allowed: Vec<IpNet>) -> Self {
        Self {
            denied: DENIED
                .iter()
                .map(|n| n.parse().expect("a valid network"))
                .collect(),
            allowed,
        }
    }

    /// Whether a delivery may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.allowed.iter().any(|n| n.contains(&ip))
            || !(self.denied.iter().any(|n| n.contains(&ip)) || is_broadcast(ip))
    }

    /// Checks a URL's host: a literal address, or every address the name resolves to.
    pub async fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().ok_or("has no host")?;
        let port = url.port_or_known_default().unwrap_or(443);
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self.verdict(ip);
        }
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| format!("{host} does not resolve"))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{host} does not resolve"));
        }
        for addr in addrs {
            self.verdict(addr.ip())
                .map_err(|e| format!("{host} resolves to {e}"))?;
        }
        Ok(())
    }

    /// Checks a URL whose host is a literal address (the resolver does not see those); a name
    /// passes here and is checked when it is resolved.
    pub fn check_literal(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().unwrap_or("");
        match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => self.verdict(ip),
            Err(_) => Ok(()),
        }
    }

    fn verdict(&self, ip: IpAddr) -> Result<(), String> {
        if self.permits(ip) {
            Ok(())
        } else {
            Err(format!(
                "{ip}, a loopback, private, link-local or reserved address that webhooks may not reach"
            ))
        }
    }
}

fn is_broadcast(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v4) if v4.is_broadcast())
}

/// The delivery client's resolver: a name's addresses the policy allows, and an error when it
/// allows none (checked at each connection, not only at subscription).
pub struct PolicyResolver(pub Arc<TargetPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.0);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| policy.permits(a.ip())).collect();
            if allowed.is_empty() {
                return Err(
                    format!("{host} resolves only to addresses webhooks may not reach").into(),
                );
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_local_addresses_are_refused_unless_allowed() {
        let policy = TargetPolicy::new(Vec::new());
        for denied in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
            "64:ff9b:1::a00:1",
        ] {
            assert!(!policy.permits(denied.parse().unwrap()), "{denied}");
        }
        for public in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert!(policy.permits(public.parse().unwrap()), "{public}");
        }
        let loopback = TargetPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(loopback.permits("127.0.0.1".parse().unwrap()));
        assert!(!loopback.permits("10.0.0.1".parse().unwrap()));
    }

    /// At connect: a name is resolved through the policy, so one that resolves to a refused
    /// address (as a rebinding name would, after passing the check at subscription) gets no
    /// connection; with loopback allowed the same request goes through.
    #[tokio::test]
    async fn connections_follow_the_policy_at_connect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                    .await;
            }
        });
        let client = |allowed: Vec<IpNet>| {
            reqwest::Client::builder()
                .no_proxy()
                .dns_resolver(Arc::new(PolicyResolver(Arc::new(TargetPolicy::new(
                    allowed,
                )))))
                .build()
                .unwrap()
        };
        let url = format!("http://localhost:{port}/");
        let refused = client(Vec::new()).get(&url).send().await;
        assert!(refused.is_err(), "localhost resolves to loopback: refused");
        let allowed = client(vec![
            "127.0.0.0/8".parse().unwrap(),
            "::1/128".parse().unwrap(),
        ])
        .get(&url)
        .send()
        .await
        .expect("allowed");
        assert_eq!(allowed.status(), 204);
    }

    #[tokio::test]
    async fn urls_are_checked_by_what_they_resolve_to() {
        let policy = TargetPolicy::new(Vec::new());
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]/",
            "http://localhost/",
            "http://169.254.169.254/latest",
        ] {
            let url = reqwest::Url::parse(url).unwrap();
            assert!(policy.check(&url).await.is_err(), "{url}");
        }
    }
}
