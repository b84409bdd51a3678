//! WebSocket on `tokio-tungstenite`, as a client ([`WsClient`]) or a server ([`WsServer`]).
//!
//! A channel's address is the path of its socket (`/`, `/v1/prices`): every frame on a
//! socket belongs to that channel, and the router tells messages apart by their content.
//!
//! - Client: one socket per channel address the crate sends or receives on, opened at
//!   `ws(s)://host[/pathname]<address>` with the query parameters and headers of the
//!   channel's `ws` binding (its `query`/`headers` schemas' `const`/`default` values,
//!   overridden by [`WsOptions`]). Frames are dispatched in order; a reply is sent on the
//!   same socket. WebSocket has no acknowledgements: a retryable failure is dispatched
//!   again in place after the policy's delay; a message given up on is logged and dropped.
//!   A closed socket is opened again with exponential backoff; sends wait for it in the
//!   socket's queue, and a frame whose write failed is written first on the next
//!   connection. A frame the peer's socket took but its application never read (it went
//!   away) is lost: WebSocket has no acknowledgement to tell.
//! - Server: [`WsServer::serve`] accepts sockets on a listener and dispatches their frames
//!   with the request path as address; replies go back on the same socket; its sink sends
//!   to every open socket whose path matches the address.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use asyncapi_runtime::{
    AddressTemplate, ApiDescription, Dispatch, HandlerError, Headers, Incoming, Outgoing, Sink,
};
use backon::BackoffBuilder;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::delivery::{Decision, DeliveryPolicy, decide};
use crate::endpoint::Endpoint;
use crate::serving::{Serving, stopped};
use crate::{ConfigError, Error, read_binding};

/// Settings of WebSocket connections.
#[derive(Debug, Clone)]
pub struct WsOptions {
    /// Query parameters per channel name, over the binding's.
    pub query: HashMap<String, Vec<(String, String)>>,
    /// Headers of the opening request per channel name, over the binding's.
    pub headers: HashMap<String, Vec<(String, String)>>,
    /// How long a send waits for its socket.
    pub send_timeout: Duration,
    pub reconnect_delay: Duration,
    pub max_reconnect_delay: Duration,
}

impl Default for WsOptions {
    fn default() -> Self {
        WsOptions {
            query: HashMap::new(),
            headers: HashMap::new(),
            send_timeout: Duration::from_secs(30),
            reconnect_delay: Duration::from_millis(100),
            max_reconnect_delay: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ChannelBinding {
    query: Option<serde_json::Value>,
    headers: Option<serde_json::Value>,
}

/// `const` or `default` of each property of an object schema.
fn schema_values(schema: Option<&serde_json::Value>) -> Vec<(String, String)> {
    let Some(props) = schema
        .and_then(|s| s.get("properties"))
        .and_then(|p| p.as_object())
    else {
        return Vec::new();
    };
    props
        .iter()
        .filter_map(|(k, v)| {
            let value = v.get("const").or_else(|| v.get("default"))?;
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((k.clone(), text))
        })
        .collect()
}

fn frame(out: &Outgoing) -> Message {
    let text_type = out
        .content_type
        .as_deref()
        .is_none_or(|c| c.contains("json") || c.starts_with("text/"));
    match (text_type, std::str::from_utf8(&out.payload)) {
        (true, Ok(s)) => Message::text(s),
        _ => Message::binary(out.payload.clone()),
    }
}

/// One client socket: its outgoing frames go through `tx` while it is open.
#[derive(Debug)]
struct Socket {
    address: String,
    url: String,
    headers: Vec<(String, String)>,
    tx: watch::Sender<Option<mpsc::Sender<Message>>>,
}

#[derive(Debug)]
struct ClientShared {
    sockets: Vec<Arc<Socket>>,
    dispatch: Mutex<Option<(Arc<dyn DynDispatch>, DeliveryPolicy)>>,
    options: WsOptions,
    endpoint: String,
}

/// Object-safe form of [`Dispatch`], so sockets opened before `serve` can use it.
trait DynDispatch: Send + Sync + std::fmt::Debug {
    fn decide<'a>(
        &'a self,
        incoming: Incoming<'a>,
        attempt: u32,
        policy: &'a DeliveryPolicy,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Decision> + Send + 'a>>;
}

struct DispatchBox<D>(Arc<D>);

impl<D> std::fmt::Debug for DispatchBox<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dispatch")
    }
}

impl<D: Dispatch + 'static> DynDispatch for DispatchBox<D> {
    fn decide<'a>(
        &'a self,
        incoming: Incoming<'a>,
        attempt: u32,
        policy: &'a DeliveryPolicy,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Decision> + Send + 'a>> {
        Box::pin(decide(self.0.as_ref(), incoming, attempt, policy))
    }
}

