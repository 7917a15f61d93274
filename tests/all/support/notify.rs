//! A GOV.UK Notify stand-in (and webhook receiver): a real HTTP/1.1 server on
//! `127.0.0.1` that checks what report-speeding sends and records every request.
//!
//! - `POST /v2/notifications/email`: the `Authorization: Bearer <JWT>` must be an HS256
//!   JWT over `{"iss": <service id>, "iat": <now ± 30 s>}` signed with the secret of
//!   [`API_KEY`], as Notify's API checks it (notifications-api, `app/authentication`);
//!   otherwise `403` with Notify's error shape. The body must have `email_address`,
//!   `template_id` and `personalisation`. On success: `201` with a notification `id`.
//! - Any other `POST` is a webhook delivery: when a webhook secret is set, the
//!   `Webhook-Signature: t=..,v1=..` header must be HMAC-SHA256 over `"<t>.<body>"`.
//!
//! [`NotifyStandIn::fail_next`] makes the next requests fail with a status (after the
//! request is read, so the sender sees a real HTTP error), to test retries.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

/// The Notify API key the tests configure: `{key_name}-{service_id}-{secret_key}`.
pub const API_KEY: &str = "report_speeding_test-5f0b7a4e-2c1d-4e8f-9a6b-3d2c1b0a9f8e-9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f";
/// The service id part of [`API_KEY`].
pub const SERVICE_ID: &str = "5f0b7a4e-2c1d-4e8f-9a6b-3d2c1b0a9f8e";
/// The secret part of [`API_KEY`].
pub const SECRET: &str = "9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f";
/// The template id the tests configure.
pub const TEMPLATE_ID: &str = "0d3a0c3e-6f7a-4a57-9c4e-2b1a5c6d7e8f";

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request path.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body as JSON (`null` when it was not JSON).
    pub body: Value,
    /// The status the stand-in answered.
    pub status: u16,
    /// Why it was refused, if it was.
    pub problem: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    /// Statuses to answer with before accepting again.
    failures: Vec<u16>,
    webhook_secret: Option<String>,
    next_id: u64,
}

/// The running stand-in; stopped when dropped.
#[derive(Debug)]
pub struct NotifyStandIn {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl NotifyStandIn {
    /// Starts on a free port.
    pub fn start() -> Self {
        Self::start_on(0).expect("binding 127.0.0.1:0")
    }

    /// A free port with nothing listening on it (to start on later: "Notify is down").
    pub fn reserve_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.local_addr().expect("local address").port()
    }

    /// Starts on a given port (0 for any).
    pub fn start_on(port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (state2, stop2) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = state2.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Ok(Self { addr, state, stop })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Checks webhook signatures with this secret.
    pub fn set_webhook_secret(&self, secret: &str) {
        self.lock().webhook_secret = Some(secret.to_string());
    }

    /// Answers the next `statuses.len()` requests with these statuses.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.lock().failures.extend_from_slice(statuses);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// The requests it accepted (2xx).
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .collect()
    }

    /// Accepted notifications for one reference (Notify's `reference`, or the webhook's).
    pub fn accepted_for(&self, reference: &str) -> Vec<Received> {
        self.accepted()
            .into_iter()
            .filter(|r| r.body["reference"] == reference)
            .collect()
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
}

impl Drop for NotifyStandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
    }
}

fn b64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
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

/// Checks a Notify bearer token as Notify does; the reason when it is refused.
pub fn check_jwt(authorization: Option<&str>) -> Result<(), String> {
    let token = authorization
        .and_then(|a| a.strip_prefix("Bearer "))
        .ok_or("no bearer token")?;
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("not a JWT".into());
    };
    let header: Value = serde_json::from_slice(&b64(header).ok_or("header not base64url")?)
        .map_err(|e| e.to_string())?;
    if header["alg"] != "HS256" || header["typ"] != "JWT" {
        return Err(format!("header {header}"));
    }
    let expected = hmac_sha256(
        SECRET.as_bytes(),
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
    );
    if b64(signature).as_deref() != Some(expected.as_slice()) {
        return Err("bad signature".into());
    }
    let claims: Value = serde_json::from_slice(&b64(claims).ok_or("claims not base64url")?)
        .map_err(|e| e.to_string())?;
    if claims["iss"] != SERVICE_ID {
        return Err(format!("iss {}", claims["iss"]));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    if (now - iat).abs() > 30 {
        return Err(format!("iat {iat} is more than 30 s from now ({now})"));
    }
    Ok(())
}

fn check_webhook(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), String> {
    let header = header.ok_or("no webhook-signature")?;
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_string()),
            Some(("v1", value)) => v1 = Some(value.to_string()),
            _ => {}
        }
    }
    let (t, v1) = (t.ok_or("no t")?, v1.ok_or("no v1")?);
    let mut message = t.into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    let expected: String = hmac_sha256(secret.as_bytes(), &message)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if expected != v1 {
        return Err("bad webhook signature".into());
    }
    Ok(())
}

/// Method, path, headers (names lower-cased) and body of one HTTP/1.1 request.
type RawRequest = (String, String, BTreeMap<String, String>, Vec<u8>);

fn read_request(stream: &TcpStream) -> std::io::Result<RawRequest> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let mut body = Vec::new();
    if let Some(length) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        // RFC 9112 §7.1.
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Ok((method, path, headers, body))
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok((method, path, headers, body)) = read_request(&stream) else {
        return;
    };
    let json_body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (status, answer, problem) = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let problem = if method != "POST" {
            Some(format!("method {method}"))
        } else if path == "/v2/notifications/email" {
            check_jwt(headers.get("authorization").map(String::as_str))
                .err()
                .or_else(|| {
                    ["email_address", "template_id", "personalisation"]
                        .iter()
                        .find(|k| json_body.get(**k).is_none())
                        .map(|k| format!("the body has no {k}"))
                })
        } else {
            state.webhook_secret.clone().and_then(|secret| {
                check_webhook(
                    &secret,
                    headers.get("webhook-signature").map(String::as_str),
                    &body,
                )
                .err()
            })
        };
        let (status, answer) = if let Some(problem) = &problem {
            let kind = if problem.contains("body") {
                "ValidationError"
            } else {
                "AuthError"
            };
            let status = if kind == "AuthError" { 403 } else { 400 };
            (
                status,
                json!({"status_code": status, "errors": [{"error": kind, "message": problem}]}),
            )
        } else if !state.failures.is_empty() {
            let status = state.failures.remove(0);
            (
                status,
                json!({"status_code": status, "errors": [{"error": "Exception", "message": "Internal server error"}]}),
            )
        } else {
            state.next_id += 1;
            (
                201,
                json!({
                    "id": format!("00000000-0000-4000-8000-{:012}", state.next_id),
                    "reference": json_body["reference"],
                    "content": {"subject": "Speeding report", "body": "", "from_email": "council@notifications.service.gov.uk"},
                    "uri": format!("/v2/notifications/{}", state.next_id),
                    "template": {"id": json_body["template_id"], "version": 1, "uri": ""},
                }),
            )
        };
        state.received.push(Received {
            path: path.clone(),
            headers: headers.clone(),
            body: json_body,
            status,
            problem: problem.clone(),
        });
        (status, answer, problem)
    };
    let _ = problem;
    let text = answer.to_string();
    let reason = match status {
        201 => "Created",
        400 => "Bad Request",
        403 => "Forbidden",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.flush();
}
