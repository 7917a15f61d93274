//! HTML for the GOV.UK Design System components the pages use, written as plain Rust.
//!
//! Every piece of text that did not come from this crate's own source — what a person
//! typed, addresses from the gazetteer, questions from the routing rules, names from the
//! contact directory — goes through [`escape`] before it is put into markup. Functions
//! here take such text as `&str` and escape it themselves; the only raw-HTML
//! parameters are named `*_html` and are built from this module's own output.
//!
//! The markup follows govuk-frontend 6's Nunjucks templates (`dist/govuk/template.njk`
//! and `components/*/template.njk`), so the vendored CSS and JavaScript apply unchanged.

use std::fmt::Write as _;

/// Escapes text for HTML element content and double- or single-quoted attribute values
/// (the five characters of the OWASP XSS prevention cheat sheet, rule #1 and #2).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Escapes text for a `<script type="application/json">` block or a JSON response that
/// may be sniffed as HTML: `<`, `>` and `&` become `\u003c` and so on.
pub fn json_for_html(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The base path of every route of the service.
pub const BASE: &str = "/report-speeding";

/// The script that marks the page as JavaScript-enabled, from govuk-frontend's
/// `template.njk`. Its SHA-256 is allowed by the Content-Security-Policy.
pub const INLINE_SCRIPT: &str = "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');";

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

/// What surrounds a page's content.
#[derive(Debug, Clone, Default)]
pub struct Layout<'a> {
    /// The page's title (before " - Report speeding traffic - <council>").
    pub title: &'a str,
    /// The council's name for the header.
    pub council: &'a str,
    /// Where the back link goes, if there is one.
    pub back: Option<&'a str>,
    /// Errors to summarise at the top (the title gets the "Error: " prefix).
    pub errors: &'a [FieldError],
    /// Extra scripts to load (paths under the assets route).
    pub scripts: &'a [&'a str],
    /// Extra stylesheets.
    pub styles: &'a [&'a str],
    /// Staff pages are not part of the citizen journey's navigation.
    pub staff: bool,
}

