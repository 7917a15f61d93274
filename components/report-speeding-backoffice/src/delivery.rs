//! What goes over the wire to deliver a report: GOV.UK Notify's send-an-email request
//! and the webhook alternative, and how their answers are classified.
//!
//! GOV.UK Notify (alphagov/notifications-api, "API documentation: REST"):
//!
//! - `POST {base}/v2/notifications/email` with JSON
//!   `{"email_address", "template_id", "personalisation", "reference"}`; `201 Created`
//!   with `{"id": ...}` on success, `{"status_code", "errors": [{"error", "message"}]}`
//!   otherwise.
//! - An API key is `{key_name}-{service_id}-{secret_key}`, both ids UUIDs: the service
//!   id is the 36 characters before the last 37, the secret the last 36
//!   (notifications-python-client, `authentication.py`).
//! - `Authorization: Bearer <JWT>`, the JWT signed with HS256 and the secret key over
//!   `{"iss": service_id, "iat": <now, epoch seconds>}` with the header
//!   `{"typ": "JWT", "alg": "HS256"}` (RFC 7519; Notify accepts tokens up to 30 s old).
//!
//! The webhook is `POST <webhook_url>` with the report as JSON, the header
//! `Idempotency-Key: <reference>`, and `Webhook-Signature: t=<unix seconds>,v1=<hex>`
//! where `v1` is HMAC-SHA256 (RFC 2104) with `webhook_secret` over `"<t>.<body>"`, so the
//! receiver can check both origin and freshness.
//!
//! GOV.UK Notify does not drop duplicates by `reference`: every accepted request is
//! an e-mail. After an attempt whose outcome is unknown (no answer, a lost connection,
//! a crash), the outbox asks Notify first — `GET {base}/v2/notifications?reference=`,
//! which lists the notifications sent with that reference ("Get the status of multiple
//! messages", `{"notifications": [{"id", "reference", "status", ...}], "links"}`) — and
//! records the one found instead of sending again. A webhook receiver has no such
//! lookup: it gets the reference in the `Idempotency-Key` header (the IETF
//! httpapi-idempotency-key-header draft) and must drop a repeat itself.

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use council_reports::model::{Report, vehicle_label};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The parts of a Notify API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyKey {
    /// The service id (a UUID): the JWT's `iss`.
    pub service_id: String,
    /// The secret key (a UUID): the HS256 key.
    pub secret: String,
}

fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// What is wrong with a Notify API key; never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyKeyError {
    /// Too short, or not text where the two UUIDs should start.
    #[error("notify_api_key is not a Notify API key (key name, service id and secret key)")]
    NotAKey,
    /// The last 73 characters are not two UUIDs joined by `-`.
    #[error("notify_api_key does not end in a service id and a secret key (two UUIDs)")]
    NoServiceIdAndSecret,
}

