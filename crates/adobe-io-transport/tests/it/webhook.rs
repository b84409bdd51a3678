//! The webhook receiver against a fake Adobe: a local key server and signed deliveries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use adobe_io_transport::{MemoryDedupStore, OnUnhandled, Verification, WebhookConfig};
use axum::http::StatusCode;
use serde_json::json;

use crate::common::*;

struct Env {
    keys: KeyServer,
    dispatch: Arc<FakeDispatch>,
    hook: Webhook,
    http: reqwest::Client,
}

async fn env_with(f: impl FnOnce(&mut WebhookConfig)) -> Env {
    let keys = KeyServer::start().await;
    let dispatch = FakeDispatch::new();
    let mut config = WebhookConfig::new(CLIENT_ID);
    config.key_host = keys.origin.clone();
    config.key_fetch_backoff = Duration::from_millis(10);
    f(&mut config);
    let hook = start_webhook(dispatch.clone(), config).await;
    Env {
        keys,
        dispatch,
        hook,
        http: http(),
    }
}

async fn env() -> Env {
    env_with(|_| {}).await
}

/// Headers as Adobe sends them, with both signatures valid.
fn adobe_headers(body: &[u8], event_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("x-adobe-digital-signature-1", sign(body)),
        ("x-adobe-digital-signature-2", sign(body)),
        ("x-adobe-public-key1-path", PATH_A.to_owned()),
        ("x-adobe-public-key2-path", PATH_B.to_owned()),
        ("x-adobe-event-id", event_id.to_owned()),
        ("x-adobe-event-code", "com.test.header_code".to_owned()),
        (
            "x-adobe-delivery-id",
            "3c0c6c06-0c1e-4b8a-9d1f-8a2b4a6f0e11".to_owned(),
        ),
        ("x-request-id", "req-1".to_owned()),
        ("user-agent", "Adobe/1.0".to_owned()),
        ("content-type", "application/json; charset=utf-8".to_owned()),
    ]
}

impl Env {
    async fn post(&self, body: &[u8], headers: &[(&str, String)]) -> (StatusCode, String) {
        let mut req = self.http.post(&self.hook.url).body(body.to_vec());
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let resp = req.send().await.unwrap();
        let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
        (status, resp.text().await.unwrap())
    }

    /// Posts `body` signed as Adobe would.
    async fn deliver(&self, body: &[u8], event_id: &str) -> StatusCode {
        self.post(body, &adobe_headers(body, event_id)).await.0
    }
}

