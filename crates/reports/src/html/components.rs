//! The GOV.UK Design System components the pages use, after govuk-frontend 6's
//! `components/*/template.njk`: inputs, textareas with a character count, radios and
//! checkboxes, buttons, forms, summary lists, tags and the error summary.
//!
//! The form components implement [`Render`], so a page splices them as `(Input { .. })`.

use maud::{Markup, Render, html};

use super::FieldError;

/// The error summary (`components/error-summary`): a list of links to the fields.
pub fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        div class="govuk-error-summary" data-module="govuk-error-summary" {
            div role="alert" {
                h2 class="govuk-error-summary__title" { "There is a problem" }
                div class="govuk-error-summary__body" {
                    ul class="govuk-list govuk-error-summary__list" {
                        @for e in errors {
                            li { a href={ "#" (e.field) } { (e.message) } }
                        }
                    }
                }
            }
        }
    }
}

/// A field's error message (`components/error-message`), `{id}-error`.
pub fn error_message(id: &str, message: &str) -> Markup {
    html! {
        p id={ (id) "-error" } class="govuk-error-message" {
            span class="govuk-visually-hidden" { "Error:" } " " (message)
        }
    }
}

/// A field's hint (`components/hint`), `{id}-hint`, if it has one.
fn hint(id: &str, text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            div id={ (id) "-hint" } class="govuk-hint" { (text) }
        }
    }
}

/// The `aria-describedby` of a field: `extra`, its hint and its error, those it has
/// (`None` when it has none, so the attribute is left out).
fn described_by(id: &str, has_hint: bool, has_error: bool, extra: Option<&str>) -> Option<String> {
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
    (!ids.is_empty()).then(|| ids.join(" "))
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

impl Render for Input<'_> {
    /// The form group.
    fn render(&self) -> Markup {
        let id = self.name;
        let has_error = self.error.is_some();
        html! {
            div class={ "govuk-form-group" @if has_error { " govuk-form-group--error" } } {
                @if self.is_heading {
                    h1 class="govuk-label-wrapper" {
                        label class="govuk-label govuk-label--l" for=(id) { (self.label) }
                    }
                } @else {
                    label class="govuk-label govuk-label--s" for=(id) { (self.label) }
                }
                (hint(id, self.hint))
                @if let Some(message) = self.error { (error_message(id, message)) }
                input
                    class={
                        "govuk-input"
                        @if !self.classes.is_empty() { " " (self.classes) }
                        @if has_error { " govuk-input--error" }
                    }
                    id=(id)
                    name=(id)
                    type="text"
                    autocomplete=[(!self.autocomplete.is_empty()).then_some(self.autocomplete)]
                    spellcheck=[self.no_spellcheck.then_some("false")]
                    value=(self.value)
                    aria-describedby=[described_by(id, self.hint.is_some(), has_error, None)];
            }
        }
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

impl Render for Textarea<'_> {
    /// The form group.
    fn render(&self) -> Markup {
        let id = self.name;
        let has_error = self.error.is_some();
        let info = format!("{id}-info");
        html! {
            div class={ "govuk-form-group govuk-character-count" @if has_error { " govuk-form-group--error" } }
                data-module="govuk-character-count"
                data-maxlength=(self.max_length) {
                label class="govuk-label govuk-label--s" for=(id) { (self.label) }
                (hint(id, self.hint))
                @if let Some(message) = self.error { (error_message(id, message)) }
                textarea
                    class={ "govuk-textarea govuk-js-character-count" @if has_error { " govuk-textarea--error" } }
                    id=(id)
                    name=(id)
                    rows=(self.rows)
                    aria-describedby=[described_by(id, self.hint.is_some(), has_error, Some(&info))] {
                    (self.value)
                }
                div id=(info) class="govuk-hint govuk-character-count__message" {
                    "You can enter up to " (self.max_length) " characters"
                }
            }
        }
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

impl Render for Choices<'_> {
    /// The form group.
    fn render(&self) -> Markup {
        let id = self.name;
        let (kind, input_type) = if self.multiple {
            ("checkboxes", "checkbox")
        } else {
            ("radios", "radio")
        };
        let has_error = self.error.is_some();
        html! {
            div class={ "govuk-form-group" @if has_error { " govuk-form-group--error" } } {
                fieldset class="govuk-fieldset"
                    aria-describedby=[described_by(id, self.hint.is_some(), has_error, None)] {
                    @if self.is_heading {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--l" {
                            h1 class="govuk-fieldset__heading" { (self.legend) }
                        }
                    } @else {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (self.legend) }
                    }
                    (hint(id, self.hint))
                    @if let Some(message) = self.error { (error_message(id, message)) }
                    div class={ "govuk-" (kind) } data-module={ "govuk-" (kind) } {
                        @for (i, item) in self.items.iter().enumerate() {
                            @let item_id = if i == 0 { id.to_string() } else { format!("{id}-{}", i + 1) };
                            @let item_hint = format!("{item_id}-item-hint");
                            div class={ "govuk-" (kind) "__item" } {
                                input class={ "govuk-" (kind) "__input" }
                                    id=(item_id)
                                    name=(id)
                                    type=(input_type)
                                    value=(item.value)
                                    checked[self.selected.contains(&item.value)]
                                    aria-describedby=[item.hint.is_some().then_some(&item_hint)];
                                label class={ "govuk-label govuk-" (kind) "__label" } for=(item_id) { (item.label) }
                                @if let Some(text) = item.hint {
                                    div id=(item_hint) class={ "govuk-hint govuk-" (kind) "__hint" } { (text) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A primary button.
pub fn button(text: &str) -> Markup {
    html! {
        button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { (text) }
    }
}

/// A form that posts to `action`, with its CSRF token (the draft's form token) as the
/// hidden field `token`.
pub fn form(action: &str, token: &str, fields: Markup) -> Markup {
    html! {
        form method="post" action=(action) novalidate {
            input type="hidden" name="token" value=(token);
            (fields)
        }
    }
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
pub fn summary_list(rows: &[SummaryRow<'_>]) -> Markup {
    html! {
        dl class="govuk-summary-list" {
            @for row in rows {
                div class={ "govuk-summary-list__row" @if row.change.is_none() { " govuk-summary-list__row--no-actions" } } {
                    dt class="govuk-summary-list__key" { (row.key) }
                    dd class="govuk-summary-list__value" {
                        @for (i, line) in row.value.iter().enumerate() {
                            @if i > 0 { br; }
                            (line)
                        }
                    }
                    @if let Some((href, what)) = &row.change {
                        dd class="govuk-summary-list__actions" {
                            a class="govuk-link" href=(href) {
                                "Change" span class="govuk-visually-hidden" { " " (what) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A tag (`components/tag`) whose text says the status, so colour is not the only cue.
pub fn tag(text: &str, colour: &str) -> Markup {
    html! {
        strong class={ "govuk-tag govuk-tag--" (colour) } { (text) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        .render()
        .into_string();
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
        .render()
        .into_string();
        assert!(!html.contains("</textarea><img"), "{html}");
        assert!(html.contains("&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;"));
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
        .render()
        .into_string();
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
        }])
        .into_string();
        assert!(html.contains("a &lt;b&gt;<br>line 2"), "{html}");
        assert!(html.contains(r#"<span class="govuk-visually-hidden"> description</span>"#));
    }
}
