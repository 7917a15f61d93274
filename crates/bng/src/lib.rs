//! British National Grid (OSGB36, EPSG:27700) to and from WGS84 with OSTN15, in pure Rust, reading its grid with positioned reads.
#![deny(missing_docs)]
