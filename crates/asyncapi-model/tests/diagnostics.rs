//! Diagnostics as fixtures: each `tests/fixtures/diagnostics/<case>.yaml` (or `.json`, or a
//! folder `<case>/` whose root document is `asyncapi.yaml`) is loaded, and every diagnostic's
//! rendered line (paths relative to the fixture folder) must equal `<case>.expected`.
//! Names starting with `_` are data that cases refer to, not cases.
//!
//! `UPDATE_EXPECT=1 cargo test -p asyncapi-model --test diagnostics` rewrites the expected files;
//! read the diff before accepting it.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use asyncapi_model::{LoadOptions, load};
use common::{Spec, err_text, render};

fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diagnostics");
    std::fs::canonicalize(&dir).expect("the fixture folder exists")
}

/// `(case name, root document)` of every case, by name.
fn cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the fixture folder") {
        let path = entry.expect("a folder entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 name")
            .to_owned();
        if name.starts_with('_') {
            continue;
        }
        if path.is_dir() {
            let root = ["asyncapi.yaml", "asyncapi.json"]
                .iter()
                .map(|f| path.join(f))
                .find(|p| p.is_file())
                .unwrap_or_else(|| {
                    panic!("case folder {name} has no asyncapi.yaml or asyncapi.json")
                });
            out.push((name, root));
        } else if let Some(stem) = name
            .strip_suffix(".yaml")
            .or_else(|| name.strip_suffix(".yml"))
            .or_else(|| name.strip_suffix(".json"))
        {
            out.push((stem.to_owned(), path));
        }
    }
    out.sort();
    out
}

/// Loads a case and renders what a user would read: every diagnostic, one a line.
fn run_case(dir: &Path, root: &Path) -> (bool, String) {
    match load(root, &LoadOptions::default()) {
        Ok(doc) => {
            assert!(!doc.diagnostics.has_errors());
            (true, render(&doc.diagnostics, dir))
        }
        Err(e) => {
            assert!(e.diagnostics.has_errors(), "a failed load reports an error");
            (false, render(&e.diagnostics, dir))
        }
    }
}

