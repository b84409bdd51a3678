//! Several receivers and pollers sharing one real redis-server (started by each test on
//! 127.0.0.1): events handled once between two webhook receivers, a failed handler's claim
//! released, 503 (never 2xx) while Redis is down, and journal pollers taking turns through
//! a lease, a killed holder taken over. Each test prints its figures (`--nocapture`).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adobe_io_transport::dedup::NoDedup;
use adobe_io_transport::{
    Backoff, JournalConfig, JournalPoller, PositionStore, RedisDedupStore, RedisJournalState,
    RedisSettings, Start, StaticToken, WebhookConfig,
};
use asyncapi_runtime::{Dispatch, DispatchError, Dispatched, Incoming};
use axum::http::StatusCode;
use tokio::sync::oneshot;

use crate::common::*;
use crate::journal::{JournalServer, journal_events, position};
use crate::redis_server::RedisServer;

/// Settings for one test's keys (a prefix of its own) in `redis`.
fn settings(redis: &RedisServer, test: &str) -> RedisSettings {
    let mut s = RedisSettings::new(redis.url());
    s.key_prefix = format!("test:{test}");
    s.response_timeout = Duration::from_millis(500);
    s.connect_timeout = Duration::from_millis(300);
    s
}

// ---------------------------------------------------------------- webhook receivers

struct Receivers {
    _keys: KeyServer,
    dispatch: Arc<FakeDispatch>,
    hooks: [Webhook; 2],
    http: reqwest::Client,
}

/// Two receivers (two routers, two Redis stores, one handler) behind an imaginary load
/// balancer, verifying real signatures.
async fn receivers(redis: &RedisServer, test: &str) -> Receivers {
    let keys = KeyServer::start().await;
    let dispatch = FakeDispatch::new();
    let mut hooks = Vec::new();
    for _ in 0..2 {
        let mut config = WebhookConfig::new(CLIENT_ID);
        config.key_host = keys.origin.clone();
        config.dedup = Arc::new(
            RedisDedupStore::new(settings(redis, test))
                .expect("valid settings")
                .with_lease(Duration::from_secs(5)),
        );
        hooks.push(start_webhook(dispatch.clone(), config).await);
    }
    let Ok(hooks) = <[Webhook; 2]>::try_from(hooks) else {
        unreachable!("two receivers were started")
    };
    Receivers {
        _keys: keys,
        dispatch,
        hooks,
        http: http(),
    }
}

fn body_of(id: &str) -> Vec<u8> {
    serde_json::to_vec(&cloud_event(id, "com.test.created", CLIENT_ID)).expect("serializes")
}

