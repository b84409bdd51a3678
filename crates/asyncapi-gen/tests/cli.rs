//! The `asyncapi-gen` command line as scripts use it: exit codes, rustc-style and JSON
//! diagnostics, `inspect`, `generate` (and `--check`), and `scaffold` that never overwrites.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asyncapi-gen"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/adobe-io-events.yaml")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("writes");
    p
}

const STREETLIGHTS: &str = "asyncapi: 3.0.0
info: {title: Lights, version: 1.0.0}
channels:
  lightMeasured:
    address: 'lights/{lightId}/measured'
    parameters:
      lightId: {description: Id of the light}
    messages:
      measured:
        payload:
          type: object
          required: [lumens]
          properties:
            lumens: {type: integer, minimum: 0}
            mode: {type: string, enum: [on, off]}
operations:
  onMeasured:
    action: receive
    channel: {$ref: '#/channels/lightMeasured'}
";

#[test]
fn validate_reports_located_errors_and_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        dir.path(),
        "bad.yaml",
        "asyncapi: 3.0.0\ninfo:\n  title: T\nchannels: {}\n",
    );
    let out = run(&["validate", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "error[missing-field]: the info object is missing the required field `version`"
        ),
        "{err}"
    );
    assert!(err.contains("bad.yaml:2:1"), "{err}");
    assert!(err.contains("2 | info:"), "{err}");

    let out = run(&["validate", "--format", "json", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json[0]["valid"], false);
    assert_eq!(json[0]["diagnostics"][0]["code"], "missing-field");
    assert_eq!(json[0]["diagnostics"][0]["pointer"], "/info");
    assert_eq!(json[0]["diagnostics"][0]["line"], 2);

    let good = write(dir.path(), "good.yaml", STREETLIGHTS);
    assert_eq!(
        run(&["validate", good.to_str().expect("utf-8")])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["validate", "/nonexistent/spec.yaml"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["validate"]).status.code(), Some(2), "usage error");
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let typo = write(
        dir.path(),
        "typo.yaml",
        &STREETLIGHTS.replace("    messages:", "    mesages: {}\n    messages:"),
    );
    let out = run(&["validate", typo.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `messages`?"));
    assert_eq!(
        run(&["validate", "--deny-warnings", typo.to_str().expect("utf-8")])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn inspect_prints_the_bundled_document() {
    let out = run(&[
        "inspect",
        spec().to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["version"], "3.0.0");
    assert_eq!(json["channels"].as_array().map(Vec::len), Some(10));
    assert_eq!(
        json["channels"][0]["address"],
        "experience-platform/dataset-ingestion"
    );
    assert_eq!(json["operations"][0]["action"], "send");
    assert_eq!(json["messages"][0]["key"], "DatasetIngestionEvent");
    assert_eq!(json["messages"][0]["headers"], true);
    assert!(
        json["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|n| n == "DatasetIngestionBody"))
    );
}

#[test]
fn generate_then_check_then_scaffold_without_overwriting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = write(dir.path(), "lights.yaml", STREETLIGHTS);
    let out_dir = dir.path().join("lights-crate");
    let s = spec.to_str().expect("utf-8");
    let o = out_dir.to_str().expect("utf-8");
    let out = run(&["generate", s, "--out", o, "--crate-name", "lights"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "Cargo.toml",
        "README.md",
        "src/lib.rs",
        "src/types.rs",
        "src/router.rs",
        "src/handlers.rs",
    ] {
        assert!(out_dir.join(f).exists(), "{f} missing");
    }
    assert_eq!(
        run(&[
            "generate",
            s,
            "--out",
            o,
            "--crate-name",
            "lights",
            "--check"
        ])
        .status
        .code(),
        Some(0)
    );
    std::fs::write(out_dir.join("src/types.rs"), "// edited by hand\n").expect("writes");
    let out = run(&[
        "generate",
        s,
        "--out",
        o,
        "--crate-name",
        "lights",
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stale:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let handler = dir.path().join("handler.rs");
    let h = handler.to_str().expect("utf-8");
    let out = run(&["scaffold", s, "--out", h, "--crate-name", "lights"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&handler).expect("written");
    assert!(
        text.contains("impl lights::Handler for MyHandler"),
        "{text}"
    );
    assert!(text.contains("async fn on_measured"), "{text}");
    std::fs::write(&handler, "// my work\n").expect("writes");
    let out = run(&["scaffold", s, "--out", h, "--crate-name", "lights"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&handler).expect("still there"),
        "// my work\n"
    );
}

/// Serves one document over HTTP on 127.0.0.1 for a bounded number of requests.
fn serve_once(body: &'static str, requests: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/yaml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

#[test]
fn remote_refs_need_allow_remote() {
    let base = serve_once(
        "User:\n  type: object\n  properties:\n    name: {type: string}\n",
        1,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = write(
        dir.path(),
        "remote.yaml",
        &format!(
            "asyncapi: 3.0.0\ninfo: {{title: R, version: 1.0.0}}\nchannels:\n  users:\n    address: users\n    messages:\n      m:\n        payload:\n          $ref: '{base}/schemas/user.yaml#/User'\n"
        ),
    );
    let s = spec.to_str().expect("utf-8");
    let out = run(&["validate", s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--allow-remote"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["validate", "--allow-remote", s]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
