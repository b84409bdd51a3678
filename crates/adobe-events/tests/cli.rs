//! The `adobe-events` binary as a user runs it: settings from flags and environment, clear
//! start-up errors, and a webhook that answers Adobe's challenge and acknowledges events
//! through the generated stub handlers. Local only (127.0.0.1).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_adobe-events"));
    for var in [
        "ADOBE_CLIENT_ID",
        "ADOBE_IMS_ORG_ID",
        "ADOBE_ACCESS_TOKEN",
        "ADOBE_JOURNAL_URL",
        "ADOBE_WEBHOOK_LISTEN",
    ] {
        c.env_remove(var);
    }
    c
}

struct Server {
    child: Child,
    url: String,
    /// What the server wrote to stderr so far (when it was started with logs kept).
    logs: Arc<Mutex<String>>,
}

impl Server {
    fn logs(&self) -> String {
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits (at most 10 s) until the logs hold `needle`, then returns them.
    fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let logs = self.logs();
            if logs.contains(needle) || Instant::now() > deadline {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_webhook(extra: &[&str]) -> Server {
    start_webhook_logging(extra, "warn")
}

/// Starts `adobe-events webhook` with `RUST_LOG=rust_log`, keeping what it logs.
fn start_webhook_logging(extra: &[&str], rust_log: &str) -> Server {
    let mut child = bin()
        .args(["webhook", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("ADOBE_CLIENT_ID", "7265cdc4d42b467fbb77878b5fba3d9b")
        .env("RUST_LOG", rust_log)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let logs = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr is piped");
    let sink = logs.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let mut logs = sink.lock().unwrap_or_else(|e| e.into_inner());
            logs.push_str(&line);
            logs.push('\n');
        }
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reads the address line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    Server { child, url, logs }
}

#[test]
fn missing_required_settings_fail_at_start_up() {
    let out = bin()
        .args(["webhook", "--listen", "127.0.0.1:0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--client-id"), "{err}");

    let out = bin()
        .args(["journal", "--url", "http://127.0.0.1:9/x"])
        .env("ADOBE_CLIENT_ID", "c")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--ims-org-id") && err.contains("--access-token"),
        "{err}"
    );
}

#[test]
fn invalid_settings_are_explained() {
    let out = bin()
        .args([
            "webhook",
            "--listen",
            "127.0.0.1:0",
            "--key-host",
            "ftp://keys.example",
        ])
        .env("ADOBE_CLIENT_ID", "c")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error:"), "{err}");
}

#[tokio::test]
async fn webhook_answers_the_challenge_and_acknowledges_events() {
    let server = start_webhook(&["--insecure-skip-signature-verification"]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let started = Instant::now();
    let challenge = client
        .get(format!("{}?challenge=8ec8d794-5d6b-4e0b-b8a4", server.url))
        .send()
        .await
        .expect("challenge answered");
    assert_eq!(challenge.status(), 200);
    let body: serde_json::Value = challenge.json().await.expect("json");
    assert_eq!(body["challenge"], "8ec8d794-5d6b-4e0b-b8a4");

    let event = serde_json::json!({
        "event_id": "336ea0cb-c179-412c-b355-64a01189bf0a",
        "recipient_client_id": "7265cdc4d42b467fbb77878b5fba3d9b",
        "event": {
            "xdm:ingestionId": "01EGK9B4B2TF0D9NKAWA3J2TYR",
            "xdm:imsOrg": "C74F69D7594880280A495D09@AdobeOrg",
            "xdm:completed": 1598374341560_u64,
            "xdm:datasetId": "5e55b556c2ec5218a7b67180",
            "xdm:eventCode": "ing_load_success",
            "sentTime": "1598374341651"
        }
    });
    let resp = client
        .post(&server.url)
        .header("x-adobe-event-code", "platform_event")
        .header("x-adobe-event-id", "336ea0cb-c179-412c-b355-64a01189bf0a")
        .json(&event)
        .send()
        .await
        .expect("event delivered");
    assert!(resp.status().is_success(), "{}", resp.status());

    // The same event again is a duplicate: acknowledged without being handled twice.
    let again = client
        .post(&server.url)
        .header("x-adobe-event-code", "platform_event")
        .json(&event)
        .send()
        .await
        .expect("answered");
    assert!(again.status().is_success(), "{}", again.status());

    let mut other = event.clone();
    other["event_id"] = serde_json::json!("9b0e4a4e-1f3c-4a55-8f0e-2d8f1b7c6a10");
    let unknown = client
        .post(&server.url)
        .header("x-adobe-event-code", "com.adobe.unknown")
        .json(&other)
        .send()
        .await
        .expect("answered");
    assert!(
        unknown.status().is_client_error(),
        "an event no message matches is refused for good: {}",
        unknown.status()
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn webhook_refuses_unsigned_events_by_default() {
    let server = start_webhook(&[]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let resp = client
        .post(&server.url)
        .json(&serde_json::json!({"event_id": "x", "event": {}}))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 401);
}

/// Adobe's published Lightroom job event (the second seed's sample, byte for byte).
const LIGHTROOM_SAMPLE: &[u8] =
    include_bytes!("../../adobe-io-events-tests/tests/fixtures/lightroom-job-status.json");

#[tokio::test]
async fn the_lightroom_sample_reaches_its_handler_once_it_names_this_recipient() {
    let server = start_webhook_logging(
        &["--insecure-skip-signature-verification"],
        "info,adobe_io_transport=debug",
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    // As published: no recipient client id, refused for good, and the log says why.
    let refused = client
        .post(&server.url)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-adobe-event-code", "lightroom-job-status")
        .body(LIGHTROOM_SAMPLE)
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 403);
    let logs = server.wait_for_log("names no recipient client id");
    assert!(
        logs.contains("names no recipient client id")
            && logs.contains("7b59cc70-88d7-4895-b204-87f5350a0cce"),
        "{logs}"
    );
    assert!(!logs.contains("lightroomJobStatus"), "not handled: {logs}");

    // With this receiver's client id added, with and then without the event code header
    // (two event ids, so that the second is not a duplicate of the first).
    let mut event: serde_json::Value =
        serde_json::from_slice(LIGHTROOM_SAMPLE).expect("the sample is JSON");
    event["recipient_client_id"] = serde_json::json!("7265cdc4d42b467fbb77878b5fba3d9b");
    for (event_id, header) in [
        ("7b59cc70-88d7-4895-b204-87f5350a0cce", true),
        ("5d0c1a8e-3b7f-4e2a-9c6d-1f8e7a6b5c4d", false),
    ] {
        event["event_id"] = serde_json::json!(event_id);
        let mut request = client
            .post(&server.url)
            .header("content-type", "application/json; charset=utf-8");
        if header {
            request = request.header("x-adobe-event-code", "lightroom-job-status");
        }
        let resp = request
            .body(serde_json::to_vec(&event).expect("serializes"))
            .send()
            .await
            .expect("answered");
        assert_eq!(resp.status(), 200, "header: {header}");
        assert_eq!(resp.text().await.expect("body"), "handled 1, duplicates 0");
        let needle = format!("event_id=\"{event_id}\" operation=\"lightroomJobStatus\"");
        let logs = server.wait_for_log(&needle);
        assert!(logs.contains(&needle), "header {header}: {logs}");
    }
    let handled_by_stub = server
        .logs()
        .lines()
        .filter(|l| {
            l.contains("received and acknowledged by the stub handler")
                && l.contains("operation=\"lightroomJobStatus\"")
        })
        .count();
    assert_eq!(handled_by_stub, 2);
}
