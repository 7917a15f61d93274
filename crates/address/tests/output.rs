//! The response shapes for the HTTP façade, against golden files
//! (`tests/golden/*.json`; `BLESS=1` rewrites them).
#![cfg(feature = "import")]

mod common;

use common::*;
use council_address::import::Format;
use council_address::output::{self, OsPlacesRequest, OutputSrs};
use council_address::*;
use serde_json::Value;

fn golden(name: &str, v: &Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let text = serde_json::to_string_pretty(v).unwrap() + "\n";
    council_test_support::golden::check(&path, &text);
}

#[test]
fn os_places_geojson_surrey_shapes() {
    let (g, _) = import(&[
        ("abp_full.csv", Format::AddressBasePremium),
        ("codepoint_sample.csv", Format::CodePointOpen),
    ]);
    let idx = index_of(&g);
    let o = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        ..Default::default()
    };
    let page = idx.by_postcode("M31 4AN", &o).unwrap();
    let req = OsPlacesRequest {
        uri: "https://example.org/search/places/v1/postcode?postcode=M31%204AN&dataset=DPA,LPI"
            .into(),
        query: "postcode=M31 4AN&dataset=DPA,LPI".into(),
        datasets: vec![Dataset::Lpi, Dataset::Dpa],
        max_results: 100,
        epoch: "test".into(),
        last_update: "2024-01-01".into(),
        srs: OutputSrs::Bng,
    };
    let os = output::os_places_json(&req, &page);
    // OS Places' types: identifiers and codes as strings, coordinates and the
    // custodian code as numbers, dates dd/mm/yyyy.
    let dpa = &os["results"][0]["DPA"];
    assert!(dpa["UPRN"].is_string() && dpa["UDPRN"].is_string() && dpa["RPC"].is_string());
    assert!(dpa["X_COORDINATE"].is_f64() && dpa["LOCAL_CUSTODIAN_CODE"].is_u64());
    assert_eq!(dpa["LAST_UPDATE_DATE"], "01/05/2020");
    assert_eq!(os["header"]["dataset"], "DPA,LPI");
    assert_eq!(os["header"]["totalresults"], 7);
    assert!(os["results"][1]["LPI"]["USRN"].is_string());
    golden("os_places_m31_4an.json", &os);

    let wgs = output::os_places_json(
        &OsPlacesRequest {
            srs: OutputSrs::Wgs84,
            ..req.clone()
        },
        &page,
    );
    assert!(
        wgs["results"][0]["DPA"]["LAT"].is_f64()
            && wgs["results"][0]["DPA"]["X_COORDINATE"].is_null()
    );
    assert_eq!(wgs["header"]["output_srs"], "EPSG:4326");

    let empty = output::os_places_json(&req, &Page::default());
    assert!(
        empty.get("results").is_none(),
        "OS Places omits results when there are none"
    );

    let near = idx
        .within_radius(
            BngPoint {
                easting: 373120.0,
                northing: 393301.0,
            },
            30.0,
            &QueryOptions::default(),
        )
        .unwrap();
    let gj = output::geojson(&near.results);
    assert_eq!(gj["type"], "FeatureCollection");
    assert_eq!(gj["features"][0]["geometry"]["type"], "Point");
    golden("geojson_radius.json", &gj);

    let views = idx.by_uprn(990000000002, &o).unwrap();
    let surrey: Vec<Value> = views
        .iter()
        .map(|a| output::surrey_presentation(a, Some("E08000009")))
        .collect();
    assert_eq!(surrey[1]["property"], "FLAT 1, ROSE COURT");
    assert_eq!(surrey[1]["street"], "14 CHURCH ROAD");
    assert_eq!(surrey[1]["gssCode"], "E08000009");
    golden("surrey_presentation.json", &Value::Array(surrey));

    let plain = output::plain_json(&page);
    assert_eq!(plain["total"], 7);
    assert_eq!(output::match_description(1.0), "EXACT");
    assert_eq!(output::os_date("2024-02-29"), "29/02/2024");
}
