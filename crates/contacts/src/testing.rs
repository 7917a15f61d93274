//! In-memory [`Transport`], [`Cache`] and [`Clock`] for tests and benchmarks: a
//! scripted transport that records the URLs asked for, a map-backed cache and a
//! manual clock whose `sleep` advances time.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::io::{Cache, CacheError, Clock, HttpResponse, Transport, TransportError};

/// A transport answering from a queue per URL, in order; when a URL's queue is
/// used up its last answer repeats, and a URL never scripted fails to connect.
#[derive(Debug, Default)]
pub struct ScriptedTransport {
    answers: RefCell<BTreeMap<String, VecDeque<Result<HttpResponse, TransportError>>>>,
    last: RefCell<BTreeMap<String, Result<HttpResponse, TransportError>>>,
    /// Every URL requested, in order, with the time it was requested (if a clock was
    /// attached with [`ScriptedTransport::with_clock`]).
    pub requests: RefCell<Vec<(String, u64)>>,
    clock: Option<ManualClock>,
}

impl ScriptedTransport {
    /// A transport with no answers (every request fails to connect).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records request times from `clock` (shared state: clones see the same time).
    pub fn with_clock(mut self, clock: &ManualClock) -> Self {
        self.clock = Some(clock.clone());
        self
    }

    /// Queues `answer` for `url`.
    pub fn push(&self, url: &str, answer: Result<HttpResponse, TransportError>) {
        self.answers
            .borrow_mut()
            .entry(url.to_string())
            .or_default()
            .push_back(answer);
    }

    /// Queues a 200 answer with `body` for `url`.
    pub fn ok(&self, url: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.push(
            url,
            Ok(HttpResponse {
                status: 200,
                content_type: Some(content_type.into()),
                body: body.into(),
            }),
        );
    }

    /// The number of requests made so far.
    pub fn count(&self) -> usize {
        self.requests.borrow().len()
    }
}

impl Transport for ScriptedTransport {
    fn get(&self, url: &str, _timeout: Duration) -> Result<HttpResponse, TransportError> {
        let now = self.clock.as_ref().map(Clock::now_unix_ms).unwrap_or(0);
        self.requests.borrow_mut().push((url.to_string(), now));
        let mut answers = self.answers.borrow_mut();
        let mut last = self.last.borrow_mut();
        match answers.get_mut(url).and_then(VecDeque::pop_front) {
            Some(answer) => {
                last.insert(url.to_string(), answer.clone());
                answer
            }
            None => last.get(url).cloned().unwrap_or_else(|| {
                Err(TransportError::Connect(format!(
                    "no scripted answer for {url}"
                )))
            }),
        }
    }
}

/// A cache in a map.
#[derive(Debug, Default)]
pub struct MemoryCache {
    /// The stored entries.
    pub map: RefCell<BTreeMap<String, Vec<u8>>>,
    /// When true, every operation fails (to test that failures are misses).
    pub broken: Cell<bool>,
}

impl Cache for MemoryCache {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        if self.broken.get() {
            return Err(CacheError("store unavailable".into()));
        }
        Ok(self.map.borrow().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        if self.broken.get() {
            return Err(CacheError("store unavailable".into()));
        }
        self.map
            .borrow_mut()
            .insert(key.to_string(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), CacheError> {
        if self.broken.get() {
            return Err(CacheError("store unavailable".into()));
        }
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, CacheError> {
        if self.broken.get() {
            return Err(CacheError("store unavailable".into()));
        }
        let mut map = self.map.borrow_mut();
        if map.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        map.insert(key.to_string(), value.to_vec());
        Ok(true)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, CacheError> {
        if self.broken.get() {
            return Err(CacheError("store unavailable".into()));
        }
        let mut map = self.map.borrow_mut();
        let current = match map.get(key) {
            None => 0,
            Some(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| CacheError(format!("{key} is not an integer")))?,
        };
        let next = current + delta;
        map.insert(key.to_string(), next.to_string().into_bytes());
        Ok(next)
    }
}

/// A clock that only moves when told to, or when something sleeps. Clones share
/// the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: std::rc::Rc<Cell<u64>>,
    /// Total milliseconds slept.
    pub slept: std::rc::Rc<Cell<u64>>,
}

impl ManualClock {
    /// A clock at `ms` since the epoch.
    pub fn at(ms: u64) -> Self {
        let c = Self::default();
        c.now.set(ms);
        c
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: u64) {
        self.now.set(self.now.get() + ms);
    }
}

impl Clock for ManualClock {
    fn now_unix_ms(&self) -> u64 {
        self.now.get()
    }
    fn sleep(&self, ms: u64) {
        self.slept.set(self.slept.get() + ms);
        self.advance(ms);
    }
}
