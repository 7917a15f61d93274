//! OS Open UPRN: `UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE` with a header
//! (a byte order mark before it allowed), positions for the UPRNs of other sources.

use std::io::Read;

use csv::StringRecord;

use super::super::fields::Fields;
use super::super::layout::{Col, Kind};
use super::super::{ImportError, Importer};
use super::{Cols, FlatRowError, csv_err, csv_reader};

pub(crate) fn read_open_uprn<Rd: Read>(
    imp: &mut Importer,
    r: Rd,
    file: &str,
) -> Result<(), ImportError> {
    let mut rdr = csv_reader(r);
    let mut rec = StringRecord::new();
    let mut line = 0u64;
    let mut records = 0u64;
    let mut cols: Option<Cols> = None;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(file, e, line + 1)),
        }
        records += 1;
        // The csv crate's line numbers lag by one after the first record of a CRLF
        // file; the record count is the line number unless a field spans lines.
        line = rec.position().map_or(records, |p| p.line().max(records));
        let Some(c) = &cols else {
            let c = Cols::from_names(rec.iter());
            if c.idx(&["UPRN"]).is_none() || c.idx(&["X_COORDINATE", "LATITUDE"]).is_none() {
                return Err(ImportError::WrongFormat {
                    file: file.into(),
                    line,
                    reason: "OS Open UPRN starts with the header UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE".into(),
                });
            }
            cols = Some(c);
            continue;
        };
        if rec.len() != c.map.len() {
            return Err(ImportError::ColumnCount {
                file: file.into(),
                line,
                reason: format!(
                    "the header has {} columns; this row has {}",
                    c.map.len(),
                    rec.len()
                ),
            });
        }
        imp.report.count("open-uprn");
        let row = Fields {
            record: &rec,
            columns: &c.map,
        };
        let parsed = (|| -> Result<_, FlatRowError> {
            // OS Open UPRN technical specification: UPRN integer (12), X float (8,2),
            // Y float (9,2), LATITUDE float (9,7), LONGITUDE float (8,7), all [1].
            for (name, kind) in [
                ("UPRN", Kind::Int(12)),
                ("X_COORDINATE", Kind::Easting),
                ("Y_COORDINATE", Kind::Northing),
                ("LATITUDE", Kind::Latitude),
                ("LONGITUDE", Kind::Longitude),
            ] {
                if let Some(raw) = row.raw(name) {
                    let col = Col {
                        name,
                        kind,
                        required: name == "UPRN",
                    };
                    col.check_named(raw)?;
                }
            }
            let uprn: u64 = row.required_number("UPRN")?;
            let xy = match (row.decimal("X_COORDINATE")?, row.decimal("Y_COORDINATE")?) {
                (Some(x), Some(y)) => Some((x, y)),
                _ => None,
            };
            let lat_lon = match (row.decimal("LATITUDE")?, row.decimal("LONGITUDE")?) {
                (Some(lat), Some(lon)) => Some((lat, lon)),
                _ => None,
            };
            if xy.is_none() && lat_lon.is_none() {
                return Err(FlatRowError::NoCoordinates);
            }
            Ok((uprn, xy, lat_lon))
        })();
        match parsed {
            Ok((uprn, xy, lat_lon)) => {
                imp.open_uprn.insert(uprn, (xy, lat_lon));
            }
            Err(reason) => imp.report.reject(file, line, reason.to_string()),
        }
    }
    imp.gaz.add_source("open-uprn");
    imp.report.files.push((file.into(), "open-uprn".into()));
    Ok(())
}
