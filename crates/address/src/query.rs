//! The queries of `council:address/lookup`, on an open [`AddressIndex`].
//!
//! Every query reads only what it needs (see `docs/address-index.md` for the read
//! counts): list queries count, filter and sort from the fixed-size entries of the
//! postcode, USRN and spatial tables and read property records only for the page.

use std::collections::HashMap;
use std::io::{Read, Seek};

use crate::classification;
use crate::index::{
    AddressIndex, FormView, IndexError, OrdSet, PREFIX_TERM_CHARS, PropEntry, PropMeta, SearchForm,
};
use crate::postcode::{self, Postcode, PostcodeQuery};
use crate::text::{self, Number};
use crate::types::{
    Address, AddressMatch, BngPoint, IndexInfo, Location, LookupError, Page, PostcodeUnit,
    QueryOptions, SortOrder, Wgs84Point,
};
use crate::view;

/// Longest free text accepted by `find` and `suggest`, in characters.
pub const MAX_TEXT: usize = 200;
/// How many properties `find` scores at most.
pub const FIND_CANDIDATES: usize = 250;
/// How many properties `suggest` scores at most.
pub const SUGGEST_CANDIDATES: usize = 150;
/// BNG extent accepted for points (the OSTN15 grid's): eastings 0-700 km, northings 0-1250 km.
pub const BNG_MAX: (f64, f64) = (700_000.0, 1_250_000.0);

impl From<IndexError> for LookupError {
    fn from(e: IndexError) -> LookupError {
        LookupError::IndexUnavailable(e.to_string())
    }
}

/// A property in a list, with what is needed to count, filter, sort and read it.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    ord: u32,
    meta: PropMeta,
    pos: Option<(u64, u32)>,
    distance: Option<f64>,
}

struct Filter {
    dpa: bool,
    lpi: bool,
    hist: bool,
    allowed: Option<Vec<bool>>,
}

impl Filter {
    fn new<R: Read + Seek>(idx: &AddressIndex<R>, o: &QueryOptions) -> Filter {
        let (dpa, lpi) = o.effective_datasets();
        let allowed = (!o.classification.is_empty()).then(|| {
            let codes = &idx.directory().meta.class_codes;
            let mut v = vec![false; codes.len() + 1];
            for (i, c) in codes.iter().enumerate() {
                v[i + 1] = classification::matches(Some(c), &o.classification);
            }
            v
        });
        Filter {
            dpa,
            lpi,
            hist: o.include_historical,
            allowed,
        }
    }
    /// A view of a property that passed `count`: its dataset and status.
    fn view_ok(&self, v: &FormView) -> bool {
        (if v.lpi { self.lpi } else { self.dpa }) && (self.hist || !v.historical)
    }
    fn class_ok(&self, m: &PropMeta) -> bool {
        match &self.allowed {
            None => true,
            Some(v) => v.get(m.class as usize).copied().unwrap_or(false),
        }
    }
    fn count(&self, m: &PropMeta) -> u32 {
        if !self.class_ok(m) {
            return 0;
        }
        m.count(self.dpa, self.lpi, self.hist)
    }
}

/// Metres per degree of latitude (and of longitude at the equator) on a sphere of
/// the mean Earth radius, 6 371 008.8 m: within 0.5% of the ellipsoid at UK
/// latitudes, enough to select within 1 km.
const METRES_PER_DEGREE: f64 = 111_195.08;

/// Great-circle distance in metres (haversine, mean Earth radius).
fn great_circle_m(a: Wgs84Point, b: Wgs84Point) -> f64 {
    let (la1, la2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dla = la2 - la1;
    let dlo = (b.longitude - a.longitude).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().min(1.0).asin()
}

fn check_wgs84(p: Wgs84Point, what: &str) -> Result<(), LookupError> {
    if !p.longitude.is_finite()
        || !p.latitude.is_finite()
        || !(-180.0..=180.0).contains(&p.longitude)
        || !(-90.0..=90.0).contains(&p.latitude)
    {
        return Err(LookupError::OutOfRange(format!(
            "{what} ({}, {}) is not a longitude and latitude (-180 to 180, -90 to 90)",
            p.longitude, p.latitude
        )));
    }
    Ok(())
}

fn check_box_area(width_m: f64, height_m: f64) -> Result<(), LookupError> {
    if width_m <= 0.0 || height_m <= 0.0 {
        return Err(LookupError::InvalidQuery(
            "the bounding box is empty: its corners must differ in both easting and northing"
                .into(),
        ));
    }
    let area = width_m * height_m;
    if area > 1_000_000.0 {
        return Err(LookupError::InvalidQuery(format!(
            "the bounding box is {:.3} km²; it may be at most 1 km²",
            area / 1e6
        )));
    }
    Ok(())
}

fn nearest_first(mut cands: Vec<Candidate>) -> Vec<Candidate> {
    cands.sort_by(|a, b| {
        a.distance
            .partial_cmp(&b.distance)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.meta.rank.cmp(&b.meta.rank))
    });
    cands
}

fn sorted(mut cands: Vec<Candidate>, o: &QueryOptions) -> Vec<Candidate> {
    match o.sort {
        SortOrder::AddressOrder => cands.sort_by_key(|c| c.meta.rank),
        SortOrder::Uprn => cands.sort_by_key(|c| c.meta.uprn_rank),
    }
    cands
}

