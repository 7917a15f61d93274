//! Who receives a report: the routing questions and decision (`council:parish`) and
//! the body's contact (`council:contacts`).

use std::collections::BTreeMap;

use council_areas::{Answer, Point, Question, RouteRequest, Wgs84Point};
use council_contacts::{BodyKind, BodyQuery};
use council_http_facade::bindings::council::parish::{areas, routing};
use council_reports::model::{AnsweredQuestion, ChosenAddress, Draft, Recipient};

use crate::bindings::council::contacts::directory;
use crate::routes::Failure;

/// The routing category of this service.
pub const CATEGORY: &str = "speeding-traffic";

/// The routing questions, from `council:parish/routing`.
pub(crate) fn questions() -> Result<Vec<Question>, Failure> {
    match routing::questions(CATEGORY) {
        Ok(Some(set)) => Ok(set.questions),
        Ok(None) => Err(Failure::NoCategory(CATEGORY)),
        Err(e) => Err(Failure::Questions(e)),
    }
}

/// The questions a draft has answered, with the text of each question and answer as
/// the report keeps them.
pub(crate) fn answered(draft: &Draft, questions: &[Question]) -> Vec<AnsweredQuestion> {
    questions
        .iter()
        .filter_map(|q| {
            let value = draft.answers.get(&q.id)?;
            let label = q
                .options
                .iter()
                .find(|o| &o.value == value)
                .map(|o| o.label.clone())?;
            Some(AnsweredQuestion {
                id: q.id.clone(),
                question: q.text.clone(),
                value: value.clone(),
                label,
            })
        })
        .collect()
}

/// Routing (`council:parish`) and the body's contact (`council:contacts`) for an
/// address and answers.
pub(crate) fn decide(
    address: &ChosenAddress,
    answers: &BTreeMap<String, String>,
) -> Result<Recipient, Failure> {
    let point = Point::Wgs84(Wgs84Point {
        longitude: address.longitude,
        latitude: address.latitude,
    });
    let found = areas::areas_at(point, &[]).map_err(Failure::Areas)?;
    let decision = routing::route(&RouteRequest {
        category: CATEGORY.into(),
        answers: answers
            .iter()
            .map(|(k, v)| Answer {
                question_id: k.clone(),
                value: v.clone(),
            })
            .collect(),
        areas: found,
    })
    .map_err(Failure::Routing)?;
    let (area_code, area_name) = decision
        .area
        .as_ref()
        .map(|a| (a.code.clone(), a.name.clone()))
        .unwrap_or_default();
    let mut recipient = Recipient {
        tier: decision.tier.as_str().into(),
        body_name: format!("the council for {area_name}"),
        area_code,
        area_name,
        body_id: None,
        email: None,
        contact_pending: false,
        rule_id: decision.rule_id,
        reason: decision.reason,
    };
    if decision.area.is_some() {
        // A contacts failure is not fatal: the report is kept, marked, and the
        // housekeeping looks the contact up again before the outbox sends it.
        match find_contact(&recipient) {
            Ok(found) => apply_contact(&mut recipient, found),
            Err(_) => recipient.contact_pending = true,
        }
    }
    Ok(recipient)
}

/// A contact lookup's answer: the e-mail address, and the body's id and name.
pub(crate) type Contact = (Option<String>, Option<(String, String)>);

/// Puts a contact lookup's answer on the recipient.
pub(crate) fn apply_contact(recipient: &mut Recipient, (email, body): Contact) {
    recipient.email = email;
    recipient.contact_pending = false;
    if let Some((id, name)) = body {
        recipient.body_id = Some(id);
        recipient.body_name = name;
    }
}

/// Why a contact lookup failed, by kind: the directory's messages may name an upstream
/// URL, and are left out (except what configuration is missing).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ContactError {
    /// The query was refused.
    #[error("contact lookup: invalid query")]
    InvalidQuery,
    /// The contacts source did not answer.
    #[error("contact lookup: the contacts source is unavailable")]
    UpstreamUnavailable,
    /// The contacts source answered with something it should not have.
    #[error("contact lookup: the contacts source answered wrongly")]
    UpstreamInvalid,
    /// The contacts component is missing a setting.
    #[error("contact lookup: not configured: {0}")]
    NotConfigured(String),
    /// The contacts component does not support the query.
    #[error("contact lookup: unsupported")]
    Unsupported,
    /// Any other failure.
    #[error("contact lookup failed")]
    Other,
}

impl From<council_contacts::Error> for ContactError {
    fn from(e: council_contacts::Error) -> Self {
        use council_contacts::Error as E;
        match e {
            E::InvalidQuery(_) => Self::InvalidQuery,
            E::UpstreamUnavailable(_) => Self::UpstreamUnavailable,
            E::UpstreamInvalid(_) => Self::UpstreamInvalid,
            E::NotConfigured(m) => Self::NotConfigured(m),
            E::Unsupported(_) => Self::Unsupported,
            E::Other(_) => Self::Other,
        }
    }
}

/// Looks up the body's e-mail address through `council:contacts/directory`: by the GSS
/// code of the area routing chose, then by the area's name.
pub(crate) fn find_contact(recipient: &Recipient) -> Result<Contact, ContactError> {
    let kind = match recipient.tier.as_str() {
        "parish" => Some(BodyKind::ParishCouncil),
        _ => None,
    };
    let by_code = directory::find_body(&BodyQuery {
        gss_code: Some(recipient.area_code.clone()),
        name: None,
        kind,
    })?;
    let found = match by_code {
        Some(answer) => Some(answer),
        None => directory::find_body(&BodyQuery {
            gss_code: None,
            name: Some(recipient.area_name.clone()),
            kind,
        })?,
    };
    Ok(match found {
        Some(answer) => (
            answer.body.contact.email.clone(),
            Some((answer.body.id, answer.body.name)),
        ),
        None => (None, None),
    })
}
