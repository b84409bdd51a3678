//! Handling of one event, shared by the webhook and the journal: deduplicate, dispatch,
//! mark done.

use std::sync::Arc;

use asyncapi_runtime::{Dispatch, DispatchError, Incoming};

use crate::dedup::{Claim, DedupStore};
use crate::envelope::Event;

/// What became of one event.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The handler succeeded.
    Handled,
    /// Already handled earlier: acknowledged without calling the handler.
    Duplicate,
    /// Worth another delivery: the handler failed, the same event is being handled by
    /// another delivery, or the deduplication store failed.
    Retry(String),
    /// Will never succeed: the router found no message for it, or its payload is invalid.
    Rejected(DispatchError),
}

/// Releases a claim when dropped before `disarm` (the dispatch was cancelled, e.g. by a
/// timeout), so that the event can be processed again at once.
struct ClaimGuard {
    store: Arc<dyn DedupStore>,
    key: Option<String>,
}

impl ClaimGuard {
    fn disarm(&mut self) -> Option<String> {
        self.key.take()
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let store = self.store.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(e) = store.release(&key).await {
                    tracing::warn!(event_id = %key, error = %e, "cannot release a cancelled claim");
                }
            });
        }
    }
}

/// Deduplicates (on `dedup_key`, when there is one), dispatches and records the result.
pub(crate) async fn process<D: Dispatch>(
    dispatcher: &D,
    dedup: &Arc<dyn DedupStore>,
    dedup_key: Option<&str>,
    event: &Event,
    content_type: Option<&str>,
) -> Outcome {
    let mut guard = None;
    if let Some(key) = dedup_key {
        match dedup.claim(key).await {
            Ok(Claim::Claimed) => {
                guard = Some(ClaimGuard {
                    store: dedup.clone(),
                    key: Some(key.to_owned()),
                });
            }
            Ok(Claim::Done) => {
                tracing::debug!(event_id = %key, "duplicate of a handled event: acknowledged");
                return Outcome::Duplicate;
            }
            Ok(Claim::InProgress) => {
                return Outcome::Retry(format!(
                    "event `{key}` is being handled by another delivery"
                ));
            }
            Err(e) => {
                tracing::warn!(
                    event_id = %key,
                    error = %e,
                    "cannot check whether the event was handled; it will be delivered again"
                );
                return Outcome::Retry(e.to_string());
            }
        }
    }
    let incoming = Incoming {
        address: None,
        headers: &event.headers,
        content_type,
        payload: &event.payload,
    };
    let result = dispatcher.dispatch(incoming).await;
    let key = guard.as_mut().and_then(ClaimGuard::disarm);
    match result {
        Ok(d) => {
            tracing::debug!(
                event_id = dedup_key.unwrap_or(""),
                operation = d.operation,
                message = d.message,
                "event handled"
            );
            if let Some(key) = key {
                if let Err(e) = dedup.complete(&key).await {
                    tracing::warn!(event_id = %key, error = %e, "cannot mark the event as handled");
                }
            }
            Outcome::Handled
        }
        Err(e) => {
            if let Some(key) = key {
                if let Err(err) = dedup.release(&key).await {
                    tracing::warn!(event_id = %key, error = %err, "cannot release the event's claim");
                }
            }
            if e.is_retryable() {
                tracing::warn!(
                    event_id = dedup_key.unwrap_or(""),
                    error = %e,
                    "handler failed; the event will be delivered again"
                );
                Outcome::Retry(e.to_string())
            } else {
                tracing::warn!(
                    event_id = dedup_key.unwrap_or(""),
                    kind = e.kind(),
                    error = %e,
                    "event cannot be handled"
                );
                Outcome::Rejected(e)
            }
        }
    }
}
