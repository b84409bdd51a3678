//! Remote refs: refused unless asked; with `allow_remote` and a fetcher they load, and refs
//! inside a fetched document are relative to its URL. No network: the fetcher is a map.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use asyncapi_model::{Fetcher, LoadOptions};

const SPEC: &str = "asyncapi: 3.0.0
info: {title: Remote, version: 1.0.0}
channels:
  users:
    address: users
    messages:
      signedUp:
        payload:
          $ref: 'https://schemas.example.com/v1/user.yaml#/User'
";

fn fetcher(files: &[(&str, &str)], log: Arc<Mutex<Vec<String>>>) -> Fetcher {
    let files: HashMap<String, String> = files
        .iter()
        .map(|(u, t)| ((*u).to_owned(), (*t).to_owned()))
        .collect();
    Fetcher(Arc::new(move |url: &str| {
        log.lock().expect("log").push(url.to_owned());
        files
            .get(url)
            .cloned()
            .ok_or_else(|| format!("404 Not Found for {url}"))
    }))
}

#[test]
fn remote_refs_are_fetched_only_when_allowed() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let f = fetcher(
        &[
            (
                "https://schemas.example.com/v1/user.yaml",
                "User:\n  type: object\n  properties:\n    address:\n      $ref: '../common/address.yaml#/Address'\n",
            ),
            (
                "https://schemas.example.com/common/address.yaml",
                "Address:\n  type: object\n  properties:\n    city: {type: string}\n",
            ),
        ],
        log.clone(),
    );
    // Not allowed: refused, and nothing fetched even though a fetcher is there.
    let opts = LoadOptions {
        fetch: Some(f.clone()),
        ..LoadOptions::default()
    };
    let err = asyncapi_model::load_str(Path::new("spec.yaml"), SPEC.to_owned(), &opts)
        .expect_err("refused");
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(log.lock().expect("log").is_empty());

    let opts = LoadOptions {
        allow_remote: true,
        fetch: Some(f),
        ..LoadOptions::default()
    };
    let doc =
        asyncapi_model::load_str(Path::new("spec.yaml"), SPEC.to_owned(), &opts).expect("loads");
    let payload = doc.api.messages[0].payload.as_ref().expect("payload");
    assert_eq!(
        doc.store.file(payload.target.file).path,
        Path::new("https://schemas.example.com/v1/user.yaml")
    );
    assert_eq!(
        *log.lock().expect("log"),
        [
            "https://schemas.example.com/v1/user.yaml",
            "https://schemas.example.com/common/address.yaml"
        ]
    );
}

#[test]
fn a_failed_fetch_is_a_located_error() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let opts = LoadOptions {
        allow_remote: true,
        fetch: Some(fetcher(&[], log)),
        ..LoadOptions::default()
    };
    let err = asyncapi_model::load_str(Path::new("spec.yaml"), SPEC.to_owned(), &opts)
        .expect_err("fails");
    let d = err.diagnostics.errors().next().expect("an error");
    assert_eq!(d.code, "unresolved-ref");
    assert!(d.message.contains("404 Not Found"), "{}", d.message);
    assert_eq!((d.line, d.column), (9, 11));
}
