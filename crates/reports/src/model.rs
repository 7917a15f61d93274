//! What the service keeps, as JSON, in two key-value stores, and the rules for the keys.
//!
//! The store `drafts` holds journeys in progress, which anyone can start:
//!
//! | key | value | lifetime |
//! |---|---|---|
//! | `draft:<id>` | [`Draft`]: the answers of one journey, created at its first answer | until [`DRAFT_TTL_SECONDS`] after its last change; then removed by the journey's housekeeping |
//! | `submission:<draft id>` | the reference number the draft was submitted as (one report per draft, whatever is POSTed twice) | as long as the draft |
//! | `new-drafts:<client>:<window>` | how many drafts a client address started in a [`NEW_DRAFT_WINDOW_SECONDS`] window | until the window after next; then removed by the housekeeping |
//!
//! The store `reports` holds what was submitted, which only staff may read:
//!
//! | key | value | lifetime |
//! |---|---|---|
//! | `reference:<ref>` | the draft id that reserved the reference number | as long as the report |
//! | `report:<ref>` | [`Report`]: what was reported, where it goes, its delivery state | until `report_retention_days` after submission, once delivered or failed |
//! | `outbox-index` | [`OutboxIndex`]: the references still to be delivered | one key, always |
//! | `metric:delivery-attempts:<method>:<result>` | how many delivery attempts by `notify`, `webhook` or `unconfigured` ended `delivered`, `retrying` or `failed` (decimal, `increment`ed by every instance on every host) | always |
//!
//! A report enters the outbox index before its `report:` key is written, so a crash
//! between the two leaves an index entry without a report (removed by the outbox once
//! it is [`ORPHAN_OUTBOX_SECONDS`] old), never a queued report that nothing will
//! deliver. The outbox reads the index, never the whole store, so the cost of a run
//! does not grow with the number of drafts or of reports kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How long a journey's answers are kept after its last change.
pub const DRAFT_TTL_SECONDS: u64 = 2 * 60 * 60;

/// An outbox entry without its report is removed once it is this old (a submission
/// that stopped between writing the two; the citizen never saw a confirmation).
pub const ORPHAN_OUTBOX_SECONDS: u64 = 10 * 60;

/// The window over which new drafts are counted per client address.
pub const NEW_DRAFT_WINDOW_SECONDS: u64 = 10 * 60;

/// The store of journeys in progress.
pub const DRAFTS_STORE: &str = "drafts";

/// The store of submitted reports.
pub const REPORTS_STORE: &str = "reports";

/// The address a report is about, as the gazetteer gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChosenAddress {
    /// The property's UPRN.
    pub uprn: u64,
    /// The address on one line.
    pub single_line: String,
    /// Its postcode.
    pub postcode: Option<String>,
    /// WGS84 longitude.
    pub longitude: f64,
    /// WGS84 latitude.
    pub latitude: f64,
}

/// The details page's answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// Where on the road the speeding happens.
    pub location: String,
    /// When it happens.
    pub when: String,
    /// The kinds of vehicle, as [`VEHICLES`] values.
    pub vehicles: Vec<String>,
    /// What happens, in the reporter's words.
    pub description: String,
}

/// The vehicle types a reporter can tick: value, label.
pub const VEHICLES: &[(&str, &str)] = &[
    ("cars", "Cars"),
    ("motorbikes", "Motorbikes"),
    ("vans", "Vans"),
    ("lorries", "Lorries and HGVs"),
    ("buses", "Buses and coaches"),
    ("other", "Other vehicles"),
];

/// The label of a vehicle value.
pub fn vehicle_label(value: &str) -> &str {
    VEHICLES
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, l)| *l)
        .unwrap_or(value)
}

/// One journey in progress, kept server-side under `draft:<id>`; the id is in a cookie.
///
/// The forms of the journey carry [`form_token`] of the id, which needs no storage,
/// so a journey costs nothing in the store until its first answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// When the journey started, Unix seconds.
    pub created_at: u64,
    /// When it last changed, Unix seconds.
    pub updated_at: u64,
    /// The postcode searched for (no-JavaScript path).
    pub postcode: Option<String>,
    /// The address chosen.
    pub address: Option<ChosenAddress>,
    /// Answers to the routing questions: question id → option value.
    pub answers: BTreeMap<String, String>,
    /// The details page.
    pub details: Option<Details>,
    /// Set once submitted: the reference number.
    pub submitted: Option<String>,
}

/// The token every form of a journey carries: CSRF protection (with the `SameSite`
/// cookie) and the idempotency key of the submission. It is derived from the draft id,
/// which only the `HttpOnly` cookie holds, so a page on another site can neither read
/// nor compute it (the OWASP "double submit cookie" pattern, hashed).
pub fn form_token(draft_id: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("report-speeding form token\0{draft_id}"));
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets (tokens) in time that does not depend on where they differ:
/// both are hashed first, so neither their contents nor their lengths leak.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use sha2::Digest as _;
    let a = sha2::Sha256::digest(a);
    let b = sha2::Sha256::digest(b);
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Whether text is a draft id: 128 random bits in lower-case hex (cookies and keys).
pub fn is_draft_id(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A report's delivery state, as staff see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Waiting to be delivered (first attempt, or retrying after a failure).
    Queued,
    /// The receiver accepted it (a 2xx answer).
    Delivered,
    /// It cannot be delivered without staff action (no contact e-mail; the receiver
    /// rejected it permanently); `last_error` says why.
    Failed,
}

