//! Timing and the tables: page faults, a reader that counts reads, the native and
//! component times of one query kind with their chunked runs, and the Markdown rows.

use std::fs::File;
use std::io::{Read, Seek};
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use council_host::serve::runtime::HostState;
use council_test_support::percentile;
use wasmtime::Store;

use super::side_enabled;

/// Minor page faults of this process so far (`/proc/self/stat` field 10), to report
/// faults per request; 0 where there is no procfs.
fn minor_faults() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = &s[s.rfind(')')? + 2..];
            rest.split(' ').nth(7)?.parse().ok()
        })
        .unwrap_or(0)
}

/// A reader that counts reads, for the reads-per-lookup figure (not used when timing).
pub(super) struct CountingReader {
    pub(super) file: File,
    /// Reads and bytes read.
    pub(super) count: std::rc::Rc<std::cell::Cell<(u64, u64)>>,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        let (reads, bytes) = self.count.get();
        self.count.set((reads + 1, bytes + n as u64));
        Ok(n)
    }
}

impl Seek for CountingReader {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

pub(super) fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Times of one query kind on both sides.
#[derive(Default)]
pub(super) struct Pair {
    native: Vec<Duration>,
    component: Vec<Duration>,
    /// Minor page faults over the native and the component runs (drops included).
    pub(super) native_faults: u64,
    pub(super) component_faults: u64,
    /// Dropping the request's store (returning the instance to the pool, resetting
    /// its memory), per request; not in the per-request times.
    component_drop: Vec<Duration>,
}

impl Pair {
    pub(super) fn row(&mut self, capability: &str, query: &str, mode: &str) {
        self.native.sort();
        self.component.sort();
        let (n50, n99) = (
            percentile(&self.native, 0.5),
            percentile(&self.native, 0.99),
        );
        let (c50, c99) = (
            percentile(&self.component, 0.5),
            percentile(&self.component, 0.99),
        );
        println!(
            "| {capability} | {query} | {mode} | {} | {:.2} | {:.2} | {:.2} | {:.2} | **{:.2}** | {:.2} | {:.1} / {:.1} |",
            self.native.len(),
            us(n50),
            us(n99),
            us(c50),
            us(c99),
            c50.as_secs_f64() / n50.as_secs_f64(),
            c99.as_secs_f64() / n99.as_secs_f64(),
            self.native_faults as f64 / self.native.len() as f64,
            self.component_faults as f64 / self.component.len() as f64,
        );
        if !self.component_drop.is_empty() {
            self.component_drop.sort();
            println!(
                "|  | (component store drop, not included above) | per request | {} |  |  | {:.2} | {:.2} |  |  |  |",
                self.component_drop.len(),
                us(percentile(&self.component_drop, 0.5)),
                us(percentile(&self.component_drop, 0.99)),
            );
        }
    }
    /// Times one chunk of per-request queries: each natively (`native`: open + query;
    /// what it returns besides the answer, the open handle, is dropped after the
    /// clock stops), then each as a fresh instance (`component`: new store +
    /// instantiation + call; the store it returns is dropped and timed apart). The
    /// component's answers must equal the native ones.
    pub(super) async fn per_request_chunk<Q: std::fmt::Debug, A: PartialEq + std::fmt::Debug, H>(
        &mut self,
        label: &str,
        chunk: &[Q],
        mut native: impl FnMut(&Q) -> Result<(A, H)>,
        mut component: impl AsyncFnMut(&Q) -> Result<(A, Store<HostState>)>,
    ) -> Result<()> {
        let faults = minor_faults();
        let mut answers = Vec::with_capacity(chunk.len());
        for q in chunk.iter().filter(|_| side_enabled("native")) {
            let t = Instant::now();
            let (answer, handle) = native(q)?;
            self.native.push(t.elapsed());
            drop(handle);
            answers.push(answer);
        }
        let mid = minor_faults();
        self.native_faults += mid - faults;
        for (i, q) in chunk
            .iter()
            .enumerate()
            .filter(|_| side_enabled("component"))
        {
            let (answer, d) = timed_async(async || component(q).await).await;
            let (answer, store) = answer?;
            self.component.push(d);
            let (_, d) = timed(|| drop(store));
            self.component_drop.push(d);
            ensure!(
                answers.get(i).is_none_or(|expected| answer == *expected),
                "{label}: {q:?}: component {answer:?}, native {:?}",
                answers[i]
            );
        }
        self.component_faults += minor_faults() - mid;
        Ok(())
    }

    /// Times one chunk of warm queries, natively then on the one instance, keeping the
    /// times only when `timed_pass`; the answers must agree.
    pub(super) async fn warm_chunk<Q: std::fmt::Debug, A: PartialEq + std::fmt::Debug>(
        &mut self,
        label: &str,
        chunk: &[Q],
        timed_pass: bool,
        mut native: impl FnMut(&Q) -> Result<A>,
        mut component: impl AsyncFnMut(&Q) -> Result<A>,
    ) -> Result<()> {
        let faults = minor_faults();
        let mut answers = Vec::with_capacity(chunk.len());
        for q in chunk.iter().filter(|_| side_enabled("native")) {
            let (answer, d) = timed(|| native(q));
            answers.push(answer?);
            if timed_pass {
                self.native.push(d);
            }
        }
        let mid = minor_faults();
        self.native_faults += mid - faults;
        for (i, q) in chunk
            .iter()
            .enumerate()
            .filter(|_| side_enabled("component"))
        {
            let (answer, d) = timed_async(async || component(q).await).await;
            let answer = answer?;
            if timed_pass {
                self.component.push(d);
            }
            ensure!(
                answers.get(i).is_none_or(|expected| answer == *expected),
                "{label}: {q:?}: component {answer:?}, native {:?}",
                answers[i]
            );
        }
        self.component_faults += minor_faults() - mid;
        Ok(())
    }
}

pub(super) fn header(title: &str) {
    println!("\n{title}\n");
    println!(
        "| capability | query | mode | n | native p50 (µs) | native p99 (µs) | component p50 (µs) | component p99 (µs) | ratio p50 | ratio p99 | page faults per query native / component |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
}

/// Times `f` once.
pub(super) fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

/// Times `f` once, asynchronously.
pub(super) async fn timed_async<T>(f: impl AsyncFnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f().await;
    (v, t.elapsed())
}