impl Receivers {
    /// One signed delivery of event `id` to receiver `which`: status and answer text.
    async fn deliver(&self, which: usize, id: &str) -> (StatusCode, String) {
        let body = body_of(id);
        let resp = self
            .http
            .post(&self.hooks[which].url)
            .header("x-adobe-digital-signature-1", sign(&body))
            .header("x-adobe-public-key1-path", PATH_A)
            .header("x-adobe-event-id", id)
            .header("content-type", "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .expect("answered");
        let status = StatusCode::from_u16(resp.status().as_u16()).expect("a status");
        (status, resp.text().await.unwrap_or_default())
    }

    /// How many times the handler succeeded for each event id.
    fn handled(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in self.dispatch.received() {
            *m.entry(r.event_id()).or_default() += 1;
        }
        m
    }
}

#[derive(Debug, Default)]
struct Tally {
    deliveries: AtomicUsize,
    ok_handled: AtomicUsize,
    ok_duplicate: AtomicUsize,
    retryable: AtomicUsize,
    other: AtomicUsize,
}

impl Tally {
    fn count(&self, status: StatusCode, text: &str) {
        self.deliveries.fetch_add(1, Ordering::SeqCst);
        let field = if status == StatusCode::OK && text.contains("handled 1") {
            &self.ok_handled
        } else if status == StatusCode::OK && text.contains("duplicates 1") {
            &self.ok_duplicate
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            &self.retryable
        } else {
            &self.other
        };
        field.fetch_add(1, Ordering::SeqCst);
    }
    fn get(a: &AtomicUsize) -> usize {
        a.load(Ordering::SeqCst)
    }
}

/// Delivers `id` to both receivers at once, then, as Adobe does, retries each 503 (on the
/// other receiver, after a pause) until it is acknowledged. Returns the final statuses.
async fn deliver_twice_at_once(r: &Receivers, id: &str, tally: &Tally) {
    let (a, b) = tokio::join!(r.deliver(0, id), r.deliver(1, id));
    for (which, (mut status, text)) in [(0usize, a), (1, b)] {
        tally.count(status, &text);
        let mut to = 1 - which;
        let mut tries = 0;
        while status == StatusCode::SERVICE_UNAVAILABLE {
            tries += 1;
            assert!(tries <= 50, "{id}: still 503 after 50 retries");
            tokio::time::sleep(Duration::from_millis(60)).await;
            let (s, text) = r.deliver(to, id).await;
            tally.count(s, &text);
            status = s;
            to = 1 - to;
        }
        assert_eq!(status, StatusCode::OK, "{id}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_receivers_given_the_same_events_at_once_call_the_handler_once_each() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let r = receivers(&redis, "two-receivers").await;
    // Slow handlers widen the window in which both receivers hold the same event.
    r.dispatch.set_mode(Mode::Sleep(Duration::from_millis(80)));
    let tally = Tally::default();
    let ids: Vec<String> = (0..40).map(|i| format!("evt-{i:03}")).collect();
    let work = ids.iter().map(|id| deliver_twice_at_once(&r, id, &tally));
    futures_join_all(work).await;

    let handled = r.handled();
    let lost: Vec<&String> = ids.iter().filter(|id| !handled.contains_key(*id)).collect();
    let twice: Vec<(&String, &usize)> = handled.iter().filter(|(_, n)| **n > 1).collect();
    eprintln!(
        "figures (two receivers, one Redis): events {}, deliveries {}, handled {}, \
         acknowledged as duplicates {}, answered 503 while the other receiver held the \
         event {}, handled more than once {}, lost {}",
        ids.len(),
        Tally::get(&tally.deliveries),
        handled.values().sum::<usize>(),
        Tally::get(&tally.ok_duplicate),
        Tally::get(&tally.retryable),
        twice.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(twice.is_empty(), "handled twice: {twice:?}");
    assert_eq!(handled.len(), ids.len());
    assert_eq!(Tally::get(&tally.other), 0);
    assert_eq!(
        r.dispatch.calls(),
        ids.len(),
        "the handler ran once per event"
    );
    // Each event was acknowledged by both of its first two deliveries' lines: one
    // handled it, the other saw it in progress (then retried) or already done.
    assert_eq!(Tally::get(&tally.ok_handled), ids.len());
    assert_eq!(Tally::get(&tally.ok_duplicate), ids.len());
}

/// Runs every future at once on this task (no extra dependency for join_all).
async fn futures_join_all<F: Future<Output = ()>>(futs: impl Iterator<Item = F>) {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut pending: Vec<_> = set.iter_mut().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut left = 0;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    left += 1;
                }
            }
        }
        if left == 0 {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

#[tokio::test]
async fn a_failed_handler_releases_its_claim_so_the_retry_on_the_other_receiver_is_handled() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let r = receivers(&redis, "release").await;
    r.dispatch.set_mode_for("evt-fails-once", Mode::Fail);
    let (status, _) = r.deliver(0, "evt-fails-once").await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a handler failure is retried"
    );
    assert_eq!(r.dispatch.count(), 0);

    // Adobe's retry lands on the other receiver, and this time the handler succeeds: the
    // failed attempt's claim was released, not left to expire.
    r.dispatch.set_mode_for("evt-fails-once", Mode::Ok);
    let (status, text) = r.deliver(1, "evt-fails-once").await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "handled 1, duplicates 0")
    );
    let (status, text) = r.deliver(0, "evt-fails-once").await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "handled 0, duplicates 1")
    );
    assert_eq!(r.dispatch.calls(), 2, "one failed call, one successful");
    assert_eq!(r.handled().get("evt-fails-once"), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_answers_503_never_2xx_and_a_restart_is_survived() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let r = receivers(&redis, "restart").await;
    let tally = Tally::default();
    let before: Vec<String> = (0..20).map(|i| format!("before-{i:02}")).collect();
    futures_join_all(
        before
            .iter()
            .map(|id| deliver_twice_at_once(&r, id, &tally)),
    )
    .await;

    redis.stop();
    let mut down = 0;
    for (i, id) in ["during-0", "during-1", "before-00"].iter().enumerate() {
        let (status, text) = r.deliver(i % 2, id).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{id} while Redis is down: {text}"
        );
        down += 1;
    }
    assert_eq!(
        r.handled()
            .keys()
            .filter(|k| k.starts_with("during"))
            .count(),
        0,
        "no handler runs without the dedup store"
    );

    // Restarted empty (no persistence): deliveries go on; Adobe's retries of the events
    // refused meanwhile are handled, and redeliveries of earlier events are handled again
    // (the restarted Redis forgot them).
    redis.restart();
    let after: Vec<String> = (0..20).map(|i| format!("after-{i:02}")).collect();
    let redelivered: Vec<String> = before.iter().take(5).cloned().collect();
    let all: Vec<String> = ["during-0", "during-1"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain(after.iter().cloned())
        .chain(redelivered.iter().cloned())
        .collect();
    futures_join_all(all.iter().map(|id| deliver_twice_at_once(&r, id, &tally))).await;

    let handled = r.handled();
    let sent: Vec<&String> = before.iter().chain(all.iter()).collect();
    let lost: Vec<&&String> = sent
        .iter()
        .filter(|id| !handled.contains_key(**id))
        .collect();
    let twice: Vec<&String> = handled
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| k)
        .collect();
    eprintln!(
        "figures (Redis restarted mid-run, no persistence): events {}, deliveries {}, \
         answered 503 while Redis was down {down} (2xx: 0), handled {}, handled twice {} \
         (all of them redeliveries of events handled before the restart), lost {}",
        handled.len(),
        Tally::get(&tally.deliveries) + down,
        handled.values().sum::<usize>(),
        twice.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(
        twice.iter().all(|id| redelivered.contains(id)),
        "only events the restart made Redis forget are handled twice: {twice:?}"
    );
    assert_eq!(Tally::get(&tally.other), 0);
}

