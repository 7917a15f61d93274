//! Response shapes for the HTTP façade, as pure functions of the WIT records:
//! OS Places JSON (`header` + `results[].DPA|LPI`), a plain JSON form, a GeoJSON
//! FeatureCollection and Surrey's presentation record.
//!
//! OS Places field names and value types follow the reference (docs.os.uk, OS Places
//! API; real responses mix types: `UPRN`, `UDPRN`, `RPC`, `BUILDING_NUMBER`,
//! `LOGICAL_STATUS_CODE` and the SAO/PAO numbers are strings; `X_COORDINATE`,
//! `Y_COORDINATE`, `LNG`, `LAT`, `LOCAL_CUSTODIAN_CODE` and `MATCH` are numbers; dates
//! are `dd/mm/yyyy`). Absent values are left out, as OS Places does. With BNG output
//! the coordinates are `X_COORDINATE`/`Y_COORDINATE`; with WGS84 they are `LNG`/`LAT`.

use serde_json::{Map, Value, json};

use crate::types::{Address, AddressMatch, AddressView, Dataset, Page};

/// The coordinate system of OS Places output (`output_srs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputSrs {
    /// British National Grid, `EPSG:27700` (OS Places' default).
    #[default]
    Bng,
    /// WGS84, `EPSG:4326`.
    Wgs84,
    /// Web Mercator, `EPSG:3857`: `X_COORDINATE`/`Y_COORDINATE` in metres, as OS Places
    /// writes them for web maps.
    WebMercator,
}

impl OutputSrs {
    /// The EPSG name OS Places writes in the header.
    pub fn epsg(&self) -> &'static str {
        match self {
            OutputSrs::Bng => "EPSG:27700",
            OutputSrs::Wgs84 => "EPSG:4326",
            OutputSrs::WebMercator => "EPSG:3857",
        }
    }
}

/// What the OS Places `header` echoes about the request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OsPlacesRequest {
    /// The request URI.
    pub uri: String,
    /// The query string as understood (`postcode=M31 4AN`).
    pub query: String,
    /// Datasets asked for (empty means DPA).
    pub datasets: Vec<Dataset>,
    /// `maxresults` asked for.
    pub max_results: u32,
    /// Data epoch (`IndexInfo::epoch`).
    pub epoch: String,
    /// Last update (`IndexInfo::built`, `YYYY-MM-DD`).
    pub last_update: String,
    /// Output coordinate system.
    pub srs: OutputSrs,
}

/// `YYYY-MM-DD` to OS Places' `dd/mm/yyyy`.
pub fn os_date(iso: &str) -> String {
    let b = iso.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        format!("{}/{}/{}", &iso[8..10], &iso[5..7], &iso[0..4])
    } else {
        iso.to_string()
    }
}

fn status(code: u8) -> &'static str {
    match code {
        1 => "APPROVED",
        3 => "ALTERNATIVE",
        6 => "PROVISIONAL",
        8 => "HISTORICAL",
        9 => "REJECTED",
        _ => "UNKNOWN",
    }
}

fn country_description(code: &str) -> Option<&'static str> {
    Some(match code {
        "E" => "This record is within England",
        "W" => "This record is within Wales",
        "S" => "This record is within Scotland",
        "N" => "This record is within Northern Ireland",
        "L" => "This record is within the Channel Islands",
        "M" => "This record is within the Isle of Man",
        "J" => {
            "This record is not assigned to a country as it falls outside of the land boundaries used"
        }
        _ => return None,
    })
}

/// OS Places' `MATCH_DESCRIPTION` for a score: `EXACT` (1.0), `GOOD` (0.7 and
/// above), `OK` (0.4 and above), else `NO MATCH`.
pub fn match_description(score: f32) -> &'static str {
    if score >= 0.9995 {
        "EXACT"
    } else if score >= 0.7 {
        "GOOD"
    } else if score >= 0.4 {
        "OK"
    } else {
        "NO MATCH"
    }
}

