//! Support for the end-to-end tests of `asyncapi-transport` (in `tests/`): real brokers
//! started on 127.0.0.1 ([`servers`]) and a record of what handlers saw ([`Record`]). The
//! channel descriptions and `connect` functions come from the generated crates themselves.

pub mod servers;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// What a test handler saw, shared with the test.
#[derive(Debug, Default)]
pub struct Record {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every handler call: (streetlight, lumens).
    calls: Vec<(String, u64)>,
    /// Calls that succeeded.
    handled: Vec<(String, u64)>,
    /// Lumens whose first call fails (a handler error, retryable).
    fail_first: HashMap<u64, u32>,
    /// Replies received: (correlation ID, level).
    replies: Vec<(Option<String>, u64)>,
}

impl Record {
    /// Makes the first `times` calls with these lumens fail.
    pub fn fail_first(&self, lumens: u64, times: u32) {
        self.inner
            .lock()
            .expect("record lock")
            .fail_first
            .insert(lumens, times);
    }

    /// Called by handlers: records the call and says whether it should fail.
    pub fn light(&self, streetlight: &str, lumens: u64) -> Result<(), String> {
        let mut r = self.inner.lock().expect("record lock");
        r.calls.push((streetlight.to_owned(), lumens));
        if let Some(n) = r.fail_first.get_mut(&lumens) {
            if *n > 0 {
                *n -= 1;
                return Err(format!("simulated failure for lumens {lumens}"));
            }
        }
        r.handled.push((streetlight.to_owned(), lumens));
        Ok(())
    }

    pub fn reply(&self, correlation_id: Option<String>, level: u64) {
        self.inner
            .lock()
            .expect("record lock")
            .replies
            .push((correlation_id, level));
    }

    /// How many times a message with these lumens was handled successfully.
    pub fn handled(&self, lumens: u64) -> usize {
        let r = self.inner.lock().expect("record lock");
        r.handled.iter().filter(|(_, l)| *l == lumens).count()
    }

    /// How many times the handler was called with these lumens.
    pub fn calls(&self, lumens: u64) -> usize {
        let r = self.inner.lock().expect("record lock");
        r.calls.iter().filter(|(_, l)| *l == lumens).count()
    }

    /// The streetlight of the first successful call with these lumens.
    pub fn streetlight(&self, lumens: u64) -> Option<String> {
        let r = self.inner.lock().expect("record lock");
        r.handled
            .iter()
            .find(|(_, l)| *l == lumens)
            .map(|(s, _)| s.clone())
    }

    pub fn replies(&self) -> Vec<(Option<String>, u64)> {
        self.inner.lock().expect("record lock").replies.clone()
    }

    /// Waits (up to `timeout`) until `done` holds; returns whether it did.
    pub async fn wait(&self, timeout: Duration, done: impl Fn(&Record) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if done(self) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        done(self)
    }

    /// A summary for failure messages.
    pub fn summary(&self) -> String {
        let r = self.inner.lock().expect("record lock");
        format!(
            "calls: {:?}\nhandled: {:?}\nreplies: {:?}",
            r.calls, r.handled, r.replies
        )
    }
}

/// Logs of the adapters, shown for failing tests (`RUST_LOG=asyncapi_transport=debug`).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "asyncapi_transport=info".into()),
        )
        .with_test_writer()
        .try_init();
}

/// Generous limit for a condition that should hold soon.
pub const WAIT: Duration = Duration::from_secs(60);
