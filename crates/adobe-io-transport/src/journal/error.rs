//! Why a poll failed, and whether polling again can help.

use super::{LeaseError, PositionError, TokenError};
use crate::ConfigError;

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The settings cannot work.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request failed (network, timeout).
    #[error("journal request failed: {0}")]
    Http(#[source] reqwest::Error),
    /// The journal answered an unexpected status.
    #[error("journal answered {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the answer's body.
        body: String,
    },
    /// The journal refused the token, and again after a refresh.
    #[error("journal refused the access token, also after a refresh (401)")]
    Unauthorized,
    /// The token provider failed.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The page is not a journal page.
    #[error("journal page is invalid: {0}")]
    Page(String),
    /// The position store failed.
    #[error(transparent)]
    Position(#[from] PositionError),
    /// The registration's lease could not be taken or renewed (its store is unreachable).
    #[error(transparent)]
    Lease(#[from] LeaseError),
    /// This poller lost the registration's lease while handling a page (it lapsed, or
    /// another poller took it over): the page was dropped uncommitted, and whoever holds
    /// the lease next reads it again from the committed position.
    #[error("the journal lease was lost; the page in flight is left to the next holder")]
    LeaseLost,
    /// An event's handler failed in a way worth a retry; the next poll resumes before it.
    #[error("event at position `{position}` failed and will be retried: {reason}")]
    Retry {
        /// The event's position.
        position: String,
        /// Why it failed.
        reason: String,
    },
    /// An event can never be handled and [`OnRejected::Stop`] is set.
    #[error("event at position `{position}` cannot be handled: {reason}")]
    Rejected {
        /// The event's position.
        position: String,
        /// Why.
        reason: String,
    },
}

impl JournalError {
    /// Whether polling again later may succeed: network errors, 408, 429, 5xx, token
    /// provider failures, invalid pages, retryable handler failures, an unreachable
    /// position or lease store, a lost lease.
    pub fn is_transient(&self) -> bool {
        match self {
            JournalError::Http(e) => !e.is_builder(),
            JournalError::Status { status, .. } => {
                matches!(status, 408 | 429) || (500..600).contains(status)
            }
            JournalError::Token(_)
            | JournalError::Page(_)
            | JournalError::Retry { .. }
            | JournalError::Lease(_)
            | JournalError::LeaseLost
            | JournalError::Position(PositionError::Unavailable(_)) => true,
            JournalError::Config(_)
            | JournalError::Unauthorized
            | JournalError::Position(_)
            | JournalError::Rejected { .. } => false,
        }
    }
}