fn put_str(m: &mut Map<String, Value>, k: &str, v: Option<&str>) {
    if let Some(v) = v.filter(|s| !s.is_empty()) {
        m.insert(k.into(), Value::String(v.to_string()));
    }
}

fn put_num_str<T: ToString>(m: &mut Map<String, Value>, k: &str, v: Option<T>) {
    if let Some(v) = v {
        m.insert(k.into(), Value::String(v.to_string()));
    }
}

fn common(m: &mut Map<String, Value>, a: &Address, score: f32, srs: OutputSrs) {
    m.insert("RPC".into(), Value::String(a.location.rpc.to_string()));
    if a.location.rpc != 0 {
        match srs {
            OutputSrs::Bng => {
                // Positions outside the OSTN15 grid (AddressBase Premium Islands)
                // have no BNG coordinates: none are made up.
                if let Some(bng) = a.location.bng {
                    m.insert("X_COORDINATE".into(), json!(round(bng.easting, 2)));
                    m.insert("Y_COORDINATE".into(), json!(round(bng.northing, 2)));
                }
            }
            OutputSrs::Wgs84 => {
                m.insert("LNG".into(), json!(round(a.location.wgs84.longitude, 7)));
                m.insert("LAT".into(), json!(round(a.location.wgs84.latitude, 7)));
            }
            OutputSrs::WebMercator => {
                let (x, y) = council_bng::to_web_mercator(council_bng::LonLat::new(
                    a.location.wgs84.longitude,
                    a.location.wgs84.latitude,
                ));
                m.insert("X_COORDINATE".into(), json!(round(x, 2)));
                m.insert("Y_COORDINATE".into(), json!(round(y, 2)));
            }
        }
    }
    let logical = match &a.view {
        AddressView::Gazetteer(l) => l.logical_status,
        AddressView::Postal(_) => a.blpu_logical_status,
    };
    m.insert("STATUS".into(), Value::String(status(logical).into()));
    m.insert(
        "LOGICAL_STATUS_CODE".into(),
        Value::String(a.blpu_logical_status.to_string()),
    );
    put_str(m, "CLASSIFICATION_CODE", a.classification_code.as_deref());
    put_str(
        m,
        "CLASSIFICATION_CODE_DESCRIPTION",
        a.classification_description.as_deref(),
    );
    if let Some(c) = a.local_custodian_code {
        m.insert("LOCAL_CUSTODIAN_CODE".into(), json!(c));
    }
    if let Some(c) = &a.country_code {
        put_str(m, "COUNTRY_CODE", Some(c));
        put_str(m, "COUNTRY_CODE_DESCRIPTION", country_description(c));
    }
    put_num_str(m, "PARENT_UPRN", a.parent_uprn);
    put_str(
        m,
        "LAST_UPDATE_DATE",
        a.last_update_date.as_deref().map(os_date).as_deref(),
    );
    put_str(
        m,
        "ENTRY_DATE",
        a.entry_date.as_deref().map(os_date).as_deref(),
    );
    m.insert("MATCH".into(), json!(round(score as f64, 3)));
    m.insert(
        "MATCH_DESCRIPTION".into(),
        Value::String(match_description(score).into()),
    );
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// One OS Places result: `{"DPA": {...}}` or `{"LPI": {...}}`.
pub fn os_places_result(am: &AddressMatch, srs: OutputSrs) -> Value {
    let a = &am.address;
    let mut m = Map::new();
    m.insert("UPRN".into(), Value::String(a.uprn.to_string()));
    match &a.view {
        AddressView::Postal(d) => {
            put_num_str(&mut m, "UDPRN", d.udprn);
            m.insert("ADDRESS".into(), Value::String(a.single_line.clone()));
            put_str(&mut m, "PO_BOX_NUMBER", d.po_box_number.as_deref());
            put_str(&mut m, "ORGANISATION_NAME", d.organisation_name.as_deref());
            put_str(&mut m, "DEPARTMENT_NAME", d.department_name.as_deref());
            put_str(&mut m, "SUB_BUILDING_NAME", d.sub_building_name.as_deref());
            put_str(&mut m, "BUILDING_NAME", d.building_name.as_deref());
            put_num_str(&mut m, "BUILDING_NUMBER", d.building_number);
            put_str(
                &mut m,
                "DEPENDENT_THOROUGHFARE_NAME",
                d.dependent_thoroughfare.as_deref(),
            );
            put_str(&mut m, "THOROUGHFARE_NAME", d.thoroughfare.as_deref());
            put_str(
                &mut m,
                "DOUBLE_DEPENDENT_LOCALITY",
                d.double_dependent_locality.as_deref(),
            );
            put_str(
                &mut m,
                "DEPENDENT_LOCALITY",
                d.dependent_locality.as_deref(),
            );
            put_str(&mut m, "POST_TOWN", d.post_town.as_deref());
            put_str(&mut m, "POSTCODE", a.postcode.as_deref());
            common(&mut m, a, am.score, srs);
            m.insert("LANGUAGE".into(), Value::String("EN".into()));
            json!({ "DPA": Value::Object(m) })
        }
        AddressView::Gazetteer(l) => {
            m.insert("ADDRESS".into(), Value::String(a.single_line.clone()));
            put_num_str(&mut m, "USRN", l.usrn);
            m.insert("LPI_KEY".into(), Value::String(l.lpi_key.clone()));
            put_str(&mut m, "ORGANISATION", l.organisation.as_deref());
            for (p, o) in [("SAO", &l.sao), ("PAO", &l.pao)] {
                put_num_str(&mut m, &format!("{p}_START_NUMBER"), o.start_number);
                put_str(
                    &mut m,
                    &format!("{p}_START_SUFFIX"),
                    o.start_suffix.as_deref(),
                );
                put_num_str(&mut m, &format!("{p}_END_NUMBER"), o.end_number);
                put_str(&mut m, &format!("{p}_END_SUFFIX"), o.end_suffix.as_deref());
                put_str(&mut m, &format!("{p}_TEXT"), o.text.as_deref());
            }
            put_str(
                &mut m,
                "STREET_DESCRIPTION",
                l.street_description.as_deref(),
            );
            put_str(&mut m, "LOCALITY_NAME", l.locality.as_deref());
            put_str(&mut m, "TOWN_NAME", l.town.as_deref());
            put_str(
                &mut m,
                "ADMINISTRATIVE_AREA",
                l.administrative_area.as_deref(),
            );
            put_str(&mut m, "AREA_NAME", l.area_name.as_deref());
            put_str(&mut m, "POSTCODE_LOCATOR", a.postcode.as_deref());
            common(&mut m, a, am.score, srs);
            m.insert(
                "LPI_LOGICAL_STATUS_CODE".into(),
                Value::String(l.logical_status.to_string()),
            );
            m.insert(
                "LPI_LOGICAL_STATUS_CODE_DESCRIPTION".into(),
                Value::String(status(l.logical_status).into()),
            );
            let lang = match l.language.as_str() {
                "CYM" => "CY",
                _ => "EN",
            };
            m.insert("LANGUAGE".into(), Value::String(lang.into()));
            json!({ "LPI": Value::Object(m) })
        }
    }
}

/// A whole OS Places response: `{"header": {...}, "results": [...]}`. OS Places omits
/// `results` when there are none; so does this.
pub fn os_places_json(req: &OsPlacesRequest, page: &Page) -> Value {
    let datasets = if req.datasets.is_empty() {
        "DPA".to_string()
    } else {
        let mut v: Vec<&str> = req
            .datasets
            .iter()
            .map(|d| match d {
                Dataset::Dpa => "DPA",
                Dataset::Lpi => "LPI",
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v.join(",")
    };
    let mut out = json!({
        "header": {
            "uri": req.uri,
            "query": req.query,
            "offset": page.offset,
            "totalresults": page.total,
            "format": "JSON",
            "dataset": datasets,
            "lr": "EN,CY",
            "maxresults": req.max_results,
            "epoch": req.epoch,
            "lastupdate": req.last_update,
            "output_srs": req.srs.epsg(),
        }
    });
    if !page.results.is_empty() {
        out["results"] = Value::Array(
            page.results
                .iter()
                .map(|m| os_places_result(m, req.srs))
                .collect(),
        );
    }
    out
}

/// The plain JSON form: the WIT records as they are (`snake_case` fields).
pub fn plain_json(page: &Page) -> Value {
    serde_json::to_value(page).unwrap_or(Value::Null)
}

/// A GeoJSON FeatureCollection (RFC 7946: WGS84 `[longitude, latitude]`), one Point
/// feature per positioned result, with the address fields as properties.
pub fn geojson(results: &[AddressMatch]) -> Value {
    let features: Vec<Value> = results
        .iter()
        .filter(|m| m.address.location.rpc != 0)
        .map(|m| {
            let a = &m.address;
            let mut props = json!({
                "uprn": a.uprn.to_string(),
                "address": a.single_line,
                "postcode": a.postcode,
                "dataset": match a.view.dataset() { Dataset::Dpa => "DPA", Dataset::Lpi => "LPI" },
                "classification_code": a.classification_code,
                "classification_description": a.classification_description,
                "rpc": a.location.rpc,
                "easting": a.location.bng.map(|b| b.easting),
                "northing": a.location.bng.map(|b| b.northing),
                "score": m.score,
            });
            if let Some(d) = m.distance_m {
                props["distance_m"] = json!(round(d, 2));
            }
            json!({
                "type": "Feature",
                "id": a.uprn.to_string(),
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(a.location.wgs84.longitude, 7), round(a.location.wgs84.latitude, 7)],
                },
                "properties": props,
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

/// Surrey's presentation record `{property, street, locality, town, area, postcode,
/// uprn, gssCode}`: `property` is the organisation and the sub-building and building
/// names (`FLAT 1, ROSE COURT`), `street` the building number and street
/// (`14 CHURCH ROAD`), `area` the administrative area (LPI) or post town (DPA),
/// `gssCode` the local authority's GSS code (from the postcode's Code-Point record,
/// passed in by the caller).
pub fn surrey_presentation(a: &Address, gss_code: Option<&str>) -> Value {
    let (property, street, locality, town, area) = match &a.view {
        AddressView::Postal(d) => {
            let prop: Vec<&str> = [
                d.organisation_name.as_deref(),
                d.sub_building_name.as_deref(),
                d.building_name.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            let mut st = String::new();
            if let Some(n) = d.building_number {
                st.push_str(&n.to_string());
            }
            for t in [
                d.dependent_thoroughfare.as_deref(),
                d.thoroughfare.as_deref(),
            ]
            .into_iter()
            .flatten()
            {
                if !st.is_empty() {
                    st.push(' ');
                }
                st.push_str(t);
            }
            (
                prop.join(", "),
                st,
                d.dependent_locality.clone(),
                d.post_town.clone(),
                d.post_town.clone(),
            )
        }
        AddressView::Gazetteer(l) => {
            let mut prop: Vec<String> = Vec::new();
            if let Some(o) = &l.organisation {
                prop.push(o.clone());
            }
            let sao = join_ao(&l.sao);
            if !sao.is_empty() {
                prop.push(sao);
            }
            if let Some(t) = &l.pao.text {
                prop.push(t.clone());
            }
            let n = l.pao.number_text();
            let st = match (&l.street_description, n.is_empty()) {
                (Some(s), false) => format!("{n} {s}"),
                (Some(s), true) => s.clone(),
                (None, _) => n,
            };
            (
                prop.join(", "),
                st,
                l.locality.clone(),
                l.town.clone(),
                l.administrative_area.clone(),
            )
        }
    };
    json!({
        "property": property,
        "street": street,
        "locality": locality,
        "town": town,
        "area": area,
        "postcode": a.postcode,
        "uprn": a.uprn.to_string(),
        "gssCode": gss_code,
    })
}

fn join_ao(o: &crate::types::AddressableObject) -> String {
    let n = o.number_text();
    match (&o.text, n.is_empty()) {
        (Some(t), false) => format!("{t} {n}"),
        (Some(t), true) => t.clone(),
        (None, _) => n,
    }
}
