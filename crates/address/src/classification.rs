//! The AddressBase classification scheme (codes to descriptions) and Surrey's named
//! classification sets.
//!
//! Codes and descriptions follow the AddressBase Classification Scheme published by
//! Ordnance Survey and GeoPlace (docs.os.uk, "AddressBase fundamentals: Classification
//! scheme", CSV download; the same table is reproduced by Ideal Postcodes' "AddressBase
//! Classification Codes" page). Levels: primary (`R`), secondary (`RD`), tertiary
//! (`RD04`) and, for a few, quaternary (`CH01YH`). A code missing from the table takes
//! the description of its nearest listed parent.
//!
//! Surrey's sets (`surreydigitalservices/locate-api`, as the reference records them):
//! residential = `R`, `RD*`, `RH*`, `RI*` and `X` (dual use); commercial = `C*` except
//! `CE*`; electoral = residential plus `CE01*` and `CE05*`.

use crate::types::{ClassificationFilter, ClassificationSet};

/// `(code, description)`, sorted by code.
pub const CLASSIFICATIONS: &[(&str, &str)] = &[
    ("C", "Commercial"),
    ("CA", "Agricultural"),
    ("CA01", "Farm / Non-Residential Associated Building"),
    ("CA02", "Fishery"),
    ("CA03", "Horticulture"),
    ("CA04", "Slaughter House / Abattoir"),
    ("CB", "Ancillary Building"),
    ("CC", "Community Services"),
    ("CC02", "Law Court"),
    ("CC03", "Prison"),
    ("CC04", "Public / Village Hall / Other Community Facility"),
    ("CC05", "Public Convenience"),
    (
        "CC06",
        "Cemetery / Crematorium / Graveyard. In Current Use.",
    ),
    ("CC07", "Church Hall / Religious Meeting Place / Hall"),
    ("CC08", "Community Service Centre / Office"),
    ("CC09", "Public Household Waste Recycling Centre (HWRC)"),
    ("CC10", "Recycling Site"),
    ("CC11", "CCTV"),
    ("CC12", "Job Centre"),
    ("CE", "Education"),
    ("CE01", "College"),
    ("CE01FE", "Further Education"),
    ("CE01HE", "Higher Education"),
    ("CE02", "Children's Nursery / Creche"),
    (
        "CE03",
        "Preparatory / First / Primary / Infant / Junior / Middle School",
    ),
    ("CE04", "Secondary / High School"),
    ("CE05", "University"),
    ("CE06", "Special Needs Establishment"),
    ("CE07", "Other Educational Establishment"),
    ("CH", "Hotel / Motel / Boarding / Guest House"),
    (
        "CH01",
        "Boarding / Guest House / Bed And Breakfast / Youth Hostel",
    ),
    ("CH01YH", "Youth Hostel"),
    (
        "CH02",
        "Holiday Let / Accommodation / Short-Term Let Other Than CH01",
    ),
    ("CH03", "Hotel / Motel"),
    (
        "CI",
        "Industrial Applicable to manufacturing, engineering, maintenance, storage / wholesale distribution and extraction sites",
    ),
    ("CI01", "Factory / Manufacturing"),
    ("CI02", "Mineral / Ore Working / Quarry / Mine"),
    ("CI03", "Workshop / Light Industrial"),
    ("CI04", "Warehouse / Store / Storage Depot"),
    ("CI05", "Wholesale Distribution"),
    ("CI06", "Recycling Plant"),
    ("CI07", "Incinerator / Waste Transfer Station"),
    ("CI08", "Maintenance Depot"),
    (
        "CL",
        "Leisure - Applicable to recreational sites and enterprises",
    ),
    ("CL01", "Amusements"),
    ("CL02", "Holiday / Campsite"),
    ("CL03", "Library"),
    ("CL04", "Museum / Gallery"),
    (
        "CL06",
        "Indoor / Outdoor Leisure / Sporting Activity / Centre",
    ),
    (
        "CL07",
        "Bingo Hall / Cinema / Conference / Exhibition Centre / Theatre / Concert Hall",
    ),
    ("CL08", "Zoo / Theme Park"),
    ("CL09", "Beach Hut (Recreational, Non-Residential Use Only)"),
    ("CL10", "Licensed Private Members' Club"),
    ("CL11", "Arena / Stadium"),
    ("CM", "Medical"),
    ("CM01", "Dentist"),
    ("CM02", "General Practice Surgery / Clinic"),
    ("CM03", "Hospital / Hospice"),
    ("CM04", "Medical / Testing / Research Laboratory"),
    ("CM05", "Professional Medical Service"),
    ("CN", "Animal Centre"),
    ("CN01", "Cattery / Kennel"),
    ("CN02", "Animal Services"),
    ("CN03", "Equestrian"),
    ("CN04", "Vet / Animal Medical Treatment"),
    ("CN05", "Animal / Bird / Marine Sanctuary"),
    ("CO", "Office"),
    ("CO01", "Office / Work Studio"),
    ("CO02", "Broadcasting (TV / Radio)"),
    ("CR", "Retail"),
    ("CR01", "Bank / Financial Service"),
    ("CR02", "Retail Service Agent"),
    ("CR04", "Market (Indoor / Outdoor)"),
    ("CR05", "Petrol Filling Station"),
    ("CR06", "Public House / Bar / Nightclub"),
    ("CR07", "Restaurant / Cafeteria"),
    ("CR08", "Shop / Showroom"),
    ("CR09", "Other Licensed Premise / Vendor"),
    ("CR10", "Fast Food Outlet / Takeaway (Hot / Cold)"),
    ("CR11", "Automated Teller Machine (ATM)"),
    ("CS", "Storage Land"),
    ("CS01", "General Storage Land"),
    ("CS02", "Builders' Yard"),
    ("CT", "Transport"),
    (
        "CT01",
        "Airfield / Airstrip / Airport / Air Transport Infrastructure Facility",
    ),
    ("CT02", "Bus Shelter"),
    (
        "CT03",
        "Car / Coach / Commercial Vehicle / Taxi Parking / Park And Ride Site",
    ),
    ("CT04", "Goods Freight Handling / Terminal"),
    ("CT05", "Marina"),
    ("CT06", "Mooring"),
    ("CT07", "Railway Asset"),
    ("CT08", "Station / Interchange / Terminal / Halt"),
    ("CT09", "Transport Track / Way"),
    ("CT10", "Vehicle Storage"),
    ("CT11", "Transport Related Infrastructure"),
    ("CT12", "Overnight Lorry Park"),
    (
        "CT13",
        "Harbour / Port / Dock / Dockyard / Slipway / Landing Stage / Pier / Jetty / Pontoon / Terminal / Berthing / Quay",
    ),
    ("CU", "Utility"),
    ("CU01", "Electricity Sub-Station"),
    ("CU02", "Landfill"),
    ("CU03", "Power Station / Energy Production"),
    ("CU04", "Pump House / Pumping Station / Water Tower"),
    ("CU06", "Telecommunication"),
    ("CU07", "Water / Waste Water / Sewage Treatment Works"),
    ("CU08", "Gas / Oil Storage / Distribution"),
    ("CU09", "Other Utility Use"),
    ("CU10", "Waste Management"),
    ("CU11", "Telephone Box"),
    ("CU12", "Dam"),
    ("CX", "Emergency / Rescue Service"),
    ("CX01", "Police / Transport Police / Station"),
    ("CX02", "Fire Station"),
    ("CX03", "Ambulance Station"),
    ("CX04", "Lifeboat Services / Station"),
    ("CX05", "Coastguard Rescue / Lookout / Station"),
    ("CX06", "Mountain Rescue Station"),
    ("CX07", "Lighthouse"),
    ("CX08", "Police Box / Kiosk"),
    ("CZ", "Information"),
    ("CZ01", "Advertising Hoarding"),
    ("CZ02", "Tourist Information Signage"),
    ("CZ03", "Traffic Information Signage"),
    ("L", "Land"),
    (
        "LA",
        "Agricultural - Applicable to land in farm ownership and not run as a separate business enterprise",
    ),
    ("LA01", "Grazing Land"),
    ("LA02", "Permanent Crop / Crop Rotation"),
    ("LB", "Ancillary Building"),
    ("LC", "Burial Ground"),
    ("LC01", "Historic / Disused Cemetery / Graveyard"),
    ("LD", "Development"),
    ("LD01", "Development Site"),
    ("LF", "Forestry"),
    ("LF02", "Forest / Arboretum / Pinetum (Managed / Unmanaged)"),
    ("LF03", "Woodland"),
    ("LL", "Allotment"),
    ("LM", "Amenity - Open areas not attracting visitors"),
    ("LM01", "Landscaped Roundabout"),
    ("LM02", "Verge / Central Reservation"),
    ("LM03", "Maintained Amenity Land"),
    ("LM04", "Maintained Surfaced Area"),
    ("LO", "Open Space"),
    ("LO01", "Heath / Moorland"),
    ("LP", "Park"),
    ("LP01", "Public Park / Garden"),
    ("LP02", "Public Open Space / Nature Reserve"),
    ("LP03", "Playground"),
    ("LP04", "Private Park / Garden"),
    ("LU", "Unused Land"),
    ("LU01", "Vacant / Derelict Land"),
    ("LW", "Water"),
    ("LW01", "Lake / Reservoir"),
    ("LW02", "Named Pond"),
    ("LW03", "Waterway"),
    ("M", "Military"),
    ("MA", "Army"),
    ("MB", "Ancillary Building"),
    ("MF", "Air Force"),
    ("MG", "Defence Estates"),
    ("MN", "Navy"),
    ("O", "Other (Ordnance Survey Only)"),
    ("OA", "Aid To Navigation"),
    ("OC", "Coastal Protection / Flood Prevention"),
    ("OE", "Emergency Support"),
    ("OF", "Street Furniture"),
    ("OG", "Agricultural Support Objects"),
    ("OH", "Historical Site / Object"),
    ("OI", "Industrial Support"),
    ("OM", "Significant Natural Object"),
    ("ON", "Significant Non-Building Structure"),
    ("OP", "Sport / Leisure Support"),
    ("OR", "Royal Mail Infrastructure"),
    ("OS", "Scientific / Observation Support"),
    ("OT", "Transport Support"),
    ("OU", "Unsupported Site"),
    ("P", "Parent Shell"),
    ("PP", "Property Shell"),
    ("PS", "Street Record"),
    ("R", "Residential"),
    ("RB", "Ancillary Building"),
    ("RC", "Car Park Space"),
    ("RC01", "Allocated Parking"),
    ("RD", "Dwelling"),
    ("RD01", "Caravan"),
    ("RD02", "Detached"),
    ("RD03", "Semi-Detached"),
    ("RD04", "Terraced"),
    (
        "RD06",
        "Self Contained Flat (Includes Maisonette / Apartment)",
    ),
    ("RD07", "House Boat"),
    ("RD08", "Sheltered Accommodation"),
    ("RD10", "Privately Owned Holiday Caravan / Chalet"),
    ("RG", "Garage"),
    ("RG02", "Lock-Up Garage / Garage Court"),
    ("RH", "House In Multiple Occupation"),
    ("RH01", "HMO Parent"),
    (
        "RH02",
        "HMO Bedsit / Other Non Self Contained Accommodation",
    ),
    ("RH03", "HMO Not Further Divided"),
    ("RI", "Residential Institution"),
    ("RI01", "Care / Nursing Home"),
    ("RI02", "Communal Residence"),
    ("RI02NC", "Non-Commercial Lodgings"),
    ("RI02RC", "Religious Community"),
    ("RI03", "Residential Education"),
    ("U", "Unclassified"),
    ("UC", "Awaiting Classification"),
    ("UP", "Pending Internal Investigation"),
    ("X", "Dual Use"),
    ("Z", "Object of Interest"),
    ("ZA", "Archaeological Dig Site"),
    ("ZM", "Monument"),
    ("ZM01", "Obelisk / Milestone / Standing Stone"),
    ("ZM02", "Memorial / Market Cross"),
    ("ZM03", "Statue"),
    ("ZM04", "Castle / Historic Ruin"),
    ("ZM05", "Other Structure"),
    ("ZS", "Stately Home"),
    ("ZU", "Underground Feature"),
    ("ZU01", "Cave"),
    ("ZU04", "Pothole / Natural Hole"),
    ("ZV", "Other Underground Feature"),
    ("ZV01", "Cellar"),
    ("ZV02", "Disused Mine"),
    ("ZV03", "Well / Spring"),
    ("ZW", "Place Of Worship"),
];

