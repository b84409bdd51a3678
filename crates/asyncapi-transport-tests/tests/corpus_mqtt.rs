//! End to end with documents nobody here wrote: the corpus's streetlights MQTT 2.6 and 3.0
//! (`../shared/corpus`), each generated twice (the application's side and the client's), each
//! crate with its `mqtt` feature, built in a scratch workspace and run against a real
//! mosquitto: measurements published by one crate's `Publisher` reach the other crate's
//! handler (one after a handler failure and redelivery), and a command goes back the other
//! way. Skips when the corpus or mosquitto is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use asyncapi_codegen::{Perspective, RuntimeDep, Settings};
use asyncapi_transport_tests::servers::{Kind, Server, require};

/// The documents, and the names their crates give the types the driver uses.
const DOCUMENTS: &[(&str, &str)] = &[
    (
        "asyncapi-spec-v3.0.0__streetlights-mqtt.yaml",
        "use corpus_lights_app::messages as a;
use corpus_lights_client::messages as c;
pub type AppMeasured = a::LightMeasured;
pub type AppMeasuredParams = a::LightingMeasuredParams;
pub type AppTurnOn = a::TurnOn;
pub type AppTurnOnParams = a::LightTurnOnParams;
pub type ClientMeasured = c::LightMeasured;
pub type ClientMeasuredParams = c::LightingMeasuredParams;
pub type ClientTurnOn = c::TurnOn;
pub type ClientTurnOnParams = c::LightTurnOnParams;
pub type ClientTurnOff = c::TurnOff;
pub type ClientTurnOffParams = c::LightTurnOffParams;
pub type ClientDim = c::DimLight;
pub type ClientDimParams = c::LightsDimParams;
",
    ),
    (
        "asyncapi-spec-v2.6.0__streetlights-mqtt.yaml",
        "use corpus_lights_app::messages as a;
use corpus_lights_client::messages as c;
pub type AppMeasured = a::LightMeasured;
pub type AppMeasuredParams = a::SmartylightingStreetlights10EventStreetlightIdLightingMeasuredParams;
pub type AppTurnOn = a::TurnOnOff;
pub type AppTurnOnParams = a::SmartylightingStreetlights10ActionStreetlightIdTurnOnParams;
pub type ClientMeasured = c::LightMeasured;
pub type ClientMeasuredParams = c::SmartylightingStreetlights10EventStreetlightIdLightingMeasuredParams;
pub type ClientTurnOn = c::TurnOnOff;
pub type ClientTurnOnParams = c::SmartylightingStreetlights10ActionStreetlightIdTurnOnParams;
pub type ClientTurnOff = c::TurnOnOffMessage;
pub type ClientTurnOffParams = c::SmartylightingStreetlights10ActionStreetlightIdTurnOffParams;
pub type ClientDim = c::DimLight;
pub type ClientDimParams = c::SmartylightingStreetlights10ActionStreetlightIdDimParams;
",
    ),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return; // unchanged: cargo keeps what it built
    }
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a folder");
    std::fs::write(path, text).expect("write a scratch file");
}

fn generate(
    doc: &asyncapi_model::Document,
    document: &str,
    name: &str,
    perspective: Perspective,
    dir: &Path,
) {
    let runtime = repo().join("crates/asyncapi-runtime");
    let runtime = runtime.canonicalize().expect("the runtime crate");
    let settings = Settings {
        crate_name: name.to_owned(),
        source_label: document.to_owned(),
        perspective,
        runtime: RuntimeDep::Path(runtime.to_string_lossy().into_owned()),
        standalone: false,
        ..Settings::default()
    };
    let out = asyncapi_codegen::generate(doc, &settings)
        .unwrap_or_else(|e| panic!("{document} ({perspective:?}) does not generate: {e}"));
    assert!(
        out.files["Cargo.toml"].contains("mqtt = [\"dep:asyncapi-transport\""),
        "the document's MQTT server gives the crate an `mqtt` feature"
    );
    for (file, text) in &out.files {
        write(&dir.join(file), text);
    }
}

#[test]
fn corpus_streetlights_mqtt_crates_talk_through_mosquitto() {
    let corpus = repo().join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is absent", corpus.display());
        return;
    }
    if require("mosquitto", "mqtt").is_none() {
        return;
    }
    for (i, (document, names)) in DOCUMENTS.iter().enumerate() {
        drive(&corpus.join(document), document, names, i);
    }
}

fn drive(path: &Path, document: &str, names: &str, i: usize) {
    let doc = asyncapi_model::load(path, &asyncapi_model::LoadOptions::default())
        .unwrap_or_else(|e| panic!("{document} does not load: {e}"));
    let scratch =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("transport-corpus-mqtt-{i}"));
    generate(
        &doc,
        document,
        "corpus-lights-app",
        Perspective::App,
        &scratch.join("app"),
    );
    generate(
        &doc,
        document,
        "corpus-lights-client",
        Perspective::Client,
        &scratch.join("client"),
    );
    write(
        &scratch.join("driver/src/names.rs"),
        &format!("//! Names in {document}.\n{names}"),
    );
    let runtime = repo()
        .join("crates/asyncapi-runtime")
        .canonicalize()
        .expect("runtime");
    write(
        &scratch.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"app\", \"client\", \"driver\"]\n\n[profile.dev]\ndebug = 0\n",
    );
    write(
        &scratch.join("driver/Cargo.toml"),
        &format!(
            "[package]\nname = \"corpus-mqtt-driver\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n\
             asyncapi-runtime = {{ path = {:?} }}\n\
             corpus-lights-app = {{ path = \"../app\", features = [\"mqtt\"] }}\n\
             corpus-lights-client = {{ path = \"../client\", features = [\"mqtt\"] }}\n\
             serde_json = \"1\"\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"time\"] }}\n",
            runtime.to_string_lossy()
        ),
    );
    write(
        &scratch.join("driver/src/main.rs"),
        include_str!("corpus/driver.rs"),
    );
    // The repository's lock file pins versions the offline registry cache has.
    let lock = std::fs::read_to_string(repo().join("Cargo.lock")).expect("Cargo.lock");
    if !scratch.join("Cargo.lock").exists() {
        write(&scratch.join("Cargo.lock"), &lock);
    }

    let server = Server::start(Kind::Mosquitto);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["run", "--offline", "--quiet", "--manifest-path"])
        .arg(scratch.join("Cargo.toml"))
        .args(["-p", "corpus-mqtt-driver", "--"])
        .arg(server.host())
        // Shared with asyncapi-codegen's scratch crates: the transports build once.
        .env(
            "CARGO_TARGET_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("asyncapi-codegen-scratch-target"),
        )
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("ok: "),
        "{document}: the corpus crates do not build or do not talk:\n{stdout}\n{stderr}\nbroker log:\n{}",
        server.log()
    );
    eprintln!("{document}: {stdout}");
}
