//! Driving the server with wrk (Debian's `wrk`), a separate process: one Lua script per scenario
//! (a request generator plus the shared reporting code), and its figures read back as JSON.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

/// What every scenario shares: per-thread status counts, summed in `done`, which prints one
/// JSON line with the run's figures.
const REPORT: &str = r#"
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
  n = 0
  prefix = args[1] or "x"
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for code, c in pairs(t:get("statuses")) do
      counts[code] = (counts[code] or 0) + c
    end
  end
  local parts = {}
  for code, c in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, c))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"#;

/// Base64 for Basic credentials made up per request.
const BASE64: &str = r#"
local b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function base64(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end
"#;

/// A scenario: what each request is.
pub enum Scenario {
    /// The same GET every time (wrk's own request, with the given headers).
    Get,
    /// A mailbox order with a fresh username (`<prefix><thread>-<n>`) every time.
    Order,
    /// Like `Order`, but waiting `ms` between one connection's requests (a steady rate).
    PacedOrder { ms: u32 },
    /// A GET with Basic credentials for `login` and a new wrong password every time.
    WrongPassword { login: &'static str },
}

impl Scenario {
    fn script(&self) -> String {
        let generator = match self {
            Scenario::Get => String::new(),
            Scenario::Order | Scenario::PacedOrder { .. } => r#"
function request()
  n = n + 1
  local body = '{"owner": {"username": "' .. prefix .. id .. '-' .. n ..
    '", "password": "Bench12345"}, "recipientLimit": 10, "name": {"name": "Load"}}'
  return wrk.format("POST", nil, nil, body)
end
"#
            .to_owned(),
            Scenario::WrongPassword { login } => format!(
                r#"{BASE64}
function request()
  n = n + 1
  local credentials = base64("{login}:wrong-" .. id .. "-" .. n)
  return wrk.format("GET", nil, {{ ["Authorization"] = "Basic " .. credentials }})
end
"#
            ),
        };
        let delay = match self {
            Scenario::PacedOrder { ms } => format!("function delay() return {ms} end\n"),
            _ => String::new(),
        };
        format!("{REPORT}{generator}{delay}")
    }
}

/// One wrk run's figures.
#[derive(Debug, Clone)]
pub struct Run {
    pub requests: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub socket_errors: u64,
    pub statuses: BTreeMap<u16, u64>,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// Answers with `status` per second.
    pub fn status_per_second(&self, status: u16) -> f64 {
        self.statuses.get(&status).copied().unwrap_or(0) as f64 / self.seconds
    }

    /// The statuses as `202×120 503×3` (and socket errors, if any).
    pub fn statuses_text(&self) -> String {
        let mut parts: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        if self.socket_errors > 0 {
            parts.push(format!("socket errors×{}", self.socket_errors));
        }
        parts.join(" ")
    }
}

/// Fails with a clear message when wrk is not installed.
pub fn check_installed() {
    let found = Command::new("wrk").arg("--version").output().is_ok();
    assert!(
        found,
        "the load benchmark drives the server with wrk: apt-get install wrk"
    );
}

/// Runs wrk with `connections` connections (one wrk thread, so the server keeps the other core)
/// for `duration`, and returns its figures.
pub fn run(
    scenario: &Scenario,
    url: &str,
    headers: &[String],
    connections: usize,
    duration: Duration,
    prefix: &str,
) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("scenario.lua");
    std::fs::write(&script, scenario.script()).expect("write script");
    let mut command = Command::new("wrk");
    command
        .args(["-t1", "-c", &connections.to_string()])
        .args(["-d", &format!("{}s", duration.as_secs())])
        .args(["--timeout", "30s", "-s"])
        .arg(&script);
    for h in headers {
        command.args(["-H", h]);
    }
    let out = command
        .arg(url)
        .arg("--")
        .arg(prefix)
        .output()
        .expect("run wrk");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WRKJSON "))
        .unwrap_or_else(|| {
            panic!(
                "wrk printed no figures: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let v: Value = serde_json::from_str(json).expect("wrk's JSON");
    let int = |k: &str| v[k].as_u64().expect(k);
    Run {
        requests: int("requests"),
        seconds: int("duration_us") as f64 / 1e6,
        p50_ms: int("p50_us") as f64 / 1000.0,
        p99_ms: int("p99_us") as f64 / 1000.0,
        socket_errors: int("socket_errors"),
        statuses: v["statuses"]
            .as_object()
            .expect("statuses")
            .iter()
            .map(|(k, n)| (k.parse().expect("status"), n.as_u64().expect("count")))
            .collect(),
    }
}
