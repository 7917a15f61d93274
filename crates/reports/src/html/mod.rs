//! The GOV.UK Design System pages of the service, written with [maud]'s `html!`, which
//! escapes every value spliced into markup or an attribute (`&`, `<`, `>` and `"`;
//! maud always double-quotes attribute values, so `'` cannot end one).
//!
//! Nothing is written into a page without that escaping except [`maud::PreEscaped`]
//! values, and each of those says at its place why it is safe (a constant of this
//! crate). The pieces here return [`Markup`], so a page is assembled from escaped
//! markup only: there is no `&str` parameter that is put into HTML as it is.
//!
//! The markup follows govuk-frontend 6's Nunjucks templates (`dist/govuk/template.njk`
//! and `components/*/template.njk`), so the vendored CSS and JavaScript apply unchanged.
//! [`layout`] is the page template; [`components`] the components the pages use.

pub mod components;
pub mod layout;

pub use components::{
    Choice, Choices, Input, SummaryRow, Textarea, button, error_message, error_summary, form,
    summary_list, tag,
};
pub use layout::{Layout, page};
pub use maud::{Markup, html};

/// The base path of every route of the service.
pub const BASE: &str = "/report-speeding";

/// The script that marks the page as JavaScript-enabled, from govuk-frontend's
/// `template.njk`. Its SHA-256 is allowed by the Content-Security-Policy, so the page
/// must carry exactly these bytes.
pub const INLINE_SCRIPT: &str = "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');";

/// Escapes JSON for a JSON response that may be sniffed as HTML (or a
/// `<script type="application/json">` block): `<`, `>` and `&` become `\u003c` and so
/// on, which JSON (RFC 8259 §7) reads as the same characters.
pub fn json_for_html(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// One problem with what was entered: the id of the field to link to and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The `id` of the input the message is about (the first input of a group).
    pub field: String,
    /// The message, as the error summary and the field show it.
    pub message: String,
}

impl FieldError {
    /// A new error.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The message for one field, if it has an error.
pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the hand-written `escape` was checked for, now of maud's splices: the same
    /// hostile text, in element content and in an attribute value. maud leaves `'` as
    /// it is (the old function wrote `&#39;`): every attribute maud writes is
    /// double-quoted, so `'` cannot end one.
    #[test]
    fn splices_escape_markup_in_content_and_attributes() {
        let hostile = r#"<script>alert("x" & 'y')</script>"#;
        assert_eq!(
            html! { (hostile) }.into_string(),
            "&lt;script&gt;alert(&quot;x&quot; &amp; 'y')&lt;/script&gt;"
        );
        assert_eq!(
            html! { p title=(hostile) {} }.into_string(),
            r#"<p title="&lt;script&gt;alert(&quot;x&quot; &amp; 'y')&lt;/script&gt;"></p>"#
        );
        assert_eq!(
            html! { ("Partington – 12 High St") }.into_string(),
            "Partington – 12 High St"
        );
        assert_eq!(html! { ("") }.into_string(), "");
    }

    #[test]
    fn json_for_html_cannot_close_a_script() {
        let v = serde_json::json!({"a": "</script><b>&"});
        let s = json_for_html(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
    }
}
