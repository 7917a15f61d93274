//! The records, enums and error cases of `council:contacts/directory` (see
//! `wit/contacts/directory.wit`), in the shape wit-bindgen gives them, so that the
//! contact-fetch component binds these types directly (wit-bindgen's `with:`
//! remapping) instead of copying generated twins. Enum values serialise as the WIT
//! case names (`parish-council`), which is also the plain JSON rendering served over
//! HTTP.
//!
//! The shape is what wit-bindgen's generated lift and lower code builds and takes
//! apart by name: WIT `kebab-case` fields become `snake_case` fields, `option<T>` is
//! `Option<T>`, `list<T>` is `Vec<T>`, a variant's cases are `UpperCamelCase` tuple
//! variants, and an `enum` is a fieldless enum whose cases are declared in the WIT's
//! order: it crosses the ABI as its discriminant, lowered with `as` and lifted with
//! its `_lift` function, the one item wit-bindgen asks of a remapped type beyond its
//! shape.

use serde::{Deserialize, Serialize};

/// A way to reach a person or an office (WIT `contact-details`). Absent fields were
/// not published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactDetails {
    /// The person's name (`Jane Smith`), if published.
    pub name: Option<String>,
    /// Their role (`Clerk`, `Contact centre`).
    pub role: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Telephone number, as published.
    pub phone: Option<String>,
    /// Postal address lines (never a home address unless personal details are on).
    pub address: Vec<String>,
    /// Postcode of the postal address.
    pub postcode: Option<String>,
}

impl ContactDetails {
    /// True when nothing at all was published.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.role.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.address.is_empty()
            && self.postcode.is_none()
    }

    /// Fills every field that is absent here from `other`.
    pub fn fill_from(&mut self, other: &ContactDetails) {
        fn fill(a: &mut Option<String>, b: &Option<String>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        fill(&mut self.name, &other.name);
        fill(&mut self.role, &other.role);
        fill(&mut self.email, &other.email);
        fill(&mut self.phone, &other.phone);
        if self.address.is_empty() {
            self.address.clone_from(&other.address);
        }
        fill(&mut self.postcode, &other.postcode);
    }
}

/// The tier of a council body (WIT `body-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyKind {
    /// A parish, town, community, neighbourhood or village council.
    ParishCouncil,
    /// A district, borough or city council, metropolitan district or London borough.
    DistrictCouncil,
    /// A county council.
    CountyCouncil,
    /// A unitary authority.
    UnitaryCouncil,
    /// Any other body (a parish meeting, a joint committee).
    Other,
}

impl BodyKind {
    /// The case with discriminant `val` (its position in WIT `body-kind`): how
    /// wit-bindgen's generated code lifts this enum in the components that bind it.
    #[doc(hidden)]
    pub const fn _lift(val: u8) -> Self {
        match val {
            0 => BodyKind::ParishCouncil,
            1 => BodyKind::DistrictCouncil,
            2 => BodyKind::CountyCouncil,
            3 => BodyKind::UnitaryCouncil,
            4 => BodyKind::Other,
            _ => panic!("invalid `body-kind` discriminant"),
        }
    }
}

/// A council body and how to contact it (WIT `body`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// The source's identifier (a ModernGov parish `ID`, or the directory's `id`).
    pub id: String,
    /// The body's name as the source gives it.
    pub name: String,
    /// The body's tier.
    pub kind: BodyKind,
    /// GSS code of the area the body serves (`E04000011`), if known.
    #[serde(default)]
    pub gss_code: Option<String>,
    /// The body's website.
    #[serde(default)]
    pub website: Option<String>,
    /// The body's general contact; for a parish council, usually its clerk.
    #[serde(default)]
    pub contact: ContactDetails,
}

/// Where an answer came from (WIT `source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The council's ModernGov web service or parish pages.
    Moderngov,
    /// The static directory in the data mount.
    Directory,
}

