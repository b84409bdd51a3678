//! Verification of Adobe's webhook signatures: `x-adobe-digital-signature-1/2`, base64
//! RSASSA-PKCS1-v1_5 / SHA-256 signatures of the raw body, checked with the PEM (SPKI)
//! public keys at the configured key host + `x-adobe-public-key1/2-path`. Either signature
//! verifying is enough. The legacy `x-adobe-signature` (base64 HMAC-SHA256 of the body keyed
//! with the client secret) can be accepted too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rsa::RsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use sha2::Sha256;
use url::Url;

/// Header of the first signature.
pub const HEADER_SIGNATURE_1: &str = "x-adobe-digital-signature-1";
/// Header of the second signature.
pub const HEADER_SIGNATURE_2: &str = "x-adobe-digital-signature-2";
/// Header of the path of the first public key.
pub const HEADER_KEY_PATH_1: &str = "x-adobe-public-key1-path";
/// Header of the path of the second public key.
pub const HEADER_KEY_PATH_2: &str = "x-adobe-public-key2-path";
/// Header of the deprecated HMAC signature.
pub const HEADER_LEGACY_SIGNATURE: &str = "x-adobe-signature";

/// The only host Adobe's public keys are fetched from.
pub const DEFAULT_KEY_HOST: &str = "https://static.adobeioevents.com";
/// Longest time a public key is kept (Adobe's rule).
pub const MAX_KEY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

const MAX_KEY_PATH_LEN: usize = 256;
const MAX_KEY_BYTES: usize = 16 * 1024;
const MAX_CACHED_KEYS: usize = 64;

/// Why a public-key path from a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("public key path `{path}` is refused: {reason}")]
pub struct KeyPathError {
    /// The path as received (cut to 100 characters).
    pub path: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Checks that a key path has the documented shape (`/prod/keys/pub-key-<id>.pem`): it
/// starts with `/`, has no `..`, `//`, `@`, `:`, `?`, `#` or `\`, only `[A-Za-z0-9/_.-]`,
/// and ends in `.pem`. Such a path, appended to an origin, cannot change the host.
pub fn validate_key_path(path: &str) -> Result<(), KeyPathError> {
    let fail = |reason| {
        Err(KeyPathError {
            path: path.chars().take(100).collect(),
            reason,
        })
    };
    if path.len() > MAX_KEY_PATH_LEN {
        return fail("too long");
    }
    if !path.starts_with('/') {
        return fail("does not start with `/`");
    }
    if path.contains("//") {
        return fail("contains `//`");
    }
    if path.contains("..") {
        return fail("contains `..`");
    }
    if path.contains(['@', ':', '?', '#', '\\', '%']) {
        return fail("contains `@`, `:`, `?`, `#`, `%` or `\\`");
    }
    if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'.' | b'-'))
    {
        return fail("contains characters other than `A-Za-z0-9/_.-`");
    }
    if !path.ends_with(".pem") || path.len() <= "/.pem".len() {
        return fail("does not end in `.pem`");
    }
    Ok(())
}

/// Checks a configured key host: `http` or `https`, a host, no user, query, fragment or
/// path. Returns the origin (`scheme://host[:port]`) that key paths are appended to.
pub(crate) fn parse_key_host(key_host: &str) -> Result<(Url, String), String> {
    let url = Url::parse(key_host).map_err(|e| format!("key host `{key_host}`: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "key host `{key_host}`: scheme must be https (or http)"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("key host `{key_host}` has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "key host `{key_host}` must not contain credentials"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        return Err(format!(
            "key host `{key_host}` must be an origin only (no path, query or fragment)"
        ));
    }
    let origin = url.origin().ascii_serialization();
    Ok((url, origin))
}

/// Why a key could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// The path is not of the allowed shape, or would leave the key host: nothing fetched.
    BadPath(String),
    /// Might work later (network error, 5xx, 429): worth a retry of the delivery.
    Transient(String),
    /// Will not work (404, not a PEM public key).
    Permanent(String),
}

/// A public key parsed once, when fetched, for RSASSA-PKCS1-v1_5 / SHA-256 verification.
///
/// Verification runs in aws-lc (already linked through rustls): about ten times faster than
/// the pure-Rust `rsa` crate's, which was most of a webhook request's time. Keys of 2048 to
/// 8192 bits are accepted (Adobe's are 2048).
#[derive(Debug)]
pub struct RsaVerifier(ParsedPublicKey);

