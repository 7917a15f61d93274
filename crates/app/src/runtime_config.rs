//! Spin's runtime configuration file (`spin up --runtime-config-file`), the part of it
//! `council-host serve --runtime-config-file` reads: the `[key_value_store.<label>]`
//! tables that say where each key-value store a component names in
//! `key_value_stores` lives.
//!
//! The tables are Spin's (<https://spinframework.dev/v3/dynamic-configuration>,
//! "Key Value Store Runtime Configuration"), so one file serves both runtimes:
//!
//! ```toml
//! [key_value_store.reports]
//! type = "spin"                # SQLite, Spin's built-in store
//! path = ".spin/reports.db"    # relative to this file's directory, as Spin has it
//!
//! [key_value_store.default]
//! type = "redis"
//! url = "redis://:password@redis.internal:6379/0"
//! ```
//!
//! Spin accepts other store types (`azure_cosmos`, `aws_dynamo`) and other tables
//! (`[sqlite_database.*]`, `[variables_provider]`, `[llm_compute]`, ...).
//! `council-host` implements neither, and a setting it would silently ignore could
//! send reports somewhere the operator did not intend: each is a start-up error
//! naming the table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where one key-value store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValueStoreConfig {
    /// `type = "spin"`: an SQLite database file. `None` is the host's default file
    /// (`<state dir>/sqlite_key_value.db`), which every store without its own file
    /// shares, as Spin's `default` store does.
    Spin {
        /// The database file, resolved against the configuration file's directory.
        path: Option<PathBuf>,
    },
    /// `type = "redis"`: a Redis server.
    Redis {
        /// The server's URL (`redis://[[user]:password@]host[:port][/db]`). It may
        /// hold a password: never log it (see [`redact_url`]).
        url: String,
    },
}

/// The runtime configuration `council-host` reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// The file it was read from (for messages).
    pub path: Option<PathBuf>,
    /// `[key_value_store.<label>]`, by label.
    pub key_value_stores: BTreeMap<String, KeyValueStoreConfig>,
}

/// A runtime configuration file `council-host` cannot use. Each names the file and,
/// where there is one, the table.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeConfigError {
    /// Occurs when the file cannot be read.
    #[error("cannot read runtime config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Occurs when the file is not TOML, or a table does not have Spin's shape.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The TOML parser's message, which includes line and column.
        message: String,
    },
    /// Occurs when the file has a table `council-host` does not implement.
    #[error(
        "{path}: [{table}] is Spin runtime configuration council-host does not implement \
         (it reads only [key_value_store.<label>] tables); remove it, or run the app with `spin up`"
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The table's name.
        table: String,
    },
    /// Occurs when a `[key_value_store.<label>]` table is wrong.
    #[error("{path}: [key_value_store.{label}]: {problem}")]
    Store {
        /// The file.
        path: PathBuf,
        /// The store label.
        label: String,
        /// What is wrong.
        problem: StoreProblem,
    },
}

/// What is wrong with a `[key_value_store.<label>]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreProblem {
    /// The label is not a store label (letters, digits, `-` and `_`).
    #[error("`{0}` is not a valid store label (letters, digits, `-` and `_`)")]
    Label(String),
    /// `type` is missing.
    #[error("`type` is missing (\"spin\" or \"redis\")")]
    MissingType,
    /// `type` names a backend `council-host` does not have.
    #[error("type `{0}` is not supported by council-host (\"spin\" or \"redis\")")]
    UnknownType(String),
    /// A field this type does not have (Spin would refuse it too).
    #[error("unknown field `{field}` for type `{kind}`")]
    UnknownField {
        /// The store type.
        kind: &'static str,
        /// The field.
        field: String,
    },
    /// A field has the wrong TOML type.
    #[error("`{0}` must be a string")]
    NotAString(&'static str),
    /// `type = "redis"` without `url`.
    #[error("`url` is missing")]
    MissingUrl,
    /// The Redis URL is not one `council-host` can connect with.
    #[error("url `{url}`: {reason}")]
    BadRedisUrl {
        /// The URL, with any password replaced (see [`redact_url`]).
        url: String,
        /// Why.
        reason: String,
    },
}

