//! Boundary import, the on-disk spatial index, point-in-area lookups and routing rules behind council:parish.
#![deny(missing_docs)]
