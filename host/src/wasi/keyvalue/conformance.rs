//! One conformance suite for every key-value backend: what the components rely on
//! (`wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2` as the WIT documents it), run
//! against SQLite and against a real `redis-server` (council-test-support's
//! `RedisServer`, on a free 127.0.0.1 port). "Two processes" are two
//! [`KeyValueStores`] opened apart, each with its own connection, as two hosts have.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use council_app::runtime_config::{KeyValueStoreConfig, RuntimeConfig};
use council_test_support::redis_server::RedisServer;

use super::{KeyValueFailure, KeyValueStores, StoreHandle};
use crate::serve::metrics::Metrics;
use crate::wasi::bindings::keyvalue::wasi::keyvalue::store;

/// Where the stores of one suite run live.
enum Place {
    Sqlite(PathBuf),
    Redis(String),
}

impl Place {
    /// One "process": the stores `a` and `b` on this backend, with their own
    /// connection.
    fn open(&self) -> KeyValueStores {
        let store = match self {
            Place::Sqlite(path) => KeyValueStoreConfig::Spin {
                path: Some(path.clone()),
            },
            Place::Redis(url) => KeyValueStoreConfig::Redis { url: url.clone() },
        };
        let config = RuntimeConfig {
            path: Some("conformance.toml".into()),
            key_value_stores: [("a".to_string(), store.clone()), ("b".to_string(), store)]
                .into_iter()
                .collect(),
        };
        KeyValueStores::open(["a", "b"], Some(&config), &std::env::temp_dir()).unwrap()
    }
}