/// The description of a classification code: the code's own entry, else that of its
/// nearest listed parent (`CR07XX` takes `CR07`'s). `None` for codes outside the scheme.
pub fn describe(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let mut len = code.len().min(6);
    while len > 0 {
        if !code.is_char_boundary(len) {
            len -= 1;
            continue;
        }
        if let Ok(i) = CLASSIFICATIONS.binary_search_by(|(c, _)| (*c).cmp(&code[..len])) {
            return Some(CLASSIFICATIONS[i].1);
        }
        // Parents are 4, 2 and 1 characters long.
        len = match len {
            6 | 5 => 4,
            4 | 3 => 2,
            _ => len - 1,
        };
    }
    None
}

/// True when `code` belongs to one of Surrey's named sets.
pub fn in_set(code: &str, set: ClassificationSet) -> bool {
    let residential = code == "R"
        || code.starts_with("RD")
        || code.starts_with("RH")
        || code.starts_with("RI")
        || code.starts_with('X');
    let commercial = code.starts_with('C') && !code.starts_with("CE");
    match set {
        ClassificationSet::Residential => residential,
        ClassificationSet::Commercial => commercial,
        ClassificationSet::ResidentialAndCommercial => residential || commercial,
        ClassificationSet::Electoral => {
            residential || code.starts_with("CE01") || code.starts_with("CE05")
        }
    }
}

