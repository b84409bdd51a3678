//! Errors of dispatching and sending. A transport needs to know which failures are worth a
//! retry (the handler failed) and which never will succeed (the message does not fit the API).

use std::fmt;

/// The error a handler returns.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A payload that did not deserialize, with serde's path to the failing field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    /// Path to the field, e.g. `event.xdm:completed` (`.` when the whole value is wrong).
    pub path: String,
    pub message: String,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// Why an incoming message was not handled.
#[derive(Debug)]
pub enum DispatchError {
    /// No receive channel's address matches.
    UnknownChannel { address: String },
    /// The message came without an address, and every receive channel has parameters in
    /// its address, so there is no channel to take it on.
    AddressRequired,
    /// The address matched, but a parameter value does not parse as its schema says.
    BadParameter {
        channel: &'static str,
        name: &'static str,
        value: String,
        reason: String,
    },
    /// No message of the channel fits what arrived; `reasons` says why each candidate was
    /// ruled out.
    NoMatchingMessage {
        channel: &'static str,
        reasons: Vec<(&'static str, String)>,
    },
    /// More than one message fits and nothing tells them apart.
    AmbiguousMessage {
        channel: &'static str,
        candidates: Vec<&'static str>,
    },
    /// The message was chosen but its payload does not deserialize.
    BadPayload {
        message: &'static str,
        error: PayloadError,
    },
    /// The message was chosen but its headers do not deserialize.
    BadHeaders {
        message: &'static str,
        error: PayloadError,
    },
    /// The handler returned an error.
    Handler {
        operation: &'static str,
        error: HandlerError,
    },
}

impl DispatchError {
    /// Whether delivering the same message again might succeed: only a handler failure can.
    /// Every other error is about the message itself and will fail the same way every time.
    pub fn is_retryable(&self) -> bool {
        matches!(self, DispatchError::Handler { .. })
    }

    /// A short stable name of the kind of error, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            DispatchError::UnknownChannel { .. } => "unknown-channel",
            DispatchError::AddressRequired => "address-required",
            DispatchError::BadParameter { .. } => "bad-parameter",
            DispatchError::NoMatchingMessage { .. } => "no-matching-message",
            DispatchError::AmbiguousMessage { .. } => "ambiguous-message",
            DispatchError::BadPayload { .. } => "bad-payload",
            DispatchError::BadHeaders { .. } => "bad-headers",
            DispatchError::Handler { .. } => "handler",
        }
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchError::UnknownChannel { address } => {
                write!(f, "no channel matches address `{address}`")
            }
            DispatchError::AddressRequired => f.write_str(
                "the message has no address, and every channel that receives messages has parameters in its address: the transport must give the address",
            ),
            DispatchError::BadParameter {
                channel,
                name,
                value,
                reason,
            } => {
                write!(
                    f,
                    "channel `{channel}`: parameter `{name}` = `{value}` is invalid: {reason}"
                )
            }
            DispatchError::NoMatchingMessage { channel, reasons } => {
                write!(f, "no message of channel `{channel}` matches")?;
                for (m, why) in reasons {
                    write!(f, "; {m}: {why}")?;
                }
                Ok(())
            }
            DispatchError::AmbiguousMessage {
                channel,
                candidates,
            } => {
                write!(
                    f,
                    "several messages of channel `{channel}` match: {}",
                    candidates.join(", ")
                )
            }
            DispatchError::BadPayload { message, error } => {
                write!(f, "payload of `{message}` is invalid {error}")
            }
            DispatchError::BadHeaders { message, error } => {
                write!(f, "headers of `{message}` are invalid {error}")
            }
            DispatchError::Handler { operation, error } => {
                write!(f, "handler of `{operation}` failed: {error}")
            }
        }
    }
}

impl std::error::Error for DispatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DispatchError::Handler { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

/// Why a message was not sent.
#[derive(Debug)]
pub enum SendError {
    /// A parameter value cannot be put in an address (empty, or contains `/`).
    BadParameter { name: &'static str, value: String },
    /// The message did not serialize.
    Encode(serde_json::Error),
    /// The sink failed.
    Sink(HandlerError),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::BadParameter { name, value } => {
                write!(
                    f,
                    "parameter `{name}` = `{value}` cannot be used in an address (empty or contains `/`)"
                )
            }
            SendError::Encode(e) => write!(f, "cannot serialize the message: {e}"),
            SendError::Sink(e) => write!(f, "the sink failed: {e}"),
        }
    }
}

impl std::error::Error for SendError {}
