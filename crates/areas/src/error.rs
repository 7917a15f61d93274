//! Errors of the query path, shaped like the WIT `areas.error` variant.

/// Errors raised by [`AreaIndex`](crate::AreaIndex) queries. Each variant is the WIT
/// `council:parish/areas.error` case of the same name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// Occurs when a point is not a usable position (not finite, or outside ±180°
    /// longitude / ±90° latitude); the string says which.
    #[error("invalid point: {0}")]
    InvalidPoint(String),
    /// Occurs when the index cannot be read, is not an index, is truncated or corrupt,
    /// or is of a format version this build does not read; the string names the file
    /// and the problem.
    #[error("boundary index unavailable: {0}")]
    IndexUnavailable(String),
    /// Any other failure. The string is for people; it is not part of the contract.
    #[error("{0}")]
    Other(String),
}
