//! One poller per registration: a [`Lease`] that pollers sharing a position store take in
//! turn.
//!
//! The holder renews the lease while it works (every third of its time to live); a holder
//! that dies stops renewing, the lease expires, and a standby poller takes it and resumes
//! from the committed position. The poller checks the lease before every event it hands on,
//! judging by its own monotonic clock from the moment it *sent* the last successful renewal
//! (earlier than the store started counting), and a store that fences commits (see
//! [`PositionError::Fenced`](super::PositionError::Fenced)) refuses the position of a
//! holder whose lease is gone. So two pollers never both handle a page, and a takeover
//! re-reads at most the page that was in flight.

use std::time::Duration;

use crate::BoxFuture;

/// A lease store that failed (e.g. its database is unreachable).
#[derive(Debug, Clone, thiserror::Error)]
#[error("journal lease store failed: {0}")]
pub struct LeaseError(pub String);

/// What [`Lease::acquire`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquired {
    /// This holder still held the lease; it now runs for another time to live.
    Renewed,
    /// The lease was free (never taken, released, or expired) and this holder took it:
    /// someone else may have held it in between.
    Taken,
    /// Another holder has it.
    HeldByOther,
}

/// The right to poll one registration's journal, held by one poller at a time.
pub trait Lease: Send + Sync {
    /// Takes the lease when it is free, or renews it when this holder has it, for
    /// [`Lease::ttl`] from now; atomically.
    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, LeaseError>>;
    /// Gives the lease up when this holder has it (at shutdown), so that a standby
    /// poller takes over at once rather than after the lease expires.
    fn release(&self) -> BoxFuture<'_, Result<(), LeaseError>>;
    /// How long the lease lasts after each acquisition or renewal.
    fn ttl(&self) -> Duration;
    /// Who this holder is, for logs.
    fn holder(&self) -> &str;
}

/// Where a poller stands with its lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// Held, without a gap since it was last checked.
    Held,
    /// Taken for the first time by this poller.
    First,
    /// Taken again after this poller had lost it (or let it lapse): another poller may
    /// have moved the position on, so what this poller knows is stale.
    Regained,
    /// Another poller holds it.
    NotHeld,
}

/// A poller's side of its [`Lease`]: when it last renewed, and whether it ever held it.
pub(super) struct LeaseKeeper {
    lease: std::sync::Arc<dyn Lease>,
    /// When the last successful acquisition or renewal was sent, while held.
    sent_at: Option<std::time::Instant>,
    ever_held: bool,
}

impl LeaseKeeper {
    pub(super) fn new(lease: std::sync::Arc<dyn Lease>) -> Self {
        LeaseKeeper {
            lease,
            sent_at: None,
            ever_held: false,
        }
    }

    fn ttl(&self) -> Duration {
        self.lease.ttl().max(Duration::from_millis(30))
    }

    /// How often a holder renews: every third of the time to live.
    pub(super) fn renew_every(&self) -> Duration {
        self.ttl() / 3
    }

    /// Checks the lease, renewing (or trying to take) it when a third of its time to live
    /// has passed since the last renewal. When the store cannot be reached, a lease still
    /// valid by this poller's own clock (with a tenth of its time to live to spare) counts
    /// as held; past that the error is returned.
    pub(super) async fn keep(&mut self) -> Result<Standing, super::JournalError> {
        let ttl = self.ttl();
        if self.sent_at.is_some_and(|t| t.elapsed() < ttl / 3) {
            return Ok(Standing::Held);
        }
        let sent = std::time::Instant::now();
        match self.lease.acquire().await {
            Ok(Acquired::Renewed) if self.sent_at.is_some() => {
                self.sent_at = Some(sent);
                Ok(Standing::Held)
            }
            Ok(Acquired::Renewed | Acquired::Taken) => {
                let first = !self.ever_held;
                self.ever_held = true;
                self.sent_at = Some(sent);
                tracing::info!(
                    holder = self.lease.holder(),
                    ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
                    "journal lease taken: this poller now reads the journal"
                );
                Ok(if first {
                    Standing::First
                } else {
                    Standing::Regained
                })
            }
            Ok(Acquired::HeldByOther) => {
                if self.sent_at.take().is_some() {
                    tracing::warn!(
                        holder = self.lease.holder(),
                        "journal lease lost: another poller holds it now"
                    );
                }
                Ok(Standing::NotHeld)
            }
            Err(e) => match self.sent_at {
                Some(t) if t.elapsed() < ttl - ttl / 10 => {
                    tracing::warn!(error = %e, "cannot renew the journal lease; it is still valid");
                    Ok(Standing::Held)
                }
                _ => {
                    self.sent_at = None;
                    Err(e.into())
                }
            },
        }
    }

