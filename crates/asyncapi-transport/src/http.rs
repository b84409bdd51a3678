//! Plain HTTP: an axum receiver ([`router`]) and a reqwest sender ([`HttpSink`]).
//!
//! - Receive: every request (any path, `POST` or `PUT`) is dispatched with its path as
//!   address (and, when no channel matches it, the path without its leading `/`), its
//!   headers and body. The status tells the sender what to do: 200 with the reply as body
//!   (or 204 without one) once handled; 503 with `Retry-After` when a retry may succeed (the
//!   sender's retry is the redelivery); for a message that can never be handled 202 when
//!   [`OnPermanent::Drop`] says to drop it, else (`DeadLetter`: the sender keeps it) 404
//!   when no channel matches and 422 otherwise.
//! - Send: `POST` to `base URL + address`, retried with exponential backoff on connection
//!   errors, 429 and 5xx until the send timeout; any other 4xx fails at once. A reply in the
//!   response body goes to the dispatcher given with [`HttpSink::with_replies`], addressed
//!   to the reply channel.

use std::sync::Arc;
use std::time::Duration;

use asyncapi_runtime::{
    Action, AddressTemplate, ApiDescription, Dispatch, DispatchError, HandlerError, Headers,
    Incoming, Outgoing, Sink,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::delivery::{DeliveryPolicy, OnPermanent};
use crate::endpoint::Endpoint;
use crate::{ConfigError, Error};

struct Receiver<D> {
    dispatch: Arc<D>,
    policy: DeliveryPolicy,
}

/// An axum router that dispatches every request to `dispatch`. Serve it with
/// `axum::serve` on a listener of your choice.
pub fn router<D: Dispatch + 'static>(dispatch: Arc<D>, policy: DeliveryPolicy) -> axum::Router {
    axum::Router::new()
        .fallback(receive::<D>)
        .with_state(Arc::new(Receiver { dispatch, policy }))
}

async fn receive<D: Dispatch + 'static>(
    State(r): State<Arc<Receiver<D>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST && method != Method::PUT {
        return (StatusCode::METHOD_NOT_ALLOWED, "POST or PUT a message").into_response();
    }
    let mut h = Headers::new();
    for (k, v) in &headers {
        if let Ok(v) = v.to_str() {
            h.append(k.as_str(), v);
        }
    }
    let content_type = h.get("content-type").map(str::to_owned);
    let path = uri.path();
    let mut result = Err(DispatchError::UnknownChannel {
        address: path.to_owned(),
    });
    for address in [path, path.trim_start_matches('/')] {
        let incoming = Incoming {
            address: Some(address),
            headers: &h,
            content_type: content_type.as_deref(),
            payload: &body,
        };
        result = r.dispatch.dispatch(incoming).await;
        if !matches!(result, Err(DispatchError::UnknownChannel { .. })) {
            break;
        }
    }
    match result {
        Ok(d) => match d.reply {
            Some(reply) => {
                let mut resp = (StatusCode::OK, reply.payload).into_response();
                if let Some(ct) = reply
                    .content_type
                    .and_then(|c| HeaderValue::from_str(&c).ok())
                {
                    resp.headers_mut().insert(header::CONTENT_TYPE, ct);
                }
                for (k, v) in reply.headers.iter() {
                    if let (Ok(k), Ok(v)) =
                        (k.parse::<header::HeaderName>(), HeaderValue::from_str(v))
                    {
                        resp.headers_mut().append(k, v);
                    }
                }
                resp
            }
            None => StatusCode::NO_CONTENT.into_response(),
        },
        Err(e) if e.is_retryable() => {
            tracing::warn!(%path, error = %e, "handler failed; asking the sender to retry");
            let secs = r.policy.delay(1).as_secs().max(1);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, secs.to_string())],
                e.to_string(),
            )
                .into_response()
        }
        Err(e) => {
            tracing::warn!(%path, kind = e.kind(), error = %e, "message cannot be handled");
            match (&r.policy.on_permanent, &e) {
                (OnPermanent::Drop, _) => StatusCode::ACCEPTED.into_response(),
                (_, DispatchError::UnknownChannel { .. }) => {
                    (StatusCode::NOT_FOUND, e.to_string()).into_response()
                }
                _ => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
            }
        }
    }
}

/// Settings of an [`HttpSink`].
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// How long a send keeps retrying.
    pub send_timeout: Duration,
    /// Time limit of one request.
    pub request_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            send_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
        }
    }
}

type Replies = Arc<dyn Fn(Outgoing) -> futures_util::future::BoxFuture<'static, ()> + Send + Sync>;

/// Sends each message as an HTTP request.
#[derive(Clone)]
pub struct HttpSink {
    api: &'static ApiDescription,
    base: url::Url,
    client: reqwest::Client,
    options: HttpOptions,
    replies: Option<Replies>,
}