impl Source {
    /// The case with discriminant `val` (its position in WIT `source`): how
    /// wit-bindgen's generated code lifts this enum in the components that bind it.
    #[doc(hidden)]
    pub const fn _lift(val: u8) -> Self {
        match val {
            0 => Source::Moderngov,
            1 => Source::Directory,
            _ => panic!("invalid `source` discriminant"),
        }
    }
}

/// Provenance of an answer (WIT `provenance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Which source answered.
    pub source: Source,
    /// The upstream URL that was (or would be) fetched; absent for the directory.
    pub url: Option<String>,
    /// When the data was fetched or the directory file last modified (Unix seconds).
    pub fetched_at: u64,
    /// Age of the data in seconds when this answer was given.
    pub age_seconds: u64,
    /// True when an expired cached copy was served because the upstream failed.
    pub stale: bool,
    /// Why a stale answer was served.
    pub stale_reason: Option<String>,
}

/// A body with provenance (WIT `body-answer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyAnswer {
    /// The body found.
    pub body: Body,
    /// Where it came from.
    pub provenance: Provenance,
}

/// Every body the source lists, with provenance (WIT `body-list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyList {
    /// The bodies, in the source's order.
    pub bodies: Vec<Body>,
    /// Where they came from.
    pub provenance: Provenance,
}

/// How to identify a body (WIT `body-query`): GSS code first, else the normalised name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyQuery {
    /// GSS code of the area the body serves.
    pub gss_code: Option<String>,
    /// The body's name or the area's name.
    pub name: Option<String>,
    /// Restrict the match to one tier.
    pub kind: Option<BodyKind>,
}

/// A councillor's term of office (WIT `term`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Start date, `YYYY-MM-DD`.
    pub start: Option<String>,
    /// End date, `YYYY-MM-DD`; absent when open-ended (ModernGov's `unspecified`).
    pub end: Option<String>,
}

/// A councillor (WIT `councillor`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Councillor {
    /// ModernGov's councillor identifier.
    pub id: String,
    /// Full name as published.
    pub name: String,
    /// Political party or group.
    pub party: Option<String>,
    /// The ward or division represented.
    pub ward: Option<String>,
    /// Key posts held.
    pub key_posts: Option<String>,
    /// Work contact: e-mail, work phone and the work address.
    pub work: ContactDetails,
    /// Home contact; empty unless the council has switched personal details on.
    pub home: ContactDetails,
    /// URL of the councillor's photo.
    pub photo_url: Option<String>,
    /// Terms of office.
    pub terms: Vec<Term>,
}

/// A ward and its councillors (WIT `ward`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ward {
    /// The ward's name as ModernGov gives it.
    pub name: String,
    /// The councillors, in published order.
    pub councillors: Vec<Councillor>,
}

/// Councillors grouped by ward, with provenance (WIT `councillor-answer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouncillorAnswer {
    /// The wards found (empty when none matched).
    pub wards: Vec<Ward>,
    /// Where they came from.
    pub provenance: Provenance,
}

/// Errors raised by the interface (WIT `error`), one variant per case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", content = "message", rename_all = "kebab-case")]
pub enum Error {
    /// Occurs when the query cannot be answered as given (no code or name; an invalid
    /// postcode); the string says why.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// Occurs when the upstream could not be reached, timed out or answered with an
    /// HTTP error and there is no cached copy; the string names the URL and failure.
    #[error("upstream unavailable: {0}")]
    UpstreamUnavailable(String),
    /// Occurs when the upstream answered with something other than what was asked for
    /// (an HTML error page, a redirect stub, malformed XML) and there is no cached
    /// copy; the string names the URL and the problem.
    #[error("upstream invalid: {0}")]
    UpstreamInvalid(String),
    /// Occurs when a setting is missing or invalid, or the directory file cannot be
    /// read; the string names the setting or file.
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// Occurs when the function needs ModernGov but the directory source is configured.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Any other failure; the string is for people, not part of the contract.
    #[error("{0}")]
    Other(String),
}
