//! The SQLite backend: Spin's local default store (`type = "spin"` in the runtime
//! config), so that data survives a restart (or a `kill -9`).
//!
//! Storage follows Spin's: one SQLite database file (by default
//! `<state dir>/sqlite_key_value.db`, or a store's own `path`), with one table keyed
//! by (store label, key). The database runs in WAL mode with `synchronous = NORMAL`:
//! a committed `set` survives the host process being killed (SQLite documents WAL +
//! NORMAL as durable across application crashes; only an operating-system crash or
//! power loss may roll back the last transactions). Several processes may open one
//! file (SQLite's locking, with `busy_timeout`), but only on one machine: several
//! hosts share state through Redis ([`super::redis`]).
//!
//! Every transaction that writes begins `IMMEDIATE`, taking the write lock first.
//! A deferred transaction that reads and then writes (increment, compare-and-swap)
//! would have to upgrade its read lock; when another connection has written
//! meanwhile, SQLite refuses the upgrade at once with `SQLITE_BUSY`, without waiting
//! out `busy_timeout` (<https://www.sqlite.org/lang_transaction.html>), so two
//! processes sharing the file would see "database is locked" under contention.
//!
//! Every call here blocks; [`super::backend`] runs them on tokio's blocking pool.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::KeyValueError;
use crate::wasi::bindings::keyvalue::wasi::keyvalue::store;

/// The value of `key` in `store`, read within `connection` (or a transaction).
fn read_value(
    connection: &Connection,
    store: &str,
    key: &str,
) -> rusqlite::Result<Option<Vec<u8>>> {
    connection
        .query_row(
            "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
            params![store, key],
            |row| row.get(0),
        )
        .optional()
}

/// Sets `key` in `store` to `value`, within `connection` (or a transaction).
fn write_value(
    connection: &Connection,
    store: &str,
    key: &str,
    value: &[u8],
) -> rusqlite::Result<()> {
    connection
        .execute(
            "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
            params![store, key, value],
        )
        .map(|_| ())
}

/// One SQLite database file, holding one or more stores.
#[derive(Debug)]
pub struct KeyValueDatabase {
    connection: Mutex<Connection>,
    path: PathBuf,
}

/// Page size for `list-keys`; the cursor is the last key of the previous page.
const LIST_PAGE: usize = 1000;

impl KeyValueDatabase {
    /// The database file of the stores that have none of their own: Spin's default,
    /// `sqlite_key_value.db` in the state directory.
    pub fn default_file(state_dir: &Path) -> PathBuf {
        state_dir.join("sqlite_key_value.db")
    }