    /// Forgets the lease (it lapsed or was taken over).
    pub(super) fn lose(&mut self) {
        self.sent_at = None;
    }

    /// Gives the lease up if held (on shutdown).
    pub(super) async fn release(&mut self) {
        if self.sent_at.take().is_none() {
            return;
        }
        match self.lease.release().await {
            Ok(()) => tracing::info!(holder = self.lease.holder(), "journal lease released"),
            Err(e) => {
                tracing::warn!(error = %e, "cannot release the journal lease; it expires by itself")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    /// A lease that answers what it is told to, and counts the calls.
    struct Scripted {
        answers: Mutex<VecDeque<Result<Acquired, LeaseError>>>,
        calls: Mutex<usize>,
        ttl: Duration,
    }

    impl Lease for Scripted {
        fn acquire(&self) -> BoxFuture<'_, Result<Acquired, LeaseError>> {
            *self.calls.lock().unwrap() += 1;
            let next = self
                .answers
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Ok(Acquired::Renewed));
            Box::pin(std::future::ready(next))
        }
        fn release(&self) -> BoxFuture<'_, Result<(), LeaseError>> {
            Box::pin(std::future::ready(Ok(())))
        }
        fn ttl(&self) -> Duration {
            self.ttl
        }
        fn holder(&self) -> &str {
            "test"
        }
    }

    fn keeper(
        ttl: Duration,
        answers: Vec<Result<Acquired, LeaseError>>,
    ) -> (LeaseKeeper, Arc<Scripted>) {
        let lease = Arc::new(Scripted {
            answers: Mutex::new(answers.into()),
            calls: Mutex::new(0),
            ttl,
        });
        (LeaseKeeper::new(lease.clone()), lease)
    }

    #[tokio::test]
    async fn standings_follow_what_the_store_says() {
        let ttl = Duration::from_millis(90);
        let (mut k, lease) = keeper(
            ttl,
            vec![
                Ok(Acquired::HeldByOther),
                Ok(Acquired::Taken),
                Ok(Acquired::Renewed),
                Ok(Acquired::Taken),
                Ok(Acquired::HeldByOther),
                Ok(Acquired::Taken),
            ],
        );
        assert_eq!(k.keep().await.unwrap(), Standing::NotHeld);
        assert_eq!(k.keep().await.unwrap(), Standing::First);
        // Fresh: no round trip until a third of the lease has passed.
        assert_eq!(k.keep().await.unwrap(), Standing::Held);
        assert_eq!(*lease.calls.lock().unwrap(), 2);
        tokio::time::sleep(ttl / 3).await;
        assert_eq!(k.keep().await.unwrap(), Standing::Held, "renewed");
        tokio::time::sleep(ttl / 3).await;
        // Taken while this keeper thought it held the lease: it had lapsed in between.
        assert_eq!(k.keep().await.unwrap(), Standing::Regained);
        tokio::time::sleep(ttl / 3).await;
        assert_eq!(k.keep().await.unwrap(), Standing::NotHeld);
        assert_eq!(
            k.keep().await.unwrap(),
            Standing::Regained,
            "taken again later"
        );
    }

    #[tokio::test]
    async fn an_unreachable_store_is_tolerated_only_while_the_lease_is_valid() {
        let ttl = Duration::from_millis(600);
        let down = || Err(LeaseError("connection refused".into()));
        let (mut k, _) = keeper(ttl, vec![Ok(Acquired::Taken), down(), down()]);
        assert_eq!(k.keep().await.unwrap(), Standing::First);
        tokio::time::sleep(ttl / 3).await;
        assert_eq!(
            k.keep().await.unwrap(),
            Standing::Held,
            "still valid by our clock"
        );
        tokio::time::sleep(ttl).await;
        assert!(k.keep().await.is_err(), "expired: the error is returned");
        // Not held any more: the next success is a new acquisition.
        assert_eq!(k.keep().await.unwrap(), Standing::Regained);
    }
}