impl RuntimeConfig {
    /// Reads and checks a runtime configuration file.
    pub fn from_file(path: &Path) -> Result<Self, RuntimeConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| RuntimeConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new(""));
        let mut config = Self::parse(&text, base, path)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses the text of a runtime configuration file; relative SQLite paths are
    /// resolved against `base` (the file's directory), `path` names it in errors.
    pub fn parse(text: &str, base: &Path, path: &Path) -> Result<Self, RuntimeConfigError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e: toml::de::Error| RuntimeConfigError::Syntax {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let mut key_value_stores = BTreeMap::new();
        for (name, value) in table {
            if name != "key_value_store" {
                return Err(RuntimeConfigError::Unsupported {
                    path: path.to_path_buf(),
                    table: name,
                });
            }
            let stores: BTreeMap<String, toml::Table> =
                value
                    .try_into()
                    .map_err(|e: toml::de::Error| RuntimeConfigError::Syntax {
                        path: path.to_path_buf(),
                        message: format!("[key_value_store]: each entry must be a table: {e}"),
                    })?;
            for (label, fields) in stores {
                let store = store_config(&label, fields, base).map_err(|problem| {
                    RuntimeConfigError::Store {
                        path: path.to_path_buf(),
                        label: label.clone(),
                        problem,
                    }
                })?;
                key_value_stores.insert(label, store);
            }
        }
        Ok(Self {
            path: None,
            key_value_stores,
        })
    }
}

/// Spin's label rule for `key_value_stores` (the manifest checks the same).
fn is_store_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// One `[key_value_store.<label>]` table: `type` picks the backend, and each backend
/// has only its own fields (Spin's key-value runtime config refuses others too).
fn store_config(
    label: &str,
    mut fields: toml::Table,
    base: &Path,
) -> Result<KeyValueStoreConfig, StoreProblem> {
    if !is_store_label(label) {
        return Err(StoreProblem::Label(label.to_string()));
    }
    let kind = match fields.remove("type") {
        None => return Err(StoreProblem::MissingType),
        Some(toml::Value::String(kind)) => kind,
        Some(_) => return Err(StoreProblem::NotAString("type")),
    };
    match kind.as_str() {
        "spin" => {
            let path = match fields.remove("path") {
                None => None,
                Some(toml::Value::String(path)) => Some(base.join(path)),
                Some(_) => return Err(StoreProblem::NotAString("path")),
            };
            if let Some(field) = fields.keys().next() {
                return Err(StoreProblem::UnknownField {
                    kind: "spin",
                    field: field.clone(),
                });
            }
            Ok(KeyValueStoreConfig::Spin { path })
        }
        "redis" => {
            let url = match fields.remove("url") {
                None => return Err(StoreProblem::MissingUrl),
                Some(toml::Value::String(url)) => url,
                Some(_) => return Err(StoreProblem::NotAString("url")),
            };
            if let Some(field) = fields.keys().next() {
                return Err(StoreProblem::UnknownField {
                    kind: "redis",
                    field: field.clone(),
                });
            }
            check_redis_url(&url)?;
            Ok(KeyValueStoreConfig::Redis { url })
        }
        other => Err(StoreProblem::UnknownType(other.to_string())),
    }
}

/// The URL forms `council-host` connects with: `redis://[[user]:password@]host[:port][/db]`
/// (the `redis` URI scheme, <https://www.iana.org/assignments/uri-schemes/prov/redis>).
/// `rediss://` (TLS) is refused here rather than at the first request: the host is
/// built without a TLS client for Redis (keep Redis on a private network, as
/// SpinKube's examples do, or put a TLS proxy beside the host).
fn check_redis_url(url: &str) -> Result<(), StoreProblem> {
    let bad = |reason: &str| StoreProblem::BadRedisUrl {
        url: redact_url(url),
        reason: reason.to_string(),
    };
    let rest = if let Some(rest) = url.strip_prefix("redis://") {
        rest
    } else if url.starts_with("rediss://") {
        return Err(bad(
            "TLS (rediss://) is not supported by council-host; use redis:// on a private network",
        ));
    } else {
        return Err(bad("it must start with redis://"));
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        // An IPv6 literal is bracketed: `[::1]:6379`.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (host_port, None),
    };
    if host.is_empty() {
        return Err(bad("it names no host"));
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(bad("the port is not a number from 1 to 65535"));
    }
    let database = path.split('?').next().unwrap_or("");
    if !database.is_empty() && database.parse::<u32>().is_err() {
        return Err(bad("the path must be a database number (for example /0)"));
    }
    Ok(())
}

