//! Vendoring as a user does it: `asyncapi-gen vendor` writes the generated crates and the
//! crates they depend on into another repository, whose layout is not ours (no `crates/`,
//! no workspace), and an application there implements the handler, starts the Adobe webhook
//! router and builds. Regenerating leaves the user's own files alone. Also: a crate generated
//! straight into the user's repository with a relative `--runtime-path`, one that depends on
//! registry versions (`--runtime-version`), and `cargo package` of the support crates.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn asyncapi_gen(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asyncapi-gen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

fn ok(out: Output, what: &str) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// The target folder the scratch builds of the generator's tests use too (same profile), so
/// dependencies are built once per checkout.
fn shared_target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("asyncapi-codegen-scratch-target")
}

/// The profile of those scratch builds: no debug info, which also keeps the build small.
const PROFILE: &str = "\n[profile.dev]\ndebug = 0\n\n[profile.dev.package.\"*\"]\ndebug = 0\n";

/// `cargo <args>` in `dir`, as a user would run it there (our workspace is not above it).
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = std::time::Instant::now();
    let out = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("run cargo");
    eprintln!(
        "cargo {} in {}: {:.1?}",
        args.join(" "),
        dir.display(),
        started.elapsed()
    );
    out
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create a folder");
    }
    std::fs::write(path, text).expect("write a file");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The corpus's streetlights document when `../shared` is there, else ours with the same
/// channel, so the application below is the same either way.
fn streetlights(repo: &Path) -> PathBuf {
    let corpus = repo_root().join("../shared/corpus/asyncapi-spec-v3.0.0__streetlights-mqtt.yaml");
    if corpus.is_file() {
        return corpus;
    }
    eprintln!("../shared/corpus is missing: vendoring a streetlights document of our own");
    let path = repo.join("specs/streetlights.yaml");
    write(
        &path,
        "asyncapi: 3.0.0
info: {title: Streetlights, version: 1.0.0}
servers:
  production:
    host: 'test.mosquitto.org:{port}'
    protocol: mqtt
    variables:
      port: {default: '1883'}
channels:
  lightingMeasured:
    address: 'smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured'
    parameters:
      streetlightId: {description: The light's id}
    messages:
      lightMeasured:
        payload:
          type: object
          properties:
            lumens: {type: integer, minimum: 0}
            sentAt: {type: string, format: date-time}
operations:
  receiveLightMeasurement:
    action: receive
    channel: {$ref: '#/channels/lightingMeasured'}
",
    );
    path
}

const APP_MAIN: &str = r##"//! A user's service: the Adobe webhook with its own handler, and a streetlights router.
mod adobe_handler;

use std::io::{Read, Write};
use std::sync::Arc;

use adobe_io_events::runtime::{Dispatch, Headers, Incoming};
use adobe_io_events::transport::{WebhookConfig, router, serve};

#[tokio::main]
async fn main() {
    let config = WebhookConfig::new("my-client-id");
    let app = router(Arc::new(adobe_io_events::Router::new(adobe_handler::MyHandler)), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, async {
        let _ = stopped.await;
    }));
    let reply = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.write_all(b"GET /webhook?challenge=vendored-ok HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .expect("send");
        let mut text = String::new();
        s.read_to_string(&mut text).expect("read");
        text
    })
    .await
    .expect("the client runs");
    let body = reply.split("\r\n\r\n").nth(1).unwrap_or_default();
    println!("challenge: {body}");
    let _ = stop.send(());
    server.await.expect("the server task").expect("the server");

    let lights = streetlights::Router::new(streetlights::StubHandler);
    let headers = Headers::new();
    let done = lights
        .dispatch(Incoming {
            address: Some("smartylighting/streetlights/1/0/event/42/lighting/measured"),
            headers: &headers,
            content_type: Some("application/json"),
            payload: br#"{"lumens": 3, "sentAt": "2026-12-02T10:00:00Z"}"#,
        })
        .await
        .expect("the streetlights router takes the measurement");
    println!("streetlights: {}", done.operation);
    // The `mqtt` feature's connect function, with the vendored adapters behind it.
    let connect = streetlights::connect::production;
    let _ = connect;
    let server = streetlights::API.server("production").expect("the document's server");
    println!("server: {} {}", server.protocol, server.host);
}
"##;

