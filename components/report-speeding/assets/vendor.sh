#!/usr/bin/env bash
# Re-vendors the front-end assets built into the report-speeding component
# (include_bytes! in src/assets.rs). Run from anywhere; needs npm.
#
# - govuk-frontend (MIT, Crown Copyright GDS): the precompiled CSS and the ES-module JS.
#   This is a council service, not a GOV.UK one, so as the Design System requires for
#   services off GOV.UK it uses neither the GDS Transport typeface nor the crown: the
#   @font-face rules are removed, "GDS Transport" is dropped from every font stack
#   (Arial remains), and no font or crown image is vendored. Asset URLs are rebased
#   from /assets/ to /report-speeding/assets/.
# - accessible-autocomplete (MIT, Crown Copyright GDS): the type-ahead for addresses.
set -euo pipefail
GOVUK_FRONTEND=6.6.0
AUTOCOMPLETE=3.0.1
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "govuk-frontend@$GOVUK_FRONTEND" "accessible-autocomplete@$AUTOCOMPLETE" >/dev/null
mkdir gf aa
tar xzf "govuk-frontend-$GOVUK_FRONTEND.tgz" -C gf
tar xzf "accessible-autocomplete-$AUTOCOMPLETE.tgz" -C aa
sed -E \
    -e 's/@font-face\{[^}]*\}//g' \
    -e 's/font-family:GDS Transport,/font-family:/g' \
    -e 's/font-family:GDS Transport([;}])/font-family:arial,sans-serif\1/g' \
    -e 's#url\(/assets/#url(/report-speeding/assets/#g' \
    -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
    gf/package/dist/govuk/govuk-frontend.min.css > "$here/govuk-frontend.min.css"
sed -e 's#//\# sourceMappingURL=.*##' gf/package/dist/govuk/govuk-frontend.min.js > "$here/govuk-frontend.min.js"
sed -e 's#//\# sourceMappingURL=.*##' aa/package/dist/accessible-autocomplete.min.js > "$here/accessible-autocomplete.min.js"
sed -e 's#/\*\# sourceMappingURL=[^*]*\*/##' aa/package/dist/accessible-autocomplete.min.css > "$here/accessible-autocomplete.min.css"
cp aa/package/LICENSE.txt "$here/accessible-autocomplete.LICENSE.txt" 2>/dev/null || cp aa/package/LICENSE* "$here/accessible-autocomplete.LICENSE.txt"
echo "govuk-frontend $GOVUK_FRONTEND, accessible-autocomplete $AUTOCOMPLETE vendored into $here"
