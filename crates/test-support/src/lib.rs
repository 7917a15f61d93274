//! What the workspace's tests and benchmarks share: golden files ([`golden`]),
//! percentiles of timings ([`percentile`]) and a scratch `redis-server`
//! ([`redis_server`]). A dev-dependency only; nothing shipped
//! links it.
#![deny(missing_docs)]

pub mod golden;
pub mod redis_server;

/// The `p` quantile (0 to 1) of `sorted` (ascending) by nearest rank: the element at
/// `round((n - 1) * p)`, so p50 of an even count is the upper middle one and p100 the
/// maximum. An empty slice gives `T::default()` (zero for `Duration` and `f64`), so a
/// benchmark that measured nothing prints zeros instead of stopping.
pub fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let index = ((sorted.len() - 1) as f64 * p.clamp(0.0, 1.0)).round() as usize;
    sorted[index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile(&v, 0.5), 51);
        assert_eq!(percentile(&v, 0.9), 90);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&v, 1.0), 100);
        assert_eq!(percentile(&[7.5_f64], 0.99), 7.5);
        assert_eq!(percentile::<Duration>(&[], 0.5), Duration::ZERO);
    }
}
