//! Opening the data mount's files once per instance, and why that can fail.

use std::cell::OnceCell;
use std::fs::File;
use std::io;

use council_bng::{FileGrid, GridError};

use crate::DataFile;

/// Why a file of the data mount could not be opened for use.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The file could not be opened (missing, not under a preopened directory,
    /// unreadable).
    #[error("cannot open the {what} {path}: {source}")]
    Open {
        /// What the file is, for people (`address index`).
        what: &'static str,
        /// Its path in the data mount.
        path: String,
        /// The filesystem's error.
        source: io::Error,
    },
    /// The OSTN15 grid file opened but is not a grid file.
    #[error("{path}: {source}")]
    Grid {
        /// Its path in the data mount.
        path: String,
        /// What is wrong with it.
        source: GridError,
    },
    /// The file opened but its reader refused it; the reader's error names the file
    /// (the index readers' `open_named`, the rule loader).
    #[error(transparent)]
    Refused(Box<dyn std::error::Error + Send + Sync>),
}

impl OpenError {
    /// A reader's refusal of a file it names in its error.
    pub fn refused(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Refused(Box::new(error))
    }
}

/// The path of one of the component's files: the environment variable `variable`
/// when it is set, otherwise `default` (a path under the `/data` mount).
pub fn data_path(variable: &str, default: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| default.to_string())
}

/// Opens `path` in the data mount as a [`DataFile`]; `what` names the file in the
/// error.
pub fn open_data_file(what: &'static str, path: &str) -> Result<DataFile, OpenError> {
    DataFile::open(path).map_err(|source| OpenError::Open {
        what,
        path: path.to_string(),
        source,
    })
}

/// Opens the OSTN15 grid (`OSTN15_GRID`, default `/data/ostn15.grid`) that converts
/// between British National Grid and WGS84.
pub fn open_ostn15_grid() -> Result<FileGrid<File>, OpenError> {
    let path = data_path("OSTN15_GRID", "/data/ostn15.grid");
    let file = File::open(&path).map_err(|source| OpenError::Open {
        what: "OSTN15 grid",
        path: path.clone(),
        source,
    })?;
    FileGrid::open(file).map_err(|source| OpenError::Grid { path, source })
}

/// A file-backed resource (an index, a rule book, a grid) opened on first use and
/// kept for the life of the instance, failure included.
///
/// Spin and council-host make one instance per request, and a request asks few
/// questions: opening on first use, rather than at start-up, keeps a request that
/// needs only the address index from reading the grid. A failure is kept too, so
/// every call of the instance answers with the same error instead of retrying the
/// open; the next instance tries again. Held in a `thread_local!`, as the components
/// are single-threaded:
///
/// ```ignore
/// thread_local! {
///     static INDEX: OpenOnce<AreaIndex<DataFile>> = const { OpenOnce::new() };
/// }
/// ```
#[derive(Debug)]
pub struct OpenOnce<T> {
    opened: OnceCell<Result<T, OpenError>>,
}

impl<T> OpenOnce<T> {
    /// Nothing opened yet.
    pub const fn new() -> Self {
        Self {
            opened: OnceCell::new(),
        }
    }

    /// The resource, opened by `open` if this is the first call; later calls return
    /// what the first one got, without calling `open`.
    pub fn get_or_open(
        &self,
        open: impl FnOnce() -> Result<T, OpenError>,
    ) -> Result<&T, &OpenError> {
        self.opened.get_or_init(open).as_ref()
    }
}

impl<T> Default for OpenOnce<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn a_resource_is_opened_on_first_use_only() {
        let once = OpenOnce::new();
        let opens = Cell::new(0);
        let open = || {
            opens.set(opens.get() + 1);
            Ok(42)
        };
        assert_eq!(opens.get(), 0);
        assert_eq!(*once.get_or_open(open).unwrap(), 42);
        assert_eq!(*once.get_or_open(open).unwrap(), 42);
        assert_eq!(opens.get(), 1);
    }

    #[test]
    fn a_failure_is_kept_and_not_retried() {
        let once: OpenOnce<u32> = OpenOnce::new();
        let opens = Cell::new(0);
        let fail = || {
            opens.set(opens.get() + 1);
            Err(OpenError::Open {
                what: "address index",
                path: "/data/address.idx".into(),
                source: io::Error::from(io::ErrorKind::NotFound),
            })
        };
        let first = once.get_or_open(fail).unwrap_err().to_string();
        let second = once.get_or_open(|| Ok(1)).unwrap_err().to_string();
        assert_eq!(first, second);
        assert!(
            first.starts_with("cannot open the address index /data/address.idx: "),
            "{first}"
        );
        assert_eq!(opens.get(), 1);
    }

    #[test]
    fn a_refusal_reads_as_the_readers_own_error() {
        let error = OpenError::refused(io::Error::other("/data/areas.idx: bad magic"));
        assert_eq!(error.to_string(), "/data/areas.idx: bad magic");
    }

    #[test]
    fn a_path_setting_falls_back_to_its_default() {
        assert_eq!(
            data_path("COUNCIL_CAPABILITY_TEST_UNSET_VARIABLE", "/data/x.idx"),
            "/data/x.idx"
        );
    }
}
