//! The journal poller against a local fake Journaling API.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adobe_io_transport::{
    Backoff, BoxFuture, FilePositionStore, JournalConfig, JournalError, JournalPoller,
    MemoryPositionStore, OnGone, OnRejected, Polled, PositionStore, Start, StaticToken, TokenError,
    TokenProvider,
};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::common::*;

const JOURNAL_PATH: &str =
    "/events/organizations/23294/integrations/54108/f89067f2-0d50-4bb2-bf78-209d0eacb6eb";

#[derive(Debug, Clone)]
struct Seen {
    query: String,
    authorization: String,
    api_key: String,
    org: String,
}

pub(crate) struct Journal {
    pub(crate) events: Vec<(String, Value)>,
    /// Index of the oldest event still retained; positions before it are expired.
    retained_from: usize,
    pub(crate) default_limit: usize,
    /// Statuses to answer next, before anything else.
    script: VecDeque<u16>,
    tokens: Vec<String>,
    pub(crate) retry_after: String,
    /// Share (per mille) of requests answered 503 at random.
    fail_per_mille: u64,
    rng: Rng,
    seen: Vec<Seen>,
}

type Shared = Arc<Mutex<Journal>>;

pub(crate) struct JournalServer {
    origin: String,
    state: Shared,
    _shutdown: oneshot::Sender<()>,
}

pub(crate) fn position(i: usize) -> String {
    // Shaped like Adobe's: colons and a UUID-ish tail.
    format!("rabbit:{i:04}:7dd9e3c4-0d3f-42d5-abb4-{i:012}")
}

pub(crate) fn journal_events(n: usize) -> Vec<(String, Value)> {
    (1..=n)
        .map(|i| {
            let id = format!("ev-{i}");
            let event = if i % 3 == 0 {
                adobe_io_event(&id, CLIENT_ID)
            } else {
                cloud_event(&id, "com.test.created", CLIENT_ID)
            };
            (position(i), event)
        })
        .collect()
}