impl NotifyKey {
    /// Splits `{key_name}-{service_id}-{secret_key}`; the error says what is wrong
    /// without repeating the key.
    pub fn parse(key: &str) -> Result<Self, NotifyKeyError> {
        let key = key.trim();
        if key.len() < 74 || !key.is_char_boundary(key.len() - 73) {
            return Err(NotifyKeyError::NotAKey);
        }
        let secret = &key[key.len() - 36..];
        let service_id = &key[key.len() - 73..key.len() - 37];
        if key.as_bytes()[key.len() - 37] != b'-' || !is_uuid(secret) || !is_uuid(service_id) {
            return Err(NotifyKeyError::NoServiceIdAndSecret);
        }
        Ok(Self {
            service_id: service_id.to_string(),
            secret: secret.to_string(),
        })
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A Notify JWT for `iat` (Unix seconds).
pub fn notify_jwt(key: &NotifyKey, iat: u64) -> String {
    let header = b64url(br#"{"typ":"JWT","alg":"HS256"}"#);
    let claims = b64url(
        json!({"iss": key.service_id, "iat": iat})
            .to_string()
            .as_bytes(),
    );
    let signing_input = format!("{header}.{claims}");
    let signature = hmac_sha256(key.secret.as_bytes(), signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(&signature))
}

/// The Notify template's personalisation: every field of the report as text. A
/// council's template uses `((reference))`, `((council))`, `((address))`, `((where))`,
/// `((when))`, `((vehicles))`, `((description))`, `((answers))` and `((reason))`.
pub fn personalisation(report: &Report) -> Value {
    let answers = report
        .answers
        .iter()
        .map(|a| format!("{} {}", a.question, a.label))
        .collect::<Vec<_>>()
        .join("\n");
    let vehicles = report
        .details
        .vehicles
        .iter()
        .map(|v| vehicle_label(v))
        .collect::<Vec<_>>()
        .join(", ");
    json!({
        "reference": report.reference,
        "council": report.recipient.body_name,
        "address": report.address.single_line,
        "postcode": report.address.postcode.clone().unwrap_or_default(),
        "uprn": report.address.uprn.to_string(),
        "where": report.details.location,
        "when": report.details.when,
        "vehicles": vehicles,
        "description": report.details.description,
        "answers": answers,
        "reason": report.recipient.reason,
        "submitted_at": council_reports::time::rfc3339(report.submitted_at),
    })
}

/// The body of Notify's send-an-email request.
pub fn notify_body(report: &Report, email: &str, template_id: &str) -> Value {
    json!({
        "email_address": email,
        "template_id": template_id,
        "personalisation": personalisation(report),
        "reference": report.reference,
    })
}

/// The webhook's JSON body.
pub fn webhook_body(report: &Report) -> Value {
    json!({
        "type": "report-speeding",
        "reference": report.reference,
        "submitted_at": council_reports::time::rfc3339(report.submitted_at),
        "recipient": {
            "name": report.recipient.body_name,
            "id": report.recipient.body_id,
            "email": report.recipient.email,
            "tier": report.recipient.tier,
            "area_code": report.recipient.area_code,
            "area_name": report.recipient.area_name,
            "rule_id": report.recipient.rule_id,
            "reason": report.recipient.reason,
        },
        "address": report.address,
        "answers": report.answers,
        "details": report.details,
        "personalisation": personalisation(report),
    })
}

/// The `Webhook-Signature` header value for a body sent at `timestamp`.
pub fn webhook_signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut message = timestamp.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    format!(
        "t={timestamp},v1={}",
        hex(&hmac_sha256(secret.as_bytes(), &message))
    )
}

/// What an HTTP answer means for a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: delivered; the receiver's id for it, if it gave one.
    Delivered(Option<String>),
    /// Worth trying again later (network failures, timeouts, 408, 425, 429, 5xx, and
    /// 401/403 which a corrected key fixes); the reason for staff.
    Retry(String),
    /// The receiver refused the request as it stands (other 4xx: a bad address or
    /// template); the reason for staff. Staff may requeue it after fixing the cause.
    Permanent(String),
}

/// Classifies a response. The reason names the status and Notify's error kind and
/// message, which describe the request's shape, never the report's contents.
pub fn classify(status: u16, body: &[u8]) -> Outcome {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    if (200..300).contains(&status) {
        let id = parsed
            .as_ref()
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        return Outcome::Delivered(id);
    }
    let detail = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(Value::as_array)
        .and_then(|errors| errors.first())
        .map(|e| {
            format!(
                "{} {}",
                e.get("error").and_then(Value::as_str).unwrap_or(""),
                e.get("message").and_then(Value::as_str).unwrap_or("")
            )
        })
        .unwrap_or_default();
    // Notify's validation messages can quote the e-mail address it was given; keep
    // the reason short and drop anything that looks like one.
    let detail: String = detail
        .split_whitespace()
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ");
    let reason = if detail.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {detail}")
    };
    let reason: String = reason.chars().take(300).collect();
    match status {
        401 | 403 | 408 | 425 | 429 => Outcome::Retry(reason),
        400..=499 => Outcome::Permanent(reason),
        _ => Outcome::Retry(reason),
    }
}

/// The URL that lists Notify's notifications sent with `reference`.
pub fn notify_lookup_url(base: &str, reference: &str) -> String {
    // References are `SPD-XXXX-XXXX` from a fixed alphabet (model::is_reference): no
    // character needs percent-encoding.
    format!("{base}/v2/notifications?reference={reference}")
}