fn with(
    headers: &[(&'static str, String)],
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    let mut h: Vec<_> = headers
        .iter()
        .filter(|(n, _)| *n != name)
        .cloned()
        .collect();
    h.push((name, value.to_owned()));
    h
}

fn without(headers: &[(&'static str, String)], names: &[&str]) -> Vec<(&'static str, String)> {
    headers
        .iter()
        .filter(|(n, _)| !names.contains(n))
        .cloned()
        .collect()
}

#[tokio::test]
async fn challenge_answers_json_or_text_without_signature() {
    let e = env().await;
    let resp = e
        .http
        .get(format!("{}?challenge=abc%20123", e.hook.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let v: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(v, json!({"challenge": "abc 123"}));

    let resp = e
        .http
        .get(format!("{}?challenge=xyz", e.hook.url))
        .header("accept", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(resp.text().await.unwrap(), "xyz");

    let resp = e
        .http
        .get(format!("{}?challenge=q", e.hook.url))
        .header("accept", "text/plain;q=0.5, application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), r#"{"challenge":"q"}"#);

    let resp = e.http.get(&e.hook.url).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(e.keys.fetches(), 0);
    assert_eq!(e.dispatch.calls(), 0);
}

#[tokio::test]
async fn validation_url_is_acknowledged() {
    let e = env().await;
    let body =
        br#"{"validationUrl": "https://csm.adobe.io/csm/registrations/validate?id=x&challenge=y"}"#;
    let (status, _) = e.post(body, &[]).await;
    assert_eq!(status, 200);
    // Signed with a bad signature: refused.
    let h = with(
        &adobe_headers(body, "x"),
        "x-adobe-digital-signature-1",
        "AAAA",
    );
    let h = with(&h, "x-adobe-digital-signature-2", "AAAA");
    assert_eq!(e.post(body, &h).await.0, 401);
    assert_eq!(e.dispatch.calls(), 0);
}

#[tokio::test]
async fn valid_signature_dispatches_the_exact_body() {
    let e = env().await;
    let body =
        serde_json::to_vec_pretty(&cloud_event("ev-1", "com.test.created", CLIENT_ID)).unwrap();
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    let got = e.dispatch.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].payload, body);
    assert_eq!(got[0].address, None);
    assert_eq!(
        got[0].content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(got[0].headers.get("x-adobe-event-id"), Some("ev-1"));
    // The CloudEvents type is the event code.
    assert_eq!(
        got[0].headers.get("x-adobe-event-code"),
        Some("com.test.created")
    );
    assert_eq!(
        got[0].headers.get("x-adobe-delivery-id"),
        Some("3c0c6c06-0c1e-4b8a-9d1f-8a2b4a6f0e11")
    );
    // Only key 1 was needed.
    assert_eq!(e.keys.fetches(), 1);
}

#[tokio::test]
async fn forged_truncated_wrong_key_and_missing_signatures_are_refused() {
    let e = env().await;
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    let good = adobe_headers(&body, "ev-1");

    // Forged: the signatures are of another body.
    let forged = serde_json::to_vec(&cloud_event("ev-2", "c", CLIENT_ID)).unwrap();
    assert_eq!(e.post(&forged, &good).await.0, 401);
    // One byte changed.
    let mut flipped = body.clone();
    let last = flipped.len() - 2;
    flipped[last] ^= 1;
    assert_eq!(e.post(&flipped, &good).await.0, 401);

    // Truncated signatures.
    let sig = sign(&body);
    let short = &sig[..sig.len() - 8];
    let h = with(&good, "x-adobe-digital-signature-1", short);
    let h = with(&h, "x-adobe-digital-signature-2", short);
    assert_eq!(e.post(&body, &h).await.0, 401);

    // Signed with another key than the one at the key paths.
    let other = sign_with(&keys().other, &body);
    let h = with(&good, "x-adobe-digital-signature-1", &other);
    let h = with(&h, "x-adobe-digital-signature-2", &other);
    assert_eq!(e.post(&body, &h).await.0, 401);
    // Signed with the right key, but the paths name another key.
    let h = with(&good, "x-adobe-public-key1-path", PATH_WRONG);
    let h = with(&h, "x-adobe-public-key2-path", PATH_WRONG);
    assert_eq!(e.post(&body, &h).await.0, 401);

    // Missing signatures, or missing key paths.
    let h = without(
        &good,
        &["x-adobe-digital-signature-1", "x-adobe-digital-signature-2"],
    );
    assert_eq!(e.post(&body, &h).await.0, 401);
    let h = without(
        &good,
        &["x-adobe-public-key1-path", "x-adobe-public-key2-path"],
    );
    assert_eq!(e.post(&body, &h).await.0, 401);
    // A key path that does not exist on the key host.
    let h = with(
        &good,
        "x-adobe-public-key1-path",
        "/prod/keys/pub-key-missing.pem",
    );
    let h = without(&h, &["x-adobe-digital-signature-2"]);
    assert_eq!(e.post(&body, &h).await.0, 401);
    // Not base64 at all.
    let h = with(&good, "x-adobe-digital-signature-1", "!!!not base64!!!");
    let h = without(&h, &["x-adobe-digital-signature-2"]);
    assert_eq!(e.post(&body, &h).await.0, 401);

    assert_eq!(e.dispatch.calls(), 0);
    // And the genuine one still passes.
    assert_eq!(e.post(&body, &good).await.0, 200);
}

#[tokio::test]
async fn either_signature_is_enough() {
    let e = env().await;
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    let good = adobe_headers(&body, "ev-1");
    // Signature 1 is wrong, signature 2 is right.
    let h = with(
        &good,
        "x-adobe-digital-signature-1",
        &sign_with(&keys().other, &body),
    );
    assert_eq!(e.post(&body, &h).await.0, 200);
    assert_eq!(e.keys.fetches(), 2, "key 1 then key 2");
    // Only signature 2 present.
    let body2 = serde_json::to_vec(&cloud_event("ev-2", "c", CLIENT_ID)).unwrap();
    let h = without(
        &adobe_headers(&body2, "ev-2"),
        &["x-adobe-digital-signature-1"],
    );
    assert_eq!(e.post(&body2, &h).await.0, 200);
    assert_eq!(e.dispatch.count(), 2);
}

#[tokio::test]
async fn keys_are_cached_and_expire() {
    let e = env_with(|c| c.key_cache_ttl = Duration::from_secs(1)).await;
    for i in 0..3 {
        let id = format!("ev-{i}");
        let body = serde_json::to_vec(&cloud_event(&id, "c", CLIENT_ID)).unwrap();
        assert_eq!(e.deliver(&body, &id).await, 200);
    }
    assert_eq!(e.keys.fetches(), 1, "cache hit");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let body = serde_json::to_vec(&cloud_event("ev-9", "c", CLIENT_ID)).unwrap();
    assert_eq!(e.deliver(&body, "ev-9").await, 200);
    assert_eq!(e.keys.fetches(), 2, "fetched again after the TTL");
}

#[tokio::test]
async fn key_fetch_is_retried_on_transient_errors() {
    let e = env().await;
    e.keys
        .fail_next
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    let h = without(
        &adobe_headers(&body, "ev-1"),
        &["x-adobe-digital-signature-2"],
    );
    assert_eq!(e.post(&body, &h).await.0, 200);
    assert_eq!(e.keys.fetches(), 3);
    // The key host keeps failing: ask Adobe to retry (5xx), do not refuse (4xx).
    let e = env().await;
    e.keys
        .fail_next
        .store(100, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(e.post(&body, &h).await.0, 503);
    assert_eq!(e.dispatch.calls(), 0);
}

#[tokio::test]
async fn key_paths_cannot_leave_the_key_host() {
    let e = env().await;
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    for evil in [
        "//evil.example/x.pem",
        "/../x.pem",
        "/prod/keys/../../x.pem",
        "@evil.example/x.pem",
        "/@evil.example/x.pem",
        "https://evil.example/x.pem",
        "http://127.0.0.1:1/x.pem",
        ".evil.example/x.pem",
        ":8080/x.pem",
        "/x.pem?.pem",
        "/x.pem#.pem",
        "/prod\\keys\\x.pem",
        "/%2e%2e/x.pem",
        "/prod/keys/x.txt",
    ] {
        let h = with(
            &adobe_headers(&body, "ev-1"),
            "x-adobe-public-key1-path",
            evil,
        );
        let h = with(&h, "x-adobe-public-key2-path", evil);
        let (status, _) = e.post(&body, &h).await;
        assert!(status.is_client_error(), "{evil}: {status}");
    }
    assert_eq!(e.keys.fetches(), 0, "nothing was fetched");
    assert_eq!(e.dispatch.calls(), 0);
}

#[tokio::test]
async fn recipient_mismatch_in_one_batch_element_refuses_the_whole_batch() {
    let e = env().await;
    let body = serde_json::to_vec(&json!([
        cloud_event("ev-1", "c", CLIENT_ID),
        adobe_io_event("ev-2", "someone-else"),
        cloud_event("ev-3", "c", CLIENT_ID),
    ]))
    .unwrap();
    assert_eq!(e.deliver(&body, "ev-1").await, 403);
    // A missing recipient is a mismatch too.
    let body = serde_json::to_vec(&json!({"event_id": "ev-4", "event": {}})).unwrap();
    assert_eq!(e.deliver(&body, "ev-4").await, 403);
    assert_eq!(e.dispatch.calls(), 0);
}

#[tokio::test]
async fn batches_are_split_with_per_event_headers() {
    let e = env().await;
    let batch = json!([
        cloud_event("ev-1", "com.test.created", CLIENT_ID),
        adobe_io_event("ev-2", CLIENT_ID),
        {"event_id": "ev-3", "event": {"x": 1}, "recipient_client_id": CLIENT_ID},
    ]);
    let body = serde_json::to_vec(&batch).unwrap();
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    let got = e.dispatch.received();
    assert_eq!(got.len(), 3);
    let ids: Vec<_> = got
        .iter()
        .map(|r| r.headers.get("x-adobe-event-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["ev-1", "ev-2", "ev-3"]);
    let codes: Vec<_> = got
        .iter()
        .map(|r| r.headers.get("x-adobe-event-code"))
        .collect();
    assert_eq!(
        codes,
        [Some("com.test.created"), Some("platform_event"), None]
    );
    for (r, original) in got.iter().zip(batch.as_array().unwrap()) {
        assert_eq!(&r.json(), original);
        assert_eq!(r.headers.get_all("x-adobe-event-id").count(), 1);
        assert_eq!(r.address, None);
    }
}

#[tokio::test]
async fn duplicates_are_acknowledged_without_dispatch() {
    let e = env().await;
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    assert_eq!(e.dispatch.calls(), 1);
    // The same event inside a batch is a duplicate too.
    let batch = serde_json::to_vec(&json!([
        cloud_event("ev-1", "c", CLIENT_ID),
        cloud_event("ev-2", "c", CLIENT_ID)
    ]))
    .unwrap();
    assert_eq!(e.deliver(&batch, "x").await, 200);
    assert_eq!(e.dispatch.calls(), 2);
}

#[tokio::test]
async fn a_failed_handler_gets_5xx_and_is_not_marked_done() {
    let dedup = Arc::new(MemoryDedupStore::default());
    let d2 = dedup.clone();
    let e = env_with(move |c| c.dedup = d2).await;
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    e.dispatch.set_mode(Mode::Fail);
    let status = e.deliver(&body, "ev-1").await;
    assert_eq!(status, 503);
    assert!(!dedup.is_done("ev-1"));
    // Adobe retries: now it works, and only then is it done.
    e.dispatch.set_mode(Mode::Ok);
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    assert!(dedup.is_done("ev-1"));
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    assert_eq!(e.dispatch.calls(), 2);
    assert_eq!(e.dispatch.count(), 1);
}

#[tokio::test]
async fn one_failure_in_a_batch_retries_the_batch_but_not_the_others() {
    let e = env().await;
    e.dispatch.set_mode_for("ev-2", Mode::Fail);
    let body = serde_json::to_vec(&json!([
        cloud_event("ev-1", "c", CLIENT_ID),
        cloud_event("ev-2", "c", CLIENT_ID),
        cloud_event("ev-3", "c", CLIENT_ID),
    ]))
    .unwrap();
    assert_eq!(e.deliver(&body, "x").await, 503);
    assert_eq!(e.dispatch.count(), 2);
    e.dispatch.set_mode_for("ev-2", Mode::Ok);
    assert_eq!(e.deliver(&body, "x").await, 200);
    let ids: Vec<_> = e
        .dispatch
        .received()
        .iter()
        .map(Received::event_id)
        .collect();
    assert_eq!(ids, ["ev-1", "ev-3", "ev-2"]);
}

#[tokio::test]
async fn handler_timeout_gets_5xx_fast() {
    let dedup = Arc::new(MemoryDedupStore::default());
    let d2 = dedup.clone();
    let e = env_with(move |c| {
        c.handler_timeout = Duration::from_millis(200);
        c.dedup = d2;
    })
    .await;
    e.dispatch.set_mode(Mode::Sleep(Duration::from_secs(5)));
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    let start = Instant::now();
    assert_eq!(e.deliver(&body, "ev-1").await, 503);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // The cancelled claim is released: the retry is handled.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!dedup.is_done("ev-1"));
    e.dispatch.set_mode(Mode::Ok);
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    assert!(dedup.is_done("ev-1"));
}

#[tokio::test]
async fn unknown_events_get_the_configured_status() {
    let e = env().await;
    e.dispatch.set_mode(Mode::Unknown);
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    assert_eq!(e.deliver(&body, "ev-1").await, 422);

    let e = env_with(|c| c.on_unhandled = OnUnhandled::Reject(StatusCode::BAD_REQUEST)).await;
    e.dispatch.set_mode(Mode::Unknown);
    assert_eq!(e.deliver(&body, "ev-1").await, 400);

    let e = env_with(|c| c.on_unhandled = OnUnhandled::Acknowledge).await;
    e.dispatch.set_mode(Mode::Unknown);
    assert_eq!(e.deliver(&body, "ev-1").await, 200);
    // A retryable failure in the same batch wins: the batch is retried.
    e.dispatch.set_mode_for("ev-2", Mode::Fail);
    let batch = serde_json::to_vec(&json!([
        cloud_event("ev-1", "c", CLIENT_ID),
        cloud_event("ev-2", "c", CLIENT_ID)
    ]))
    .unwrap();
    assert_eq!(e.deliver(&batch, "x").await, 503);
}

#[tokio::test]
async fn oversized_bodies_and_batches_get_413() {
    let e = env().await;
    let big = serde_json::to_vec(&json!({
        "specversion": "1.0", "type": "c", "eventid": "big", "recipientclientid": CLIENT_ID,
        "data": "x".repeat(3 * 1024 * 1024),
    }))
    .unwrap();
    let (status, _) = e
        .post(&big, &[("content-type", "application/json".to_owned())])
        .await;
    assert_eq!(status, 413);
    let many: Vec<_> = (0..21)
        .map(|i| cloud_event(&format!("ev-{i}"), "c", CLIENT_ID))
        .collect();
    let body = serde_json::to_vec(&many).unwrap();
    assert_eq!(e.deliver(&body, "x").await, 413);
    assert_eq!(e.dispatch.calls(), 0);
    // 20 is fine.
    let body = serde_json::to_vec(&many[..20]).unwrap();
    assert_eq!(e.deliver(&body, "x").await, 200);
    assert_eq!(e.dispatch.count(), 20);
}

#[tokio::test]
async fn unparseable_bodies_get_400_after_the_signature() {
    let e = env().await;
    for body in [&b"{not json"[..], b"42", b"[]", b"[1, 2]"] {
        assert_eq!(
            e.deliver(body, "x").await,
            400,
            "{}",
            String::from_utf8_lossy(body)
        );
        // Without a signature the answer is 401: nothing is revealed to strangers.
        assert_eq!(e.post(body, &[]).await.0, 401);
    }
}

#[tokio::test]
async fn disabled_verification_accepts_unsigned_requests() {
    let e = env_with(|c| c.verification = Verification::Disabled).await;
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    assert_eq!(e.post(&body, &[]).await.0, 200);
    assert_eq!(e.keys.fetches(), 0);
    // The recipient is still checked.
    let body = serde_json::to_vec(&cloud_event("ev-2", "c", "other")).unwrap();
    assert_eq!(e.post(&body, &[]).await.0, 403);
}

#[tokio::test]
async fn legacy_hmac_is_off_by_default() {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"client-secret").unwrap();
    mac.update(&body);
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let h = [("x-adobe-signature", sig)];
    let e = env().await;
    assert_eq!(e.post(&body, &h).await.0, 401);
    let e = env_with(|c| c.legacy_hmac_secret = Some("client-secret".into())).await;
    assert_eq!(e.post(&body, &h).await.0, 200);
    let h = [("x-adobe-signature", "AAAA".to_owned())];
    assert_eq!(e.post(&body, &h).await.0, 401);
}

#[tokio::test]
async fn overload_gets_429() {
    let e = env_with(|c| c.max_in_flight = 1).await;
    e.dispatch.set_mode(Mode::Sleep(Duration::from_millis(500)));
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    let h = adobe_headers(&body, "ev-1");
    let (http, url) = (e.http.clone(), e.hook.url.clone());
    let (b2, h2) = (body.clone(), h.clone());
    let slow = tokio::spawn(async move {
        let mut req = http.post(url).body(b2);
        for (k, v) in h2 {
            req = req.header(k, v);
        }
        req.send().await.unwrap().status().as_u16()
    });
    // Wait until the first delivery is in its handler.
    for _ in 0..200 {
        if e.dispatch.calls() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let body2 = serde_json::to_vec(&cloud_event("ev-2", "c", CLIENT_ID)).unwrap();
    assert_eq!(e.deliver(&body2, "ev-2").await, 429);
    assert_eq!(slow.await.unwrap(), 200);
}

#[tokio::test]
async fn graceful_shutdown_finishes_requests_in_flight() {
    let mut e = env().await;
    e.dispatch.set_mode(Mode::Sleep(Duration::from_millis(300)));
    let body = serde_json::to_vec(&cloud_event("ev-1", "c", CLIENT_ID)).unwrap();
    let h = adobe_headers(&body, "ev-1");
    let (http, url) = (e.http.clone(), e.hook.url.clone());
    let in_flight = tokio::spawn(async move {
        let mut req = http.post(url).body(body);
        for (k, v) in h {
            req = req.header(k, v);
        }
        req.send().await.unwrap().status().as_u16()
    });
    for _ in 0..200 {
        if e.dispatch.calls() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    e.hook.shutdown.take().unwrap().send(()).unwrap();
    assert_eq!(in_flight.await.unwrap(), 200);
    let served = tokio::time::timeout(Duration::from_secs(5), &mut e.hook.task)
        .await
        .expect("serve returns after shutdown");
    served.unwrap().unwrap();
    assert_eq!(e.dispatch.count(), 1);
}