// ---------------------------------------------------------------- journal pollers

/// A handler that records which poller handled which event, and how many handlers ran at
/// the same moment across all pollers.
#[derive(Clone)]
struct Shared {
    log: Arc<Mutex<Vec<(String, String)>>>,
    active: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
    pause: Duration,
}

struct ByPoller {
    name: String,
    shared: Shared,
}

struct Active(Arc<AtomicUsize>);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Dispatch for ByPoller {
    async fn dispatch<'a>(&'a self, incoming: Incoming<'a>) -> Result<Dispatched, DispatchError> {
        let now = self.shared.active.fetch_add(1, Ordering::SeqCst) + 1;
        let _active = Active(self.shared.active.clone());
        self.shared.most_at_once.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.shared.pause).await;
        let id = incoming
            .headers
            .get("x-adobe-event-id")
            .unwrap_or("")
            .to_owned();
        self.shared
            .log
            .lock()
            .unwrap()
            .push((self.name.clone(), id));
        Ok(Dispatched {
            operation: "receive",
            message: "Event",
            reply: None,
        })
    }
}

impl Shared {
    fn handled(&self) -> Vec<(String, String)> {
        self.log.lock().unwrap().clone()
    }
    fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }
    async fn wait_until(&self, what: &str, f: impl Fn(&[(String, String)]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !f(&self.handled()) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

struct Poller {
    name: String,
    task: tokio::task::JoinHandle<Result<(), adobe_io_transport::JournalError>>,
    stop: Option<oneshot::Sender<()>>,
}

const LEASE: Duration = Duration::from_millis(600);

fn start_poller(
    name: &str,
    journal: &JournalServer,
    redis: &RedisServer,
    test: &str,
    shared: &Shared,
) -> Poller {
    let state = Arc::new(
        RedisJournalState::new(settings(redis, test), &journal.url())
            .expect("valid settings")
            .with_lease_ttl(LEASE),
    );
    let mut config = JournalConfig::new(
        journal.url(),
        CLIENT_ID,
        "ORG@AdobeOrg",
        Arc::new(StaticToken("token-1".into())),
    );
    config.start = Start::Stored;
    config.idle_wait = Duration::from_millis(50);
    config.backoff = Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
        jitter: 0.0,
    };
    // No deduplication: every event a poller reads again is handled again and counted.
    config.dedup = Arc::new(NoDedup);
    config.lease = Some(state.clone());
    let dispatcher = Arc::new(ByPoller {
        name: name.to_owned(),
        shared: shared.clone(),
    });
    let mut poller = JournalPoller::new(dispatcher, state, config).expect("valid config");
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        poller
            .run(async move {
                let _ = rx.await;
            })
            .await
    });
    Poller {
        name: name.to_owned(),
        task,
        stop: Some(tx),
    }
}

