//! The page template: govuk-frontend's `template.njk` with the generic header, the
//! service navigation, an optional back link, the error summary, `main` and the footer.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::components::error_summary;
use super::{BASE, FieldError, INLINE_SCRIPT};

/// The service's name, as the header and every title say it.
const SERVICE: &str = "Report speeding traffic";

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

impl Layout<'_> {
    /// The `<title>`: "Error: " when there are errors, the page, the service (unless
    /// the page is the service's start) and the council, as the GOV.UK Service Manual
    /// asks ("Writing a good page title").
    fn full_title(&self) -> String {
        let mut title = String::new();
        if !self.errors.is_empty() {
            title.push_str("Error: ");
        }
        title.push_str(self.title);
        if self.title != SERVICE {
            title.push_str(" - ");
            title.push_str(SERVICE);
        }
        title.push_str(" - ");
        title.push_str(self.council);
        title
    }
}

/// A whole page around `content`.
pub fn page(layout: &Layout<'_>, content: Markup) -> Markup {
    let (home, service) = if layout.staff {
        (
            "/report-speeding/staff/reports",
            "Report speeding traffic: staff",
        )
    } else {
        ("/report-speeding/", SERVICE)
    };
    html! {
        (DOCTYPE)
        html lang="en" class="govuk-template govuk-template--rebranded" {
            head {
                meta charset="utf-8";
                title { (layout.full_title()) }
                meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
                meta name="theme-color" content="#1d70b8";
                meta name="robots" content="noindex";
                link rel="icon" href="data:,";
                link rel="stylesheet" href={ (BASE) "/assets/govuk-frontend.min.css" };
                @for style in layout.styles {
                    link rel="stylesheet" href={ (BASE) "/assets/" (style) };
                }
            }
            body class="govuk-template__body" {
                // A script's content is raw text in HTML (no character references), so
                // it is written as it is: INLINE_SCRIPT is this crate's constant, and the
                // Content-Security-Policy allows exactly its hash.
                script { (PreEscaped(INLINE_SCRIPT)) }
                a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link" { "Skip to main content" }
                header class="govuk-template__header" {
                    div class="govuk-generic-header" {
                        div class="govuk-generic-header__container govuk-width-container" {
                            div class="govuk-generic-header__logo" {
                                a href={ (BASE) "/" } class="govuk-generic-header__homepage-link" { (layout.council) }
                            }
                        }
                    }
                    section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation" {
                        div class="govuk-width-container" {
                            div class="govuk-service-navigation__container" {
                                span class="govuk-service-navigation__service-name" {
                                    a href=(home) class="govuk-service-navigation__link" { (service) }
                                }
                            }
                        }
                    }
                }
                div class="govuk-width-container" {
                    @if let Some(back) = layout.back {
                        nav aria-label="Back" { a href=(back) class="govuk-back-link" { "Back" } }
                    }
                    main class="govuk-main-wrapper" id="main-content" {
                        div class="govuk-grid-row" {
                            div class="govuk-grid-column-two-thirds" {
                                @if !layout.errors.is_empty() {
                                    (error_summary(layout.errors))
                                }
                                (content)
                            }
                        }
                    }
                }
                footer class="govuk-footer" {
                    div class="govuk-width-container" {
                        div class="govuk-footer__meta" {
                            div class="govuk-footer__meta-item govuk-footer__meta-item--grow" {
                                h2 class="govuk-visually-hidden" { "Support links" }
                                p class="govuk-body-s" {
                                    (layout.council)
                                    ". This service keeps the report you send and the address you choose; it sets one cookie, needed to remember your answers while you fill in the form."
                                }
                            }
                        }
                    }
                }
                script type="module" src={ (BASE) "/assets/govuk-frontend.min.js" } {}
                script type="module" src={ (BASE) "/assets/init.js" } {}
                @for script in layout.scripts {
                    script src={ (BASE) "/assets/" (script) } defer {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            html! { p { "x" } },
        )
        .into_string();
        assert!(html.contains("<title>Error: Find the address - Report speeding traffic - Trafford &lt;Council&gt;</title>"), "{html}");
        assert!(html.contains(r##"<a href="#postcode">Enter a postcode</a>"##));
        assert!(html.contains(r#"<html lang="en""#));
        assert!(html.contains("Skip to main content"));
    }

    /// The inline script must be the bytes whose hash the Content-Security-Policy
    /// allows: escaping would change them, and the browser would refuse to run it.
    #[test]
    fn the_inline_script_is_written_as_it_is() {
        let html = page(&Layout::default(), html! {}).into_string();
        assert!(
            html.contains(&format!("<script>{INLINE_SCRIPT}</script>")),
            "{html}"
        );
    }
}
