//! The static directory: a JSON file in the data mount giving the same `body`
//! records for councils without ModernGov (schema in `docs/contacts.md`).

use serde::{Deserialize, Serialize};

use crate::model::{Body, Error};

/// The directory file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// What the file is and where its contacts come from (for people).
    #[serde(default)]
    pub description: Option<String>,
    /// The bodies, in the order they are listed.
    pub bodies: Vec<Body>,
}

impl Directory {
    /// Parses the directory JSON; `path` only names the file in errors.
    ///
    /// Raises `Error::NotConfigured` naming the file, line and reason when the JSON is
    /// invalid, and when two bodies share an `id` or a body has an empty `id` or `name`.
    pub fn from_json(bytes: &[u8], path: &str) -> Result<Directory, Error> {
        let dir: Directory = serde_json::from_slice(bytes).map_err(|e| {
            Error::NotConfigured(format!(
                "{path}: line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        for (i, b) in dir.bodies.iter().enumerate() {
            if b.id.trim().is_empty() || b.name.trim().is_empty() {
                return Err(Error::NotConfigured(format!(
                    "{path}: bodies[{i}] has an empty id or name"
                )));
            }
            if dir.bodies[..i].iter().any(|o| o.id == b.id) {
                return Err(Error::NotConfigured(format!(
                    "{path}: bodies[{i}]: id {:?} is used twice",
                    b.id
                )));
            }
        }
        Ok(dir)
    }

    /// Reads and parses the file at `path`, returning it with its modification time
    /// in Unix seconds (`None` when the file system does not say).
    ///
    /// Raises `Error::NotConfigured` naming the file when it cannot be read.
    pub fn load(path: &str) -> Result<(Directory, Option<u64>), Error> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::NotConfigured(format!("{path}: {e}")))?;
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        Ok((Directory::from_json(&bytes, path)?, modified))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_line_of_invalid_json() {
        let e = Directory::from_json(b"{\n \"bodies\": [\n {\"id\": 1}\n]}", "d.json").unwrap_err();
        assert!(
            matches!(&e, Error::NotConfigured(m) if m.starts_with("d.json: line 3")),
            "{e}"
        );
    }

    #[test]
    fn refuses_duplicate_ids() {
        let json = br#"{"bodies": [
            {"id": "a", "name": "A Parish Council", "kind": "parish-council"},
            {"id": "a", "name": "B Parish Council", "kind": "parish-council"}]}"#;
        let e = Directory::from_json(json, "d.json").unwrap_err();
        assert!(
            matches!(&e, Error::NotConfigured(m) if m.contains("used twice")),
            "{e}"
        );
    }
}