/// True when `code` passes a list of filters (OR); an empty list passes everything.
/// A property without a classification passes only the empty list.
pub fn matches(code: Option<&str>, filters: &[ClassificationFilter]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let Some(code) = code else { return false };
    filters.iter().any(|f| match f {
        ClassificationFilter::Named(set) => in_set(code, *set),
        ClassificationFilter::CodePrefix(p) => {
            let p = p.trim().trim_end_matches('*').to_ascii_uppercase();
            code.starts_with(&p)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_described() {
        assert!(CLASSIFICATIONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(describe("RD04"), Some("Terraced"));
        assert_eq!(describe("CR07"), Some("Restaurant / Cafeteria"));
        assert_eq!(describe("CH01YH"), Some("Youth Hostel"));
        assert_eq!(describe("RD99"), Some("Dwelling"));
        assert_eq!(describe("Q"), None);
    }

    #[test]
    fn surrey_sets() {
        use ClassificationSet::*;
        for c in ["R", "RD04", "RH01", "RI01", "X"] {
            assert!(in_set(c, Residential), "{c}");
        }
        for c in ["RG02", "RC01", "RB", "CR07"] {
            assert!(!in_set(c, Residential), "{c}");
        }
        assert!(in_set("CR07", Commercial));
        assert!(!in_set("CE03", Commercial));
        assert!(in_set("CE01", Electoral) && in_set("CE05", Electoral));
        assert!(!in_set("CE03", Electoral));
        assert!(
            in_set("CO01", ResidentialAndCommercial) && in_set("RD02", ResidentialAndCommercial)
        );
    }

    #[test]
    fn prefixes() {
        let f = [ClassificationFilter::CodePrefix("RD*".into())];
        assert!(matches(Some("RD04"), &f));
        assert!(!matches(Some("RH01"), &f));
        assert!(!matches(None, &f));
        assert!(matches(None, &[]));
    }
}
