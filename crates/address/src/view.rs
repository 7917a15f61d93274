//! From a stored property to the WIT's per-view `address` records: single-line
//! addresses, view order, Surrey's sort key and the terms a property is found by.

use std::cmp::Ordering;

use crate::classification;
use crate::index::StoredProperty;
use crate::model::{Dpa, Lpi, Property, StreetNames};
use crate::postcode::Postcode;
use crate::text;
use crate::types::{
    Address, AddressView, AddressableObject, GazetteerAddress, Location, PostalAddress,
};

fn push(parts: &mut Vec<String>, s: Option<&str>) {
    if let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) {
        parts.push(s.to_string());
    }
}

/// OS Places' DPA `ADDRESS`: the Royal Mail fields joined with `", "` (PO box,
/// organisation, department, sub-building, building name, building number,
/// dependent thoroughfare, thoroughfare, localities, post town, postcode).
pub fn dpa_single_line(d: &Dpa) -> String {
    let mut parts = Vec::new();
    if let Some(po) = d.po_box_number.as_deref().filter(|s| !s.is_empty()) {
        parts.push(["PO BOX ", po].concat());
    }
    push(&mut parts, d.organisation_name.as_deref());
    push(&mut parts, d.department_name.as_deref());
    push(&mut parts, d.sub_building_name.as_deref());
    push(&mut parts, d.building_name.as_deref());
    if let Some(n) = d.building_number {
        parts.push(text::decimal(n));
    }
    push(&mut parts, d.dependent_thoroughfare.as_deref());
    push(&mut parts, d.thoroughfare.as_deref());
    push(&mut parts, d.double_dependent_locality.as_deref());
    push(&mut parts, d.dependent_locality.as_deref());
    push(&mut parts, d.post_town.as_deref());
    if let Some(p) = d.postcode.as_deref().and_then(Postcode::parse_lenient) {
        parts.push(p.spaced());
    } else {
        push(&mut parts, d.postcode.as_deref());
    }
    parts.join(", ")
}

/// The geographic single-line address of an LPI, after Ordnance Survey's
/// `GeographicAddress-SingleLineAddress-Premium.sql`: organisation, SAO text, SAO
/// number, PAO text, PAO number with the street (`12 HIGH STREET`), locality, town,
/// postcode. A number is written before the next part with a space.
pub fn lpi_single_line(
    org: Option<&str>,
    lpi: &Lpi,
    street: Option<&StreetNames>,
    postcode: Option<&str>,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut pending: Option<String> = None;
    let add = |parts: &mut Vec<String>, pending: &mut Option<String>, s: &str| {
        let s = s.trim();
        if s.is_empty() {
            return;
        }
        match pending.take() {
            Some(n) => parts.push([n.as_str(), " ", s].concat()),
            None => parts.push(s.to_string()),
        }
    };
    if let Some(o) = org {
        add(&mut parts, &mut pending, o);
    }
    if let Some(t) = &lpi.sao.text {
        add(&mut parts, &mut pending, t);
    }
    let sao_n = lpi.sao.number_text();
    if !sao_n.is_empty() {
        pending = Some(sao_n);
    }
    if let Some(t) = &lpi.pao.text {
        add(&mut parts, &mut pending, t);
    }
    let pao_n = lpi.pao.number_text();
    if !pao_n.is_empty() {
        if let Some(p) = pending.take() {
            parts.push(p);
        }
        pending = Some(pao_n);
    }
    if let Some(s) = street
        && let Some(d) = &s.description
    {
        add(&mut parts, &mut pending, d);
    }
    if let Some(p) = pending.take() {
        parts.push(p);
    }
    if let Some(s) = street {
        push(&mut parts, s.locality.as_deref());
        push(&mut parts, s.town.as_deref());
    }
    push(&mut parts, postcode);
    parts.join(", ")
}

fn lpi_status_order(s: u8) -> u8 {
    match s {
        1 => 0,
        3 => 1,
        6 => 2,
        8 => 4,
        9 => 5,
        _ => 3,
    }
}