/// A WebSocket client: one socket per channel address.
#[derive(Debug, Clone)]
pub struct WsClient {
    shared: Arc<ClientShared>,
    stop: Arc<watch::Sender<bool>>,
}

/// The [`Sink`] of a [`WsClient`].
#[derive(Debug, Clone)]
pub struct WsSink {
    shared: Arc<ClientShared>,
}

impl WsClient {
    /// Opens a socket for every channel address of `api` on `endpoint` (`ws`, `wss`), in
    /// the background; sends wait until theirs is open.
    pub async fn connect(
        api: &'static ApiDescription,
        endpoint: &Endpoint,
        options: WsOptions,
    ) -> Result<WsClient, Error> {
        endpoint.expect_protocol(&["ws", "wss"])?;
        let scheme = if endpoint.tls.is_some() { "wss" } else { "ws" };
        let base = endpoint
            .path
            .as_deref()
            .map(|p| format!("/{}", p.trim_end_matches('/')))
            .unwrap_or_default();
        let mut sockets: Vec<Arc<Socket>> = Vec::new();
        for c in api.channels {
            let Some(address) = c.address else { continue };
            if c.operations.is_empty() || sockets.iter().any(|s| s.address == address) {
                continue;
            }
            if address.contains('{') {
                return Err(ConfigError::new(format!(
                    "channel `{}`: WebSocket address `{address}` has parameters; give the concrete path in code",
                    c.name
                ))
                .into());
            }
            let b: ChannelBinding =
                read_binding(c.binding("ws"), "ws", &format!("channel `{}`", c.name))?;
            let mut query = schema_values(b.query.as_ref());
            for (k, v) in options.query.get(c.name).into_iter().flatten() {
                query.retain(|(q, _)| q != k);
                query.push((k.clone(), v.clone()));
            }
            let mut headers = schema_values(b.headers.as_ref());
            for (k, v) in options.headers.get(c.name).into_iter().flatten() {
                headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
                headers.push((k.clone(), v.clone()));
            }
            let path = if address.starts_with('/') {
                address.to_owned()
            } else {
                format!("/{address}")
            };
            let mut url = url::Url::parse(&format!(
                "{scheme}://{}{base}{path}",
                endpoint.authority(if scheme == "wss" { 443 } else { 80 })
            ))
            .map_err(|e| ConfigError::new(format!("channel `{}`: {e}", c.name)))?;
            if !query.is_empty() {
                url.query_pairs_mut().extend_pairs(query.iter());
            }
            let (tx, _) = watch::channel(None);
            sockets.push(Arc::new(Socket {
                address: address.to_owned(),
                url: url.to_string(),
                headers,
                tx,
            }));
        }
        let shared = Arc::new(ClientShared {
            sockets,
            dispatch: Mutex::new(None),
            options,
            endpoint: endpoint.describe(),
        });
        let (stop, stop_rx) = watch::channel(false);
        for s in &shared.sockets {
            tokio::spawn(run_socket(shared.clone(), s.clone(), stop_rx.clone()));
        }
        Ok(WsClient {
            shared,
            stop: Arc::new(stop),
        })
    }

    pub fn sink(&self) -> WsSink {
        WsSink {
            shared: self.shared.clone(),
        }
    }

    /// Dispatches every frame that arrives on the sockets from now on.
    pub async fn serve<D: Dispatch + 'static>(
        &self,
        dispatch: Arc<D>,
        policy: DeliveryPolicy,
    ) -> Result<Serving, Error> {
        *self.shared.dispatch.lock().await = Some((Arc::new(DispatchBox(dispatch)), policy));
        let (mut serving, mut stop) = Serving::new();
        let shared = self.shared.clone();
        serving.push(tokio::spawn(async move {
            stopped(&mut stop).await;
            *shared.dispatch.lock().await = None;
        }));
        Ok(serving)
    }

    /// Closes every socket for good.
    pub fn close(&self) {
        let _ = self.stop.send(true);
    }

    /// Whether every socket is open now.
    pub fn is_connected(&self) -> bool {
        self.shared.sockets.iter().all(|s| s.tx.borrow().is_some())
    }

    /// Waits until every socket is open (or `timeout` passes).
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let all = async {
            for s in &self.shared.sockets {
                let mut rx = s.tx.subscribe();
                let _ = rx.wait_for(Option::is_some).await;
            }
        };
        tokio::time::timeout(timeout, all).await.is_ok()
    }
}

impl Drop for WsClient {
    fn drop(&mut self) {
        if Arc::strong_count(&self.stop) == 1 {
            let _ = self.stop.send(true);
        }
    }
}