impl RsaVerifier {
    /// Prepares `key`; an error says why it cannot verify (too small, too large).
    pub fn new(key: &RsaPublicKey) -> Result<Self, String> {
        use rsa::traits::PublicKeyParts;
        let bits = key.n().bits();
        if !(2048..=8192).contains(&bits) {
            return Err(format!(
                "not a usable RSA key: {bits} bits, not 2048 to 8192"
            ));
        }
        let der = key.to_public_key_der().map_err(|e| e.to_string())?;
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der.as_bytes())
            .map(RsaVerifier)
            .map_err(|e| format!("not a usable RSA key: {e}"))
    }

    /// Whether `signature_b64` is a valid signature of `body` under this key.
    pub fn verify(&self, body: &[u8], signature_b64: &str) -> bool {
        let Ok(signature) = STANDARD.decode(signature_b64.trim()) else {
            return false;
        };
        self.0.verify_sig(body, &signature).is_ok()
    }
}

#[derive(Debug, Clone)]
struct CachedKey {
    key: Arc<RsaVerifier>,
    fetched: Instant,
}

/// Fetches public keys from the configured host and keeps them for a while.
#[derive(Debug)]
pub(crate) struct KeyFetcher {
    host: Url,
    origin: String,
    client: reqwest::Client,
    ttl: Duration,
    attempts: u32,
    backoff: Duration,
    cache: Mutex<HashMap<String, CachedKey>>,
}

/// How keys are fetched.
#[derive(Debug, Clone)]
pub(crate) struct FetchSettings {
    pub ttl: Duration,
    pub attempts: u32,
    pub timeout: Duration,
    pub backoff: Duration,
}