/// LPI indices in view order: current before historical, then status (1, 3, 6),
/// English before other languages, then key.
pub fn lpi_order(p: &Property) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.lpis.len()).collect();
    idx.sort_by(|&a, &b| {
        let (la, lb) = (&p.lpis[a], &p.lpis[b]);
        (
            la.is_historical(),
            lpi_status_order(la.logical_status),
            la.language != "ENG",
            &la.lpi_key,
        )
            .cmp(&(
                lb.is_historical(),
                lpi_status_order(lb.logical_status),
                lb.language != "ENG",
                &lb.lpi_key,
            ))
    });
    idx
}

/// DPA indices in view order: current before historical.
pub fn dpa_order(p: &Property) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.dpas.len()).collect();
    idx.sort_by_key(|&i| p.dpas[i].end_date.is_some());
    idx
}

/// Counts of (current DPAs, historical DPAs, current LPIs, historical LPIs).
pub fn view_counts(p: &Property) -> (usize, usize, usize, usize) {
    let dh = p.dpas.iter().filter(|d| d.end_date.is_some()).count();
    let lh = p.lpis.iter().filter(|l| l.is_historical()).count();
    (p.dpas.len() - dh, dh, p.lpis.len() - lh, lh)
}

fn base_address(sp: &StoredProperty, view: AddressView, single_line: String) -> Address {
    let p = &sp.property;
    let class = p.classification_code().map(str::to_string);
    let blpu = p.blpu.as_ref();
    Address {
        uprn: p.uprn,
        single_line,
        postcode: None,
        classification_description: class
            .as_deref()
            .and_then(classification::describe)
            .map(str::to_string),
        classification_code: class,
        location: sp.location.unwrap_or_default(),
        parent_uprn: blpu.and_then(|b| b.parent_uprn),
        blpu_logical_status: blpu.map_or(1, |b| b.logical_status),
        local_custodian_code: blpu.and_then(|b| b.local_custodian_code),
        country_code: blpu.and_then(|b| b.country.clone()),
        last_update_date: None,
        entry_date: None,
        view,
    }
}

/// The DPA view of delivery point `i`.
pub fn dpa_address(sp: &StoredProperty, i: usize) -> Address {
    let d = &sp.property.dpas[i];
    let view = AddressView::Postal(PostalAddress {
        udprn: d.udprn,
        organisation_name: d.organisation_name.clone(),
        department_name: d.department_name.clone(),
        sub_building_name: d.sub_building_name.clone(),
        building_name: d.building_name.clone(),
        building_number: d.building_number,
        dependent_thoroughfare: d.dependent_thoroughfare.clone(),
        thoroughfare: d.thoroughfare.clone(),
        double_dependent_locality: d.double_dependent_locality.clone(),
        dependent_locality: d.dependent_locality.clone(),
        post_town: d.post_town.clone(),
        po_box_number: d.po_box_number.clone(),
    });
    let mut a = base_address(sp, view, dpa_single_line(d));
    a.postcode = d
        .postcode
        .as_deref()
        .and_then(Postcode::parse_lenient)
        .map(|p| p.spaced())
        .or_else(|| sp.postcode.clone());
    a.last_update_date = d.last_update_date.map(|x| x.iso());
    a.entry_date = d.entry_date.map(|x| x.iso());
    a
}

/// The postcode an LPI is shown with: its own (DTF 7.3), the BLPU's postcode
/// locator, else the property's postcode.
pub fn lpi_postcode(sp: &StoredProperty, lpi: &Lpi) -> Option<String> {
    lpi.postcode
        .as_deref()
        .and_then(Postcode::parse_lenient)
        .or_else(|| {
            sp.property
                .blpu
                .as_ref()
                .and_then(|b| b.postcode_locator.as_deref())
                .and_then(Postcode::parse_lenient)
        })
        .map(|p| p.spaced())
        .or_else(|| sp.postcode.clone())
}

/// The LPI view of LPI `i`.
pub fn lpi_address(sp: &StoredProperty, i: usize) -> Address {
    let l = &sp.property.lpis[i];
    let street = sp.lpi_streets.get(i).cloned().flatten();
    let org = sp.property.organisation().map(str::to_string);
    let postcode = lpi_postcode(sp, l);
    let single = lpi_single_line(org.as_deref(), l, street.as_ref(), postcode.as_deref());
    let street = street.unwrap_or_default();
    let view = AddressView::Gazetteer(GazetteerAddress {
        lpi_key: l.lpi_key.clone(),
        organisation: org,
        sao: l.sao.clone(),
        pao: l.pao.clone(),
        usrn: l.usrn,
        street_description: street.description,
        locality: street.locality,
        town: street.town,
        administrative_area: street.administrative_area,
        area_name: l.area_name.clone(),
        logical_status: l.logical_status,
        language: l.language.clone(),
    });
    let mut a = base_address(sp, view, single);
    a.postcode = postcode;
    a.last_update_date = l.last_update_date.map(|x| x.iso());
    a.entry_date = l.entry_date.map(|x| x.iso());
    a
}

