//! The imported `council:address` records, turned into `council-address`'s own types so
//! that the crate's tested output functions (OS Places, GeoJSON, Surrey) render them.
//! The two sets of types mirror the same WIT records field for field.

use council_address as lib;

use crate::bindings::council::address::lookup as wit;

pub fn page(p: wit::Page) -> lib::Page {
    lib::Page {
        total: p.total,
        offset: p.offset,
        results: p.results.into_iter().map(address_match).collect(),
    }
}

pub fn address_match(m: wit::AddressMatch) -> lib::AddressMatch {
    lib::AddressMatch {
        address: address(m.address),
        score: m.score,
        distance_m: m.distance_m,
    }
}

pub fn location(l: wit::Location) -> lib::Location {
    lib::Location {
        bng: l.bng.map(|b| lib::BngPoint {
            easting: b.easting,
            northing: b.northing,
        }),
        wgs84: lib::Wgs84Point {
            longitude: l.wgs84.longitude,
            latitude: l.wgs84.latitude,
        },
        rpc: l.rpc,
    }
}

fn addressable(o: wit::AddressableObject) -> lib::AddressableObject {
    lib::AddressableObject {
        start_number: o.start_number,
        start_suffix: o.start_suffix,
        end_number: o.end_number,
        end_suffix: o.end_suffix,
        text: o.text,
    }
}

pub fn address(a: wit::Address) -> lib::Address {
    lib::Address {
        uprn: a.uprn,
        single_line: a.single_line,
        postcode: a.postcode,
        view: match a.view {
            wit::AddressView::Postal(p) => lib::AddressView::Postal(lib::PostalAddress {
                udprn: p.udprn,
                organisation_name: p.organisation_name,
                department_name: p.department_name,
                sub_building_name: p.sub_building_name,
                building_name: p.building_name,
                building_number: p.building_number,
                dependent_thoroughfare: p.dependent_thoroughfare,
                thoroughfare: p.thoroughfare,
                double_dependent_locality: p.double_dependent_locality,
                dependent_locality: p.dependent_locality,
                post_town: p.post_town,
                po_box_number: p.po_box_number,
            }),
            wit::AddressView::Gazetteer(g) => lib::AddressView::Gazetteer(lib::GazetteerAddress {
                lpi_key: g.lpi_key,
                organisation: g.organisation,
                sao: addressable(g.sao),
                pao: addressable(g.pao),
                usrn: g.usrn,
                street_description: g.street_description,
                locality: g.locality,
                town: g.town,
                administrative_area: g.administrative_area,
                area_name: g.area_name,
                logical_status: g.logical_status,
                language: g.language,
            }),
        },
        classification_code: a.classification_code,
        classification_description: a.classification_description,
        location: location(a.location),
        parent_uprn: a.parent_uprn,
        blpu_logical_status: a.blpu_logical_status,
        local_custodian_code: a.local_custodian_code,
        country_code: a.country_code,
        last_update_date: a.last_update_date,
        entry_date: a.entry_date,
    }
}

pub fn dataset_to_wit(d: lib::Dataset) -> wit::Dataset {
    match d {
        lib::Dataset::Dpa => wit::Dataset::Dpa,
        lib::Dataset::Lpi => wit::Dataset::Lpi,
    }
}