async fn run_socket(
    shared: Arc<ClientShared>,
    socket: Arc<Socket>,
    mut stop: watch::Receiver<bool>,
) {
    let backoff = backon::ExponentialBuilder::new()
        .with_min_delay(shared.options.reconnect_delay)
        .with_max_delay(shared.options.max_reconnect_delay)
        .with_jitter()
        .without_max_times();
    let mut delays = backoff.build();
    // One queue for the socket's whole life: frames sent while it reconnects wait in it,
    // and a frame whose write failed is sent first on the next connection.
    let (tx, mut rx) = mpsc::channel::<Message>(64);
    let mut unsent: Option<Message> = None;
    loop {
        let mut request = match socket.url.as_str().into_client_request() {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(url = %socket.url, error = %e, "not a WebSocket URL");
                return;
            }
        };
        for (k, v) in &socket.headers {
            match (
                k.parse::<tokio_tungstenite::tungstenite::http::HeaderName>(),
                v.parse::<tokio_tungstenite::tungstenite::http::HeaderValue>(),
            ) {
                (Ok(k), Ok(v)) => {
                    request.headers_mut().insert(k, v);
                }
                _ => tracing::warn!(header = %k, "not a valid HTTP header; left out"),
            }
        }
        let connected = tokio::select! {
            _ = stopped(&mut stop) => return,
            c = tokio_tungstenite::connect_async(request) => c,
        };
        let ws = match connected {
            Ok((ws, _)) => ws,
            Err(e) => {
                let delay = delays.next().unwrap_or(Duration::from_secs(5));
                tracing::warn!(url = %socket.url, error = %e, ?delay, "WebSocket connection failed; trying again");
                tokio::select! {
                    _ = stopped(&mut stop) => return,
                    _ = tokio::time::sleep(delay) => {}
                }
                continue;
            }
        };
        delays = backoff.build();
        tracing::info!(endpoint = %shared.endpoint, url = %socket.url, "WebSocket open");
        let (mut write, mut read) = ws.split();
        if let Some(frame) = unsent.take() {
            if let Err(e) = write.send(frame.clone()).await {
                tracing::warn!(url = %socket.url, error = %e, "WebSocket send failed");
                unsent = Some(frame);
                continue;
            }
        }
        socket.tx.send_replace(Some(tx.clone()));
        loop {
            tokio::select! {
                _ = stopped(&mut stop) => {
                    let _ = write.send(Message::Close(None)).await;
                    socket.tx.send_replace(None);
                    return;
                }
                out = rx.recv() => {
                    let Some(out) = out else { break };
                    if let Err(e) = write.send(out.clone()).await {
                        tracing::warn!(url = %socket.url, error = %e, "WebSocket send failed");
                        unsent = Some(out);
                        break;
                    }
                }
                frame = read.next() => {
                    let payload = match frame {
                        Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
                        Some(Ok(Message::Binary(b))) => b.to_vec(),
                        Some(Ok(Message::Close(_))) | None => break,
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => {
                            tracing::warn!(url = %socket.url, error = %e, "WebSocket read failed");
                            break;
                        }
                    };
                    let d = shared.dispatch.lock().await.clone();
                    let Some((dispatch, policy)) = d else {
                        tracing::debug!(url = %socket.url, "frame while not serving; dropped");
                        continue;
                    };
                    let headers = Headers::new();
                    if let Some(reply) = handle(dispatch.as_ref(), &socket.address, &headers, &payload, &policy, &mut stop).await {
                        if let Err(e) = write.send(frame_of(reply)).await {
                            tracing::warn!(url = %socket.url, error = %e, "cannot send the reply");
                            break;
                        }
                    }
                }
            }
        }
        socket.tx.send_replace(None);
        tracing::warn!(url = %socket.url, "WebSocket closed; opening it again");
    }
}

fn frame_of(out: Outgoing) -> Message {
    frame(&out)
}

/// Dispatches one frame (again after a retryable failure); the reply to send, if any.
async fn handle(
    dispatch: &dyn DynDispatch,
    address: &str,
    headers: &Headers,
    payload: &[u8],
    policy: &DeliveryPolicy,
    stop: &mut watch::Receiver<bool>,
) -> Option<Outgoing> {
    let mut attempt = 1;
    loop {
        let incoming = Incoming {
            address: Some(address),
            headers,
            content_type: None,
            payload,
        };
        match dispatch.decide(incoming, attempt, policy).await {
            Decision::Ack { reply } => return reply,
            Decision::Redeliver { delay, .. } => {
                tokio::select! {
                    _ = stopped(stop) => return None,
                    _ = tokio::time::sleep(delay) => {}
                }
                attempt += 1;
            }
            Decision::GiveUp { .. } => return None,
        }
    }
}