/// Why Notify's answer to "which notifications have this reference" was not its list.
#[derive(Debug, thiserror::Error)]
pub enum NotifyListError {
    /// Not JSON.
    #[error("Notify's list did not parse: {0}")]
    Unparsable(#[from] serde_json::Error),
    /// JSON without the `notifications` array.
    #[error("Notify's list has no `notifications`")]
    NoNotifications,
}

/// What Notify's list says about a reference: the id of a notification it has for it
/// (then the report is delivered and must not be sent again), or `None`. An answer
/// that is not Notify's list shape is an error: the outbox then sends nothing.
pub fn notification_with_reference(
    body: &[u8],
    reference: &str,
) -> Result<Option<String>, NotifyListError> {
    let list: Value = serde_json::from_slice(body)?;
    let notifications = list
        .get("notifications")
        .and_then(Value::as_array)
        .ok_or(NotifyListError::NoNotifications)?;
    Ok(notifications
        .iter()
        .filter(|n| n.get("reference").and_then(Value::as_str) == Some(reference))
        // Notify could not send it at all ("technical-failure"): sending again is right.
        .filter(|n| n.get("status").and_then(Value::as_str) != Some("technical-failure"))
        .find_map(|n| n.get("id").and_then(Value::as_str).map(str::to_string)))
}

/// Whether the receiver may have the report although the attempt did not end in a
/// success: no answer at all, or a server error, which may come after it stored the
/// request. A 4xx refusal is certain: nothing was accepted.
pub fn outcome_in_doubt(status: Option<u16>) -> bool {
    match status {
        None => true,
        Some(status) => status >= 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "council_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0";

    #[test]
    fn splits_a_notify_api_key() {
        let key = NotifyKey::parse(KEY).unwrap();
        assert_eq!(key.service_id, "26785a09-ab16-4eb0-8407-a37497a57506");
        assert_eq!(key.secret, "3d844edf-8d35-48ac-975b-e847b4f122b0");
        assert!(NotifyKey::parse("nope").is_err());
        assert!(NotifyKey::parse(&KEY.replace("-3d84", "_3d84")).is_err());
        // Errors never echo the key.
        let e = NotifyKey::parse("secret-value-that-is-wrong")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret-value"));
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_jwt_is_hs256_over_iss_and_iat() {
        let key = NotifyKey::parse(KEY).unwrap();
        let token = notify_jwt(&key, 1_700_000_000);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |p: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap()
        };
        let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
        assert_eq!(header, json!({"typ": "JWT", "alg": "HS256"}));
        let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap();
        assert_eq!(claims, json!({"iss": key.service_id, "iat": 1_700_000_000}));
        let expected = hmac_sha256(
            key.secret.as_bytes(),
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
        );
        assert_eq!(decode(parts[2]), expected);
        assert!(!token.contains('='));
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify(201, br#"{"id": "abc"}"#),
            Outcome::Delivered(Some("abc".into()))
        );
        assert_eq!(classify(204, b""), Outcome::Delivered(None));
        assert!(matches!(classify(500, b"oops"), Outcome::Retry(r) if r == "HTTP 500"));
        assert!(matches!(classify(429, b""), Outcome::Retry(_)));
        assert!(matches!(classify(403, b""), Outcome::Retry(_)));
        let bad = classify(
            400,
            br#"{"status_code": 400, "errors": [{"error": "ValidationError", "message": "email_address Not a valid email address: x@y"}]}"#,
        );
        match bad {
            Outcome::Permanent(reason) => {
                assert!(reason.starts_with("HTTP 400: ValidationError"), "{reason}");
                assert!(!reason.contains("x@y"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn webhook_signatures_cover_time_and_body() {
        let a = webhook_signature("s", 10, b"{}");
        assert!(a.starts_with("t=10,v1="));
        assert_ne!(a, webhook_signature("s", 11, b"{}"));
        assert_ne!(a, webhook_signature("s", 10, b"{ }"));
        assert_eq!(a, format!("t=10,v1={}", hex(&hmac_sha256(b"s", b"10.{}"))));
    }

    #[test]
    fn notifys_list_is_read_by_reference() {
        let list = br#"{"notifications": [
            {"id": "a1", "reference": "SPD-2222-3333", "status": "delivered", "type": "email"},
            {"id": "b2", "reference": "SPD-4444-5555", "status": "sending", "type": "email"}
        ], "links": {"current": "/v2/notifications"}}"#;
        assert_eq!(
            notification_with_reference(list, "SPD-4444-5555").unwrap(),
            Some("b2".into())
        );
        assert_eq!(
            notification_with_reference(list, "SPD-9999-9999").unwrap(),
            None
        );
        let empty = br#"{"notifications": [], "links": {}}"#;
        assert_eq!(
            notification_with_reference(empty, "SPD-2222-3333").unwrap(),
            None
        );
        let failed = br#"{"notifications": [{"id": "c3", "reference": "SPD-2222-3333", "status": "technical-failure"}]}"#;
        assert_eq!(
            notification_with_reference(failed, "SPD-2222-3333").unwrap(),
            None
        );
        assert!(notification_with_reference(b"<html>", "SPD-2222-3333").is_err());
        assert!(notification_with_reference(b"{}", "SPD-2222-3333").is_err());
        assert_eq!(
            notify_lookup_url("https://api.notifications.service.gov.uk", "SPD-2222-3333"),
            "https://api.notifications.service.gov.uk/v2/notifications?reference=SPD-2222-3333"
        );
    }

    #[test]
    fn only_refusals_are_certain() {
        assert!(outcome_in_doubt(None));
        assert!(outcome_in_doubt(Some(500)));
        assert!(outcome_in_doubt(Some(503)));
        assert!(!outcome_in_doubt(Some(400)));
        assert!(!outcome_in_doubt(Some(429)));
        assert!(!outcome_in_doubt(Some(201)));
    }
}