fn handle(stores: &KeyValueStores, label: &str) -> StoreHandle {
    stores
        .store(label, &Arc::new(Metrics::default()))
        .expect("the suite's stores are open")
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn guest_error<T: std::fmt::Debug>(outcome: Result<T, KeyValueFailure>) -> String {
    match outcome {
        Err(KeyValueFailure::Guest(store::Error::Other(message))) => message,
        other => panic!("expected an error for the guest, got {other:?}"),
    }
}

/// The whole suite, on one backend.
async fn suite(place: &Place) {
    let stores = place.open();
    let a = handle(&stores, "a");
    let b = handle(&stores, "b");

    // store: get, set, exists, delete; absent is `none`, deleting it is no error.
    assert_eq!(a.get("k".into()).await.unwrap(), None);
    assert!(!a.exists("k".into()).await.unwrap());
    a.set("k".into(), b"\x00value\xff".to_vec()).await.unwrap();
    assert_eq!(
        a.get("k".into()).await.unwrap().as_deref(),
        Some(&b"\x00value\xff"[..])
    );
    assert!(a.exists("k".into()).await.unwrap());
    a.set("k".into(), b"second".to_vec()).await.unwrap();
    assert_eq!(
        a.get("k".into()).await.unwrap().as_deref(),
        Some(&b"second"[..])
    );
    a.delete("k".into()).await.unwrap();
    a.delete("k".into()).await.unwrap();
    assert_eq!(a.get("k".into()).await.unwrap(), None);

    // Stores are apart: a key in `a` is not in `b`, even with `:` and glob
    // characters in it.
    a.set("report:*".into(), b"1".to_vec()).await.unwrap();
    assert_eq!(b.get("report:*".into()).await.unwrap(), None);
    assert!(!b.exists("report:*".into()).await.unwrap());
    a.delete("report:*".into()).await.unwrap();

    // list-keys: every key exactly once over the pages, none of another store's.
    let written: BTreeSet<String> = (0..2500).map(|i| format!("outbox:{i:05}")).collect();
    let entries: Vec<(String, Vec<u8>)> = written.iter().map(|k| (k.clone(), vec![1])).collect();
    a.set_many(entries.clone()).await.unwrap();
    b.set("outbox:other-store".into(), vec![1]).await.unwrap();
    let mut listed = BTreeSet::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let (keys, next) = a.list_keys(cursor).await.unwrap();
        listed.extend(keys);
        pages += 1;
        assert!(pages < 1000, "list-keys does not end");
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!(pages > 1, "2500 keys came in one page");
    assert_eq!(listed, written);

    // batch: get-many keeps the order and says which are absent; empty lists work.
    let got = a
        .get_many(vec![
            "outbox:00001".into(),
            "absent".into(),
            "outbox:00002".into(),
        ])
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![
            ("outbox:00001".into(), Some(vec![1])),
            ("absent".into(), None),
            ("outbox:00002".into(), Some(vec![1])),
        ]
    );
    assert_eq!(a.get_many(Vec::new()).await.unwrap(), Vec::new());
    a.set_many(Vec::new()).await.unwrap();
    a.delete_many(Vec::new()).await.unwrap();
    a.delete_many(written.iter().cloned().collect())
        .await
        .unwrap();
    assert_eq!(a.list_keys(None).await.unwrap(), (Vec::new(), None));
    assert_eq!(
        b.get("outbox:other-store".into()).await.unwrap(),
        Some(vec![1])
    );

    // atomics: increment from absent, by negative deltas; a value that is not an
    // integer is an error, not a zero.
    assert_eq!(a.increment("n".into(), 5).await.unwrap(), 5);
    assert_eq!(a.increment("n".into(), -7).await.unwrap(), -2);
    assert_eq!(
        a.get("n".into()).await.unwrap().as_deref(),
        Some(&b"-2"[..])
    );
    a.set("text".into(), b"x".to_vec()).await.unwrap();
    let message = guest_error(a.increment("text".into(), 1).await);
    assert!(!message.is_empty());
    a.set("max".into(), i64::MAX.to_string().into_bytes())
        .await
        .unwrap();
    guest_error(a.increment("max".into(), 1).await);

    // compare-and-swap: from absent, on a match, and refused on a mismatch.
    assert!(
        a.compare_and_swap("c".into(), None, b"1".to_vec())
            .await
            .unwrap()
    );
    assert!(
        !a.compare_and_swap("c".into(), None, b"2".to_vec())
            .await
            .unwrap()
    );
    assert!(
        !a.compare_and_swap("c".into(), Some(b"0".to_vec()), b"2".to_vec())
            .await
            .unwrap()
    );
    assert!(
        a.compare_and_swap("c".into(), Some(b"1".to_vec()), b"2".to_vec())
            .await
            .unwrap()
    );
    assert_eq!(a.get("c".into()).await.unwrap().as_deref(), Some(&b"2"[..]));
    a.delete("c".into()).await.unwrap();
    assert!(
        !a.compare_and_swap("c".into(), Some(b"2".to_vec()), b"3".to_vec())
            .await
            .unwrap()
    );

    contention(place).await;
}

/// Two "processes" (each with its own connection), several tasks each: increments
/// are exact, and a compare-and-swap counter loses no update and never lets two
/// claims of one key both win.
async fn contention(place: &Place) {
    const TASKS: usize = 4;
    const ROUNDS: usize = 50;
    let processes = [place.open(), place.open()];
    let mut tasks = tokio::task::JoinSet::new();
    for process in &processes {
        for _ in 0..TASKS {
            let store = handle(process, "a");
            tasks.spawn(async move {
                let mut claims = 0;
                for round in 0..ROUNDS {
                    store.increment("counter".into(), 1).await.unwrap();
                    // Read, add one, swap; on a lost race read again.
                    loop {
                        let seen = store.get("cas-counter".into()).await.unwrap();
                        let value = seen.as_deref().map_or(0, |v| {
                            std::str::from_utf8(v).unwrap().parse::<u64>().unwrap()
                        });
                        let next = (value + 1).to_string().into_bytes();
                        if store
                            .compare_and_swap("cas-counter".into(), seen, next)
                            .await
                            .unwrap()
                        {
                            break;
                        }
                    }
                    // Every task tries to claim each round's key; one may win.
                    if store
                        .compare_and_swap(format!("claim:{round}"), None, b"mine".to_vec())
                        .await
                        .unwrap()
                    {
                        claims += 1;
                    }
                }
                claims
            });
        }
    }
    let claims: usize = tasks.join_all().await.into_iter().sum();
    let store = handle(&processes[0], "a");
    let total = (2 * TASKS * ROUNDS).to_string().into_bytes();
    assert_eq!(
        store.get("counter".into()).await.unwrap(),
        Some(total.clone())
    );
    assert_eq!(store.get("cas-counter".into()).await.unwrap(), Some(total));
    assert_eq!(claims, ROUNDS, "each claim key must be won exactly once");
}