#[test]
fn diagnostic_fixtures() {
    let dir = fixtures();
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let cases = cases(&dir);
    assert!(cases.len() >= 20, "found only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for (name, root) in &cases {
        let (loaded, actual) = run_case(&dir, root);
        let actual = format!(
            "# {}\n{actual}",
            if loaded { "loads" } else { "does not load" }
        );
        let expected_path = dir.join(format!("{name}.expected"));
        seen.insert(expected_path.clone());
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            if update {
                std::fs::write(&expected_path, &actual).expect("write the expected file");
                eprintln!("updated {}", expected_path.display());
            } else {
                failures.push(format!(
                    "{name}:\n--- expected ({})\n{expected}--- actual\n{actual}",
                    expected_path.display()
                ));
            }
        }
    }
    for entry in std::fs::read_dir(&dir).expect("read the fixture folder") {
        let path = entry.expect("a folder entry").path();
        if path.extension().is_some_and(|e| e == "expected") && !seen.contains(&path) {
            failures.push(format!("{} belongs to no case", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ (UPDATE_EXPECT=1 rewrites them):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every code the loader emits has a fixture (except `io`, tested below).
#[test]
fn every_diagnostic_code_has_a_fixture() {
    let dir = fixtures();
    let mut codes = BTreeSet::new();
    for (_, root) in cases(&dir) {
        let diags = match load(&root, &LoadOptions::default()) {
            Ok(doc) => doc.diagnostics,
            Err(e) => e.diagnostics,
        };
        codes.extend(diags.iter().map(|d| d.code));
    }
    let all = [
        "duplicate-operation-id",
        "invalid-expression",
        "invalid-name",
        "invalid-ref",
        "invalid-schema",
        "invalid-type",
        "invalid-value",
        "message-not-in-channel",
        "missing-field",
        "not-asyncapi",
        "ref-cycle",
        "syntax",
        "undefined-parameter",
        "undefined-security-scheme",
        "undefined-server",
        "undefined-variable",
        "unknown-field",
        "unresolved-ref",
        "unsupported-version",
        "unused-parameter",
        "version-field",
    ];
    let missing: Vec<_> = all.iter().filter(|c| !codes.contains(*c)).collect();
    assert!(missing.is_empty(), "no fixture emits {missing:?}");
    let unknown: Vec<_> = codes.iter().filter(|c| !all.contains(c)).collect();
    assert!(unknown.is_empty(), "codes not listed here: {unknown:?}");
}

#[test]
fn unreadable_root_document_is_an_io_error() {
    let spec = Spec::new(&[]);
    let e = spec.load("missing.yaml").expect_err("no such file");
    assert_eq!(
        spec.render(&e.diagnostics),
        "missing.yaml:0:0: error[io]: cannot read the document: No such file or directory (os error 2)\n"
    );
}

/// Problems are all reported in one run, in file order.
#[test]
fn three_independent_errors_are_all_reported() {
    let out = err_text(
        r##"asyncapi: 3.0.0
info:
  title: Lights
channels:
  lights:
    messages:
      on:
        payload:
          $ref: '#/components/schemas/Missing'
operations:
  turnOn:
    action: toggle
    channel:
      $ref: '#/channels/lights'
"##,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "spec.yaml:2:1: error[missing-field]: the info object is missing the required field `version` (at /info)",
            "spec.yaml:9:11: error[unresolved-ref]: cannot resolve schema reference: `/components/schemas/Missing` does not exist in `spec.yaml`: the document root has no `components` (at /channels/lights/messages/on/payload/$ref)",
            "spec.yaml:12:5: error[invalid-value]: `action` must be `send` or `receive`, found \"toggle\" (at /operations/turnOn/action)",
        ]
    );
}

/// The LoadError's own Display: a count, then every diagnostic.
#[test]
fn load_error_display_counts_errors() {
    let e = common::load_text("asyncapi: 3.0.0\ninfo: {title: t}\nchannels: {a: {address: 5}}\n")
        .expect_err("two errors");
    assert_eq!(
        e.to_string(),
        "the document has 2 errors\n\
         spec.yaml:2:1: error[missing-field]: the info object is missing the required field `version` (at /info)\n\
         spec.yaml:3:16: error[invalid-type]: `address` must be a string, found 5 (at /channels/a/address); help: quote it: `address: '5'`\n"
    );
}

/// Positions of the first diagnostic of a spec that fails to load.
fn first_error(text: &str) -> (String, usize, usize) {
    let e = common::load_text(text).expect_err("the spec does not load");
    let d = e.diagnostics.errors().next().expect("an error").clone();
    (d.code.to_owned(), d.line, d.column)
}

#[test]
fn syntax_errors_have_positions() {
    assert_eq!(
        first_error("asyncapi: 3.0.0\ninfo:\n\ttitle: t\n"),
        ("syntax".to_owned(), 3, 1)
    );
    assert_eq!(
        err_text(
            "{\n  \"asyncapi\": \"3.0.0\",\n  \"info\": {\"title\": \"t\" \"version\": \"1\"}\n}\n"
        ),
        "spec.yaml:3:25: error[syntax]: invalid JSON: expected `,` or `}`\n"
    );
}

#[test]
fn invalid_json_is_a_syntax_error() {
    let text = "{\n  \"asyncapi\": \"3.0.0\",\n  \"info\": {\"title\": \"t\", \"version\": \"1\"},\n  \"channels\": {},\n  \"x-note\": }\n";
    assert_eq!(first_error(text), ("syntax".to_owned(), 5, 13));
}

#[test]
fn json_syntax_error_at_end_of_file_has_a_column() {
    let text = "{\n  \"asyncapi\": \"3.0.0\",\n  \"channels\": {\n";
    assert_eq!(first_error(text), ("syntax".to_owned(), 4, 1));
}

#[test]
fn multi_document_yaml_error_has_a_position() {
    let (code, line, _) =
        first_error("asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels: {}\n---\n");
    assert_eq!((code.as_str(), line), ("syntax", 4));
}

#[test]
fn duplicate_yaml_keys_are_a_syntax_error() {
    let text = "asyncapi: 3.0.0\ninfo: {title: a, version: '1'}\ninfo: {title: b, version: '1'}\nchannels: {}\n";
    assert_eq!(first_error(text), ("syntax".to_owned(), 3, 1));
}

#[test]
fn block_mappings_are_located_at_their_first_character() {
    // The root document: `asyncapi: 2.6.0` puts it at 1:9 today.
    assert_eq!(
        first_error("asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\n"),
        ("missing-field".to_owned(), 1, 1)
    );
    // An array item: at the `h` of `host`, not at the colon after it (6:13 today).
    assert_eq!(
        first_error(
            "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    servers:\n      - host: x\n        protocol: y\n"
        ),
        ("invalid-type".to_owned(), 6, 9)
    );
}

#[test]
fn correlation_id_location_must_name_the_header_or_the_payload() {
    let out = err_text(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    messages:\n      m:\n        correlationId: {location: '$message.headers#/id'}\n",
    );
    assert!(out.contains("error[invalid-expression]"), "{out}");
}
