//! The Journaling API poller: pulls a registration's journal page after page, following the
//! `Link: <...>; rel="next"` headers, and hands every event to the router.
//!
//! Delivery is at least once. The position (the journal's opaque cursor) is committed to a
//! [`PositionStore`] only once every event up to it was handled: after each page, and before
//! stopping on a failure. A retryable dispatch failure stops the page; the next poll starts
//! again right after the last committed position. A non-retryable one is logged and skipped
//! (or stops the poller, see [`OnRejected`]). Events handled but not yet committed when the
//! process dies are delivered again after a restart: handlers must be idempotent (the
//! [`DedupStore`] drops duplicates it remembers).
//!
//! Answers: 200 is a page; 204 means nothing new, wait `retry-after` seconds; 410 means the
//! position expired, restart as [`OnGone`] says; 401 refreshes the token once; 429, 5xx and
//! network errors back off exponentially with jitter ([`Backoff`]).
//!
//! The parts, one file each: [`TokenProvider`]s (`token.rs`), [`PositionStore`]s
//! (`position.rs`), [`Backoff`] (`backoff.rs`), settings ([`JournalConfig`], `config.rs`),
//! errors ([`JournalError`], `error.rs`), the [`Lease`] that lets several pollers share one
//! registration (`lease.rs`), the poller itself (`poller.rs`) and the parsing of `Link` and
//! `Retry-After` headers (`headers.rs`).
//!
//! [`DedupStore`]: crate::dedup::DedupStore

mod backoff;
mod config;
mod error;
mod headers;
mod lease;
mod poller;
mod position;
mod token;

pub use backoff::Backoff;
pub use config::{JournalConfig, OnGone, OnRejected, Start};
pub use error::JournalError;
pub use lease::{Acquired, Lease, LeaseError};
pub use poller::{JournalPoller, Polled};
pub use position::{FilePositionStore, MemoryPositionStore, PositionError, PositionStore};
pub use token::{StaticToken, TokenError, TokenProvider};