/// A Redis URL fit for logs and error messages: the password, if any, replaced by
/// `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{path}")
            } else {
                // `redis://password@host` is not a form Redis clients read a password
                // from, but hide it all the same.
                format!("{scheme}://***@{host}{path}")
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RuntimeConfig, RuntimeConfigError> {
        RuntimeConfig::parse(text, Path::new("/srv/app"), Path::new("rc.toml"))
    }

    #[test]
    fn reads_spin_and_redis_stores_as_spin_does() {
        let config = parse(
            r#"
            [key_value_store.reports]
            type = "spin"
            path = ".spin/reports.db"

            [key_value_store.default]
            type = "spin"

            [key_value_store.cache]
            type = "redis"
            url = "redis://:s3cret@10.0.0.7:6380/2"
            "#,
        )
        .unwrap();
        assert_eq!(
            config.key_value_stores["reports"],
            KeyValueStoreConfig::Spin {
                path: Some(PathBuf::from("/srv/app/.spin/reports.db"))
            }
        );
        assert_eq!(
            config.key_value_stores["default"],
            KeyValueStoreConfig::Spin { path: None }
        );
        assert_eq!(
            config.key_value_stores["cache"],
            KeyValueStoreConfig::Redis {
                url: "redis://:s3cret@10.0.0.7:6380/2".into()
            }
        );
    }

    #[test]
    fn an_unknown_type_is_named_with_its_table() {
        let error = parse("[key_value_store.reports]\ntype = \"azure_cosmos\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "rc.toml: [key_value_store.reports]: type `azure_cosmos` is not supported by \
             council-host (\"spin\" or \"redis\")"
        );
        let error = parse("[key_value_store.reports]\npath = \"x.db\"\n").unwrap_err();
        assert!(error.to_string().contains("`type` is missing"), "{error}");
    }

    #[test]
    fn bad_redis_urls_are_refused_without_showing_the_password() {
        for (url, reason) in [
            ("http://cache:6379", "must start with redis://"),
            (
                "rediss://:pw@cache:6379",
                "TLS (rediss://) is not supported",
            ),
            ("redis://:pw@:6379", "names no host"),
            ("redis://:pw@cache:99999", "not a number from 1 to 65535"),
            ("redis://:pw@cache:6379/reports", "database number"),
        ] {
            let text = format!("[key_value_store.default]\ntype = \"redis\"\nurl = \"{url}\"\n");
            let message = parse(&text).unwrap_err().to_string();
            assert!(message.contains("[key_value_store.default]"), "{message}");
            assert!(message.contains(reason), "{url}: {message}");
            assert!(!message.contains("pw"), "password shown: {message}");
        }
        let error = parse("[key_value_store.default]\ntype = \"redis\"\n").unwrap_err();
        assert!(error.to_string().contains("`url` is missing"), "{error}");
        for url in [
            "redis://cache",
            "redis://u:p@[::1]:6379/0",
            "redis://127.0.0.1:1/15",
        ] {
            let text = format!("[key_value_store.default]\ntype = \"redis\"\nurl = \"{url}\"\n");
            parse(&text).unwrap();
        }
    }

    #[test]
    fn tables_council_host_does_not_implement_are_refused() {
        let error = parse("[sqlite_database.default]\ntype = \"libsql\"\n").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("[sqlite_database] is Spin runtime configuration"),
            "{error}"
        );
        let error = parse(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://a\"\nprefix = \"x\"\n",
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("unknown field `prefix`"),
            "{error}"
        );
        let error = parse("[key_value_store.\"a b\"]\ntype = \"spin\"\n").unwrap_err();
        assert!(
            error.to_string().contains("not a valid store label"),
            "{error}"
        );
    }

    #[test]
    fn redaction_keeps_user_host_and_database() {
        assert_eq!(redact_url("redis://u:pw@h:1/2"), "redis://u:***@h:1/2");
        assert_eq!(redact_url("redis://:pw@h"), "redis://:***@h");
        assert_eq!(redact_url("redis://h:1/0"), "redis://h:1/0");
    }

    #[test]
    fn the_repository_runtime_configs_read() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for file in ["runtime-config.toml", "deploy/runtime-config.redis.toml"] {
            RuntimeConfig::from_file(&root.join(file)).unwrap();
        }
    }
}