fn check_bng(p: BngPoint, what: &str) -> Result<(), LookupError> {
    if !p.easting.is_finite()
        || !p.northing.is_finite()
        || p.easting < 0.0
        || p.northing < 0.0
        || p.easting > BNG_MAX.0
        || p.northing > BNG_MAX.1
    {
        return Err(LookupError::OutOfRange(format!(
            "{what} ({:.1}, {:.1}) is outside the British National Grid (eastings 0 to 700000 m, northings 0 to 1250000 m)",
            p.easting, p.northing
        )));
    }
    Ok(())
}

impl<R: Read + Seek> AddressIndex<R> {
    /// Describes the index (no reads beyond opening).
    pub fn info(&self) -> Result<IndexInfo, LookupError> {
        let m = &self.directory().meta;
        Ok(IndexInfo {
            format_version: crate::index::FORMAT_VERSION,
            epoch: m.epoch.clone(),
            built: m.built.clone(),
            sources: m.sources.clone(),
            address_count: m.address_count.min(u32::MAX as u64) as u32,
            postcode_count: m.postcode_count.min(u32::MAX as u64) as u32,
        })
    }

    /// Addresses with a postcode or under a postcode prefix (`M31 4AN`, `M31 4`, `M31`, `M`).
    pub fn by_postcode(&self, postcode: &str, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        let q = postcode::parse_query(postcode)
            .map_err(|e| LookupError::InvalidPostcode(e.to_string()))?;
        let (lo, hi) = q.key_range();
        let entries = self.postcode_entries(lo, hi)?;
        let with: Vec<_> = entries.iter().filter(|e| e.count > 0).collect();
        let (Some(first), Some(last)) = (with.first(), with.last()) else {
            return Ok(Page {
                total: 0,
                offset: o.offset,
                results: Vec::new(),
            });
        };
        let start = first.first;
        let end = last.first.saturating_add(last.count);
        if end < start {
            return Err(LookupError::IndexUnavailable(format!(
                "{}: corrupt index: postcode entries out of order",
                self.name()
            )));
        }
        let props = self.props_range(start, end - start)?;
        let mut cands: Vec<Candidate> = props
            .iter()
            .enumerate()
            .map(|(i, p)| Candidate {
                ord: start + i as u32,
                meta: p.meta,
                pos: Some((p.offset, p.len)),
                distance: None,
            })
            .collect();
        if o.sort == SortOrder::Uprn {
            cands.sort_by_key(|c| c.meta.uprn_rank);
        }
        self.page(cands, o, size)
    }

    /// Every record of one property (its DPAs and LPIs under the options).
    pub fn by_uprn(&self, uprn: u64, o: &QueryOptions) -> Result<Vec<Address>, LookupError> {
        let f = Filter::new(self, o);
        let Some((_, sp)) = self.record_by_uprn(uprn)? else {
            return Ok(Vec::new());
        };
        let code = sp.property.classification_code();
        if f.allowed.is_some() && !classification::matches(code, &o.classification) {
            return Ok(Vec::new());
        }
        Ok(view::views(&sp, f.dpa, f.lpi, f.hist))
    }

    /// Addresses on a street, by USRN, in the order of `options.sort`.
    pub fn by_usrn(&self, usrn: u64, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        let mut cands: Vec<Candidate> = self
            .usrn_postings(usrn)?
            .into_iter()
            .map(|(ord, meta)| Candidate {
                ord,
                meta,
                pos: None,
                distance: None,
            })
            .collect();
        if o.sort == SortOrder::Uprn {
            cands.sort_by_key(|c| c.meta.uprn_rank);
        }
        self.page(cands, o, size)
    }

    /// The Code-Point record of a full postcode, with how many addresses it has.
    pub fn postcode(&self, postcode: &str) -> Result<Option<PostcodeUnit>, LookupError> {
        let p =
            Postcode::parse(postcode).map_err(|e| LookupError::InvalidPostcode(e.to_string()))?;
        let k = p.key();
        let Some(e) = self.postcode_entries(k, k)?.into_iter().next() else {
            return Ok(None);
        };
        let located = e.has_codepoint && e.has_position;
        Ok(Some(PostcodeUnit {
            postcode: e.postcode.to_string(),
            location: Location {
                bng: located.then_some(BngPoint {
                    easting: e.e,
                    northing: e.n,
                }),
                wgs84: if located {
                    Wgs84Point {
                        longitude: e.lon,
                        latitude: e.lat,
                    }
                } else {
                    Wgs84Point::default()
                },
                rpc: if located { 9 } else { 0 },
            },
            positional_quality: if e.has_codepoint { e.pq } else { 90 },
            district_code: e.district,
            ward_code: e.ward,
            county_code: e.county,
            country_code: e.country,
            address_count: e.address_count,
        }))
    }

    /// The addresses nearest a point within `max_distance_m` (1 to 1000 m).
    pub fn nearest(
        &self,
        at: BngPoint,
        max_distance_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(1.0..=1000.0).contains(&max_distance_m) {
            return Err(LookupError::InvalidQuery(format!(
                "max-distance-m is {max_distance_m}; it must be 1 to 1000"
            )));
        }
        self.radius(at, max_distance_m, o)
    }

