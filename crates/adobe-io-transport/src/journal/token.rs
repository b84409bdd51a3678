//! Where the journal's bearer token comes from.

use std::fmt;

use crate::BoxFuture;

/// A token provider that failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot get an access token: {0}")]
pub struct TokenError(pub String);

/// Supplies the IMS access token sent as `Authorization: Bearer <token>`.
pub trait TokenProvider: Send + Sync {
    /// The current token (cached by the provider as it sees fit).
    fn token(&self) -> BoxFuture<'_, Result<String, TokenError>>;
    /// A new token, called once after the journal answered 401.
    fn refresh(&self) -> BoxFuture<'_, Result<String, TokenError>>;
}

/// A fixed token (refreshing returns the same one), for tests and short-lived tools.
#[derive(Clone)]
pub struct StaticToken(pub String);

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<String, TokenError>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
    fn refresh(&self) -> BoxFuture<'_, Result<String, TokenError>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
}
