//! Exponential backoff with jitter between failed polls.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with jitter, for failed polls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Wait after the first failure (default 1 s).
    pub initial: Duration,
    /// Longest wait (default 60 s).
    pub max: Duration,
    /// Share of each wait that is random, 0 to 1 (default 0.5: a wait is between half and
    /// all of its exponential value).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            jitter: 0.5,
        }
    }
}

impl Backoff {
    /// The wait after `failures` failures in a row (1 for the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(31);
        let base = self.initial.saturating_mul(1u32 << exp).min(self.max);
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let factor = 1.0 - jitter * rand::thread_rng().r#gen::<f64>();
        Duration::try_from_secs_f64(base.as_secs_f64() * factor)
            .unwrap_or(base)
            .min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            jitter: 0.0,
        };
        assert_eq!(b.delay(1), Duration::from_millis(100));
        assert_eq!(b.delay(2), Duration::from_millis(200));
        assert_eq!(b.delay(4), Duration::from_millis(800));
        assert_eq!(b.delay(5), Duration::from_secs(1));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
        let j = Backoff { jitter: 0.5, ..b };
        for n in 1..10 {
            let d = j.delay(n);
            assert!(d <= b.delay(n) && d >= b.delay(n) / 2, "{d:?}");
        }
        let huge = Backoff {
            initial: Duration::MAX,
            max: Duration::MAX,
            jitter: f64::NAN,
        };
        assert_eq!(huge.delay(3), Duration::MAX);
    }
}