    /// The addresses within `radius_m` (0.01 to 1000 m) of a point, nearest first.
    pub fn within_radius(
        &self,
        at: BngPoint,
        radius_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(0.01..=1000.0).contains(&radius_m) {
            return Err(LookupError::InvalidQuery(format!(
                "radius-m is {radius_m}; it must be 0.01 to 1000"
            )));
        }
        self.radius(at, radius_m, o)
    }

    fn radius(&self, at: BngPoint, r: f64, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        check_bng(at, "the point")?;
        let cands = self.bng_radius_cands(at, r)?;
        self.page(nearest_first(cands), o, size)
    }

    fn bng_radius_cands(&self, at: BngPoint, r: f64) -> Result<Vec<Candidate>, LookupError> {
        let cell = crate::index::CELL_M;
        let rows = ((at.northing - r).max(0.0) / cell) as u64..=((at.northing + r) / cell) as u64;
        let cols = (
            ((at.easting - r).max(0.0) / cell) as u64,
            ((at.easting + r) / cell) as u64,
        );
        Ok(self
            .spatial_cells(rows, cols)?
            .into_iter()
            .filter_map(|(ord, e, n, meta)| {
                let d = ((e - at.easting).powi(2) + (n - at.northing).powi(2)).sqrt();
                (d <= r).then_some(Candidate {
                    ord,
                    meta,
                    pos: None,
                    distance: Some(d),
                })
            })
            .collect())
    }

    /// Positions kept in WGS84 alone (outside the OSTN15 grid) within `r` metres of
    /// a point, by great-circle distance.
    fn wgs84_radius_cands(&self, at: Wgs84Point, r: f64) -> Result<Vec<Candidate>, LookupError> {
        let dlat = r / METRES_PER_DEGREE;
        let dlon = r / (METRES_PER_DEGREE * at.latitude.to_radians().cos().max(0.01));
        let (r0, c0) = crate::index::cell_wgs84(at.longitude - dlon, at.latitude - dlat);
        let (r1, c1) = crate::index::cell_wgs84(at.longitude + dlon, at.latitude + dlat);
        Ok(self
            .spatial_wgs84_cells(r0..=r1, (c0, c1))?
            .into_iter()
            .filter_map(|(ord, lon, lat, meta)| {
                let d = great_circle_m(
                    at,
                    Wgs84Point {
                        longitude: lon,
                        latitude: lat,
                    },
                );
                (d <= r).then_some(Candidate {
                    ord,
                    meta,
                    pos: None,
                    distance: Some(d),
                })
            })
            .collect())
    }

    /// The addresses nearest a WGS84 point within `max_distance_m` (1 to 1000 m):
    /// those on the British National Grid through `bng`, the same point converted by
    /// the caller (OSTN15), and those kept in WGS84 alone (outside the OSTN15 grid,
    /// where `bng` is `None`).
    pub fn nearest_wgs84(
        &self,
        at: Wgs84Point,
        bng: Option<BngPoint>,
        max_distance_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(1.0..=1000.0).contains(&max_distance_m) {
            return Err(LookupError::InvalidQuery(format!(
                "max-distance-m is {max_distance_m}; it must be 1 to 1000"
            )));
        }
        self.radius_wgs84(at, bng, max_distance_m, o)
    }

    /// The addresses within `radius_m` (0.01 to 1000 m) of a WGS84 point, nearest
    /// first (see [`AddressIndex::nearest_wgs84`] for `bng`).
    pub fn within_radius_wgs84(
        &self,
        at: Wgs84Point,
        bng: Option<BngPoint>,
        radius_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(0.01..=1000.0).contains(&radius_m) {
            return Err(LookupError::InvalidQuery(format!(
                "radius-m is {radius_m}; it must be 0.01 to 1000"
            )));
        }
        self.radius_wgs84(at, bng, radius_m, o)
    }

    fn radius_wgs84(
        &self,
        at: Wgs84Point,
        bng: Option<BngPoint>,
        r: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        check_wgs84(at, "the point")?;
        let mut cands = match bng {
            Some(b) => {
                check_bng(b, "the point")?;
                self.bng_radius_cands(b, r)?
            }
            None => Vec::new(),
        };
        cands.extend(self.wgs84_radius_cands(at, r)?);
        self.page(nearest_first(cands), o, size)
    }

    /// The addresses inside a box (at most 1 km²), in the order of `options.sort`.
    pub fn within_bbox(
        &self,
        a: BngPoint,
        b: BngPoint,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        let cands = self.bng_bbox_cands(a, b)?;
        self.page(sorted(cands, o), o, size)
    }

    fn bng_bbox_cands(&self, a: BngPoint, b: BngPoint) -> Result<Vec<Candidate>, LookupError> {
        check_bng(a, "the first corner")?;
        check_bng(b, "the second corner")?;
        let (x0, x1) = (a.easting.min(b.easting), a.easting.max(b.easting));
        let (y0, y1) = (a.northing.min(b.northing), a.northing.max(b.northing));
        check_box_area(x1 - x0, y1 - y0)?;
        let cell = crate::index::CELL_M;
        let rows = (y0 / cell) as u64..=(y1 / cell) as u64;
        let cols = ((x0 / cell) as u64, (x1 / cell) as u64);
        Ok(self
            .spatial_cells(rows, cols)?
            .into_iter()
            .filter(|&(_, e, n, _)| e >= x0 && e <= x1 && n >= y0 && n <= y1)
            .map(|(ord, _, _, meta)| Candidate {
                ord,
                meta,
                pos: None,
                distance: None,
            })
            .collect())
    }

