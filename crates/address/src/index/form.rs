//! The search form of a property: the normalised words and numbers of each of its
//! views, in view order, as free-text scoring needs them.
//!
//! Why a separate section: `find` and `suggest` score up to 250 candidates per
//! request. Scoring from the records meant decoding each whole property (every
//! field, date and code of its BLPU, LPIs and DPAs) and normalising its text again on
//! every request. The forms are small (the distinct words of the property once, each
//! view as indices into them), lie together in ordinal order so the candidates of a
//! street come in a few merged reads, and borrow their words from the read buffer.
//! Records are then read only for the page of results.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::StoredProperty;
use crate::postcode::Postcode;
use crate::text::{self, Number};
use crate::view::{self, ViewRef};

/// A property's search form (postcard-encoded in the `SEARCH` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SearchForm<'a> {
    /// The distinct normalised words of all views.
    #[serde(borrow)]
    pub(crate) words: Vec<&'a str>,
    /// Every view (both datasets, historical ones included) in view order.
    pub(crate) views: Vec<FormView>,
}

/// The scoring tokens of one view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FormView {
    /// An LPI view (else a DPA view).
    pub(crate) lpi: bool,
    /// Index in `property.lpis` or `property.dpas`.
    pub(crate) index: u32,
    /// A DPA with an end date, or an LPI with status 8 or 9.
    pub(crate) historical: bool,
    /// SAO, PAO and street words (indices into `words`): what coverage counts.
    pub(crate) core: Vec<u16>,
    /// Organisation, locality, town, area and flat words.
    pub(crate) other: Vec<u16>,
    /// Sub-building numbers (SAO, DPA sub-building name).
    pub(crate) sao_numbers: Vec<Number>,
    /// Building numbers (PAO, DPA building number and name).
    pub(crate) numbers: Vec<Number>,
    /// The view's postcode key.
    pub(crate) postcode: Option<u64>,
}

impl FormView {
    /// The view this describes.
    pub(crate) fn view_ref(&self) -> ViewRef {
        if self.lpi {
            ViewRef::Lpi(self.index as usize)
        } else {
            ViewRef::Dpa(self.index as usize)
        }
    }
}

/// Encodes the search form of a property.
pub(crate) fn encode(sp: &StoredProperty) -> Result<Vec<u8>, postcard::Error> {
    let mut words: Vec<String> = Vec::new();
    let mut ids: HashMap<String, u16> = HashMap::new();
    // A property with more distinct words than a u16 counts is not a real address;
    // the excess words are left out of scoring rather than failing the build.
    let mut id = |w: String| -> Option<u16> {
        if let Some(&i) = ids.get(&w) {
            return Some(i);
        }
        let i = u16::try_from(words.len()).ok()?;
        words.push(w.clone());
        ids.insert(w, i);
        Some(i)
    };
    let mut views = Vec::new();
    for v in view::view_refs(sp, true, true, true) {
        let vt = view_tokens(sp, v);
        let (lpi, index, historical) = match v {
            ViewRef::Dpa(i) => (false, i, sp.property.dpas[i].end_date.is_some()),
            ViewRef::Lpi(i) => (true, i, sp.property.lpis[i].is_historical()),
        };
        views.push(FormView {
            lpi,
            index: index as u32,
            historical,
            core: vt.core.into_iter().filter_map(&mut id).collect(),
            other: vt.other.into_iter().filter_map(&mut id).collect(),
            sao_numbers: vt.sao_numbers,
            numbers: vt.numbers,
            postcode: vt.postcode.map(|p| p.key()),
        });
    }
    let form = SearchForm {
        words: words.iter().map(String::as_str).collect(),
        views,
    };
    postcard::to_allocvec(&form)
}

/// The tokens of one view, before interning.
struct ViewTokens {
    core: Vec<String>,
    sao_numbers: Vec<Number>,
    numbers: Vec<Number>,
    other: Vec<String>,
    postcode: Option<Postcode>,
}

fn words_of(s: Option<&str>, out: &mut Vec<String>, nums: &mut Vec<Number>) {
    if let Some(s) = s {
        for w in text::normalise(s) {
            if let Some(n) = Number::parse(&w) {
                nums.push(n);
            } else {
                out.push(w);
            }
        }
    }
}

fn ao_numbers(o: &crate::types::AddressableObject, nums: &mut Vec<Number>) {
    if let Some(s) = o.start_number {
        nums.push(Number {
            start: s,
            suffix: o.start_suffix.as_ref().and_then(|x| x.bytes().next()),
            end: o.end_number,
        });
    }
}

fn view_tokens(sp: &StoredProperty, v: ViewRef) -> ViewTokens {
    let mut core = Vec::new();
    let mut numbers = Vec::new();
    let mut sao_numbers = Vec::new();
    let mut other = Vec::new();
    let mut scratch = Vec::new();
    let postcode = match v {
        ViewRef::Dpa(i) => {
            let d = &sp.property.dpas[i];
            words_of(d.sub_building_name.as_deref(), &mut core, &mut sao_numbers);
            words_of(d.building_name.as_deref(), &mut core, &mut numbers);
            if let Some(n) = d.building_number {
                numbers.push(Number {
                    start: n,
                    suffix: None,
                    end: None,
                });
            }
            words_of(d.dependent_thoroughfare.as_deref(), &mut core, &mut numbers);
            words_of(d.thoroughfare.as_deref(), &mut core, &mut numbers);
            for s in [
                &d.organisation_name,
                &d.department_name,
                &d.double_dependent_locality,
                &d.dependent_locality,
                &d.post_town,
                &d.po_box_number,
            ] {
                words_of(s.as_deref(), &mut other, &mut scratch);
            }
            d.postcode
                .as_deref()
                .and_then(Postcode::parse_lenient)
                .or_else(|| sp.postcode.as_deref().and_then(Postcode::parse_lenient))
        }
        ViewRef::Lpi(i) => {
            let l = &sp.property.lpis[i];
            words_of(l.sao.text.as_deref(), &mut core, &mut sao_numbers);
            ao_numbers(&l.sao, &mut sao_numbers);
            words_of(l.pao.text.as_deref(), &mut core, &mut numbers);
            ao_numbers(&l.pao, &mut numbers);
            let street = sp.lpi_streets.get(i).and_then(|s| s.as_ref());
            words_of(
                street.and_then(|s| s.description.as_deref()),
                &mut core,
                &mut numbers,
            );
            for s in [
                sp.property.organisation(),
                street.and_then(|s| s.locality.as_deref()),
                street.and_then(|s| s.town.as_deref()),
                street.and_then(|s| s.administrative_area.as_deref()),
                l.area_name.as_deref(),
            ] {
                words_of(s, &mut other, &mut scratch);
            }
            view::lpi_postcode(sp, l)
                .as_deref()
                .and_then(Postcode::parse_lenient)
        }
    };
    // Flat words match (`FLAT 2` asks for a flat) but are not part of coverage.
    other.extend(core.iter().filter(|w| text::is_flat_word(w)).cloned());
    core.retain(|w| !text::is_flat_word(w));
    ViewTokens {
        core,
        sao_numbers,
        numbers,
        other,
        postcode,
    }
}
