//! `adobe-events` processes sharing one real redis-server (started by each test on
//! 127.0.0.1, killed afterwards): `webhook --dedup redis://...` receivers handle each event
//! once between them and answer 503 while Redis is down; `journal --state redis://...`
//! pollers take turns, and a killed holder (SIGKILL) is taken over by the other.

#[path = "../../adobe-io-transport/tests/it/redis_server.rs"]
mod redis_server;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis_server::RedisServer;
use serde_json::{Value, json};

const CLIENT_ID: &str = "7265cdc4d42b467fbb77878b5fba3d9b";

/// A child `adobe-events` process whose stderr is kept; killed when dropped.
struct Process {
    child: Child,
    logs: Arc<Mutex<String>>,
    first_line: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adobe-events"))
        .args(args)
        .env("ADOBE_CLIENT_ID", CLIENT_ID)
        .env("RUST_LOG", "info,adobe_io_transport=debug")
        .env("NO_COLOR", "1")
        .env_remove("ADOBE_DEDUP")
        .env_remove("ADOBE_JOURNAL_STATE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let logs = Arc::new(Mutex::new(String::new()));
    let sink = logs.clone();
    let stderr = child.stderr.take().expect("stderr is piped");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let mut l = sink.lock().unwrap_or_else(|e| e.into_inner());
            l.push_str(&line);
            l.push('\n');
        }
    });
    let mut first_line = String::new();
    if args.first() == Some(&"webhook") {
        let stdout = child.stdout.take().expect("stdout is piped");
        BufReader::new(stdout)
            .read_line(&mut first_line)
            .expect("reads the address line");
    }
    Process {
        child,
        logs,
        first_line,
    }
}

impl Process {
    fn logs(&self) -> String {
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn url(&self) -> String {
        self.first_line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {:?}", self.first_line))
            .to_owned()
    }

    /// The event ids this process logged as handled, in order.
    fn handled(&self) -> Vec<String> {
        self.logs()
            .lines()
            .filter(|l| l.contains("event handled"))
            .filter_map(|l| {
                let rest = &l[l.find("event_id=\"")? + 10..];
                Some(rest[..rest.find('"')?].to_owned())
            })
            .collect()
    }
}

fn webhook(dedup: &str) -> Process {
    spawn(&[
        "webhook",
        "--listen",
        "127.0.0.1:0",
        "--insecure-skip-signature-verification",
        "--dedup",
        dedup,
    ])
}

fn ingestion(event_id: &str) -> Value {
    json!({
        "event_id": event_id,
        "recipient_client_id": CLIENT_ID,
        "event": {
            "xdm:ingestionId": "01EGK9B4B2TF0D9NKAWA3J2TYR",
            "xdm:imsOrg": "C74F69D7594880280A495D09@AdobeOrg",
            "xdm:completed": 1598374341560_u64,
            "xdm:datasetId": "5e55b556c2ec5218a7b67180",
            "xdm:eventCode": "ing_load_success",
            "header": {"_adobeio": {"eventCode": "platform_event"}}
        }
    })
}

async fn post(client: &reqwest::Client, url: &str, body: &Value) -> (u16, String) {
    let resp = client
        .post(url)
        .header("x-adobe-event-code", "platform_event")
        .json(body)
        .send()
        .await
        .expect("answered");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

#[tokio::test]
async fn two_webhook_processes_sharing_redis_handle_each_event_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let receivers = [webhook(&redis.url()), webhook(&redis.url())];
    let urls = [receivers[0].url(), receivers[1].url()];
    let client = client();
    let (mut handled, mut duplicates, mut retried) = (0, 0, 0);
    const EVENTS: usize = 15;
    for i in 0..EVENTS {
        let body = ingestion(&format!("6a1b2c3d-0000-4f00-8000-{i:012}"));
        let (a, b) = tokio::join!(
            post(&client, &urls[0], &body),
            post(&client, &urls[1], &body)
        );
        for (which, (mut status, mut text)) in [(0usize, a), (1, b)] {
            let mut tries = 0;
            while status == 503 {
                retried += 1;
                tries += 1;
                assert!(tries < 50, "still 503: {text}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                (status, text) = post(&client, &urls[1 - which], &body).await;
            }
            assert_eq!(status, 200, "{text}");
            match text.as_str() {
                "handled 1, duplicates 0" => handled += 1,
                "handled 0, duplicates 1" => duplicates += 1,
                other => panic!("unexpected answer {other:?}"),
            }
        }
    }
    eprintln!(
        "figures (two adobe-events webhook processes, --dedup redis): events {EVENTS}, \
         deliveries {}, handled {handled}, acknowledged as duplicates {duplicates}, \
         retried after 503 {retried}",
        2 * EVENTS + retried
    );
    assert_eq!((handled, duplicates), (EVENTS, EVENTS));
    let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
    for r in &receivers {
        for id in r.handled() {
            *per_event.entry(id).or_default() += 1;
        }
    }
    assert_eq!(per_event.len(), EVENTS);
    assert!(per_event.values().all(|n| *n == 1), "{per_event:?}");
}

#[tokio::test]
async fn a_webhook_answers_503_while_redis_is_down_and_recovers() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let receiver = webhook(&redis.url());
    let client = client();
    let first = ingestion("2f0e7c1a-1111-4b2c-9d3e-000000000001");
    assert_eq!(post(&client, &receiver.url(), &first).await.0, 200);
    redis.stop();
    let second = ingestion("2f0e7c1a-1111-4b2c-9d3e-000000000002");
    for body in [&second, &first] {
        let (status, text) = post(&client, &receiver.url(), body).await;
        assert_eq!(status, 503, "never 2xx while Redis is down: {text}");
    }
    assert!(
        receiver.logs().contains("deduplication store failed"),
        "{}",
        receiver.logs()
    );
    redis.restart();
    let mut status = 0;
    for _ in 0..50 {
        status = post(&client, &receiver.url(), &second).await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200, "handled once Redis is back");
    assert_eq!(
        receiver
            .handled()
            .iter()
            .filter(|id| id.ends_with("000000000002"))
            .count(),
        1
    );
}

// ---------------------------------------------------------------- journal pollers

/// A journal whose events appear one every `every`, served two per page.
#[derive(Clone)]
struct Journal {
    started: Instant,
    every: Duration,
    total: usize,
}

impl Journal {
    fn available(&self) -> usize {
        let n = (self.started.elapsed().as_millis() / self.every.as_millis().max(1)) as usize;
        n.min(self.total)
    }
}

fn id_of(i: usize) -> String {
    format!("0b8e4f3a-6f1d-4c1e-8a2b-{i:012}")
}

async fn journal_server(journal: Journal) -> String {
    use axum::extract::{RawQuery, State};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    async fn page(State(j): State<Journal>, RawQuery(q): RawQuery) -> axum::response::Response {
        let since = url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "since")
            .and_then(|(_, v)| v.strip_prefix("pos-").and_then(|n| n.parse::<usize>().ok()))
            .unwrap_or(0);
        let available = j.available();
        if since >= available {
            let link = format!("</journal?since=pos-{since}>; rel=\"next\"");
            return (
                StatusCode::NO_CONTENT,
                [("retry-after", "1".to_owned()), ("link", link)],
            )
                .into_response();
        }
        let end = (since + 2).min(available);
        let events: Vec<Value> = (since + 1..=end)
            .map(|i| json!({"position": format!("pos-{i}"), "event": ingestion(&id_of(i))}))
            .collect();
        let body = json!({"events": events, "_page": {"last": format!("pos-{end}"), "count": end - since}});
        (
            [
                ("link", format!("</journal?since=pos-{end}>; rel=\"next\"")),
                ("content-type", "application/json".to_owned()),
            ],
            body.to_string(),
        )
            .into_response()
    }
    let app = axum::Router::new()
        .route("/journal", axum::routing::get(page))
        .with_state(journal);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/journal")
}