    /// The addresses inside a box given by two WGS84 corners (at most 1 km²): those
    /// on the British National Grid through `bng`, the corners converted by the
    /// caller (OSTN15; `None` outside its grid), and those kept in WGS84 alone.
    pub fn within_bbox_wgs84(
        &self,
        a: Wgs84Point,
        b: Wgs84Point,
        bng: Option<(BngPoint, BngPoint)>,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        check_wgs84(a, "the first corner")?;
        check_wgs84(b, "the second corner")?;
        let (lon0, lon1) = (a.longitude.min(b.longitude), a.longitude.max(b.longitude));
        let (lat0, lat1) = (a.latitude.min(b.latitude), a.latitude.max(b.latitude));
        let mid = ((lat0 + lat1) / 2.0).to_radians().cos();
        check_box_area(
            (lon1 - lon0) * METRES_PER_DEGREE * mid,
            (lat1 - lat0) * METRES_PER_DEGREE,
        )?;
        let mut cands = match bng {
            Some((ba, bb)) => self.bng_bbox_cands(ba, bb)?,
            None => Vec::new(),
        };
        let (r0, c0) = crate::index::cell_wgs84(lon0, lat0);
        let (r1, c1) = crate::index::cell_wgs84(lon1, lat1);
        cands.extend(
            self.spatial_wgs84_cells(r0..=r1, (c0, c1))?
                .into_iter()
                .filter(|&(_, lon, lat, _)| {
                    lon >= lon0 && lon <= lon1 && lat >= lat0 && lat <= lat1
                })
                .map(|(ord, _, _, meta)| Candidate {
                    ord,
                    meta,
                    pos: None,
                    distance: None,
                }),
        );
        self.page(sorted(cands, o), o, size)
    }

    /// Counts every candidate's records, then reads the records of the page only.
    fn page(
        &self,
        cands: Vec<Candidate>,
        o: &QueryOptions,
        size: u32,
    ) -> Result<Page, LookupError> {
        let f = Filter::new(self, o);
        let counts: Vec<u32> = cands.iter().map(|c| f.count(&c.meta)).collect();
        let total: u64 = counts.iter().map(|&c| c as u64).sum();
        let start = o.offset as u64;
        let end = (start + size as u64).min(total);
        let mut need: Vec<(usize, usize, usize)> = Vec::new(); // (cand, skip, take)
        let mut acc = 0u64;
        for (i, &c) in counts.iter().enumerate() {
            let (a, b) = (acc, acc + c as u64);
            acc = b;
            if c == 0 || b <= start {
                continue;
            }
            if a >= end {
                break;
            }
            let skip = start.saturating_sub(a) as usize;
            let take = (end.min(b) - a) as usize - skip;
            need.push((i, skip, take));
        }
        let missing: Vec<u32> = need
            .iter()
            .filter(|n| cands[n.0].pos.is_none())
            .map(|n| cands[n.0].ord)
            .collect();
        let props = if missing.is_empty() {
            HashMap::new()
        } else {
            self.props(&missing)?
        };
        let spans: Vec<(u32, u64, u32)> = need
            .iter()
            .filter_map(|n| {
                let c = &cands[n.0];
                c.pos
                    .or_else(|| props.get(&c.ord).map(|p| (p.offset, p.len)))
                    .map(|(off, len)| (c.ord, off, len))
            })
            .collect();
        let recs = self.records(&spans)?;
        let mut results = Vec::with_capacity(end.saturating_sub(start) as usize);
        for (i, skip, take) in need {
            let c = &cands[i];
            let Some(sp) = recs.get(&c.ord) else {
                return Err(LookupError::IndexUnavailable(format!(
                    "{}: property {} has no record",
                    self.name(),
                    c.ord
                )));
            };
            for a in view::views(sp, f.dpa, f.lpi, f.hist)
                .into_iter()
                .skip(skip)
                .take(take)
            {
                results.push(AddressMatch {
                    address: a,
                    score: 1.0,
                    distance_m: c.distance,
                });
            }
        }
        Ok(Page {
            total: total.min(u32::MAX as u64) as u32,
            offset: o.offset,
            results,
        })
    }

    /// Free-text search, ranked by score (0 to 1); `min_score` drops weaker matches.
    pub fn find(&self, text: &str, min_score: f32, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        if !(0.0..=1.0).contains(&min_score) {
            return Err(LookupError::InvalidQuery(format!(
                "min-score is {min_score}; it must be 0 to 1"
            )));
        }
        let t = text.trim();
        if t.is_empty() {
            return Err(LookupError::InvalidQuery("the search text is empty".into()));
        }
        if t.chars().count() > MAX_TEXT {
            return Err(LookupError::InvalidQuery(format!(
                "the search text is {} characters; at most {MAX_TEXT} are accepted",
                t.chars().count()
            )));
        }
        let q = ParsedQuery::parse(t, false);
        if q.is_empty() {
            return Err(LookupError::InvalidQuery(
                "the search text has no letters or digits".into(),
            ));
        }
        let (total, results) = self.search(
            &q,
            o,
            FIND_CANDIDATES,
            min_score,
            o.offset as usize,
            size as usize,
        )?;
        Ok(Page {
            total: total as u32,
            offset: o.offset,
            results,
        })
    }