/// One view of a property: delivery point `i` or LPI `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewRef {
    /// `property.dpas[i]`.
    Dpa(usize),
    /// `property.lpis[i]`.
    Lpi(usize),
}

/// The views of a property under the options, in view order: DPAs then LPIs.
/// Yields exactly `PropMeta::count(dpa, lpi, include_historical)` views.
pub fn view_refs(
    sp: &StoredProperty,
    dpa: bool,
    lpi: bool,
    include_historical: bool,
) -> Vec<ViewRef> {
    let p = &sp.property;
    if p.is_historical() && !include_historical {
        return Vec::new();
    }
    let mut out = Vec::new();
    if dpa {
        for i in dpa_order(p) {
            if include_historical || p.dpas[i].end_date.is_none() {
                out.push(ViewRef::Dpa(i));
            }
        }
    }
    if lpi {
        for i in lpi_order(p) {
            if include_historical || !p.lpis[i].is_historical() {
                out.push(ViewRef::Lpi(i));
            }
        }
    }
    out
}

/// The address record of one view.
pub fn address(sp: &StoredProperty, v: ViewRef) -> Address {
    match v {
        ViewRef::Dpa(i) => dpa_address(sp, i),
        ViewRef::Lpi(i) => lpi_address(sp, i),
    }
}

/// The view records of a property under the options, in view order: DPAs then LPIs.
/// Yields exactly `PropMeta::count(dpa, lpi, include_historical)` records.
pub fn views(sp: &StoredProperty, dpa: bool, lpi: bool, include_historical: bool) -> Vec<Address> {
    view_refs(sp, dpa, lpi, include_historical)
        .into_iter()
        .map(|v| address(sp, v))
        .collect()
}

/// Surrey's sort key: SAO start number and suffix, SAO end, PAO start number, PAO
/// end, SAO text, PAO text, street, UPRN. Taken from the property's first LPI in view
/// order, else derived from its DPA (sub-building as SAO text, building name as PAO
/// text, building number as PAO number, thoroughfare as street). Absent numbers sort
/// first; texts compare naturally (`FLAT 2` before `FLAT 10`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurreyKey {
    sao_start: u32,
    sao_suffix: String,
    sao_end: u32,
    pao_start: u32,
    pao_end: u32,
    sao_text: String,
    pao_text: String,
    street: String,
    uprn: u64,
}

impl Ord for SurreyKey {
    fn cmp(&self, o: &Self) -> Ordering {
        self.sao_start
            .cmp(&o.sao_start)
            .then_with(|| self.sao_suffix.cmp(&o.sao_suffix))
            .then_with(|| self.sao_end.cmp(&o.sao_end))
            .then_with(|| self.pao_start.cmp(&o.pao_start))
            .then_with(|| self.pao_end.cmp(&o.pao_end))
            .then_with(|| natural_cmp(&self.sao_text, &o.sao_text))
            .then_with(|| natural_cmp(&self.pao_text, &o.pao_text))
            .then_with(|| self.street.cmp(&o.street))
            .then_with(|| self.uprn.cmp(&o.uprn))
    }
}

impl PartialOrd for SurreyKey {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Compares texts with digit runs as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut ia, mut ib) = (a.as_bytes(), b.as_bytes());
    loop {
        match (ia.first(), ib.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let na = ia.iter().take_while(|c| c.is_ascii_digit()).count();
                let nb = ib.iter().take_while(|c| c.is_ascii_digit()).count();
                let va = std::str::from_utf8(&ia[..na])
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok());
                let vb = std::str::from_utf8(&ib[..nb])
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok());
                match va.cmp(&vb) {
                    Ordering::Equal => {}
                    o => return o,
                }
                ia = &ia[na..];
                ib = &ib[nb..];
            }
            (Some(x), Some(y)) => {
                match x.to_ascii_uppercase().cmp(&y.to_ascii_uppercase()) {
                    Ordering::Equal => {}
                    o => return o,
                }
                ia = &ia[1..];
                ib = &ib[1..];
            }
        }
    }
}