impl KeyFetcher {
    pub(crate) fn new(key_host: &str, settings: &FetchSettings) -> Result<Self, String> {
        let (host, origin) = parse_key_host(key_host)?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(KeyFetcher {
            host,
            origin,
            client,
            ttl: settings.ttl.min(MAX_KEY_TTL),
            attempts: settings.attempts.max(1),
            backoff: settings.backoff,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, CachedKey>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The URL of a key: the configured origin followed by the path, refused unless its
    /// scheme, host and port are the configured ones and its path is the given path.
    pub(crate) fn key_url(&self, path: &str) -> Result<Url, KeyError> {
        validate_key_path(path).map_err(|e| KeyError::BadPath(e.to_string()))?;
        let joined = format!("{}{}", self.origin, path);
        let url = Url::parse(&joined).map_err(|e| KeyError::BadPath(format!("{joined}: {e}")))?;
        let same_place = url.scheme() == self.host.scheme()
            && url.host_str() == self.host.host_str()
            && url.port_or_known_default() == self.host.port_or_known_default()
            && url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none()
            && url.path() == path;
        if same_place {
            Ok(url)
        } else {
            Err(KeyError::BadPath(format!(
                "key URL `{url}` is not on the configured key host"
            )))
        }
    }

    /// The key at `path`, from the cache or fetched (with retries on transient errors).
    pub(crate) async fn key(&self, path: &str) -> Result<Arc<RsaVerifier>, KeyError> {
        // A cached path was checked when its key was fetched: a hit needs no URL.
        let now = Instant::now();
        if let Some(cached) = self.lock().get(path) {
            if now.duration_since(cached.fetched) < self.ttl {
                return Ok(cached.key.clone());
            }
        }
        let url = self.key_url(path)?;
        let key = Arc::new(self.fetch(&url).await?);
        let mut cache = self.lock();
        let now = Instant::now();
        cache.retain(|_, c| now.duration_since(c.fetched) < self.ttl);
        while cache.len() >= MAX_CACHED_KEYS {
            let oldest = cache
                .iter()
                .min_by_key(|(_, c)| c.fetched)
                .map(|(p, _)| p.clone());
            match oldest {
                Some(p) => cache.remove(&p),
                None => break,
            };
        }
        cache.insert(
            path.to_owned(),
            CachedKey {
                key: key.clone(),
                fetched: now,
            },
        );
        Ok(key)
    }

    async fn fetch(&self, url: &Url) -> Result<RsaVerifier, KeyError> {
        let mut delay = self.backoff;
        let mut last = KeyError::Transient("no attempt made".to_owned());
        for attempt in 1..=self.attempts {
            if attempt > 1 {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
            match self.fetch_once(url).await {
                Ok(key) => {
                    tracing::debug!(%url, "fetched an Adobe public key");
                    return Ok(key);
                }
                Err(e @ KeyError::Transient(_)) => {
                    tracing::warn!(%url, attempt, error = ?e, "cannot fetch an Adobe public key");
                    last = e;
                }
                Err(e) => {
                    tracing::warn!(%url, error = ?e, "Adobe public key refused");
                    return Err(e);
                }
            }
        }
        Err(last)
    }

    async fn fetch_once(&self, url: &Url) -> Result<RsaVerifier, KeyError> {
        let mut resp = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| KeyError::Transient(format!("GET {url}: {e}")))?;
        let status = resp.status();
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(KeyError::Transient(format!("GET {url}: status {status}")));
        }
        if !status.is_success() {
            return Err(KeyError::Permanent(format!("GET {url}: status {status}")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| KeyError::Transient(format!("GET {url}: {e}")))?
        {
            if body.len() + chunk.len() > MAX_KEY_BYTES {
                return Err(KeyError::Permanent(format!("GET {url}: key is too large")));
            }
            body.extend_from_slice(&chunk);
        }
        let pem = std::str::from_utf8(&body)
            .map_err(|_| KeyError::Permanent(format!("GET {url}: key is not text")))?;
        let key = RsaPublicKey::from_public_key_pem(pem.trim())
            .map_err(|e| KeyError::Permanent(format!("GET {url}: not a PEM public key: {e}")))?;
        RsaVerifier::new(&key).map_err(|e| KeyError::Permanent(format!("GET {url}: {e}")))
    }
}

/// Whether `signature_b64` is a valid RSASSA-PKCS1-v1_5 / SHA-256 signature of `body`.
///
/// Prepares the key on every call: keep an [`RsaVerifier`] to verify many bodies.
pub fn verify_rsa_sha256(key: &RsaPublicKey, body: &[u8], signature_b64: &str) -> bool {
    RsaVerifier::new(key).is_ok_and(|v| v.verify(body, signature_b64))
}

/// Whether `signature_b64` is base64(HMAC-SHA256(`secret`, `body`)), compared in constant time.
pub fn verify_hmac_sha256(secret: &[u8], body: &[u8], signature_b64: &str) -> bool {
    let Ok(tag) = STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

/// The result of checking a request's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A signature verified.
    Valid,
    /// No signature verified and none can: reject (401).
    Invalid(String),
    /// No signature verified, but a key could not be fetched for a reason that may pass:
    /// ask for a retry (503).
    Unavailable(String),
}

/// Checks the request's signatures: signature 1 with key 1, then signature 2 with key 2
/// (fetched only when needed), then the legacy HMAC when a secret is configured.
pub(crate) async fn verify_request(
    fetcher: &KeyFetcher,
    hmac_secret: Option<&[u8]>,
    header: impl Fn(&str) -> Option<String>,
    body: &[u8],
) -> Verdict {
    let mut reasons: Vec<String> = Vec::new();
    let mut transient: Option<String> = None;
    if let Some(secret) = hmac_secret {
        match header(HEADER_LEGACY_SIGNATURE) {
            Some(sig) if verify_hmac_sha256(secret, body, &sig) => return Verdict::Valid,
            Some(_) => reasons.push("x-adobe-signature does not verify".to_owned()),
            None => {}
        }
    }
    for (n, sig_header, path_header) in [
        (1, HEADER_SIGNATURE_1, HEADER_KEY_PATH_1),
        (2, HEADER_SIGNATURE_2, HEADER_KEY_PATH_2),
    ] {
        let (Some(sig), Some(path)) = (header(sig_header), header(path_header)) else {
            reasons.push(format!("signature {n} or its key path is missing"));
            continue;
        };
        match fetcher.key(&path).await {
            Ok(key) => {
                if key.verify(body, &sig) {
                    return Verdict::Valid;
                }
                reasons.push(format!("signature {n} does not verify"));
            }
            Err(KeyError::BadPath(why)) | Err(KeyError::Permanent(why)) => {
                reasons.push(format!("key {n}: {why}"));
            }
            Err(KeyError::Transient(why)) => {
                reasons.push(format!("key {n}: {why}"));
                transient = Some(why);
            }
        }
    }
    let why = reasons.join("; ");
    if transient.is_some() {
        Verdict::Unavailable(why)
    } else {
        Verdict::Invalid(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_signatures_verify_with_the_prepared_key() {
        use rsa::pkcs1v15::SigningKey;
        use rsa::signature::{SignatureEncoding, Signer};
        let mut rng = rand::thread_rng();
        let private = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
        let public = RsaPublicKey::from(&private);
        let body = br#"{"event_id":"e-1"}"#;
        let signature = SigningKey::<Sha256>::new(private).sign(body).to_bytes();
        let b64 = STANDARD.encode(&signature);
        let verifier = RsaVerifier::new(&public).unwrap();
        assert!(verifier.verify(body, &b64));
        assert!(verifier.verify(body, &format!(" {b64}\n")));
        assert!(verify_rsa_sha256(&public, body, &b64));
        assert!(!verifier.verify(br#"{"event_id":"e-2"}"#, &b64));
        assert!(!verifier.verify(body, "not base64!"));
        assert!(!verifier.verify(body, &STANDARD.encode(&signature[1..])));
        // Keys too weak to trust are refused when fetched, not silently accepted.
        let small = RsaPublicKey::from(&rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap());
        let e = RsaVerifier::new(&small).unwrap_err();
        assert!(e.contains("1024 bits, not 2048 to 8192"), "{e}");
    }

    #[test]
    fn key_paths() {
        assert!(validate_key_path("/prod/keys/pub-key-3fVj0Lv0QB.pem").is_ok());
        assert!(
            validate_key_path("/prod/keys/pub-key-0a1ff49f-099d-4d2f-8d41-a49957e551a1.pem")
                .is_ok()
        );
        for bad in [
            "",
            "prod/keys/x.pem",
            "//evil.example/x.pem",
            "/../x.pem",
            "/prod/../x.pem",
            "@evil.example/x.pem",
            "/x@evil.example.pem",
            "https://evil.example/x.pem",
            "/prod:443/x.pem",
            "/x.pem?y=.pem",
            "/x.pem#.pem",
            "/x\\y.pem",
            "/x%2e%2e/y.pem",
            "/x y.pem",
            "/x.pem/",
            "/x.txt",
            "/.pem",
            "/é.pem",
        ] {
            assert!(validate_key_path(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_key_path(&format!("/{}.pem", "a".repeat(300))).is_err());
    }

    #[test]
    fn key_hosts() {
        assert_eq!(
            parse_key_host(DEFAULT_KEY_HOST).unwrap().1,
            DEFAULT_KEY_HOST
        );
        assert_eq!(
            parse_key_host("http://127.0.0.1:8080/").unwrap().1,
            "http://127.0.0.1:8080"
        );
        for bad in [
            "static.adobeioevents.com",
            "ftp://x.example",
            "https://u:p@x.example",
            "https://x.example/keys",
            "https://x.example?q",
        ] {
            assert!(parse_key_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_urls_stay_on_the_host() {
        let f = KeyFetcher::new(
            "https://static.adobeioevents.com",
            &FetchSettings {
                ttl: Duration::from_secs(1),
                attempts: 1,
                timeout: Duration::from_secs(1),
                backoff: Duration::ZERO,
            },
        )
        .unwrap();
        assert_eq!(
            f.key_url("/prod/keys/pub-key-a.pem").unwrap().as_str(),
            "https://static.adobeioevents.com/prod/keys/pub-key-a.pem"
        );
        assert!(matches!(
            f.key_url("//evil.example/x.pem"),
            Err(KeyError::BadPath(_))
        ));
        assert!(matches!(
            f.key_url(".evil.example/x.pem"),
            Err(KeyError::BadPath(_))
        ));
    }

    #[test]
    fn hmac() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
        let sig = "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=";
        assert!(verify_hmac_sha256(
            b"key",
            b"The quick brown fox jumps over the lazy dog",
            sig
        ));
        assert!(!verify_hmac_sha256(b"key", b"The quick brown fox", sig));
        assert!(!verify_hmac_sha256(b"key", b"x", "not base64!"));
    }
}