    /// Opens (creating it and its directory if needed) the database file `path`.
    pub fn open(path: &Path) -> Result<Self, KeyValueError> {
        let directory = path.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(directory).map_err(|source| KeyValueError::CreateDir {
            path: directory.to_path_buf(),
            source,
        })?;
        let path = path.to_path_buf();
        let sqlite = |source| KeyValueError::Sqlite {
            path: path.clone(),
            source,
        };
        let connection = Connection::open(&path).map_err(sqlite)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA busy_timeout = 5000;
                 CREATE TABLE IF NOT EXISTS spin_key_value (
                     store TEXT NOT NULL,
                     key   TEXT NOT NULL,
                     value BLOB NOT NULL,
                     PRIMARY KEY (store, key)
                 );",
            )
            .map_err(sqlite)?;
        Ok(Self {
            connection: Mutex::new(connection),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the database answers a query (for `/readyz`).
    pub fn check(&self) -> Result<(), store::Error> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(())))
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, store::Error> {
        // A poisoned lock means a panic mid-operation elsewhere; SQLite's own
        // transactions keep the data consistent, so carry on with the connection.
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut connection).map_err(|e| store::Error::Other(format!("key-value store: {e}")))
    }

    /// Reads one value.
    pub fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, store::Error> {
        self.with(|c| read_value(c, store, key))
    }

    /// Writes one value.
    pub fn set(&self, store: &str, key: &str, value: &[u8]) -> Result<(), store::Error> {
        self.with(|c| write_value(c, store, key, value))
    }

    /// Deletes one value (no error when absent).
    pub fn delete(&self, store: &str, key: &str) -> Result<(), store::Error> {
        self.with(|c| {
            c.execute(
                "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                params![store, key],
            )
            .map(|_| ())
        })
    }

    /// Lists keys after `cursor`, a page at a time.
    pub fn list_keys(
        &self,
        store: &str,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), store::Error> {
        let keys: Vec<String> = self.with(|c| {
            let mut statement = c.prepare_cached(
                "SELECT key FROM spin_key_value WHERE store = ?1 AND key > ?2 ORDER BY key LIMIT ?3",
            )?;
            let rows = statement.query_map(
                params![store, cursor.unwrap_or(""), (LIST_PAGE + 1) as i64],
                |row| row.get(0),
            )?;
            rows.collect()
        })?;
        if keys.len() > LIST_PAGE {
            let page = keys[..LIST_PAGE].to_vec();
            let next = page.last().cloned();
            Ok((page, next))
        } else {
            Ok((keys, None))
        }
    }

    /// Adds `delta` to an integer stored as its decimal text (absent counts as 0),
    /// atomically.
    pub fn increment(&self, store: &str, key: &str, delta: i64) -> Result<i64, store::Error> {
        let mut failure = None;
        let result = self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = read_value(&tx, store, key)?;
            let current = match current {
                None => 0,
                Some(bytes) => match std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|s| s.trim().parse::<i64>().ok())
                {
                    Some(n) => n,
                    None => {
                        failure = Some(format!("value of `{key}` is not a decimal integer"));
                        return Ok(0);
                    }
                },
            };
            let Some(next) = current.checked_add(delta) else {
                failure = Some(format!("incrementing `{key}` overflows"));
                return Ok(0);
            };
            write_value(&tx, store, key, next.to_string().as_bytes())?;
            tx.commit()?;
            Ok(next)
        })?;
        match failure {
            Some(message) => Err(store::Error::Other(message)),
            None => Ok(result),
        }
    }

    /// Writes `value` only if the key still holds `expected` (`None`: still absent).
    pub fn compare_and_swap(
        &self,
        store: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, store::Error> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = read_value(&tx, store, key)?;
            if current.as_deref() != expected {
                return Ok(false);
            }
            write_value(&tx, store, key, value)?;
            tx.commit()?;
            Ok(true)
        })
    }

    /// Writes several values in one transaction.
    pub fn set_many(&self, store: &str, entries: &[(String, Vec<u8>)]) -> Result<(), store::Error> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (key, value) in entries {
                write_value(&tx, store, key, value)?;
            }
            tx.commit()
        })
    }

    /// Deletes several keys in one transaction.
    pub fn delete_many(&self, store: &str, keys: &[String]) -> Result<(), store::Error> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for key in keys {
                tx.execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![store, key],
                )?;
            }
            tx.commit()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("council-host-kv-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        KeyValueDatabase::default_file(&dir)
    }

    #[test]
    fn values_survive_reopening() {
        let dir = temp_dir("reopen");
        {
            let db = KeyValueDatabase::open(&dir).unwrap();
            db.set("default", "report:1", b"queued").unwrap();
        }
        let db = KeyValueDatabase::open(&dir).unwrap();
        assert_eq!(
            db.get("default", "report:1").unwrap().as_deref(),
            Some(&b"queued"[..])
        );
        assert_eq!(db.get("other", "report:1").unwrap(), None);
    }

    #[test]
    fn increment_and_compare_and_swap() {
        let dir = temp_dir("atomics");
        let db = KeyValueDatabase::open(&dir).unwrap();
        assert_eq!(db.increment("s", "n", 5).unwrap(), 5);
        assert_eq!(db.increment("s", "n", -2).unwrap(), 3);
        db.set("s", "text", b"x").unwrap();
        assert!(db.increment("s", "text", 1).is_err());
        assert!(db.compare_and_swap("s", "k", None, b"1").unwrap());
        assert!(!db.compare_and_swap("s", "k", None, b"2").unwrap());
        assert!(db.compare_and_swap("s", "k", Some(b"1"), b"2").unwrap());
        assert_eq!(db.get("s", "k").unwrap().as_deref(), Some(&b"2"[..]));
    }

    #[test]
    fn list_keys_pages_with_a_cursor() {
        let dir = temp_dir("list");
        let db = KeyValueDatabase::open(&dir).unwrap();
        let entries: Vec<(String, Vec<u8>)> = (0..(LIST_PAGE + 5))
            .map(|i| (format!("k{i:05}"), vec![1]))
            .collect();
        db.set_many("s", &entries).unwrap();
        let (first, cursor) = db.list_keys("s", None).unwrap();
        assert_eq!(first.len(), LIST_PAGE);
        let (second, end) = db.list_keys("s", cursor.as_deref()).unwrap();
        assert_eq!(second.len(), 5);
        assert_eq!(end, None);
        db.delete_many("s", &[first[0].clone()]).unwrap();
        assert_eq!(db.get("s", &first[0]).unwrap(), None);
    }
}