    /// Type-ahead: the best `limit` (1 to 50, 0 means 10) matches for partial input,
    /// where the last word may be incomplete. Only datasets and classification apply.
    pub fn suggest(
        &self,
        text: &str,
        limit: u32,
        o: &QueryOptions,
    ) -> Result<Vec<AddressMatch>, LookupError> {
        let limit = match limit {
            0 => 10,
            n if n > 50 => {
                return Err(LookupError::InvalidQuery(format!(
                    "limit is {n}; it must be 1 to 50 (0 means 10)"
                )));
            }
            n => n,
        };
        if text.chars().count() > MAX_TEXT {
            return Err(LookupError::InvalidQuery(format!(
                "the text is {} characters; at most {MAX_TEXT} are accepted",
                text.chars().count()
            )));
        }
        let q = ParsedQuery::parse(text, !text.ends_with(char::is_whitespace));
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let opts = QueryOptions {
            datasets: o.datasets.clone(),
            classification: o.classification.clone(),
            ..QueryOptions::default()
        };
        let (_, results) = self.search(&q, &opts, SUGGEST_CANDIDATES, 0.0, 0, limit as usize)?;
        Ok(results)
    }

    /// Candidate retrieval, then scoring of every view of every candidate.
    /// Returns the number of views scoring at least `min_score` and the views
    /// `skip..skip+take` of them, best first.
    fn search(
        &self,
        q: &ParsedQuery,
        o: &QueryOptions,
        cap: usize,
        min_score: f32,
        skip: usize,
        take: usize,
    ) -> Result<(usize, Vec<AddressMatch>), LookupError> {
        let f = Filter::new(self, o);
        let mut ords: Vec<u32> = Vec::new();
        let mut from_postcode = false;
        if let Some(pc) = &q.postcode {
            let k = pc.key();
            if let Some(e) = self
                .postcode_entries(k, k)?
                .into_iter()
                .find(|e| e.count > 0)
            {
                let n = self.directory().meta.property_count.min(u32::MAX as u64) as u32;
                ords = (e.first.min(n)..e.first.saturating_add(e.count).min(n))
                    .take(cap)
                    .collect();
                from_postcode = true;
            }
        }
        if !from_postcode {
            let district = match &q.district {
                Some(d) => {
                    let (lo, hi) = PostcodeQuery::District(d.clone()).key_range();
                    let es = self.postcode_entries(lo, hi)?;
                    let with: Vec<_> = es.iter().filter(|e| e.count > 0).collect();
                    match (with.first(), with.last()) {
                        (Some(a), Some(b)) => {
                            let n =
                                self.directory().meta.property_count.min(u32::MAX as u64) as u32;
                            Some(a.first.min(n)..b.first.saturating_add(b.count).min(n))
                        }
                        _ => None,
                    }
                }
                None => None,
            };
            ords = self.retrieve(q, cap, district.clone())?;
            if ords.is_empty()
                && let Some(r) = district
                && q.words.is_empty()
                && q.numbers.is_empty()
            {
                ords = r.take(cap).collect();
            }
        }
        ords.truncate(cap);
        let props = self.props(&ords)?;
        let mut keep: Vec<(u32, PropEntry)> = ords
            .iter()
            .filter_map(|o| props.get(o).map(|p| (*o, *p)))
            .filter(|(_, p)| f.count(&p.meta) > 0)
            .collect();
        keep.sort_by_key(|k| k.0);
        // Score from the search forms; records are read for the page only.
        let spans: Vec<(u64, u32)> = keep
            .iter()
            .map(|(_, p)| (p.form_offset, p.form_len))
            .collect();
        let bufs = self.forms(&spans)?;
        let mut forms: Vec<SearchForm<'_>> = Vec::with_capacity(bufs.len());
        for ((ord, _), b) in keep.iter().zip(&bufs) {
            forms
                .push(postcard::from_bytes(b).map_err(|e| {
                    self.corrupt(format!("search form {ord} does not decode: {e}"))
                })?);
        }
        let mut scorer = Scorer::new(q);
        let mut scored: Vec<(f32, u32, usize, usize, &FormView)> = Vec::new();
        for (ki, ((_, p), form)) in keep.iter().zip(&forms).enumerate() {
            let rows = scorer.rows(form);
            let views = form.views.iter().filter(|v| f.view_ok(v));
            for (vi, v) in views.enumerate() {
                let s = scorer.score(v, &rows);
                if s >= min_score {
                    scored.push((s, p.meta.rank, vi, ki, v));
                }
            }
        }
        scored.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.1.cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        let total = scored.len();
        let page: Vec<_> = scored.into_iter().skip(skip).take(take).collect();
        let mut need: Vec<(u32, u64, u32)> = page
            .iter()
            .map(|x| {
                let (ord, p) = &keep[x.3];
                (*ord, p.offset, p.len)
            })
            .collect();
        need.sort_by_key(|n| n.0);
        need.dedup_by_key(|n| n.0);
        let recs = self.records(&need)?;
        let mut results = Vec::with_capacity(page.len());
        for (s, _, _, ki, v) in page {
            let ord = keep[ki].0;
            let Some(sp) = recs.get(&ord) else {
                return Err(LookupError::IndexUnavailable(format!(
                    "{}: property {ord} has no record",
                    self.name()
                )));
            };
            let r = v.view_ref();
            let exists = match r {
                view::ViewRef::Dpa(i) => i < sp.property.dpas.len(),
                view::ViewRef::Lpi(i) => i < sp.property.lpis.len(),
            };
            if !exists {
                return Err(LookupError::IndexUnavailable(format!(
                    "{}: corrupt index: the search form of property {ord} names a view it does not have",
                    self.name()
                )));
            }
            results.push(AddressMatch {
                address: view::address(sp, r),
                score: s,
                distance_m: None,
            });
        }
        Ok((total, results))
    }