fn link(since: &str, limit: Option<usize>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("since", since);
    if let Some(l) = limit {
        q.append_pair("limit", &l.to_string());
    }
    let q = q.finish();
    format!(r#"<{JOURNAL_PATH}?{q}>; rel="next", <{JOURNAL_PATH}/validate?{q}>; rel="validate""#)
}

async fn journal_handler(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let mut j = state.lock().unwrap();
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    j.seen.push(Seen {
        query: query.clone().unwrap_or_default(),
        authorization: h("authorization"),
        api_key: h("x-api-key"),
        org: h("x-ims-org-id"),
    });
    let auth = h("authorization");
    if !j.tokens.iter().any(|t| auth == format!("Bearer {t}")) {
        return (StatusCode::UNAUTHORIZED, "bad token").into_response();
    }
    if let Some(s) = j.script.pop_front() {
        return (StatusCode::from_u16(s).unwrap(), "scripted").into_response();
    }
    let fail = j.fail_per_mille;
    if fail > 0 && j.rng.range(0, 999) < fail {
        return (StatusCode::SERVICE_UNAVAILABLE, "random").into_response();
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let limit = param("limit").and_then(|l| l.parse::<usize>().ok());
    let last_position = j.events.last().map(|(p, _)| p.clone());
    let no_content = |j: &Journal, since: Option<String>| {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        resp.headers_mut()
            .insert("retry-after", j.retry_after.parse().unwrap());
        if let Some(s) = since {
            resp.headers_mut()
                .insert("link", link(&s, limit).parse().unwrap());
        }
        resp
    };
    if param("latest").as_deref() == Some("true") {
        return no_content(&j, last_position);
    }
    let start = match param("since") {
        None => j.retained_from,
        Some(since) => match j.events.iter().position(|(p, _)| *p == since) {
            Some(i) if i + 1 >= j.retained_from => i + 1,
            _ => {
                return (
                    StatusCode::GONE,
                    format!("Events at position {since} have expired."),
                )
                    .into_response();
            }
        },
    };
    if start >= j.events.len() {
        let since = param("since").or(last_position);
        return no_content(&j, since);
    }
    let end = (start + limit.unwrap_or(j.default_limit)).min(j.events.len());
    let page: Vec<Value> = j.events[start..end]
        .iter()
        .map(|(p, e)| json!({"position": p, "event": e}))
        .collect();
    let last = j.events[end - 1].0.clone();
    let body = json!({"events": page, "_page": {"last": last, "count": end - start}});
    let mut resp = (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    resp.headers_mut()
        .insert("link", link(&last, limit).parse().unwrap());
    resp
}

impl JournalServer {
    pub(crate) async fn start(events: Vec<(String, Value)>) -> JournalServer {
        let state = Arc::new(Mutex::new(Journal {
            events,
            retained_from: 0,
            default_limit: 3,
            script: VecDeque::new(),
            tokens: vec!["token-1".to_owned()],
            retry_after: "0".to_owned(),
            fail_per_mille: 0,
            rng: Rng::new(7),
            seen: Vec::new(),
        }));
        let app = axum::Router::new()
            .route(JOURNAL_PATH, axum::routing::get(journal_handler))
            .with_state(state.clone());
        let (addr, shutdown) = spawn_server(app).await;
        JournalServer {
            origin: format!("http://{addr}"),
            state,
            _shutdown: shutdown,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("{}{}", self.origin, JOURNAL_PATH)
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Journal) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    fn seen(&self) -> Vec<Seen> {
        self.with(|j| j.seen.clone())
    }

    fn config(&self) -> JournalConfig {
        let mut c = JournalConfig::new(
            self.url(),
            CLIENT_ID,
            "4CC7D9704674CFB2138A2C54@AdobeOrg",
            Arc::new(StaticToken("token-1".to_owned())),
        );
        c.backoff = Backoff {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(50),
            jitter: 0.5,
        };
        c.idle_wait = Duration::from_millis(10);
        c
    }
}

fn since_param(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "since")
        .map(|(_, v)| v.into_owned())
}

fn ids(d: &FakeDispatch) -> Vec<String> {
    d.received().iter().map(Received::event_id).collect()
}

#[tokio::test]
async fn pages_follow_next_links_and_commit_positions() {
    let server = JournalServer::start(journal_events(7)).await;
    let dispatch = FakeDispatch::new();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FilePositionStore::new(dir.path().join("position.json")));
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), server.config()).unwrap();

    let mut pages = Vec::new();
    loop {
        match poller.poll_once().await.unwrap() {
            Polled::Page {
                events, handled, ..
            } => {
                assert_eq!(events, handled);
                pages.push(events);
            }
            Polled::Empty { retry_after } => {
                assert_eq!(retry_after, Duration::ZERO);
                break;
            }
            other => panic!("{other:?}"),
        }
        assert!(pages.len() < 10);
    }
    assert_eq!(pages, [3, 3, 1]);
    assert_eq!(
        ids(&dispatch),
        (1..=7).map(|i| format!("ev-{i}")).collect::<Vec<_>>()
    );
    let got = dispatch.received();
    assert_eq!(got[0].headers.get("x-adobe-event-id"), Some("ev-1"));
    assert_eq!(
        got[0].headers.get("x-adobe-event-code"),
        Some("com.test.created")
    );
    assert_eq!(
        got[2].headers.get("x-adobe-event-code"),
        Some("platform_event")
    );
    assert_eq!(got[0].address, None);
    assert_eq!(
        got[0].json(),
        journal_events(1)[0].1,
        "the event's own JSON"
    );

    let seen = server.seen();
    assert_eq!(seen[0].query, "", "first request: oldest");
    assert_eq!(since_param(&seen[1].query), Some(position(3)));
    assert_eq!(since_param(&seen[2].query), Some(position(6)));
    assert_eq!(since_param(&seen[3].query), Some(position(7)));
    for s in &seen {
        assert_eq!(s.authorization, "Bearer token-1");
        assert_eq!(s.api_key, CLIENT_ID);
        assert_eq!(s.org, "4CC7D9704674CFB2138A2C54@AdobeOrg");
    }
    assert_eq!(poller.committed(), Some(position(7).as_str()));
    assert_eq!(store.load().await.unwrap(), Some(position(7)));

    // A restarted poller resumes after the stored position.
    server.with(|j| j.events.extend(journal_events(9).into_iter().skip(7)));
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), server.config()).unwrap();
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Page { events: 2, .. }
    ));
    assert_eq!(
        since_param(&server.seen().last().unwrap().query),
        Some(position(7))
    );
    assert_eq!(dispatch.count(), 9);
}