impl Status {
    /// The word staff see.
    pub fn label(self) -> &'static str {
        match self {
            Status::Queued => "Queued",
            Status::Delivered => "Delivered",
            Status::Failed => "Failed",
        }
    }
}

/// One routing question and the reporter's answer, with the texts they saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnsweredQuestion {
    /// The question's id (`speed-limit`).
    pub id: String,
    /// The question as asked.
    pub question: String,
    /// The option value chosen.
    pub value: String,
    /// The option's label.
    pub label: String,
}

/// Who the report goes to, as routing and the contact directory decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The tier (`parish`, `district`, `county`).
    pub tier: String,
    /// The GSS code of the area whose council handles it.
    pub area_code: String,
    /// That area's name (`Partington`).
    pub area_name: String,
    /// The body's name from the contact directory (`Partington Town Council`), or
    /// "the council for <area>" when the directory has no entry.
    pub body_name: String,
    /// The directory's id for the body.
    pub body_id: Option<String>,
    /// The body's contact e-mail address, once known.
    pub email: Option<String>,
    /// The contacts source could not be asked at submission: the journey's
    /// housekeeping looks the contact up again, and the outbox waits for it.
    #[serde(default)]
    pub contact_pending: bool,
    /// The routing rule that decided.
    pub rule_id: String,
    /// Why, in words.
    pub reason: String,
}

/// Delivery bookkeeping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due, Unix seconds.
    pub next_attempt_at: u64,
    /// Until when an attempt in progress holds the report (Unix seconds); others leave
    /// it alone until then.
    pub lease_until: u64,
    /// Why the last attempt failed (no personal data: status codes and error kinds).
    pub last_error: Option<String>,
    /// When it was delivered, Unix seconds.
    pub delivered_at: Option<u64>,
    /// The receiver's id for it (Notify's notification id).
    pub receipt: Option<String>,
    /// How it was (or is to be) delivered: `notify` or `webhook`.
    pub method: Option<String>,
    /// A request may have reached the receiver without an answer saying so (a timeout,
    /// a lost connection, a crash mid-attempt): before sending again, the outbox asks
    /// the receiver whether it has the report (GOV.UK Notify's
    /// `GET /v2/notifications?reference=`), so it is not sent twice.
    #[serde(default)]
    pub in_doubt: bool,
}

/// A submitted report: `report:<reference>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The reference number (`SPD-7K3M-Q2XA`), also the idempotency key of delivery.
    pub reference: String,
    /// When it was submitted, Unix seconds.
    pub submitted_at: u64,
    /// Its delivery state.
    pub status: Status,
    /// The address.
    pub address: ChosenAddress,
    /// The routing answers.
    pub answers: Vec<AnsweredQuestion>,
    /// The details.
    pub details: Details,
    /// Who it goes to.
    pub recipient: Recipient,
    /// Delivery bookkeeping.
    pub delivery: Delivery,
}

/// `outbox-index` in the `reports` store: the references still to be delivered, each
/// with when it entered the outbox (Unix seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxIndex {
    /// Reference → when it was queued.
    pub pending: BTreeMap<String, u64>,
}

/// Key helpers: the `drafts` store's, then the `reports` store's.
pub mod keys {
    /// `draft:<id>` (drafts).
    pub fn draft(id: &str) -> String {
        format!("draft:{id}")
    }
    /// `submission:<draft id>` (drafts).
    pub fn submission(draft_id: &str) -> String {
        format!("submission:{draft_id}")
    }
    /// `new-drafts:<client>:<window>` (drafts).
    pub fn new_drafts(client: &str, window: u64) -> String {
        format!("{NEW_DRAFTS_PREFIX}{client}:{window}")
    }
    /// The prefix of draft keys.
    pub const DRAFT_PREFIX: &str = "draft:";
    /// The prefix of submission keys.
    pub const SUBMISSION_PREFIX: &str = "submission:";
    /// The prefix of the new-draft counters.
    pub const NEW_DRAFTS_PREFIX: &str = "new-drafts:";
    /// Where the housekeeping's walk through the drafts store stopped (drafts).
    pub const HOUSEKEEPING: &str = "housekeeping";

    /// `reference:<ref>` (reports).
    pub fn reference(reference: &str) -> String {
        format!("reference:{reference}")
    }
    /// `report:<ref>` (reports).
    pub fn report(reference: &str) -> String {
        format!("report:{reference}")
    }
    /// The outbox index (reports).
    pub const OUTBOX_INDEX: &str = "outbox-index";
    /// The prefix of report keys.
    pub const REPORT_PREFIX: &str = "report:";
    /// When the retention purge last ran (reports).
    pub const PURGE: &str = "retention-purge";
    /// `metric:delivery-attempts:<method>:<result>` (reports): a counter.
    pub fn delivery_attempts(method: &str, result: &str) -> String {
        format!("metric:delivery-attempts:{method}:{result}")
    }
}