#[test]
fn vendored_crates_build_in_a_repository_of_another_layout() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path();
    let spec = repo_root().join("specs/adobe-io-events.yaml");
    let config = repo_root().join("specs/adobe-io-events.toml");
    let lights = streetlights(repo);
    let (spec, config, lights) = (
        spec.to_str().expect("utf-8"),
        config.to_str().expect("utf-8"),
        lights.to_str().expect("utf-8"),
    );
    // The user's own files, before and after.
    write(&repo.join("README.md"), "# my service\n");
    write(
        &repo.join("third_party/NOTES.md"),
        "vendored with asyncapi-gen\n",
    );

    let text = ok(
        asyncapi_gen(
            repo,
            &["vendor", spec, "--config", config, "--out", "third_party"],
        ),
        "vendor the Adobe crate",
    );
    assert!(
        text.contains("adobe-io-events, adobe-io-transport, asyncapi-runtime"),
        "{text}"
    );
    ok(
        asyncapi_gen(
            repo,
            &[
                "vendor",
                lights,
                "--crate-name",
                "streetlights",
                "--out",
                "third_party",
            ],
        ),
        "vendor the streetlights crate",
    );
    for dir in [
        "adobe-io-events",
        "adobe-io-transport",
        "asyncapi-runtime",
        "asyncapi-transport",
        "streetlights",
    ] {
        let manifest = read(&repo.join("third_party").join(dir).join("Cargo.toml"));
        assert!(!manifest.contains(".workspace"), "{dir}: {manifest}");
        assert!(!manifest.contains("workspace = true"), "{dir}: {manifest}");
        assert!(
            !manifest.contains(&*repo.to_string_lossy()),
            "{dir}: {manifest}"
        );
        assert!(!manifest.contains("../crates/"), "{dir}: {manifest}");
    }
    let adobe = read(&repo.join("third_party/adobe-io-events/Cargo.toml"));
    assert!(
        adobe.contains(
            "adobe-io-transport = { path = \"../adobe-io-transport\", version = \"0.1.0\", optional = true }"
        ),
        "{adobe}"
    );
    let lights_manifest = read(&repo.join("third_party/streetlights/Cargo.toml"));
    assert!(
        !lights_manifest.contains("adobe-io-transport"),
        "{lights_manifest}"
    );
    assert!(
        lights_manifest.contains("asyncapi-transport = { path = \"../asyncapi-transport\"")
            && lights_manifest
                .contains("mqtt = [\"dep:asyncapi-transport\", \"asyncapi-transport/mqtt\"]"),
        "the document's MQTT server gives the vendored crate an `mqtt` feature: {lights_manifest}"
    );

    // The application: the handler started by `scaffold`, the webhook router, and the
    // streetlights router with its stub handler.
    std::fs::create_dir_all(repo.join("app/src")).expect("create app/src");
    ok(
        asyncapi_gen(
            repo,
            &[
                "scaffold",
                spec,
                "--config",
                config,
                "--out",
                "app/src/adobe_handler.rs",
            ],
        ),
        "scaffold the handler",
    );
    write(
        &repo.join("app/Cargo.toml"),
        &(String::from(
            "[package]\nname = \"my-service\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [dependencies]\n\
         adobe-io-events = { path = \"../third_party/adobe-io-events\", features = [\"transport\"] }\n\
         streetlights = { path = \"../third_party/streetlights\", features = [\"mqtt\"] }\n\
         tokio = { version = \"1.47\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"sync\"] }\n",
        ) + PROFILE),
    );
    write(&repo.join("app/src/main.rs"), APP_MAIN);
    // Pinned to what this repository is tested with (the registry cache has those).
    std::fs::copy(repo_root().join("Cargo.lock"), repo.join("app/Cargo.lock")).expect("copy");
    let built = cargo(&repo.join("app"), &["build", "--offline"]);
    ok(built, "cargo build of the application");
    let run = Command::new(shared_target_dir().join("debug/my-service"))
        .output()
        .expect("the application runs");
    let stdout = ok(run, "the application");
    assert!(
        stdout.contains(r#"challenge: {"challenge":"vendored-ok"}"#),
        "{stdout}"
    );
    assert!(
        stdout.contains("streetlights: receiveLightMeasurement"),
        "{stdout}"
    );
    assert!(
        stdout.contains("server: mqtt test.mosquitto.org:{port}"),
        "{stdout}"
    );

    // Vendoring again (the spec unchanged, or changed) rewrites only its own folders.
    let handler_before = read(&repo.join("app/src/adobe_handler.rs"));
    write(
        &repo.join("third_party/asyncapi-runtime/src/stale.rs"),
        "// left by an older version\n",
    );
    let again = ok(
        asyncapi_gen(
            repo,
            &["vendor", spec, "--config", config, "--out", "third_party"],
        ),
        "vendor again",
    );
    assert!(again.contains("1 file(s) changed"), "{again}");
    assert!(
        !repo
            .join("third_party/asyncapi-runtime/src/stale.rs")
            .exists()
    );
    assert_eq!(read(&repo.join("README.md")), "# my service\n");
    assert_eq!(
        read(&repo.join("third_party/NOTES.md")),
        "vendored with asyncapi-gen\n"
    );
    assert_eq!(read(&repo.join("app/src/adobe_handler.rs")), handler_before);
    assert!(repo.join("app/Cargo.lock").is_file());
    ok(
        asyncapi_gen(
            repo,
            &[
                "vendor",
                spec,
                "--config",
                config,
                "--out",
                "third_party",
                "--check",
            ],
        ),
        "vendor --check after vendoring",
    );
    // A folder the user owns is never written into.
    let refused = asyncapi_gen(
        repo,
        &["vendor", lights, "--crate-name", "app", "--out", "."],
    );
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("is not a crate asyncapi-gen wrote"), "{err}");
    assert_eq!(read(&repo.join("app/src/main.rs")), APP_MAIN);

    // Generated straight into the repository, the runtime named relative to the current
    // folder: the manifest names it relative to the crate, never by an absolute path.
    ok(
        asyncapi_gen(
            repo,
            &[
                "generate",
                lights,
                "--out",
                "direct/lights",
                "--runtime-path",
                "third_party/asyncapi-runtime",
            ],
        ),
        "generate with a relative --runtime-path",
    );
    let direct = read(&repo.join("direct/lights/Cargo.toml"));
    assert!(
        direct.contains(
            "asyncapi-runtime = { path = \"../../third_party/asyncapi-runtime\", version = \"0.1.0\" }"
        ),
        "{direct}"
    );
    assert!(!direct.contains(&*repo.to_string_lossy()), "{direct}");
    std::fs::copy(
        repo_root().join("Cargo.lock"),
        repo.join("direct/lights/Cargo.lock"),
    )
    .expect("copy");
    ok(
        cargo(&repo.join("direct/lights"), &["check", "--offline"]),
        "cargo check of the crate generated in place",
    );

    // Registry versions: the generated crate asks for asyncapi-runtime and adobe-io-transport
    // by version, which the vendored copies (standing in for the published crates) satisfy.
    ok(
        asyncapi_gen(
            repo,
            &[
                "generate",
                spec,
                "--config",
                config,
                "--out",
                "registry/adobe-io-events",
                "--runtime-version",
                "0.1.0",
                "--workspace-member",
            ],
        ),
        "generate with --runtime-version",
    );
    let by_version = read(&repo.join("registry/adobe-io-events/Cargo.toml"));
    assert!(
        by_version.contains("asyncapi-runtime = \"0.1.0\"\n"),
        "{by_version}"
    );
    assert!(
        by_version.contains("adobe-io-transport = { version = \"0.1.0\", optional = true }\n"),
        "{by_version}"
    );
    write(
        &repo.join("registry/app/Cargo.toml"),
        &(String::from(
            "[package]\nname = \"my-service\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [dependencies]\n\
         adobe-io-events = { path = \"../adobe-io-events\", features = [\"transport\"] }\n\n\
         [patch.crates-io]\n\
         asyncapi-runtime = { path = \"../../third_party/asyncapi-runtime\" }\n\
         adobe-io-transport = { path = \"../../third_party/adobe-io-transport\" }\n",
        ) + PROFILE),
    );
    write(
        &repo.join("registry/app/src/main.rs"),
        "fn main() {\n    let _ = adobe_io_events::transport::WebhookConfig::new(\"id\");\n}\n",
    );
    std::fs::copy(
        repo_root().join("Cargo.lock"),
        repo.join("registry/app/Cargo.lock"),
    )
    .expect("copy");
    let tree = ok(
        cargo(
            &repo.join("registry/app"),
            &["tree", "--offline", "--depth", "2", "-e", "normal"],
        ),
        "cargo tree with registry versions",
    );
    assert!(tree.contains("asyncapi-runtime v0.1.0"), "{tree}");
    assert!(tree.contains("adobe-io-transport v0.1.0"), "{tree}");
    ok(
        cargo(&repo.join("registry/app"), &["check", "--offline"]),
        "cargo check with registry versions",
    );
}

/// The support crates are packageable: their manifests normalise, and each names its
/// dependencies by version, ready for a registry.
#[test]
fn cargo_package_normalises_the_support_crates() {
    let target = tempfile::tempdir().expect("tempdir");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "package",
            "--offline",
            "--no-verify",
            "--allow-dirty",
            "-p",
            "asyncapi-runtime",
            "-p",
            "adobe-io-transport",
        ])
        .current_dir(repo_root())
        .env("CARGO_TARGET_DIR", target.path())
        .output()
        .expect("run cargo package");
    ok(out, "cargo package");
    for file in [
        "asyncapi-runtime-0.1.0.crate",
        "adobe-io-transport-0.1.0.crate",
    ] {
        assert!(
            target.path().join("package").join(file).is_file(),
            "{file} was not written"
        );
    }
}