#[tokio::test]
async fn no_content_waits_retry_after() {
    let server = JournalServer::start(journal_events(2)).await;
    server.with(|j| j.retry_after = "7".into());
    let dispatch = FakeDispatch::new();
    let mut config = server.config();
    config.start = Start::Latest;
    config.limit = Some(5);
    let store = Arc::new(MemoryPositionStore::default());
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), config).unwrap();
    assert_eq!(
        poller.poll_once().await.unwrap(),
        Polled::Empty {
            retry_after: Duration::from_secs(7)
        }
    );
    assert_eq!(server.seen()[0].query, "latest=true&limit=5");
    // The position of the end is kept, and the next poll follows the `next` link.
    assert_eq!(store.load().await.unwrap(), Some(position(2)));
    server.with(|j| j.events.extend(journal_events(3).into_iter().skip(2)));
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Page { events: 1, .. }
    ));
    assert_eq!(ids(&dispatch), ["ev-3"]);
    // `retry-after` is capped.
    server.with(|j| j.retry_after = "100000".into());
    let Polled::Empty { retry_after } = poller.poll_once().await.unwrap() else {
        panic!()
    };
    assert_eq!(retry_after, Duration::from_secs(300));
}

#[tokio::test]
async fn gone_resets_as_configured() {
    let server = JournalServer::start(journal_events(8)).await;
    server.with(|j| j.retained_from = 5);
    let dispatch = FakeDispatch::new();
    let store = Arc::new(MemoryPositionStore::new(Some(position(2))));
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), server.config()).unwrap();
    assert_eq!(
        poller.poll_once().await.unwrap(),
        Polled::Reset { to: OnGone::Oldest }
    );
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Page { events: 3, .. }
    ));
    assert_eq!(ids(&dispatch), ["ev-6", "ev-7", "ev-8"]);
    assert_eq!(store.load().await.unwrap(), Some(position(8)));

    let dispatch = FakeDispatch::new();
    let mut config = server.config();
    config.reset_policy = OnGone::Latest;
    let store = Arc::new(MemoryPositionStore::new(Some(position(1))));
    let mut poller = JournalPoller::new(dispatch.clone(), store, config).unwrap();
    assert_eq!(
        poller.poll_once().await.unwrap(),
        Polled::Reset { to: OnGone::Latest }
    );
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Empty { .. }
    ));
    assert_eq!(server.seen().last().unwrap().query, "latest=true");
    assert_eq!(dispatch.count(), 0);
}

#[tokio::test]
async fn a_burst_of_5xx_backs_off_then_succeeds() {
    let server = JournalServer::start(journal_events(5)).await;
    server.with(|j| j.script.extend([503, 500, 502, 429, 503]));
    let dispatch = FakeDispatch::new();
    let mut poller = JournalPoller::new(
        dispatch.clone(),
        Arc::new(MemoryPositionStore::default()),
        server.config(),
    )
    .unwrap();
    // poll_once reports each failure as transient.
    let e = poller.poll_once().await.unwrap_err();
    assert!(
        matches!(e, JournalError::Status { status: 503, .. }) && e.is_transient(),
        "{e}"
    );
    // run() backs off and goes on until every event is handled.
    let mut rx = dispatch.handled.subscribe();
    let start = Instant::now();
    let done = async move {
        let _ = rx.wait_for(|n| *n >= 5).await;
    };
    tokio::time::timeout(Duration::from_secs(10), poller.run(done))
        .await
        .expect("run stops on shutdown")
        .unwrap();
    assert_eq!(
        ids(&dispatch),
        (1..=5).map(|i| format!("ev-{i}")).collect::<Vec<_>>()
    );
    assert!(server.seen().len() >= 7);
    // Backoff: 4 failures, waits of at least 2.5 + 5 + 10 + 20 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(35),
        "{:?}",
        start.elapsed()
    );
}

struct ExpiringToken {
    current: Mutex<String>,
    refreshes: AtomicUsize,
}

impl TokenProvider for ExpiringToken {
    fn token(&self) -> BoxFuture<'_, Result<String, TokenError>> {
        let t = self.current.lock().unwrap().clone();
        Box::pin(async move { Ok(t) })
    }
    fn refresh(&self) -> BoxFuture<'_, Result<String, TokenError>> {
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst);
        let fresh = format!("fresh-{n}");
        *self.current.lock().unwrap() = fresh.clone();
        Box::pin(async move { Ok(fresh) })
    }
}