    /// Term look-ups and greedy intersection, rarest group first. A group that would
    /// empty the set is skipped (a business name, a misspelt town), and a second pass
    /// without the rarest group guards against a rare but wrong first word.
    fn retrieve(
        &self,
        q: &ParsedQuery,
        cap: usize,
        within: Option<std::ops::Range<u32>>,
    ) -> Result<Vec<u32>, LookupError> {
        let mut groups: Vec<Group> = Vec::new();
        for n in &q.numbers {
            let mut terms = vec![n.term()];
            if let Some(e) = n.end {
                terms.push(format!("{}-{}", n.start, e));
            }
            let mut vars = Vec::new();
            for t in terms {
                if let Some(i) = self.term(&t)? {
                    vars.push(i);
                }
            }
            groups.push(Group::new(vars));
        }
        for w in &q.words {
            if w.weight < 0.5 {
                continue;
            }
            let mut vars = Vec::new();
            if w.prefix {
                // A short prefix has its own postings (every word it begins); a
                // longer one takes its 64 most frequent completions.
                let mut all = Vec::new();
                let forms: Vec<&String> = std::iter::once(&w.text).chain(&w.raw).collect();
                // A form that begins with another (`TERRACE` after `TER`) adds nothing.
                let covered = |p: &String| {
                    forms
                        .iter()
                        .any(|o| o.len() < p.len() && p.starts_with(o.as_str()))
                };
                let mut seen: Vec<&String> = Vec::new();
                for p in forms.iter().copied().filter(|p| !covered(p)) {
                    if seen.contains(&p) {
                        continue;
                    }
                    seen.push(p);
                    // Prefix entries exist for words that begin with a letter (the
                    // writer's rule); anything else takes its completions.
                    if p.chars().count() <= PREFIX_TERM_CHARS && p.starts_with(char::is_alphabetic)
                    {
                        if let Some(i) = self.term(&format!("{p}*"))? {
                            vars.push(i);
                        }
                    } else {
                        all.extend(self.terms_with_prefix(p)?);
                    }
                }
                all.sort_by(|a, b| b.1.df.cmp(&a.1.df).then_with(|| a.0.cmp(&b.0)));
                all.dedup_by(|a, b| a.0 == b.0);
                vars.extend(all.into_iter().take(64).map(|(_, i)| i));
            } else {
                let mut found = false;
                for t in std::iter::once(&w.text).chain(w.alt.iter()) {
                    if let Some(i) = self.term(t)? {
                        vars.push(i);
                        found = true;
                    }
                }
                let budget = text::typo_budget(&w.text);
                if !found && budget > 0 {
                    let first: String = w.text.chars().take(1).collect();
                    for (t, i) in self.terms_with_prefix(&first)? {
                        if text::edit_distance(&w.text, &t, budget).is_some() {
                            vars.push(i);
                        }
                    }
                }
            }
            groups.push(Group::new(vars));
        }
        groups.retain(|g| !g.vars.is_empty());
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        groups.sort_by_key(|g| g.df);
        // Start from an exact word rather than a many-variant group (a prefix, a typo)
        // when it is not much rarer: unions of many long lists are the expensive part.
        if groups[0].vars.len() > 1
            && let Some(i) = groups
                .iter()
                .position(|g| g.vars.len() == 1 && g.df <= 8 * groups[0].df.max(1))
        {
            let g = groups.remove(i);
            groups.insert(0, g);
        }
        let first = self.greedy(&groups, 0, cap, within.clone())?;
        if groups.len() >= 3 && first.len() < cap / 4 {
            let second = self.greedy(&groups, 1, cap, within)?;
            let mut all: Vec<u32> = first.into_iter().chain(second).collect();
            all.sort_unstable();
            all.dedup();
            return Ok(all);
        }
        Ok(first)
    }

