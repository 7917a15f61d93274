//! Open Referral UK (HSDS 3.0 UK profile) rendering of a body and its contact.
//!
//! Field names follow the profile's schemas in `OpenReferralUK/uk-profile`
//! (`schema/organization.json`, `schema/contact.json`, `schema/phone.json`,
//! `schema/compiled/organization.json` for `organization_identifiers`):
//!
//! - `organization {id, name, description, email, website, organization_identifiers}`
//!   — `id`, `name` and `description` are required; the profile has no
//!   `organization.contacts` and no `contact.email`, so the clerk's e-mail is the
//!   organisation's `email`;
//! - `contact {id, name, title}` — the person and their role (`title` is the job
//!   title); `service_id` is left out because these bodies have no service record;
//! - `phone {id, contact_id, number, description}`;
//! - `organization_identifier {id, organization_id, identifier_type, identifier}`
//!   for the GSS code (org-id.guide has no scheme for GSS codes, so
//!   `identifier_scheme` is left out and `identifier_type` is `GSS code`).
//!
//! Identifiers must be UUIDs; they are UUID v5 (RFC 9562 §5.5) of a name built from
//! the body's GSS code (or source id) so they are stable across answers. `uri` (a
//! persistent organisation identifier such as an Open Corporates URI) is left out:
//! the sources give none, and the profile says the website does not belong there.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::model::{Body, BodyKind};

fn uuid_for(parts: &[&str]) -> String {
    let name = format!("urn:council-contacts:{}", parts.join(":"));
    Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

fn kind_text(kind: BodyKind) -> &'static str {
    match kind {
        BodyKind::ParishCouncil => "Parish, town or community council",
        BodyKind::DistrictCouncil => "District, borough or metropolitan council",
        BodyKind::CountyCouncil => "County council",
        BodyKind::UnitaryCouncil => "Unitary authority",
        BodyKind::Other => "Local public body",
    }
}

/// Renders `body` as `{"organization": {...}, "contact": {...}, "phones": [...]}`
/// (see the module docs). `contact` is `null` and `phones` empty when nothing of the
/// sort was published.
pub fn to_open_referral(body: &Body) -> Value {
    let key = body.gss_code.as_deref().unwrap_or(&body.id);
    let org_id = uuid_for(&["organization", key, &body.name]);
    let mut description = kind_text(body.kind).to_string();
    if let Some(g) = &body.gss_code {
        description.push_str(&format!(" for the area with GSS code {g}"));
    }
    description.push('.');
    let mut org = Map::new();
    org.insert("id".into(), json!(org_id));
    org.insert("name".into(), json!(body.name));
    org.insert("description".into(), json!(description));
    if let Some(e) = &body.contact.email {
        org.insert("email".into(), json!(e));
    }
    if let Some(w) = &body.website {
        org.insert("website".into(), json!(w));
    }
    let identifiers: Vec<Value> = body
        .gss_code
        .iter()
        .map(|g| {
            json!({
                "id": uuid_for(&["organization_identifier", key, g]),
                "organization_id": org_id,
                "identifier_type": "GSS code",
                "identifier": g,
            })
        })
        .collect();
    org.insert("organization_identifiers".into(), Value::Array(identifiers));

    let c = &body.contact;
    let has_contact = c.name.is_some() || c.role.is_some() || c.phone.is_some();
    let contact_id = uuid_for(&["contact", key, &body.name]);
    let contact = if has_contact {
        let mut m = Map::new();
        m.insert("id".into(), json!(contact_id));
        if let Some(n) = &c.name {
            m.insert("name".into(), json!(n));
        }
        if let Some(r) = &c.role {
            m.insert("title".into(), json!(r));
        }
        Value::Object(m)
    } else {
        Value::Null
    };
    let phones: Vec<Value> = c
        .phone
        .iter()
        .map(|p| {
            json!({
                "id": uuid_for(&["phone", key, p]),
                "contact_id": contact_id,
                "number": p,
                "description": match &c.role { Some(r) => format!("{r}, {}", body.name), None => body.name.clone() },
            })
        })
        .collect();
    json!({ "organization": Value::Object(org), "contact": contact, "phones": phones })
}