impl std::fmt::Debug for HttpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSink")
            .field("base", &self.base.as_str())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl HttpSink {
    /// A sink for `endpoint` (`http`, `https`), addresses relative to its path.
    pub fn new(
        api: &'static ApiDescription,
        endpoint: &Endpoint,
        options: HttpOptions,
    ) -> Result<HttpSink, Error> {
        endpoint.expect_protocol(&["http", "https"])?;
        let scheme = if endpoint.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let path = endpoint
            .path
            .as_deref()
            .map(|p| format!("/{}/", p.trim_matches('/')))
            .unwrap_or_else(|| "/".to_owned());
        let base = url::Url::parse(&format!(
            "{scheme}://{}{path}",
            endpoint.authority(if scheme == "https" { 443 } else { 80 })
        ))
        .map_err(|e| ConfigError::new(format!("{}: {e}", endpoint.describe())))?;
        let mut builder = reqwest::Client::builder().timeout(options.request_timeout);
        if let (Some(u), Some(p)) = (&endpoint.username, &endpoint.password) {
            let mut h = reqwest::header::HeaderMap::new();
            let token = base64_basic(u, p);
            if let Ok(v) = reqwest::header::HeaderValue::from_str(&format!("Basic {token}")) {
                h.insert(reqwest::header::AUTHORIZATION, v);
            }
            builder = builder.default_headers(h);
        }
        let client = builder.build().map_err(|e| Error::Connect {
            endpoint: endpoint.describe(),
            message: e.to_string(),
        })?;
        Ok(HttpSink {
            api,
            base,
            client,
            options,
            replies: None,
        })
    }

    /// Replies in response bodies go to `dispatch`, addressed to their reply channel.
    pub fn with_replies<D: Dispatch + 'static>(mut self, dispatch: Arc<D>) -> Self {
        self.replies = Some(Arc::new(move |out: Outgoing| {
            let d = dispatch.clone();
            Box::pin(async move {
                let incoming = Incoming {
                    address: Some(&out.address),
                    headers: &out.headers,
                    content_type: out.content_type.as_deref(),
                    payload: &out.payload,
                };
                if let Err(e) = d.dispatch(incoming).await {
                    tracing::warn!(address = %out.address, error = %e, "reply not handled");
                }
            })
        }));
        self
    }

    fn url(&self, address: &str) -> Result<url::Url, Error> {
        self.base
            .join(address.trim_start_matches('/'))
            .map_err(|e| Error::Send {
                address: address.to_owned(),
                message: e.to_string(),
            })
    }
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

impl Sink for HttpSink {
    async fn send(&self, message: Outgoing) -> Result<(), HandlerError> {
        let url = self.url(&message.address)?;
        let deadline = tokio::time::Instant::now() + self.options.send_timeout;
        let mut delay = Duration::from_millis(50);
        loop {
            let mut req = self.client.post(url.clone()).body(message.payload.clone());
            for (k, v) in message.headers.iter() {
                req = req.header(k, v);
            }
            if let Some(ct) = &message.content_type {
                req = req.header(reqwest::header::CONTENT_TYPE, ct.as_str());
            }
            let why = match req.send().await {
                Ok(resp) if resp.status().is_success() => {
                    if let Some(replies) = &self.replies {
                        let reply_address = self
                            .api
                            .operations(Action::Send)
                            .find(|(c, _)| {
                                c.address.is_some_and(|t| {
                                    AddressTemplate::new(t).matches(&message.address).is_some()
                                })
                            })
                            .and_then(|(_, o)| o.reply)
                            .and_then(|r| r.address);
                        let ct = resp
                            .headers()
                            .get(reqwest::header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        let mut reply_headers = Headers::new();
                        for (k, v) in resp.headers() {
                            if let Ok(v) = v.to_str() {
                                reply_headers.append(k.as_str(), v);
                            }
                        }
                        let body = resp.bytes().await.map_err(|e| Error::Send {
                            address: message.address.clone(),
                            message: e.to_string(),
                        })?;
                        if let (Some(address), false) = (reply_address, body.is_empty()) {
                            replies(Outgoing {
                                address: address.to_owned(),
                                headers: reply_headers,
                                content_type: ct,
                                payload: body.to_vec(),
                            })
                            .await;
                        }
                    }
                    return Ok(());
                }
                Ok(resp)
                    if resp.status() == reqwest::StatusCode::TOO_MANY_REQUESTS
                        || resp.status().is_server_error() =>
                {
                    format!("status {}", resp.status())
                }
                Ok(resp) => {
                    let status = resp.status();
                    let text = resp.text().await.unwrap_or_default();
                    return Err(Error::Send {
                        address: message.address.clone(),
                        message: format!("status {status}: {text}"),
                    }
                    .into());
                }
                Err(e) => e.to_string(),
            };
            if tokio::time::Instant::now() + delay >= deadline {
                return Err(Error::Send {
                    address: message.address.clone(),
                    message: why,
                }
                .into());
            }
            tracing::debug!(address = %message.address, %why, "HTTP send failed; trying again");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_credentials() {
        assert_eq!(
            super::base64_basic("Aladdin", "open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(super::base64_basic("a", ""), "YTo=");
    }
}