    fn greedy(
        &self,
        groups: &[Group],
        skip_first: usize,
        cap: usize,
        within: Option<std::ops::Range<u32>>,
    ) -> Result<Vec<u32>, LookupError> {
        let mut cur: Option<OrdSet> = within.map(OrdSet::from_range);
        for (gi, g) in groups.iter().enumerate() {
            if gi < skip_first {
                continue;
            }
            // A set already small enough to score is not narrowed by reading a much
            // longer list: the score weighs that word anyway.
            if let Some(c) = &cur {
                let n = c.len();
                if n <= cap / 2 && g.df > 16 * n as u64 {
                    continue;
                }
            }
            // Only the chunks the current candidates lie in are read.
            let keys = cur.as_ref().map(OrdSet::keys);
            let words = self.postings_union(&g.vars, keys.as_deref())?;
            let next = match &cur {
                None => words,
                Some(c) => c.and(&words),
            };
            if next.is_empty() {
                continue;
            }
            let n = next.len();
            cur = Some(next);
            if n <= 8 {
                // Few enough: later groups only rank, through the score.
                break;
            }
        }
        Ok(cur
            .map(|c| c.iter().take(cap.max(1) * 4).collect())
            .unwrap_or_default())
    }
}

struct Group {
    vars: Vec<crate::index::TermInfo>,
    df: u64,
}

impl Group {
    fn new(vars: Vec<crate::index::TermInfo>) -> Group {
        let df = vars.iter().map(|v| v.df as u64).sum();
        Group { vars, df }
    }
}

/// A query word.
#[derive(Debug, Clone)]
struct QueryWord {
    text: String,
    alt: Option<String>,
    raw: Option<String>,
    weight: f32,
    prefix: bool,
}

/// A query number (`12`, `12A`, `1-3`).
#[derive(Debug, Clone, Copy)]
struct QNum {
    start: u32,
    suffix: Option<u8>,
    end: Option<u32>,
    prefix: bool,
    /// Written after FLAT, UNIT, APT...: a sub-building (SAO) number.
    flat: bool,
}

impl QNum {
    fn term(&self) -> String {
        match self.suffix {
            Some(s) => format!("{}{}", self.start, s as char),
            None => self.start.to_string(),
        }
    }
}

/// Free text parsed for search.
#[derive(Debug, Clone, Default)]
struct ParsedQuery {
    postcode: Option<Postcode>,
    district: Option<String>,
    words: Vec<QueryWord>,
    numbers: Vec<QNum>,
}

impl ParsedQuery {
    fn is_empty(&self) -> bool {
        self.postcode.is_none()
            && self.district.is_none()
            && self.words.is_empty()
            && self.numbers.is_empty()
    }

    fn parse(text: &str, last_is_prefix: bool) -> ParsedQuery {
        let mut words = text::raw_words(text);
        let mut q = ParsedQuery::default();
        let spans = text::postcode_spans(&words);
        let mut prefix_ok = last_is_prefix;
        if let Some((i, n, p)) = spans.last().cloned() {
            if i + n == words.len() {
                prefix_ok = false;
            }
            q.postcode = Some(p);
            // Remove every postcode span (from the end, so indices stay valid).
            for (i, n, _) in spans.iter().rev() {
                words.drain(*i..*i + *n);
            }
        } else if words.len() >= 2 {
            // A final outward code (`HIGH STREET M31`) filters by district.
            let last = words[words.len() - 1].clone();
            let prev = &words[words.len() - 2];
            if !text::is_flat_word(prev)
                && last.bytes().any(|c| c.is_ascii_digit())
                && last.as_bytes()[0].is_ascii_alphabetic()
                && matches!(postcode::parse_query(&last), Ok(PostcodeQuery::District(_)))
            {
                q.district = Some(last);
                words.pop();
                prefix_ok = false;
            }
        }
        let expanded = text::expand_with_alternatives(&words);
        let n = expanded.len();
        // The raw last word, before abbreviation, for prefix matching (`12 high st`).
        let raw_last = words.last().cloned();
        let mut after_flat = false;
        for (i, (w, alt)) in expanded.into_iter().enumerate() {
            let is_last = i + 1 == n;
            let prefix = prefix_ok && is_last;
            if let Some(num) = Number::parse(&w) {
                q.numbers.push(QNum {
                    start: num.start,
                    suffix: num.suffix,
                    end: num.end,
                    prefix,
                    flat: after_flat,
                });
                after_flat = false;
                continue;
            }
            after_flat = text::is_flat_word(&w);
            let weight = if text::is_flat_word(&w) {
                0.3
            } else if matches!(w.as_str(), "THE" | "OF" | "AND") {
                0.2
            } else {
                1.0
            };
            q.words.push(QueryWord {
                text: w,
                alt,
                raw: if prefix { raw_last.clone() } else { None },
                weight,
                prefix,
            });
        }
        q
    }
}

fn word_match(q: &QueryWord, t: &str) -> f32 {
    if t == q.text || q.alt.as_deref() == Some(t) {
        return 1.0;
    }
    if q.prefix
        && (t.starts_with(q.text.as_str()) || q.raw.as_deref().is_some_and(|r| t.starts_with(r)))
    {
        return 0.95;
    }
    let budget = text::typo_budget(&q.text);
    if budget > 0
        && let Some(d) = text::edit_distance(&q.text, t, budget)
    {
        return 1.0 - 0.15 * d as f32;
    }
    0.0
}

