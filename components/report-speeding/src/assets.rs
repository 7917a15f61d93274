//! The front-end assets, built into the component so one composed binary serves the
//! whole service (see `assets/NOTICE.md` for the vendored packages and their licences).

/// The script that starts govuk-frontend's components (a module, so it runs only where
/// govuk-frontend's own module script is supported).
const INIT_JS: &str = "import { initAll } from './govuk-frontend.min.js';\ninitAll();\n";

/// Progressive enhancement of the address page: a type-ahead over
/// `GET /report-speeding/address-suggestions?q=`, with accessible-autocomplete. Without
/// JavaScript (or if the script fails) the postcode form below it does the same job.
const TYPEAHEAD_JS: &str = r#"(function () {
  'use strict';
  var section = document.getElementById('typeahead');
  var container = document.getElementById('typeahead-container');
  var uprn = document.getElementById('typeahead-uprn');
  if (!section || !container || !uprn || typeof window.accessibleAutocomplete !== 'function' || !window.fetch) { return; }
  var byLabel = {};
  var latest = 0;
  // accessible-autocomplete puts what `templates.suggestion` returns into the page as
  // HTML; an address is text, so it is escaped here.
  var escapeHtml = function (text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  };
  window.accessibleAutocomplete({
    element: container,
    id: 'typeahead-input',
    name: 'typeahead-text',
    minLength: 3,
    displayMenu: 'overlay',
    showNoOptionsFound: true,
    tNoResults: function () { return 'No addresses found: try the postcode instead'; },
    templates: {
      inputValue: function (label) { return label || ''; },
      suggestion: function (label) { return escapeHtml(label); }
    },
    source: function (query, populateResults) {
      var mine = ++latest;
      window.fetch('/report-speeding/address-suggestions?q=' + encodeURIComponent(query), {
        headers: { accept: 'application/json' },
        credentials: 'same-origin'
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        if (mine !== latest) { return; }
        byLabel = {};
        var labels = (data.results || []).map(function (r) { byLabel[r.address] = String(r.uprn); return r.address; });
        populateResults(labels);
      }).catch(function () { populateResults([]); });
    },
    // Called with the chosen option, or with nothing when the field loses focus
    // (confirmOnBlur): then the text in the field decides.
    onConfirm: function (label) {
      var input = document.getElementById('typeahead-input');
      var text = label || (input ? input.value : '');
      uprn.value = byLabel[text] || '';
    }
  });
  var hint = document.getElementById('typeahead-input');
  if (hint) { hint.setAttribute('aria-describedby', 'typeahead-hint'); }
  section.hidden = false;
})();
"#;

/// accessible-autocomplete inherits its font; the GOV.UK fonts stack (without GDS
/// Transport, see `assets/NOTICE.md`) is given to it here.
const APP_CSS: &str = ".autocomplete__wrapper, .autocomplete__input, .autocomplete__menu, .autocomplete__option { font-family: arial, sans-serif; }\n";

/// A static file: content type and bytes.
pub fn get(name: &str) -> Option<(&'static str, &'static [u8])> {
    Some(match name {
        "govuk-frontend.min.css" => (
            "text/css; charset=utf-8",
            include_bytes!("../assets/govuk-frontend.min.css"),
        ),
        "govuk-frontend.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/govuk-frontend.min.js"),
        ),
        "accessible-autocomplete.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/accessible-autocomplete.min.js"),
        ),
        "accessible-autocomplete.min.css" => (
            "text/css; charset=utf-8",
            include_bytes!("../assets/accessible-autocomplete.min.css"),
        ),
        "report-speeding.css" => ("text/css; charset=utf-8", APP_CSS.as_bytes()),
        "init.js" => ("text/javascript; charset=utf-8", INIT_JS.as_bytes()),
        "typeahead.js" => ("text/javascript; charset=utf-8", TYPEAHEAD_JS.as_bytes()),
        "NOTICE.md" => (
            "text/plain; charset=utf-8",
            include_bytes!("../assets/NOTICE.md"),
        ),
        _ => return None,
    })
}

/// Answers `GET /report-speeding/assets/<name>`.
pub fn respond(name: &str) -> council_reports::respond::HttpResult {
    use wstd::http::{Body, Response, StatusCode};
    match get(name) {
        Some((content_type, bytes)) => Ok(Response::builder()
            .status(StatusCode::OK)
            .header("content-type", content_type)
            .header("cache-control", "public, max-age=3600")
            .header("x-content-type-options", "nosniff")
            .body(Body::from(bytes))?),
        None => council_reports::respond::plain(StatusCode::NOT_FOUND, "Not found."),
    }
}