#[tokio::test]
async fn expired_token_is_refreshed_once() {
    let server = JournalServer::start(journal_events(2)).await;
    server.with(|j| j.tokens = vec!["fresh-0".into()]);
    let token = Arc::new(ExpiringToken {
        current: Mutex::new("expired".into()),
        refreshes: AtomicUsize::new(0),
    });
    let mut config = server.config();
    config.token = token.clone();
    let dispatch = FakeDispatch::new();
    let mut poller = JournalPoller::new(
        dispatch.clone(),
        Arc::new(MemoryPositionStore::default()),
        config.clone(),
    )
    .unwrap();
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Page { events: 2, .. }
    ));
    assert_eq!(token.refreshes.load(Ordering::SeqCst), 1);
    let auth: Vec<_> = server.seen().into_iter().map(|s| s.authorization).collect();
    assert_eq!(auth, ["Bearer expired", "Bearer fresh-0"]);
    // The fresh token is used from then on.
    poller.poll_once().await.unwrap();
    assert_eq!(token.refreshes.load(Ordering::SeqCst), 1);

    // A second 401 is an error, not retried for ever.
    server.with(|j| j.tokens = vec!["nothing-works".into()]);
    let e = poller.poll_once().await.unwrap_err();
    assert!(matches!(e, JournalError::Unauthorized), "{e}");
    assert!(!e.is_transient());
    assert_eq!(token.refreshes.load(Ordering::SeqCst), 2);
    let mut poller =
        JournalPoller::new(dispatch, Arc::new(MemoryPositionStore::default()), config).unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), poller.run(std::future::pending())).await;
    assert!(matches!(r, Ok(Err(JournalError::Unauthorized))));
}

#[tokio::test]
async fn retryable_failures_resume_from_the_last_committed_position() {
    let server = JournalServer::start(journal_events(6)).await;
    server.with(|j| j.default_limit = 6);
    let dispatch = FakeDispatch::new();
    dispatch.set_mode_for("ev-3", Mode::Fail);
    let store = Arc::new(MemoryPositionStore::default());
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), server.config()).unwrap();
    let e = poller.poll_once().await.unwrap_err();
    assert!(
        matches!(&e, JournalError::Retry { position: p, .. } if *p == position(3)),
        "{e}"
    );
    assert!(e.is_transient());
    assert_eq!(store.load().await.unwrap(), Some(position(2)));
    assert_eq!(ids(&dispatch), ["ev-1", "ev-2"]);
    dispatch.set_mode_for("ev-3", Mode::Ok);
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Page {
            events: 4,
            handled: 4,
            ..
        }
    ));
    assert_eq!(since_param(&server.seen()[1].query), Some(position(2)));
    assert_eq!(store.load().await.unwrap(), Some(position(6)));
    assert_eq!(
        ids(&dispatch),
        (1..=6).map(|i| format!("ev-{i}")).collect::<Vec<_>>()
    );

    // When nothing of the page was handled, the same page is handled again (here one
    // reached by `seek`, which asked again would start somewhere else), rather than
    // events from the oldest one.
    let dispatch = FakeDispatch::new();
    dispatch.set_mode_for("ev-5", Mode::Fail);
    server.with(|j| j.retained_from = 4);
    let mut config = server.config();
    config.start = Start::Seek("-PT1H".into());
    let store = Arc::new(MemoryPositionStore::default());
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), config).unwrap();
    assert!(poller.poll_once().await.is_err());
    dispatch.set_mode_for("ev-5", Mode::Ok);
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Page { handled: 2, .. }
    ));
    let seen = server.seen();
    assert_eq!(seen[seen.len() - 1].query, "seek=-PT1H");
    assert_eq!(
        seen.iter().filter(|r| r.query == "seek=-PT1H").count(),
        1,
        "replayed, not requested again"
    );
    assert_eq!(ids(&dispatch), ["ev-5", "ev-6"]);
    assert_eq!(store.load().await.unwrap(), Some(position(6)));
}