fn num_match(q: &QNum, n: &Number) -> f32 {
    if q.end.is_some() {
        // A range typed: the same range, or a number inside it.
        if n.start == q.start && n.end == q.end {
            return 1.0;
        }
        let range = Number {
            start: q.start,
            suffix: None,
            end: q.end,
        };
        if range.covers(n.start) {
            return 0.8;
        }
        return 0.0;
    }
    if n.start == q.start && n.end.is_none() {
        return match (q.suffix, n.suffix) {
            (a, b) if a == b => 1.0,
            (None, Some(_)) if q.prefix => 0.95,
            _ => 0.6,
        };
    }
    if n.covers(q.start) {
        return 0.9;
    }
    if q.prefix && n.start.to_string().starts_with(&q.start.to_string()) {
        return 0.5;
    }
    0.0
}

/// Scores the views of candidates against one query. A word's match against each
/// query word is worked out once per query (addresses of a street share their
/// words), not once per view.
struct Scorer<'q, 'f> {
    q: &'q ParsedQuery,
    postcode: Option<u64>,
    district: Option<(u64, u64)>,
    memo: HashMap<&'f str, usize>,
    /// `q.words.len()` match values per distinct word seen.
    rows: Vec<f32>,
}

impl<'q, 'f> Scorer<'q, 'f> {
    fn new(q: &'q ParsedQuery) -> Self {
        Scorer {
            q,
            postcode: q.postcode.as_ref().map(Postcode::key),
            district: q
                .district
                .as_ref()
                .map(|d| PostcodeQuery::District(d.clone()).key_range()),
            memo: HashMap::new(),
            rows: Vec::new(),
        }
    }

    /// The memo row of each word of a form.
    fn rows(&mut self, form: &SearchForm<'f>) -> Vec<usize> {
        let nq = self.q.words.len();
        form.words
            .iter()
            .map(|&w| {
                if let Some(&r) = self.memo.get(w) {
                    return r;
                }
                let r = self.memo.len();
                self.rows
                    .extend(self.q.words.iter().map(|qw| word_match(qw, w)));
                debug_assert_eq!(self.rows.len(), (r + 1) * nq);
                self.memo.insert(w, r);
                r
            })
            .collect()
    }

    fn matched(&self, rows: &[usize], word: u16, qi: usize) -> f32 {
        // A damaged form may name a word it does not have: no match.
        rows.get(word as usize)
            .and_then(|r| self.rows.get(r * self.q.words.len() + qi))
            .copied()
            .unwrap_or(0.0)
    }

    /// The match score of one view (0 to 1): how much of the query the view
    /// explains (numbers weigh double), how much of the view's own SAO, PAO and
    /// street the query covers, and whether the postcode agrees.
    fn score(&self, v: &FormView, rows: &[usize]) -> f32 {
        let q = self.q;
        let mut q_total = 0.0f32;
        let mut q_match = 0.0f32;
        let mut core_hit = vec![false; v.core.len()];
        for (qi, w) in q.words.iter().enumerate() {
            q_total += w.weight;
            let mut best = 0.0f32;
            for (i, &t) in v.core.iter().enumerate() {
                let m = self.matched(rows, t, qi);
                if m > 0.0 {
                    core_hit[i] = true;
                }
                best = best.max(m);
            }
            for &t in &v.other {
                best = best.max(self.matched(rows, t, qi));
            }
            q_match += w.weight * best;
        }
        let mut num_hit = vec![false; v.sao_numbers.len() + v.numbers.len()];
        for n in &q.numbers {
            q_total += 2.0;
            let mut best = 0.0f32;
            // A number after FLAT prefers the sub-building; a bare number the building.
            let (w_sao, w_pao) = if n.flat { (1.0, 0.6) } else { (0.85, 1.0) };
            for (i, vn) in v.sao_numbers.iter().chain(&v.numbers).enumerate() {
                let m = num_match(n, vn);
                if m > 0.0 {
                    num_hit[i] = true;
                }
                let w = if i < v.sao_numbers.len() {
                    w_sao
                } else {
                    w_pao
                };
                best = best.max(m * w);
            }
            q_match += 2.0 * best;
        }
        let qs = if q_total > 0.0 {
            q_match / q_total
        } else {
            1.0
        };
        let hits = |h: &[bool]| h.iter().filter(|&&x| x).count() as f32;
        let core_total = v.core.len() as f32 + 2.0 * (v.numbers.len() + v.sao_numbers.len()) as f32;
        let cov = if core_total > 0.0 && q_total > 0.0 {
            (hits(&core_hit) + 2.0 * hits(&num_hit)) / core_total
        } else {
            1.0
        };
        // Postcode keys: the outward code is the top four positions (bits 18 and
        // up), the sector adds the first inward character (bits 12 and up).
        let pc = match (self.postcode, self.district, v.postcode) {
            (Some(qp), _, Some(vp)) => {
                if qp == vp {
                    1.0
                } else if qp >> 12 == vp >> 12 {
                    0.85
                } else if qp >> 18 == vp >> 18 {
                    0.8
                } else {
                    0.6
                }
            }
            (Some(_), _, None) => 0.6,
            (None, Some((lo, hi)), Some(vp)) => {
                if (lo..=hi).contains(&vp) {
                    1.0
                } else {
                    0.6
                }
            }
            (None, Some(_), None) => 0.6,
            (None, None, _) => 1.0,
        };
        let s = (0.7 * qs + 0.3 * cov) * pc;
        (s.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
    }
}