#[test]
fn sqlite_conforms() {
    let dir = std::env::temp_dir().join(format!("council-host-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    block_on(suite(&Place::Sqlite(dir.join("conformance.db"))));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_conforms() {
    let server = RedisServer::start().expect("redis-server (scripts/setup --tests installs it)");
    let place = Place::Redis(server.url(0));
    block_on(suite(&place));
    // A SCAN cursor is a number this store gave; anything else is refused, not read
    // as the start.
    let stores = place.open();
    let message = guest_error(block_on(handle(&stores, "a").list_keys(Some("x".into()))));
    assert!(message.contains("not a cursor"), "{message}");
}

#[test]
fn an_unreachable_redis_is_named_by_check_without_its_password() {
    // Port 1 on loopback: nothing listens there.
    let config = RuntimeConfig::parse(
        "[key_value_store.reports]\ntype = \"redis\"\nurl = \"redis://:hunter2@127.0.0.1:1/0\"\n",
        std::path::Path::new("."),
        std::path::Path::new("rc.toml"),
    )
    .unwrap();
    let stores = KeyValueStores::open(["reports"], Some(&config), &std::env::temp_dir()).unwrap();
    // One runtime throughout, as in the host: the connection's tasks live on it.
    block_on(async {
        let message = stores.check().await.unwrap_err().to_string();
        assert!(message.contains("store `reports`"), "{message}");
        assert!(message.contains("127.0.0.1:1"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        let failed = handle(&stores, "reports").get("k".into()).await;
        assert!(!guest_error(failed).contains("hunter2"));
    });
}

#[test]
fn a_store_the_runtime_config_lacks_is_a_start_up_error() {
    let config = RuntimeConfig::parse(
        "[key_value_store.reports]\ntype = \"spin\"\n",
        std::path::Path::new("."),
        std::path::Path::new("rc.toml"),
    )
    .map(|mut config| {
        config.path = Some("rc.toml".into());
        config
    })
    .unwrap();
    let dir = std::env::temp_dir().join(format!("council-host-undefined-{}", std::process::id()));
    let error = KeyValueStores::open(["default", "reports", "drafts"], Some(&config), &dir)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "a component uses key-value store `drafts`, which the runtime config rc.toml does not \
         define (add a [key_value_store.drafts] table)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_redis_that_goes_away_fails_operations_and_is_used_again_when_back() {
    let mut server = RedisServer::start().expect("redis-server");
    let place = Place::Redis(server.url(0));
    let stores = place.open();
    let store = handle(&stores, "a");
    // One runtime throughout, as in the host: the connection's tasks live on it.
    block_on(async {
        store.set("k".into(), b"1".to_vec()).await.unwrap();
        server.restart().expect("redis-server again");
        // The first operation after the restart may fail (the old connection is
        // gone) or already succeed on a new one; within a few tries it succeeds, on
        // the new, empty server.
        let mut answer = None;
        for _ in 0..20 {
            if let Ok(value) = store.get("k".into()).await {
                answer = Some(value);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            answer,
            Some(None),
            "no answer from the restarted redis-server"
        );
        // While it is away, operations fail with an error the guest sees, and the
        // check /readyz makes says so.
        drop(server);
        assert!(!guest_error(store.get("k".into()).await).is_empty());
        assert!(stores.check().await.is_err());
    });
}