fn ao_key(o: &AddressableObject) -> (u32, String, u32, String) {
    (
        o.start_number.unwrap_or(0),
        o.start_suffix.clone().unwrap_or_default(),
        o.end_number.unwrap_or(0),
        o.text.clone().unwrap_or_default(),
    )
}

/// Surrey's sort key of a stored property.
pub fn surrey_key(sp: &StoredProperty) -> SurreyKey {
    let p = &sp.property;
    if let Some(&i) = lpi_order(p).first() {
        let l = &p.lpis[i];
        let (ss, sx, se, st) = ao_key(&l.sao);
        let (ps, _, pe, pt) = ao_key(&l.pao);
        let street = sp
            .lpi_streets
            .get(i)
            .cloned()
            .flatten()
            .and_then(|s| s.description)
            .unwrap_or_default();
        return SurreyKey {
            sao_start: ss,
            sao_suffix: sx,
            sao_end: se,
            pao_start: ps,
            pao_end: pe,
            sao_text: st,
            pao_text: pt,
            street,
            uprn: p.uprn,
        };
    }
    let d = dpa_order(p).first().map(|&i| &p.dpas[i]);
    SurreyKey {
        sao_start: 0,
        sao_suffix: String::new(),
        sao_end: 0,
        pao_start: d.and_then(|d| d.building_number).unwrap_or(0),
        pao_end: 0,
        sao_text: d
            .and_then(|d| d.sub_building_name.clone())
            .unwrap_or_default(),
        pao_text: d.and_then(|d| d.building_name.clone()).unwrap_or_default(),
        street: d.and_then(|d| d.thoroughfare.clone()).unwrap_or_default(),
        uprn: p.uprn,
    }
}

/// Terms of an addressable object: its words and numbers (ranges also as each number
/// in them, up to 50).
fn ao_terms(o: &AddressableObject, out: &mut Vec<String>) {
    if let Some(t) = &o.text {
        out.extend(text::normalise(t));
    }
    if let Some(s) = o.start_number {
        out.push(s.to_string());
        if let Some(x) = &o.start_suffix {
            out.push(format!("{s}{}", x.to_ascii_uppercase()));
        }
        if let Some(e) = o.end_number {
            out.push(format!("{s}-{e}"));
            if e > s && e - s <= 50 {
                for n in s + 1..=e {
                    out.push(n.to_string());
                }
            }
        }
    }
}

/// Every term a property is found by, over all its views (historical included; the
/// query filters), normalised, deduplicated, without stop words and postcodes.
pub fn index_terms(sp: &StoredProperty) -> Vec<String> {
    let p = &sp.property;
    let mut out: Vec<String> = Vec::new();
    for d in &p.dpas {
        for s in [
            &d.organisation_name,
            &d.department_name,
            &d.sub_building_name,
            &d.building_name,
            &d.dependent_thoroughfare,
            &d.thoroughfare,
            &d.double_dependent_locality,
            &d.dependent_locality,
            &d.post_town,
        ]
        .into_iter()
        .flatten()
        {
            out.extend(text::normalise(s));
        }
        if let Some(n) = d.building_number {
            out.push(n.to_string());
        }
    }
    for o in &p.organisations {
        out.extend(text::normalise(&o.organisation));
    }
    for (i, l) in p.lpis.iter().enumerate() {
        ao_terms(&l.sao, &mut out);
        ao_terms(&l.pao, &mut out);
        if let Some(a) = &l.area_name {
            out.extend(text::normalise(a));
        }
        if let Some(Some(s)) = sp.lpi_streets.get(i) {
            for t in [&s.description, &s.locality, &s.town, &s.administrative_area]
                .into_iter()
                .flatten()
            {
                out.extend(text::normalise(t));
            }
        }
    }
    out.retain(|t| !text::is_stop_word(t) && !t.is_empty());
    for t in out.iter_mut() {
        if t.len() > 32 {
            let mut cut = 32;
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            t.truncate(cut);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A default location for records with no position (RPC 0: not positioned).
pub fn no_location() -> Location {
    Location::default()
}