fn poller(journal: &str, state: &str) -> Process {
    spawn(&[
        "journal",
        "--url",
        journal,
        "--state",
        state,
        "--lease-secs",
        "1",
        "--ims-org-id",
        "C74F69D7594880280A495D09@AdobeOrg",
        "--access-token",
        "token-1",
    ])
}

async fn wait_for(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_journal_processes_take_turns_and_a_killed_holder_is_taken_over() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    const EVENTS: usize = 24;
    let url = journal_server(Journal {
        started: Instant::now(),
        every: Duration::from_millis(150),
        total: EVENTS,
    })
    .await;
    let mut first = Some(poller(&url, &redis.url()));
    let second = poller(&url, &redis.url());
    let handled_by = |p: &Option<Process>| p.as_ref().map_or(0, |p| p.handled().len());
    wait_for("6 events", || {
        handled_by(&first) + second.handled().len() >= 6
    })
    .await;

    // Kill whichever reads (SIGKILL: no release, no commit); the other takes over.
    let (killed, survivor) = if handled_by(&first) > 0 {
        (first.take().expect("running"), &second)
    } else {
        (second, first.as_ref().expect("running"))
    };
    let before_kill = killed.handled();
    drop(killed);
    let last = id_of(EVENTS);
    wait_for("the survivor to read to the end", || {
        survivor.handled().contains(&last)
    })
    .await;
    let after = survivor.handled();
    assert!(
        survivor.logs().contains("journal lease taken"),
        "{}",
        survivor.logs()
    );
    let mut per_event: BTreeMap<&String, usize> = BTreeMap::new();
    for id in before_kill.iter().chain(after.iter()) {
        *per_event.entry(id).or_default() += 1;
    }
    let lost = (1..=EVENTS)
        .filter(|i| !per_event.contains_key(&id_of(*i)))
        .count();
    let again: usize = per_event.values().map(|n| n - 1).sum();
    eprintln!(
        "figures (two adobe-events journal processes, --state redis, holder killed): \
         events {EVENTS}, handled by the killed one {}, by the survivor {}, handled again {again}, \
         lost {lost}",
        before_kill.len(),
        after.len()
    );
    assert_eq!(lost, 0);
    assert!(
        again <= 2,
        "at most the page in flight (2 events) again: {again}"
    );
}

#[test]
fn bad_shared_state_settings_are_explained() {
    let out = Command::new(env!("CARGO_BIN_EXE_adobe-events"))
        .args([
            "webhook",
            "--listen",
            "127.0.0.1:0",
            "--dedup",
            "postgres://db/x",
        ])
        .env("ADOBE_CLIENT_ID", CLIENT_ID)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--dedup must be `memory` or a redis:// URL"),
        "{err}"
    );

    for state in [
        "redis://:hunter2@[::1",
        "rediss://:hunter2@127.0.0.1:6380/0",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_adobe-events"))
            .args([
                "journal",
                "--url",
                "http://127.0.0.1:9/journal",
                "--state",
                state,
            ])
            .args(["--ims-org-id", "ORG@AdobeOrg", "--access-token", "t"])
            .env("ADOBE_CLIENT_ID", CLIENT_ID)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{state}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--state"), "{err}");
        assert!(!err.contains("hunter2"), "the password is not shown: {err}");
    }
}