impl Sink for WsSink {
    async fn send(&self, message: Outgoing) -> Result<(), HandlerError> {
        let socket = self
            .shared
            .sockets
            .iter()
            .find(|s| {
                s.address == message.address
                    || AddressTemplate::new(&s.address)
                        .matches(&message.address)
                        .is_some()
            })
            .ok_or_else(|| Error::Send {
                address: message.address.clone(),
                message: "no WebSocket channel has this address".to_owned(),
            })?;
        let mut rx = socket.tx.subscribe();
        let frame = frame(&message);
        let deadline = tokio::time::Instant::now() + self.shared.options.send_timeout;
        loop {
            let tx = tokio::time::timeout_at(deadline, rx.wait_for(Option::is_some))
                .await
                .map_err(|_| Error::Send {
                    address: message.address.clone(),
                    message: "the socket did not open in time".to_owned(),
                })?
                .map_err(|_| Error::Closed)?
                .clone()
                .expect("an open socket");
            if tx.send(frame.clone()).await.is_ok() {
                return Ok(());
            }
            // It closed meanwhile: wait for the next one.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Open server sockets: request path and the sender of outgoing frames.
type Peers = Arc<std::sync::Mutex<Vec<(String, mpsc::Sender<Message>)>>>;

/// A WebSocket server dispatching every frame of every socket.
#[derive(Debug, Clone)]
pub struct WsServer {
    peers: Peers,
}

/// The [`Sink`] of a [`WsServer`]: sends to every open socket whose path matches.
#[derive(Debug, Clone)]
pub struct WsServerSink {
    peers: Peers,
}

impl WsServer {
    /// Accepts sockets on `listener` and dispatches their frames, the request path being
    /// the address.
    pub fn serve<D: Dispatch + 'static>(
        listener: TcpListener,
        _api: &'static ApiDescription,
        dispatch: Arc<D>,
        policy: DeliveryPolicy,
    ) -> (WsServer, Serving) {
        let server = WsServer {
            peers: Arc::new(std::sync::Mutex::new(Vec::new())),
        };
        let (mut serving, mut stop) = Serving::new();
        let peers = server.peers.clone();
        let stop_all = serving.stop_signal();
        serving.push(tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = stopped(&mut stop) => break,
                    a = listener.accept() => a,
                };
                let Ok((tcp, peer)) = accepted else { continue };
                let dispatch: Arc<dyn DynDispatch> = Arc::new(DispatchBox(dispatch.clone()));
                let policy = policy.clone();
                let peers = peers.clone();
                let mut stop = stop_all.clone();
                tokio::spawn(async move {
                    let path = Arc::new(std::sync::Mutex::new(String::from("/")));
                    let p = path.clone();
                    #[allow(clippy::result_large_err)] // the handshake callback's type
                    let callback = move |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                                         resp| {
                        *p.lock().expect("path lock") = req.uri().path().to_owned();
                        Ok(resp)
                    };
                    let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
                        tracing::debug!(%peer, "not a WebSocket handshake");
                        return;
                    };
                    let address = path.lock().expect("path lock").clone();
                    let (mut write, mut read) = ws.split();
                    let (tx, mut rx) = mpsc::channel::<Message>(64);
                    peers.lock().expect("peers lock").push((address.clone(), tx.clone()));
                    let headers = Headers::new();
                    loop {
                        tokio::select! {
                            _ = stopped(&mut stop) => {
                                let _ = write.send(Message::Close(None)).await;
                                break;
                            }
                            out = rx.recv() => {
                                let Some(out) = out else { break };
                                if write.send(out).await.is_err() { break }
                            }
                            frame = read.next() => {
                                let payload = match frame {
                                    Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
                                    Some(Ok(Message::Binary(b))) => b.to_vec(),
                                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                                    Some(Ok(_)) => continue,
                                };
                                if let Some(reply) = handle(dispatch.as_ref(), &address, &headers, &payload, &policy, &mut stop).await {
                                    if write.send(frame_of(reply)).await.is_err() { break }
                                }
                            }
                        }
                    }
                    peers
                        .lock()
                        .expect("peers lock")
                        .retain(|(_, t)| !t.same_channel(&tx));
                });
            }
        }));
        (server, serving)
    }

    pub fn sink(&self) -> WsServerSink {
        WsServerSink {
            peers: self.peers.clone(),
        }
    }

    /// How many sockets are open.
    pub fn peers(&self) -> usize {
        self.peers.lock().expect("peers lock").len()
    }
}

impl Sink for WsServerSink {
    async fn send(&self, message: Outgoing) -> Result<(), HandlerError> {
        let template = AddressTemplate::new(&message.address);
        let targets: Vec<mpsc::Sender<Message>> = self
            .peers
            .lock()
            .expect("peers lock")
            .iter()
            .filter(|(p, _)| *p == message.address || template.matches(p).is_some())
            .map(|(_, t)| t.clone())
            .collect();
        if targets.is_empty() {
            return Err(Error::Send {
                address: message.address,
                message: "no socket is open on this path".to_owned(),
            }
            .into());
        }
        let f = frame(&message);
        for t in targets {
            let _ = t.send(f.clone()).await;
        }
        Ok(())
    }
}