impl Poller {
    /// Ends it at once, as a crash would: no release, no commit.
    fn kill(self) {
        self.task.abort();
    }
    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let result = self.task.await.expect("the poller task ends");
        assert!(result.is_ok(), "{}: {result:?}", self.name);
    }
}

fn figures(shared: &Shared, events: usize, what: &str) -> (usize, usize) {
    let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
    for (_, id) in shared.handled() {
        *per_event.entry(id).or_default() += 1;
    }
    let lost = (1..=events)
        .filter(|i| !per_event.contains_key(&format!("ev-{i}")))
        .count();
    let again = per_event.values().map(|n| n - 1).sum::<usize>();
    let pollers: std::collections::BTreeSet<String> =
        shared.handled().into_iter().map(|(p, _)| p).collect();
    eprintln!(
        "figures ({what}): events {events}, handler calls {}, read again and handled \
         again {again}, lost {lost}, pollers that read {pollers:?}, most handlers at once {}",
        shared.count(),
        shared.most_at_once.load(Ordering::SeqCst)
    );
    (lost, again)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pollers_take_turns_and_a_killed_holder_is_taken_over() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    const EVENTS: usize = 60;
    const PAGE: usize = 3;
    let journal = JournalServer::start(journal_events(EVENTS)).await;
    journal.with(|j| j.default_limit = PAGE);
    let shared = Shared {
        log: Arc::default(),
        active: Arc::default(),
        most_at_once: Arc::default(),
        pause: Duration::from_millis(25),
    };
    let test = "pollers";
    let a = start_poller("a", &journal, &redis, test, &shared);
    let b = start_poller("b", &journal, &redis, test, &shared);
    shared.wait_until("10 events", |h| h.len() >= 10).await;

    // Kill whoever is reading, twice, restarting a fresh poller in its place each time.
    let mut live = vec![a, b];
    let mut kills = 0;
    for (round, until) in [(1, 20), (2, 32)] {
        let holder = shared
            .handled()
            .last()
            .map(|(p, _)| p.clone())
            .expect("handled");
        let i = live
            .iter()
            .position(|p| p.name == holder)
            .expect("the holder is one of the live pollers");
        live.remove(i).kill();
        kills += 1;
        let name = format!("{holder}-restarted-{round}");
        live.push(start_poller(&name, &journal, &redis, test, &shared));
        shared
            .wait_until("the standby to take over", |h| {
                h.last().is_some_and(|(p, _)| *p != holder)
            })
            .await;
        shared.wait_until("more events", |h| h.len() >= until).await;
    }
    let last = format!("ev-{EVENTS}");
    shared
        .wait_until("every event", |h| h.iter().any(|(_, id)| *id == last))
        .await;
    // Let the holder commit its last page, then stop both gracefully.
    let store = RedisJournalState::new(settings(&redis, test), &journal.url()).expect("valid");
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.load().await.expect("redis is up").as_deref() != Some(position(EVENTS).as_str()) {
        assert!(Instant::now() < deadline, "the last position is committed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for p in live {
        p.stop().await;
    }

    let (lost, again) = figures(
        &shared,
        EVENTS,
        &format!("two pollers, {kills} holders killed"),
    );
    assert_eq!(lost, 0);
    assert_eq!(
        shared.most_at_once.load(Ordering::SeqCst),
        1,
        "two pollers never handle events at the same time"
    );
    assert!(
        again <= kills * PAGE,
        "at most the page in flight is read again per takeover: {again} > {kills} x {PAGE}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_survives_a_redis_restart_and_keeps_its_position() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    const EVENTS: usize = 30;
    let journal = JournalServer::start(journal_events(EVENTS)).await;
    let shared = Shared {
        log: Arc::default(),
        active: Arc::default(),
        most_at_once: Arc::default(),
        pause: Duration::from_millis(10),
    };
    let a = start_poller("a", &journal, &redis, "poller-restart", &shared);
    shared.wait_until("10 events", |h| h.len() >= 10).await;
    redis.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let during = shared.count();
    redis.restart();
    let last = format!("ev-{EVENTS}");
    shared
        .wait_until("every event", |h| h.iter().any(|(_, id)| *id == last))
        .await;
    a.stop().await;
    let (lost, again) = figures(&shared, EVENTS, "one poller, Redis restarted mid-run");
    assert_eq!(lost, 0);
    assert!(
        again <= 3,
        "the restarted (empty) Redis got the poller's own position back, so at most the \
         page in flight was read again ({again}); {during} handled before the restart"
    );
}