/// A whole page: govuk-frontend's `template.njk` with the generic header, the service
/// navigation, an optional back link, the error summary and `main`.
pub fn page(layout: &Layout<'_>, content_html: &str) -> String {
    let service = "Report speeding traffic";
    let mut title = String::new();
    if !layout.errors.is_empty() {
        title.push_str("Error: ");
    }
    title.push_str(layout.title);
    if layout.title != service {
        title.push_str(" - ");
        title.push_str(service);
    }
    title.push_str(" - ");
    title.push_str(layout.council);
    let mut out = String::with_capacity(8 * 1024 + content_html.len());
    let _ = write!(
        out,
        r##"<!DOCTYPE html>
<html lang="en" class="govuk-template govuk-template--rebranded">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#1d70b8">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{BASE}/assets/govuk-frontend.min.css">
"##,
        title = escape(&title),
    );
    for style in layout.styles {
        let _ = writeln!(
            out,
            r#"<link rel="stylesheet" href="{BASE}/assets/{}">"#,
            escape(style)
        );
    }
    let _ = write!(
        out,
        r##"</head>
<body class="govuk-template__body">
<script>{INLINE_SCRIPT}</script>
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-template__header">
<div class="govuk-generic-header">
<div class="govuk-generic-header__container govuk-width-container">
<div class="govuk-generic-header__logo">
<a href="{BASE}/" class="govuk-generic-header__homepage-link">{council}</a>
</div>
</div>
</div>
<section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation">
<div class="govuk-width-container">
<div class="govuk-service-navigation__container">
<span class="govuk-service-navigation__service-name">
<a href="{home}" class="govuk-service-navigation__link">{service}</a>
</span>
</div>
</div>
</section>
</header>
<div class="govuk-width-container">
"##,
        council = escape(layout.council),
        home = if layout.staff {
            "/report-speeding/staff/reports"
        } else {
            "/report-speeding/"
        },
        service = if layout.staff {
            "Report speeding traffic: staff"
        } else {
            service
        },
    );
    if let Some(back) = layout.back {
        let _ = writeln!(
            out,
            r#"<nav aria-label="Back"><a href="{}" class="govuk-back-link">Back</a></nav>"#,
            escape(back)
        );
    }
    out.push_str(r#"<main class="govuk-main-wrapper" id="main-content">"#);
    out.push('\n');
    out.push_str(r#"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">"#);
    out.push('\n');
    if !layout.errors.is_empty() {
        out.push_str(&error_summary(layout.errors));
    }
    out.push_str(content_html);
    out.push_str("\n</div></div>\n</main>\n</div>\n");
    let _ = write!(
        out,
        r##"<footer class="govuk-footer">
<div class="govuk-width-container">
<div class="govuk-footer__meta">
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<h2 class="govuk-visually-hidden">Support links</h2>
<p class="govuk-body-s">{council}. This service keeps the report you send and the address you choose; it sets one cookie, needed to remember your answers while you fill in the form.</p>
</div>
</div>
</div>
</footer>
<script type="module" src="{BASE}/assets/govuk-frontend.min.js"></script>
<script type="module" src="{BASE}/assets/init.js"></script>
"##,
        council = escape(layout.council),
    );
    for script in layout.scripts {
        let _ = writeln!(
            out,
            r#"<script src="{BASE}/assets/{}" defer></script>"#,
            escape(script)
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The error summary (`components/error-summary`): a list of links to the fields.
pub fn error_summary(errors: &[FieldError]) -> String {
    let mut out = String::from(
        r#"<div class="govuk-error-summary" data-module="govuk-error-summary">
<div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body">
<ul class="govuk-list govuk-error-summary__list">
"#,
    );
    for e in errors {
        let _ = writeln!(
            out,
            r##"<li><a href="#{}">{}</a></li>"##,
            escape(&e.field),
            escape(&e.message)
        );
    }
    out.push_str("</ul>\n</div>\n</div>\n</div>\n");
    out
}

fn error_message(id: &str, message: &str) -> String {
    format!(
        r#"<p id="{id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {}</p>"#,
        escape(message),
        id = escape(id)
    )
}

fn hint(id: &str, text: Option<&str>) -> String {
    match text {
        Some(text) => format!(
            r#"<div id="{}-hint" class="govuk-hint">{}</div>"#,
            escape(id),
            escape(text)
        ),
        None => String::new(),
    }
}

fn described_by(id: &str, has_hint: bool, has_error: bool, extra: Option<&str>) -> String {
    let mut ids = Vec::new();
    if let Some(extra) = extra {
        ids.push(extra.to_string());
    }
    if has_hint {
        ids.push(format!("{id}-hint"));
    }
    if has_error {
        ids.push(format!("{id}-error"));
    }
    if ids.is_empty() {
        String::new()
    } else {
        format!(r#" aria-describedby="{}""#, escape(&ids.join(" ")))
    }
}

/// A text input (`components/input`) whose label may be the page heading.
#[derive(Debug, Clone, Default)]
pub struct Input<'a> {
    /// The `id` and `name`.
    pub name: &'a str,
    /// The label text.
    pub label: &'a str,
    /// Whether the label is the page's `h1`.
    pub is_heading: bool,
    /// Hint text.
    pub hint: Option<&'a str>,
    /// The current value.
    pub value: &'a str,
    /// The error, if any.
    pub error: Option<&'a str>,
    /// Extra classes (`govuk-input--width-10`).
    pub classes: &'a str,
    /// The `autocomplete` attribute (`postal-code`), or empty.
    pub autocomplete: &'a str,
    /// Whether spell checking is off (postcodes).
    pub no_spellcheck: bool,
}

impl Input<'_> {
    /// The form group.
    pub fn render(&self) -> String {
        let id = self.name;
        let label = if self.is_heading {
            format!(
                r#"<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="{id}">{}</label></h1>"#,
                escape(self.label),
                id = escape(id)
            )
        } else {
            format!(
                r#"<label class="govuk-label govuk-label--s" for="{id}">{}</label>"#,
                escape(self.label),
                id = escape(id)
            )
        };
        let mut classes = String::from("govuk-input");
        if !self.classes.is_empty() {
            classes.push(' ');
            classes.push_str(self.classes);
        }
        if self.error.is_some() {
            classes.push_str(" govuk-input--error");
        }
        format!(
            r#"<div class="govuk-form-group{group_error}">
{label}
{hint}
{error}
<input class="{classes}" id="{id}" name="{id}" type="text"{autocomplete}{spellcheck} value="{value}"{described}>
</div>
"#,
            group_error = if self.error.is_some() {
                " govuk-form-group--error"
            } else {
                ""
            },
            hint = hint(id, self.hint),
            error = self.error.map(|m| error_message(id, m)).unwrap_or_default(),
            classes = escape(&classes),
            id = escape(id),
            autocomplete = if self.autocomplete.is_empty() {
                String::new()
            } else {
                format!(r#" autocomplete="{}""#, escape(self.autocomplete))
            },
            spellcheck = if self.no_spellcheck {
                r#" spellcheck="false""#
            } else {
                ""
            },
            value = escape(self.value),
            described = described_by(id, self.hint.is_some(), self.error.is_some(), None),
        )
    }
}

/// A textarea with a character count (`components/character-count`). Without
/// JavaScript the count message is a plain hint and the limit is checked on the server.
#[derive(Debug, Clone, Default)]
pub struct Textarea<'a> {
    /// The `id` and `name`.
    pub name: &'a str,
    /// The label text.
    pub label: &'a str,
    /// Hint text.
    pub hint: Option<&'a str>,
    /// The current value.
    pub value: &'a str,
    /// The error, if any.
    pub error: Option<&'a str>,
    /// Most characters allowed.
    pub max_length: usize,
    /// Visible rows.
    pub rows: u32,
}

impl Textarea<'_> {
    /// The form group.
    pub fn render(&self) -> String {
        let id = self.name;
        format!(
            r#"<div class="govuk-form-group govuk-character-count{group_error}" data-module="govuk-character-count" data-maxlength="{max}">
<label class="govuk-label govuk-label--s" for="{id}">{label}</label>
{hint}
{error}
<textarea class="govuk-textarea govuk-js-character-count{input_error}" id="{id}" name="{id}" rows="{rows}"{described}>{value}</textarea>
<div id="{id}-info" class="govuk-hint govuk-character-count__message">You can enter up to {max} characters</div>
</div>
"#,
            group_error = if self.error.is_some() {
                " govuk-form-group--error"
            } else {
                ""
            },
            input_error = if self.error.is_some() {
                " govuk-textarea--error"
            } else {
                ""
            },
            max = self.max_length,
            id = escape(id),
            label = escape(self.label),
            hint = hint(id, self.hint),
            error = self.error.map(|m| error_message(id, m)).unwrap_or_default(),
            rows = self.rows,
            described = described_by(
                id,
                self.hint.is_some(),
                self.error.is_some(),
                Some(&format!("{id}-info"))
            ),
            value = escape(self.value),
        )
    }
}

/// One radio or checkbox.
#[derive(Debug, Clone)]
pub struct Choice<'a> {
    /// The submitted value.
    pub value: &'a str,
    /// The label.
    pub label: &'a str,
    /// Hint under the label.
    pub hint: Option<&'a str>,
}

/// Radios or checkboxes in a fieldset (`components/radios`, `components/checkboxes`).
#[derive(Debug, Clone)]
pub struct Choices<'a> {
    /// The `name`; the first input's `id` is the name, the others `name-2`, ...
    pub name: &'a str,
    /// The legend.
    pub legend: &'a str,
    /// Whether the legend is the page's `h1`.
    pub is_heading: bool,
    /// Hint text.
    pub hint: Option<&'a str>,
    /// The choices.
    pub items: Vec<Choice<'a>>,
    /// The values currently selected.
    pub selected: Vec<&'a str>,
    /// The error, if any.
    pub error: Option<&'a str>,
    /// Checkboxes (several) rather than radios (one).
    pub multiple: bool,
}

impl Choices<'_> {
    /// The form group.
    pub fn render(&self) -> String {
        let id = self.name;
        let kind = if self.multiple {
            "checkboxes"
        } else {
            "radios"
        };
        let input_type = if self.multiple { "checkbox" } else { "radio" };
        let legend = if self.is_heading {
            format!(
                r#"<legend class="govuk-fieldset__legend govuk-fieldset__legend--l"><h1 class="govuk-fieldset__heading">{}</h1></legend>"#,
                escape(self.legend)
            )
        } else {
            format!(
                r#"<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{}</legend>"#,
                escape(self.legend)
            )
        };
        let mut items = String::new();
        for (i, item) in self.items.iter().enumerate() {
            let item_id = if i == 0 {
                id.to_string()
            } else {
                format!("{id}-{}", i + 1)
            };
            let item_hint = item
                .hint
                .map(|h| {
                    format!(
                        r#"<div id="{item_id}-item-hint" class="govuk-hint govuk-{kind}__hint">{}</div>"#,
                        escape(h),
                        item_id = escape(&item_id)
                    )
                })
                .unwrap_or_default();
            let _ = write!(
                items,
                r#"<div class="govuk-{kind}__item">
<input class="govuk-{kind}__input" id="{item_id}" name="{name}" type="{input_type}" value="{value}"{checked}{described}>
<label class="govuk-label govuk-{kind}__label" for="{item_id}">{label}</label>
{item_hint}
</div>
"#,
                item_id = escape(&item_id),
                name = escape(id),
                value = escape(item.value),
                checked = if self.selected.contains(&item.value) {
                    " checked"
                } else {
                    ""
                },
                described = if item.hint.is_some() {
                    format!(r#" aria-describedby="{}-item-hint""#, escape(&item_id))
                } else {
                    String::new()
                },
                label = escape(item.label),
            );
        }
        format!(
            r#"<div class="govuk-form-group{group_error}">
<fieldset class="govuk-fieldset"{described}>
{legend}
{hint}
{error}
<div class="govuk-{kind}" data-module="govuk-{kind}">
{items}</div>
</fieldset>
</div>
"#,
            group_error = if self.error.is_some() {
                " govuk-form-group--error"
            } else {
                ""
            },
            described = described_by(id, self.hint.is_some(), self.error.is_some(), None),
            hint = hint(id, self.hint),
            error = self.error.map(|m| error_message(id, m)).unwrap_or_default(),
        )
    }
}

/// A primary button.
pub fn button(text: &str) -> String {
    format!(
        r#"<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">{}</button>"#,
        escape(text)
    )
}

/// The form's opening tag with its CSRF token (the draft's form token).
pub fn form_start(action: &str, token: &str) -> String {
    format!(
        r#"<form method="post" action="{}" novalidate>
<input type="hidden" name="token" value="{}">
"#,
        escape(action),
        escape(token)
    )
}

/// One row of a summary list: key, value lines, and an optional change link.
#[derive(Debug, Clone)]
pub struct SummaryRow<'a> {
    /// The key.
    pub key: &'a str,
    /// The value, one line per entry.
    pub value: Vec<String>,
    /// Where "Change" goes, and what it changes (for screen readers).
    pub change: Option<(String, &'a str)>,
}

/// A summary list (`components/summary-list`).
pub fn summary_list(rows: &[SummaryRow<'_>]) -> String {
    let mut out = String::from("<dl class=\"govuk-summary-list\">\n");
    for row in rows {
        let value = row
            .value
            .iter()
            .map(|v| escape(v))
            .collect::<Vec<_>>()
            .join("<br>");
        let actions = match &row.change {
            Some((href, what)) => format!(
                r#"<dd class="govuk-summary-list__actions"><a class="govuk-link" href="{}">Change<span class="govuk-visually-hidden"> {}</span></a></dd>"#,
                escape(href),
                escape(what)
            ),
            None => String::new(),
        };
        let _ = write!(
            out,
            r#"<div class="govuk-summary-list__row{no_actions}">
<dt class="govuk-summary-list__key">{key}</dt>
<dd class="govuk-summary-list__value">{value}</dd>
{actions}
</div>
"#,
            no_actions = if row.change.is_none() {
                " govuk-summary-list__row--no-actions"
            } else {
                ""
            },
            key = escape(row.key),
        );
    }
    out.push_str("</dl>\n");
    out
}

/// A tag (`components/tag`) whose text says the status, so colour is not the only cue.
pub fn tag(text: &str, colour: &str) -> String {
    format!(
        r#"<strong class="govuk-tag govuk-tag--{}">{}</strong>"#,
        escape(colour),
        escape(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("Partington – 12 High St"), "Partington – 12 High St");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn inputs_escape_values_labels_and_hints() {
        let html = Input {
            name: "where",
            label: "Where <b>",
            hint: Some("\"quoted\""),
            value: "\"><script>x</script>",
            error: Some("Enter <where>"),
            ..Default::default()
        }
        .render();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains(r#"value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;""#),
            "{html}"
        );
        assert!(html.contains("Where &lt;b&gt;"));
        assert!(html.contains("&quot;quoted&quot;"));
        assert!(html.contains("Enter &lt;where&gt;"));
        assert!(html.contains(r#"aria-describedby="where-hint where-error""#));
        assert!(html.contains("govuk-form-group--error"));
    }

    #[test]
    fn textareas_escape_their_content() {
        let html = Textarea {
            name: "description",
            label: "Description",
            value: "</textarea><img src=x onerror=alert(1)>",
            max_length: 1200,
            rows: 5,
            ..Default::default()
        }
        .render();
        assert!(!html.contains("</textarea><img"), "{html}");
        assert!(html.contains("&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn the_error_summary_links_to_each_field_and_titles_say_error() {
        let errors = vec![FieldError::new("postcode", "Enter a postcode")];
        let html = page(
            &Layout {
                title: "Find the address",
                council: "Trafford <Council>",
                errors: &errors,
                ..Default::default()
            },
            "<p>x</p>",
        );
        assert!(html.contains("<title>Error: Find the address - Report speeding traffic - Trafford &lt;Council&gt;</title>"), "{html}");
        assert!(html.contains(r##"<a href="#postcode">Enter a postcode</a>"##));
        assert!(html.contains(r#"<html lang="en""#));
        assert!(html.contains("Skip to main content"));
    }

    #[test]
    fn radios_mark_the_selection_and_number_the_ids() {
        let html = Choices {
            name: "answer",
            legend: "Is it <30>?",
            is_heading: true,
            hint: None,
            items: vec![
                Choice {
                    value: "yes",
                    label: "Yes",
                    hint: None,
                },
                Choice {
                    value: "no",
                    label: "No",
                    hint: Some("<i>"),
                },
            ],
            selected: vec!["no"],
            error: None,
            multiple: false,
        }
        .render();
        assert!(
            html.contains(r#"id="answer" name="answer" type="radio" value="yes">"#),
            "{html}"
        );
        assert!(html.contains(r#"id="answer-2" name="answer" type="radio" value="no" checked aria-describedby="answer-2-item-hint">"#), "{html}");
        assert!(html.contains("Is it &lt;30&gt;?"));
        assert!(html.contains("&lt;i&gt;"));
    }

    #[test]
    fn summary_lists_escape_values() {
        let html = summary_list(&[SummaryRow {
            key: "Description",
            value: vec!["a <b>".into(), "line 2".into()],
            change: Some(("/x?change=1".into(), "description")),
        }]);
        assert!(html.contains("a &lt;b&gt;<br>line 2"), "{html}");
        assert!(html.contains(r#"<span class="govuk-visually-hidden"> description</span>"#));
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