#[tokio::test]
async fn non_retryable_failures_are_skipped_or_stop() {
    let mut events = journal_events(4);
    // An event for another client and one that is not an object.
    events[1].1 = cloud_event("ev-2", "c", "someone-else");
    events[2].1 = json!("not an event");
    let server = JournalServer::start(events).await;
    server.with(|j| j.default_limit = 10);
    let dispatch = FakeDispatch::new();
    dispatch.set_mode_for("ev-4", Mode::Unknown);
    let store = Arc::new(MemoryPositionStore::default());
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), server.config()).unwrap();
    assert_eq!(
        poller.poll_once().await.unwrap(),
        Polled::Page {
            events: 4,
            handled: 1,
            duplicates: 0,
            skipped: 3
        }
    );
    assert_eq!(store.load().await.unwrap(), Some(position(4)));

    let mut config = server.config();
    config.on_rejected = OnRejected::Stop;
    let store = Arc::new(MemoryPositionStore::default());
    let mut poller = JournalPoller::new(FakeDispatch::new(), store.clone(), config).unwrap();
    let e = poller.poll_once().await.unwrap_err();
    assert!(
        matches!(&e, JournalError::Rejected { position: p, .. } if *p == position(2)),
        "{e}"
    );
    assert!(!e.is_transient());
    assert_eq!(store.load().await.unwrap(), Some(position(1)));
}

#[tokio::test]
async fn duplicates_in_the_journal_are_not_dispatched_twice() {
    let mut events = journal_events(3);
    events.push((position(4), events[0].1.clone()));
    let server = JournalServer::start(events).await;
    let dispatch = FakeDispatch::new();
    let mut poller = JournalPoller::new(
        dispatch.clone(),
        Arc::new(MemoryPositionStore::default()),
        server.config(),
    )
    .unwrap();
    poller.poll_once().await.unwrap();
    assert_eq!(
        poller.poll_once().await.unwrap(),
        Polled::Page {
            events: 1,
            handled: 0,
            duplicates: 1,
            skipped: 0
        }
    );
    assert_eq!(dispatch.count(), 3);
}

#[tokio::test]
async fn unwrapped_journal_events_are_deduplicated_on_their_position() {
    // An older provider's entry: the body as it is, no envelope, no id.
    let aem = json!({
        "@id": "urn:oeid:aem:199e85da-dd54-4966-95ba-13cf544964dc",
        "@type": "xdmCreated",
        "header": {"_adobeio": {"eventCode": "aem_asset_created"}},
    });
    let server = JournalServer::start(vec![
        (position(1), aem.clone()),
        journal_events(2).remove(1),
    ])
    .await;
    let dedup = Arc::new(adobe_io_transport::MemoryDedupStore::default());
    let dispatch = FakeDispatch::new();
    for _ in 0..2 {
        // Two pollers reading from the oldest event, sharing their memory of handled events.
        let mut config = server.config();
        config.dedup = dedup.clone();
        let mut poller = JournalPoller::new(
            dispatch.clone(),
            Arc::new(MemoryPositionStore::default()),
            config,
        )
        .unwrap();
        poller.poll_once().await.unwrap();
    }
    let got = dispatch.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].json(), aem);
    assert_eq!(got[0].headers.get("x-adobe-event-id"), None);
    assert_eq!(
        got[0].headers.get("x-adobe-event-code"),
        Some("aem_asset_created")
    );
    assert!(dedup.is_done(&position(1)));
    assert!(dedup.is_done("ev-2"));
}

/// A store whose commits are slow, so that kills land in the middle of them too.
struct SlowStore(FilePositionStore);

