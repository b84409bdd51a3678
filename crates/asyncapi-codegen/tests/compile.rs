//! Every snapshot case's whole generated crate compiles under `#![deny(warnings)]`: all of
//! them are members of one scratch workspace under `target/`, with a test crate that depends
//! on all of them and checks what some of them do at run time (`tests/support/behaviour.rs`).
//! One `cargo test --offline` builds them (dependencies once) and runs those tests.

mod common;

use std::fmt::Write as _;

use asyncapi_codegen::RuntimeDep;

#[test]
fn every_snapshot_case_compiles_without_warnings() {
    let started = std::time::Instant::now();
    let scratch = common::Scratch::new("asyncapi-codegen-snapshot-crates");
    let runtime = common::runtime_dir().to_string_lossy().into_owned();
    let mut members = Vec::new();
    // `asyncapi-gen scaffold`'s starting handler for each case compiles against its crate.
    let mut scaffolds = String::new();
    for case in common::cases() {
        let doc = common::load(&case.path);
        let settings = asyncapi_codegen::Settings {
            runtime: RuntimeDep::Path(runtime.clone()),
            standalone: false,
            ..case.settings.clone()
        };
        let out = common::generate(&doc, &settings, &case.name);
        common::write_crate(&scratch.dir.join(&case.name), &out);
        if !out.handler_methods.is_empty() {
            let scaffold_settings = asyncapi_codegen::Settings {
                crate_name: format!("snapshot-{}", case.name),
                ..settings.clone()
            };
            let text = asyncapi_codegen::scaffold(&doc, &scaffold_settings, "MyHandler")
                .unwrap_or_else(|e| panic!("{}: scaffold: {e}", case.name));
            let module = case.name.replace('-', "_");
            common::write_if_changed(
                &scratch
                    .dir
                    .join(format!("behaviour/src/scaffolds/{module}.rs")),
                &text,
            );
            let _ = writeln!(
                scaffolds,
                "#[path = \"scaffolds/{module}.rs\"]\npub mod scaffold_{module};"
            );
        }
        members.push((case.name.clone(), case.features.clone()));
    }
    let mut manifest = String::from(
        "[package]\nname = \"snapshot-behaviour\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[lib]\ndoctest = false\n\n[dependencies]\n",
    );
    let _ = writeln!(
        manifest,
        "asyncapi-runtime = {{ path = {runtime:?} }}\nserde = \"1\"\nserde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"rt\"] }}"
    );
    for (m, features) in &members {
        let _ = writeln!(
            manifest,
            "snapshot-{m} = {{ path = \"../{m}\", features = {features:?} }}"
        );
    }
    let features: Vec<String> = members
        .iter()
        .flat_map(|(m, fs)| fs.iter().map(move |f| format!("snapshot-{m}/{f}")))
        .collect();
    let members: Vec<String> = members.into_iter().map(|(m, _)| m).collect();
    let behaviour = scratch.dir.join("behaviour");
    common::write_if_changed(&behaviour.join("Cargo.toml"), &manifest);
    common::write_if_changed(
        &behaviour.join("src/lib.rs"),
        &format!(
            "#![deny(warnings)]\n{}\n{scaffolds}",
            include_str!("support/behaviour.rs")
        ),
    );
    let mut all = members.clone();
    all.push("behaviour".to_owned());
    scratch.set_members(&all);
    if let Err(errors) = scratch.cargo(&[
        "test",
        "--package",
        "snapshot-behaviour",
        "--no-fail-fast",
        "--quiet",
    ]) {
        panic!("the snapshot crates do not build, or do not behave:\n{errors}");
    }
    // Generated code passes clippy's default lints, with no blanket `allow`.
    let mut clippy: Vec<String> = vec!["clippy".into(), "--quiet".into()];
    for m in &members {
        clippy.push("--package".into());
        clippy.push(format!("snapshot-{m}"));
    }
    if !features.is_empty() {
        clippy.push("--features".into());
        clippy.push(features.join(","));
    }
    clippy.extend(["--".into(), "-D".into(), "warnings".into()]);
    let clippy: Vec<&str> = clippy.iter().map(String::as_str).collect();
    if let Err(errors) = scratch.cargo(&clippy) {
        panic!("clippy finds problems in the generated crates:\n{errors}");
    }
    eprintln!(
        "{} snapshot crates built and tested in {:.1?}",
        members.len(),
        started.elapsed()
    );
}
