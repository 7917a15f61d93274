//! The real application (`spin.toml`: council-api composed with address-lookup,
//! parish-routing and contact-fetch) on `council-host`, answering from the demo data:
//! OS Places-, Surrey- and MapIt-compatible routes, routing decisions, and clear JSON
//! errors for bad requests.

use std::io::{Read, Write};
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::support::{self, HostProcess, Reply};

/// One host for these read-only tests (each request is a fresh instance anyway).
fn app() -> &'static HostProcess {
    static APP: OnceLock<HostProcess> = OnceLock::new();
    APP.get_or_init(|| {
        support::components();
        support::demo_data();
        let state = support::scratch_dir("api-state");
        let state = state.to_string_lossy().to_string();
        HostProcess::start(
            &support::workspace_root().join("spin.toml"),
            &["--state-dir", &state],
            &[],
        )
        .unwrap()
    })
}

fn get(path: &str) -> Reply {
    support::get(&app().url(path)).unwrap()
}

fn get_json(path: &str) -> Value {
    let reply = get(path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    assert!(
        reply.content_type.contains("json"),
        "{path}: {}",
        reply.content_type
    );
    reply.json()
}

fn post_route(body: &Value) -> Reply {
    support::send(
        "POST",
        &app().url("/route"),
        "application/json",
        body.to_string().as_bytes(),
    )
    .unwrap()
}

/// The areas of a MapIt answer, by type code.
fn area_codes(areas: &Value) -> Vec<(String, String)> {
    let mut codes: Vec<(String, String)> = areas
        .as_object()
        .unwrap()
        .values()
        .map(|a| {
            (
                a["type"].as_str().unwrap().to_string(),
                a["codes"]["gss"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    codes.sort();
    codes
}

#[test]
fn the_index_and_health_describe_the_api() {
    let index = get_json("/");
    assert!(index["endpoints"].is_object());
    let health = get_json("/api/health");
    assert_eq!(health["ok"], true);
    assert!(health["address-index"]["addresses"].as_u64().unwrap() > 100_000);
    assert_eq!(health["boundary-index"]["parishes"], 4);
}

#[test]
fn os_places_postcode_lookup_answers_from_the_index() {
    let body = get_json("/search/places/v1/postcode?postcode=m314an");
    let header = &body["header"];
    for field in [
        "uri",
        "query",
        "offset",
        "totalresults",
        "format",
        "dataset",
        "lr",
        "maxresults",
        "epoch",
        "lastupdate",
        "output_srs",
    ] {
        assert!(
            header.get(field).is_some(),
            "header lacks {field}: {header}"
        );
    }
    assert_eq!(header["dataset"], "DPA");
    assert_eq!(header["output_srs"], "EPSG:27700");
    let results = body["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert_eq!(
        header["totalresults"].as_u64().unwrap() as usize,
        results.len()
    );
    for result in results {
        let dpa = &result["DPA"];
        assert_eq!(dpa["POSTCODE"], "M31 4AN");
        assert!(
            dpa["UPRN"].is_string(),
            "OS Places gives UPRN as a string: {dpa}"
        );
        assert!(dpa["X_COORDINATE"].is_number() && dpa["Y_COORDINATE"].is_number());
        assert!(dpa["ADDRESS"].as_str().unwrap().ends_with("M31 4AN"));
    }
    // The same postcode, both views, in WGS84.
    let both =
        get_json("/search/places/v1/postcode?postcode=M31%204AN&dataset=DPA,LPI&output_srs=WGS84");
    assert_eq!(both["header"]["output_srs"], "EPSG:4326");
    let results = both["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r.get("LPI").is_some())
            && results.iter().any(|r| r.get("DPA").is_some())
    );
    let first = results[0].as_object().unwrap().values().next().unwrap();
    let (lng, lat) = (
        first["LNG"].as_f64().unwrap(),
        first["LAT"].as_f64().unwrap(),
    );
    assert!(
        (-2.5..-2.3).contains(&lng) && (53.3..53.5).contains(&lat),
        "{lng},{lat}"
    );
}

#[test]
fn os_places_paging_and_classification_filters() {
    let all = get_json("/search/places/v1/postcode?postcode=M31&maxresults=100");
    let total = all["header"]["totalresults"].as_u64().unwrap();
    assert!(total > 100, "M31 has {total} addresses");
    let page = get_json("/search/places/v1/postcode?postcode=M31&maxresults=10&offset=10");
    assert_eq!(page["results"].as_array().unwrap().len(), 10);
    assert_eq!(page["header"]["offset"], 10);
    assert_eq!(
        all["results"][10]["DPA"]["UPRN"],
        page["results"][0]["DPA"]["UPRN"]
    );
    let residential = get_json(
        "/search/places/v1/postcode?postcode=M31&fq=CLASSIFICATION_CODE:R*&maxresults=100",
    );
    for result in residential["results"].as_array().unwrap() {
        assert!(
            result["DPA"]["CLASSIFICATION_CODE"]
                .as_str()
                .unwrap()
                .starts_with('R')
        );
    }
    assert!(residential["header"]["totalresults"].as_u64().unwrap() < total);
}

#[test]
fn partial_postcodes_match_whole_districts_only() {
    let m31 = get_json("/search/places/v1/postcode?postcode=M31&maxresults=100");
    for result in m31["results"].as_array().unwrap() {
        assert!(
            result["DPA"]["POSTCODE"]
                .as_str()
                .unwrap()
                .starts_with("M31 ")
        );
    }
    // M1 is Manchester city centre, outside Trafford: no addresses, and never M11 or M15's.
    let m1 = get_json("/search/places/v1/postcode?postcode=M1");
    assert_eq!(m1["header"]["totalresults"], 0);
    assert!(m1.get("results").is_none());
}

#[test]
fn invalid_postcodes_are_explained() {
    let reply = get("/search/places/v1/postcode?postcode=M31%204A");
    assert_eq!(reply.status, 400, "{}", reply.body);
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.to_lowercase().contains("inward"), "{message}");
    let reply = get("/search/places/v1/postcode?postcode=M31&maxresults=101");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["statuscode"], 400);
}

#[test]
fn uprn_find_typeahead_and_spatial_queries() {
    let first = get_json("/search/places/v1/postcode?postcode=M31%204AN&maxresults=1");
    let dpa = &first["results"][0]["DPA"];
    let uprn = dpa["UPRN"].as_str().unwrap().to_string();
    let (x, y) = (
        dpa["X_COORDINATE"].as_f64().unwrap(),
        dpa["Y_COORDINATE"].as_f64().unwrap(),
    );

    let by_uprn = get_json(&format!(
        "/search/places/v1/uprn?uprn={uprn}&dataset=DPA,LPI"
    ));
    assert!(
        by_uprn["results"].as_array().unwrap().len() >= 2,
        "DPA and LPI views of {uprn}"
    );

    let address = dpa["ADDRESS"].as_str().unwrap();
    let text = address
        .rsplit_once(", ")
        .unwrap()
        .0
        .replace(' ', "%20")
        .replace(',', "");
    let found = get_json(&format!("/search/places/v1/find?query={text}&maxresults=5"));
    assert_eq!(
        found["results"][0]["DPA"]["UPRN"].as_str().unwrap(),
        uprn,
        "{}",
        found
    );
    assert!(found["results"][0]["DPA"]["MATCH"].as_f64().unwrap() > 0.8);

    let typed: String = address.chars().take(10).collect();
    let suggestions = get_json(&format!(
        "/search/places/v1/autocomplete?query={}",
        typed.replace(' ', "%20")
    ));
    let list = suggestions["results"].as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 10);

    let nearest = get_json(&format!("/search/places/v1/nearest?point={x},{y}"));
    assert_eq!(nearest["results"].as_array().unwrap().len(), 1);
    let radius = get_json(&format!("/search/places/v1/radius?point={x},{y}&radius=50"));
    assert!(
        radius["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["DPA"]["UPRN"] == uprn.as_str())
    );
    let bbox = get_json(&format!(
        "/search/places/v1/bbox?bbox={},{},{},{}",
        x - 100.0,
        y - 100.0,
        x + 100.0,
        y + 100.0
    ));
    assert!(bbox["header"]["totalresults"].as_u64().unwrap() >= 1);
    let too_big = get(&format!(
        "/search/places/v1/bbox?bbox={},{},{},{}",
        x - 2000.0,
        y - 2000.0,
        x + 2000.0,
        y + 2000.0
    ));
    assert_eq!(too_big.status, 400);

    // Web Mercator out and back in: the property's EPSG:3857 x,y as a query point
    // finds it again.
    let mercator = get_json(&format!(
        "/search/places/v1/uprn?uprn={uprn}&output_srs=EPSG:3857"
    ));
    assert_eq!(mercator["header"]["output_srs"], "EPSG:3857");
    let dpa = &mercator["results"][0]["DPA"];
    let (mx, my) = (
        dpa["X_COORDINATE"].as_f64().unwrap(),
        dpa["Y_COORDINATE"].as_f64().unwrap(),
    );
    // Trafford is about 2.3° west, 53.4° north: x ≈ -260 km, y ≈ 7 060 km.
    assert!(
        (-290_000.0..-230_000.0).contains(&mx) && (7_030_000.0..7_100_000.0).contains(&my),
        "{mx},{my}"
    );
    let around = get_json(&format!(
        "/search/places/v1/radius?point={mx},{my}&srs=EPSG:3857&radius=5"
    ));
    assert!(
        around["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["DPA"]["UPRN"] == uprn.as_str()),
        "{around}"
    );
    assert_eq!(
        get("/search/places/v1/nearest?point=1e9,1e9&srs=EPSG:3857").status,
        400
    );

    let geojson = get("/api/addresses/postcode/M314AN.geojson");
    assert_eq!(geojson.status, 200);
    assert_eq!(geojson.content_type, "application/geo+json");
    assert_eq!(geojson.json()["type"], "FeatureCollection");
}

#[test]
fn surrey_locate_api_answers_as_surrey_did() {
    let missing = get("/locate/addresses");
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.json(),
        json!({"error": "a query parameter (postcode, uprn, usrn) is needed"})
    );
    let list = get_json("/locate/addresses?postcode=M314AN&query=residential");
    let records = list.as_array().unwrap();
    assert!(!records.is_empty());
    for record in records {
        for field in [
            "property", "street", "locality", "town", "area", "postcode", "uprn", "gssCode",
        ] {
            assert!(
                record.get(field).is_some(),
                "presentation record lacks {field}: {record}"
            );
        }
        assert_eq!(record["gssCode"], "E08000009");
    }
}

#[test]
fn mapit_point_postcode_uprn_and_area_routes() {
    let partington = vec![
        ("CPC".to_string(), "E04000011".to_string()),
        ("MTD".to_string(), "E08000009".to_string()),
        ("MTW".to_string(), "E05015244".to_string()),
    ];
    let by_point = get_json("/point/4326/-2.4178,53.4195");
    assert_eq!(area_codes(&by_point), partington);
    let by_postcode = get_json("/postcode/M314AN");
    assert_eq!(area_codes(&by_postcode["areas"]), partington);
    assert_eq!(by_postcode["postcode"], "M31 4AN");
    assert_eq!(by_postcode["shortcuts"]["council"], 508000009);
    let easting = by_postcode["easting"].as_f64().unwrap();
    let northing = by_postcode["northing"].as_f64().unwrap();
    let by_bng = get_json(&format!("/point/27700/{easting},{northing}"));
    assert_eq!(area_codes(&by_bng), partington);

    // An unparished postcode: the district's non-parished area stands in for a parish.
    let unparished = get_json("/postcode/M154AB");
    let codes = area_codes(&unparished["areas"]);
    assert!(
        codes.contains(&("NCP".into(), "E43000163".into())),
        "{codes:?}"
    );
    assert!(!codes.iter().any(|(t, _)| t == "CPC"));

    let first = get_json("/search/places/v1/postcode?postcode=M31%204AN&maxresults=1");
    let uprn = first["results"][0]["DPA"]["UPRN"]
        .as_str()
        .unwrap()
        .to_string();
    let by_uprn = get_json(&format!("/uprn/{uprn}"));
    assert_eq!(area_codes(&by_uprn["areas"]), partington);

    let area = get_json("/area/E04000011");
    assert_eq!(area["name"], "Partington");
    assert_eq!(area["type"], "CPC");
    assert_eq!(area["parent_area"], 508000009);
    assert_eq!(get_json("/area/504000011")["name"], "Partington");
    let geometry = get("/area/E04000011.geojson");
    assert_eq!(geometry.json()["type"], "Polygon");
    let parishes = get_json("/areas/CPC");
    assert_eq!(parishes.as_object().unwrap().len(), 4);
    let missing = get("/area/E04999999");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], 404);
}

#[test]
fn speeding_reports_route_to_the_parish_or_the_district() {
    let questions = get_json("/questions/speeding-traffic");
    assert_eq!(questions["questions"].as_array().unwrap().len(), 3);
    let answers = json!({"speed-limit": "yes", "speedwatch": "yes", "pattern": "particular-times"});

    let partington = post_route(
        &json!({"category": "speeding-traffic", "answers": answers, "location": {"postcode": "M31 4AN"}}),
    );
    assert_eq!(partington.status, 200, "{}", partington.body);
    let decision = &partington.json()["decision"];
    assert_eq!(decision["tier"], "parish");
    assert_eq!(decision["area"]["codes"]["gss"], "E04000011");
    assert!(decision["reason"].as_str().unwrap().contains("Partington"));

    let unparished = post_route(
        &json!({"category": "speeding-traffic", "answers": answers, "location": {"postcode": "M15 4AB"}}),
    );
    let decision = &unparished.json()["decision"];
    assert_eq!(decision["tier"], "district");
    assert_eq!(decision["area"]["codes"]["gss"], "E08000009");

    let faster = post_route(&json!({"category": "speeding-traffic",
        "answers": {"speed-limit": "no", "speedwatch": "yes", "pattern": "particular-times"},
        "location": {"lon": -2.4178, "lat": 53.4195}}));
    assert_eq!(faster.json()["decision"]["tier"], "district");
}

#[test]
fn bad_requests_get_clear_json_errors() {
    let cases: Vec<(Reply, u16, &str)> = vec![
        (get("/api/nowhere"), 404, "no endpoint"),
        (get("/point/4326/west,north"), 400, "must be a number"),
        (get("/point/1234/1,2"), 400, "SRID"),
        (
            get("/search/places/v1/nearest?point=1,2,3"),
            400,
            "two numbers",
        ),
        (get("/search/places/v1/find"), 400, "query"),
        (post_route(&json!({"answers": {}})), 400, "category"),
        (
            support::send(
                "POST",
                &app().url("/route"),
                "application/json",
                b"{not json",
            )
            .unwrap(),
            400,
            "not valid JSON",
        ),
        (
            post_route(
                &json!({"category": "speeding-traffic", "answers": {"speed-limit": "maybe"}, "location": {"postcode": "M31 4AN"}}),
            ),
            422,
            "",
        ),
        (
            post_route(
                &json!({"category": "no-such-category", "answers": {}, "location": {"postcode": "M31 4AN"}}),
            ),
            404,
            "no-such-category",
        ),
        (get("/nowhere-at-all"), 404, "no route"),
    ];
    for (reply, status, fragment) in cases {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert!(
            reply.content_type.starts_with("application/json"),
            "{}",
            reply.content_type
        );
        let body = reply.json();
        let message = body["error"]
            .as_str()
            .map(str::to_string)
            .or_else(|| body["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no error message: {body}"));
        assert!(
            message.contains(fragment),
            "`{message}` should mention `{fragment}`"
        );
    }
    // A body declared larger than the limit is refused from its Content-Length alone.
    // Only the head is sent: a server may answer 413 and close without reading the body
    // (RFC 9110 section 15.5.14), and a client still writing then gets a broken pipe
    // or a reset that can discard the answer, which made this test flaky under load.
    let url = app().url("/route");
    let addr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /route HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        2 << 20
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    assert!(body.contains("error"), "413 without a JSON error: {answer}");
}