/// The alphabet of reference numbers: digits and capitals without the look-alikes
/// 0/O, 1/I/L and U (Crockford's base 32 drops the same but keeps U), 30 symbols.
pub const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A reference number from 8 random bytes: `SPD-` and two groups of four symbols
/// (30^8, about 6.6 × 10^11 numbers; uniqueness is still checked on reservation).
pub fn reference_from(random: [u8; 8]) -> String {
    let mut n = u64::from_le_bytes(random);
    let mut symbols = [0u8; 8];
    for s in &mut symbols {
        // The modulo bias of 2^64 mod 30 is below 10^-17: negligible.
        *s = REFERENCE_ALPHABET[(n % 30) as usize];
        n /= 30;
    }
    let text = String::from_utf8_lossy(&symbols).into_owned();
    format!("SPD-{}-{}", &text[..4], &text[4..])
}

/// Whether text is a well-formed reference number (for URLs and lookups).
pub fn is_reference(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 13
        && text.starts_with("SPD-")
        && b[8] == b'-'
        && b[4..8]
            .iter()
            .chain(&b[9..13])
            .all(|c| REFERENCE_ALPHABET.contains(c))
}

/// Exponential back-off with jitter: the delay before attempt `attempts + 1`, given
/// `attempts` failures so far and a random number in `[0, 1)`.
///
/// The ceiling doubles from 10 s up to one hour; the delay is drawn from the upper
/// half of it ("equal jitter", AWS Architecture Blog, "Exponential Backoff and
/// Jitter", 2015), so retries of many reports spread out but none comes back at once.
pub fn backoff_seconds(attempts: u32, random: f64) -> u64 {
    const BASE: u64 = 10;
    const CAP: u64 = 3600;
    let exponent = attempts.saturating_sub(1).min(20);
    let ceiling = BASE.saturating_mul(1u64 << exponent).min(CAP);
    let half = ceiling / 2;
    half + (random.clamp(0.0, 0.999_999) * half as f64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_well_formed_and_vary() {
        let a = reference_from([0; 8]);
        let b = reference_from([1, 2, 3, 4, 5, 6, 7, 8]);
        let c = reference_from([255; 8]);
        for r in [&a, &b, &c] {
            assert!(is_reference(r), "{r}");
        }
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_eq!(a, "SPD-2222-2222");
        assert!(!is_reference("SPD-0000-0000"));
        assert!(!is_reference("SPD-2222_2222"));
        assert!(!is_reference("../etc/passwd"));
    }

    #[test]
    fn form_tokens_depend_on_the_draft_id_only() {
        let a = form_token("0123456789abcdef0123456789abcdef");
        assert_eq!(a.len(), 32);
        assert_eq!(a, form_token("0123456789abcdef0123456789abcdef"));
        assert_ne!(a, form_token("0123456789abcdef0123456789abcdee"));
        assert!(is_draft_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_draft_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_draft_id("../etc/passwd"));
    }

    #[test]
    fn secrets_compare() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"x"));
    }

    #[test]
    fn records_written_before_these_fields_still_read() {
        // A report stored by the release before `contact_pending` and `in_doubt`.
        let old = r#"{"attempts":1,"next_attempt_at":5,"lease_until":0,"last_error":null,"delivered_at":null,"receipt":null,"method":"notify"}"#;
        let delivery: Delivery = serde_json::from_str(old).unwrap();
        assert!(!delivery.in_doubt);
    }

    #[test]
    fn backoff_grows_to_an_hour_with_jitter() {
        assert_eq!(backoff_seconds(1, 0.0), 5);
        assert_eq!(backoff_seconds(1, 0.99), 9);
        assert_eq!(backoff_seconds(2, 0.0), 10);
        assert_eq!(backoff_seconds(4, 0.0), 40);
        assert_eq!(backoff_seconds(30, 0.0), 1800);
        assert!(backoff_seconds(30, 0.999) < 3600);
        // Never zero, never past the cap.
        for n in 0..64 {
            let d = backoff_seconds(n, 0.5);
            assert!((5..3600).contains(&d), "{n}: {d}");
        }
    }

    #[test]
    fn reports_round_trip_as_json() {
        let report = Report {
            reference: "SPD-2222-2222".into(),
            submitted_at: 1,
            status: Status::Queued,
            address: ChosenAddress {
                uprn: 1,
                single_line: "1 HIGH STREET".into(),
                postcode: Some("M31 4AN".into()),
                longitude: -2.4,
                latitude: 53.4,
            },
            answers: vec![],
            details: Details::default(),
            recipient: Recipient {
                tier: "parish".into(),
                area_code: "E04000011".into(),
                area_name: "Partington".into(),
                body_name: "Partington Town Council".into(),
                body_id: None,
                email: None,
                contact_pending: false,
                rule_id: "r".into(),
                reason: "r".into(),
            },
            delivery: Delivery::default(),
        };
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""status":"queued""#));
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
    }
}
