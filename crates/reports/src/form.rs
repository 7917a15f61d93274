//! Form bodies (`application/x-www-form-urlencoded`, WHATWG URL §5) and the checks on
//! what a person typed, with the GOV.UK Design System's error messages.

use std::collections::BTreeMap;

use crate::html::FieldError;
use crate::model::{Details, VEHICLES};

/// A parsed form: name → every value, in order.
#[derive(Debug, Clone, Default)]
pub struct Form {
    fields: BTreeMap<String, Vec<String>>,
}

impl Form {
    /// Parses a form body or query string.
    pub fn parse(body: &[u8]) -> Self {
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            fields
                .entry(k.into_owned())
                .or_default()
                .push(v.into_owned());
        }
        Self { fields }
    }

    /// The first value, untrimmed ("" when absent).
    pub fn raw(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The first value, trimmed.
    pub fn get(&self, name: &str) -> &str {
        self.raw(name).trim()
    }

    /// Every value.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .get(name)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

/// The postcode page's check: a full postcode of the right shape, normalised
/// (`m314an` → `M31 4AN`; the rule is `council_postcode`'s). A postcode in no known
/// area passes, and the page then says no addresses were found for it.
pub fn check_postcode(text: &str) -> Result<String, FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::new("postcode", "Enter a postcode"));
    }
    council_postcode::normalise(text)
        .ok_or_else(|| FieldError::new("postcode", "Enter a full UK postcode, like M31 4AN"))
}

/// Longest answer to "where on the road".
pub const MAX_LOCATION: usize = 200;
/// Longest answer to "when".
pub const MAX_WHEN: usize = 200;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 1200;

fn clean(text: &str) -> String {
    // Line breaks are kept as \n; other control characters are dropped.
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

/// The details page's checks: every field is needed, lengths are bounded, and vehicle
/// types must be ones offered. Returns what was entered either way, so the page can be
/// shown again with it.
pub fn check_details(form: &Form) -> (Details, Vec<FieldError>) {
    let details = Details {
        location: clean(form.raw("location")),
        when: clean(form.raw("when")),
        vehicles: form
            .all("vehicles")
            .into_iter()
            .filter(|v| VEHICLES.iter().any(|(value, _)| value == v))
            .map(str::to_string)
            .collect(),
        description: clean(form.raw("description")),
    };
    let mut errors = Vec::new();
    let text = |field: &str, value: &str, max: usize, empty: &str, what: &str| {
        if value.is_empty() {
            Some(FieldError::new(field, empty))
        } else if value.chars().count() > max {
            Some(FieldError::new(
                field,
                format!("{what} must be {max} characters or less"),
            ))
        } else {
            None
        }
    };
    errors.extend(text(
        "location",
        &details.location,
        MAX_LOCATION,
        "Enter where on the road the speeding happens",
        "Where on the road",
    ));
    errors.extend(text(
        "when",
        &details.when,
        MAX_WHEN,
        "Enter when the speeding happens",
        "When it happens",
    ));
    if details.vehicles.is_empty() {
        errors.push(FieldError::new(
            "vehicles",
            "Select the types of vehicle that speed",
        ));
    }
    errors.extend(text(
        "description",
        &details.description,
        MAX_DESCRIPTION,
        "Enter a description of the speeding",
        "Description",
    ));
    (details, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_normalised_or_refused() {
        assert_eq!(check_postcode("m314an").unwrap(), "M31 4AN");
        assert_eq!(check_postcode(" M31  4AN ").unwrap(), "M31 4AN");
        assert_eq!(check_postcode("SW1A1AA").unwrap(), "SW1A 1AA");
        assert!(check_postcode("M3").is_err());
        assert!(check_postcode("1M3 4AN").is_err());
        assert!(check_postcode("M31 4A1").is_err());
        assert!(check_postcode("M31 4ÄN").is_err());
        assert_eq!(check_postcode("").unwrap_err().message, "Enter a postcode");
        assert_eq!(
            check_postcode("nope").unwrap_err().message,
            "Enter a full UK postcode, like M31 4AN"
        );
    }

    #[test]
    fn details_need_every_field() {
        let (_, errors) = check_details(&Form::parse(b""));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["location", "when", "vehicles", "description"]);
        let (details, errors) = check_details(&Form::parse(
            b"location=Outside+the+school&when=8am&vehicles=cars&vehicles=bogus&vehicles=vans&description=Too+fast%0D%0Aevery+day%07",
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(details.vehicles, ["cars", "vans"]);
        assert_eq!(details.description, "Too fast\nevery day");
    }

    #[test]
    fn long_text_is_refused() {
        let long = "x".repeat(MAX_DESCRIPTION + 1);
        let body = format!("location=a&when=b&vehicles=cars&description={long}");
        let (_, errors) = check_details(&Form::parse(body.as_bytes()));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "Description must be 1200 characters or less"
        );
    }
}
