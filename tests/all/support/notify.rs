//! The GOV.UK Notify stand-in, for tests: `scripts/notify-standin.py` (the one the demo
//! and the bench run too) in a child process on a free port, driven through its
//! `/_standin/` controls and stopped when dropped.
//!
//! It checks Notify's JWT and request shape, answers `GET /v2/notifications?reference=`
//! as Notify does, receives webhooks (checking their signature once a secret is set),
//! and can fail or hold the next requests (see the script's documentation).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use super::workspace_root;

/// The Notify API key the tests configure: `{key_name}-{service_id}-{secret_key}`.
pub const API_KEY: &str = "report_speeding_test-5f0b7a4e-2c1d-4e8f-9a6b-3d2c1b0a9f8e-9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f";
/// The template id the tests configure.
pub const TEMPLATE_ID: &str = "0d3a0c3e-6f7a-4a57-9c4e-2b1a5c6d7e8f";

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The method.
    pub method: String,
    /// The request path (with its query).
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: serde_json::Map<String, Value>,
    /// The body as JSON (`null` when it was not JSON or empty).
    pub body: Value,
    /// The status the stand-in answered.
    pub status: u16,
    /// Why it was refused, if it was.
    pub problem: Option<String>,
}

/// The running stand-in; stopped when dropped.
#[derive(Debug)]
pub struct NotifyStandIn {
    child: Child,
    origin: String,
}

impl NotifyStandIn {
    /// Starts on a free port, with its inbox in a scratch file.
    pub fn start() -> Self {
        Self::start_on(0).expect("starting scripts/notify-standin.py")
    }

    /// A free port with nothing listening on it (to start on later: "Notify is down").
    pub fn reserve_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.local_addr().expect("local address").port()
    }

    /// Starts on a given port (0 for any).
    pub fn start_on(port: u16) -> std::io::Result<Self> {
        let store = super::scratch_dir(&format!("notify-{}", super::unique())).join("inbox.jsonl");
        Self::start_with_store(port, &store)
    }

    /// Starts on `port` with its inbox in `store`.
    pub fn start_with_store(port: u16, store: &Path) -> std::io::Result<Self> {
        let mut child = Command::new("python3")
            .arg(workspace_root().join("scripts/notify-standin.py"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--api-key", API_KEY])
            .arg("--store")
            .arg(store)
            .stdout(Stdio::piped())
            .spawn()?;
        super::stop_at_exit(child.id());
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line)?;
        let origin = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|url| url.starts_with("http://"))
            .map(str::to_string);
        match origin {
            Some(origin) => Ok(Self { child, origin }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(std::io::Error::other(format!(
                    "notify-standin printed {line:?}"
                )))
            }
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        self.origin.clone()
    }

    fn control(&self, name: &str, body: Value) {
        ureq::post(&format!("{}/_standin/{name}", self.origin))
            .send_json(body)
            .unwrap_or_else(|e| panic!("stand-in control {name}: {e}"));
    }

    /// Checks webhook signatures with this secret.
    pub fn set_webhook_secret(&self, secret: &str) {
        self.control("webhook-secret", json!({"secret": secret}));
    }

    /// Answers the next `statuses.len()` requests with these statuses.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.control("fail-next", json!({"statuses": statuses}));
    }

    /// Accepts the next `count` e-mails at once but answers each only after `seconds`.
    pub fn hold(&self, seconds: f64, count: usize) {
        self.control("hold", json!({"seconds": seconds, "count": count}));
    }

    /// Every request so far (controls and inbox reads excepted).
    pub fn received(&self) -> Vec<Received> {
        let list: Value = ureq::get(&format!("{}/_standin/received", self.origin))
            .call()
            .expect("the stand-in answers")
            .into_json()
            .expect("JSON");
        list.as_array()
            .expect("a list")
            .iter()
            .map(|r| Received {
                method: r["method"].as_str().unwrap_or("").to_string(),
                path: r["path"].as_str().unwrap_or("").to_string(),
                headers: r["headers"].as_object().cloned().unwrap_or_default(),
                body: r["body"].clone(),
                status: r["status"].as_u64().unwrap_or(0) as u16,
                problem: r["problem"].as_str().map(str::to_string),
            })
            .collect()
    }

    /// The POSTs it accepted (2xx): e-mails and webhook deliveries.
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.method == "POST" && (200..300).contains(&r.status))
            .collect()
    }

    /// Accepted POSTs for one reference (Notify's `reference`, or the webhook's).
    pub fn accepted_for(&self, reference: &str) -> Vec<Received> {
        self.accepted()
            .into_iter()
            .filter(|r| r.body["reference"] == reference)
            .collect()
    }

    /// The lookups by reference it answered.
    pub fn lookups_for(&self, reference: &str) -> usize {
        self.received()
            .iter()
            .filter(|r| {
                r.method == "GET" && r.path == format!("/v2/notifications?reference={reference}")
            })
            .count()
    }

    /// Waits until `count` accepted requests carry `reference`.
    pub fn wait_for(&self, reference: &str, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.accepted_for(reference);
            if found.len() >= count || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The inbox, as `/inbox.json` gives it.
    pub fn inbox(&self) -> Vec<Value> {
        let body: Value = ureq::get(&format!("{}/inbox.json", self.origin))
            .call()
            .expect("the stand-in answers")
            .into_json()
            .expect("JSON");
        body.as_array().cloned().unwrap_or_default()
    }
}

impl Drop for NotifyStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        super::forget_at_exit(self.child.id());
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// A bearer token for a Notify API key (`{key_name}-{service_id}-{secret_key}`), made as
/// notifications-python-client makes it: HS256 over `{"iss": service_id, "iat": now}`.
pub fn jwt_for(api_key: &str) -> String {
    let (service_id, secret) = (
        &api_key[api_key.len() - 73..api_key.len() - 37],
        &api_key[api_key.len() - 36..],
    );
    let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = encode(
        json!({"iss": service_id, "iat": now})
            .to_string()
            .as_bytes(),
    );
    let signature = encode(&hmac_sha256(
        secret.as_bytes(),
        format!("{header}.{claims}").as_bytes(),
    ));
    format!("{header}.{claims}.{signature}")
}