impl PositionStore for SlowStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, adobe_io_transport::PositionError>> {
        self.0.load()
    }
    fn commit<'a>(
        &'a self,
        position: &'a str,
    ) -> BoxFuture<'a, Result<(), adobe_io_transport::PositionError>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            self.0.commit(position).await
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_killed_at_random_points_loses_nothing() {
    const N: usize = 80;
    let server = JournalServer::start(journal_events(N)).await;
    server.with(|j| j.fail_per_mille = 100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("position.json");
    let dispatch = FakeDispatch::new();
    let mut rng = Rng::new(0x5EED);
    let unique = |d: &FakeDispatch| {
        d.received()
            .iter()
            .map(Received::event_id)
            .collect::<BTreeSet<_>>()
    };
    let started = Instant::now();
    let mut rounds = 0;
    let mut kills = 0;
    while unique(&dispatch).len() < N {
        assert!(
            rounds < 200 && started.elapsed() < Duration::from_secs(20),
            "no progress: {rounds} rounds"
        );
        rounds += 1;
        // A restart: new poller, new (empty) deduplication memory, the same position file.
        let mut config = server.config();
        config.limit = Some(rng.range(1, 6) as u32);
        let store: Arc<dyn PositionStore> = if rng.next_u64() % 2 == 0 {
            Arc::new(FilePositionStore::new(&path))
        } else {
            Arc::new(SlowStore(FilePositionStore::new(&path)))
        };
        let mut poller = JournalPoller::new(dispatch.clone(), store, config).unwrap();
        let before = *dispatch.handled.borrow();
        let task = tokio::spawn(async move { poller.run(std::future::pending()).await });
        if rng.next_u64() % 3 == 0 {
            // Kill after a random time.
            tokio::time::sleep(Duration::from_micros(rng.range(0, 5_000))).await;
        } else {
            // Kill after a random number of handled events.
            let k = rng.range(1, 9) as usize;
            let wait_start = Instant::now();
            while *dispatch.handled.borrow() < before + k
                && unique(&dispatch).len() < N
                && wait_start.elapsed() < Duration::from_secs(3)
            {
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        }
        task.abort();
        if let Ok(r) = task.await {
            panic!("the poller stopped by itself: {r:?}");
        }
        kills += 1;
        // Once the stored position is the end, every event must have been handled.
        if FilePositionStore::new(&path).load().await.unwrap() == Some(position(N)) {
            let seen = unique(&dispatch);
            let lost: Vec<_> = (1..=N)
                .map(|i| format!("ev-{i}"))
                .filter(|id| !seen.contains(id))
                .collect();
            assert!(lost.is_empty(), "events lost: {lost:?}");
        }
    }
    assert!(kills >= 5, "only {kills} kills");
    let handled = dispatch.count();
    eprintln!("{rounds} rounds, {kills} kills, {handled} dispatches for {N} events");
    assert_eq!(
        unique(&dispatch),
        journal_events(N)
            .iter()
            .map(|(_, e)| {
                e.get("eventid")
                    .or_else(|| e.get("event_id"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect::<BTreeSet<_>>()
    );
    // After the last kill, a new poller resumes at (or before) the end, never after it.
    let store = FilePositionStore::new(&path);
    let stored = store.load().await.unwrap();
    let mut poller =
        JournalPoller::new(dispatch.clone(), Arc::new(store), server.config()).unwrap();
    server.with(|j| j.fail_per_mille = 0);
    for _ in 0..100 {
        if let Ok(Polled::Empty { .. }) = poller.poll_once().await {
            break;
        }
    }
    assert_eq!(
        poller.committed(),
        Some(position(N).as_str()),
        "stored before: {stored:?}"
    );
}

#[tokio::test]
async fn a_page_that_failed_before_anything_was_committed_is_handled_again_not_refetched() {
    // With `latest=true` or `seek`, asking for the same URL again would return a different
    // page; the failed page itself must be handled again.
    let server = JournalServer::start(journal_events(3)).await;
    let dispatch = FakeDispatch::new();
    dispatch.set_mode_for("ev-1", Mode::Fail);
    let mut config = server.config();
    config.start = Start::Oldest;
    let store = Arc::new(MemoryPositionStore::default());
    let mut poller = JournalPoller::new(dispatch.clone(), store.clone(), config).unwrap();
    assert!(matches!(
        poller.poll_once().await,
        Err(JournalError::Retry { .. })
    ));
    assert_eq!(store.load().await.unwrap(), None);
    let requests = server.seen().len();
    dispatch.set_mode_for("ev-1", Mode::Ok);
    assert!(matches!(
        poller.poll_once().await.unwrap(),
        Polled::Page {
            events: 3,
            handled: 3,
            ..
        }
    ));
    assert_eq!(
        server.seen().len(),
        requests,
        "the failed page was replayed, not requested again"
    );
    assert_eq!(ids(&dispatch), ["ev-1", "ev-2", "ev-3"]);
    assert_eq!(store.load().await.unwrap(), Some(position(3)));
}
