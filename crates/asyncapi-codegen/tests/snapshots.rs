//! Snapshot tests, one per construct: `tests/snapshots/<case>.yaml` is generated and each of
//! the case's files is compared with `tests/snapshots/<case>.<file>.rs` (`types` unless the
//! case says `# files: ...`); the notes (loader warnings and generator notes) with
//! `<case>.notes.txt`. `UPDATE_SNAPSHOTS=1 cargo test -p asyncapi-codegen --test snapshots`
//! rewrites the expected files; read every change before accepting it.
//! `tests/compile.rs` builds every case's crate under `#![deny(warnings)]`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::Case;

fn update() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the file at `path` (or rewrites it with `UPDATE_SNAPSHOTS=1`);
/// `None` means there must be no such file. Returns a description of the mismatch.
fn check(path: &Path, actual: Option<&str>) -> Option<String> {
    let expected = std::fs::read_to_string(path).ok();
    if expected.as_deref() == actual {
        return None;
    }
    if update() {
        match actual {
            Some(text) => std::fs::write(path, text).expect("write a snapshot"),
            None => std::fs::remove_file(path).expect("remove a snapshot"),
        }
        return None;
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    Some(match (expected, actual) {
        (None, Some(_)) => format!("{name}: missing (run with UPDATE_SNAPSHOTS=1)"),
        (Some(_), None) => format!("{name}: expected nothing, the file should be removed"),
        (Some(e), Some(a)) => format!("{name}: differs\n{}", diff(&e, a)),
        (None, None) => unreachable!(),
    })
}

/// The first differing lines, with some context.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let from = first.saturating_sub(3);
    let mut out = String::new();
    for (i, l) in e.iter().enumerate().skip(from).take(12) {
        out.push_str(&format!("  -{:>4} {l}\n", i + 1));
    }
    for (i, l) in a.iter().enumerate().skip(from).take(12) {
        out.push_str(&format!("  +{:>4} {l}\n", i + 1));
    }
    out
}

/// What the case's generation says besides code: loader warnings, then generator notes.
fn notes_text(
    case: &Case,
    doc: &asyncapi_model::Document,
    out: &asyncapi_codegen::Output,
) -> String {
    let mut s = String::new();
    for d in doc.diagnostics.iter() {
        let text = d.to_string();
        let text = text.replace(
            &*case.path.to_string_lossy(),
            &format!("{}.yaml", case.name),
        );
        s.push_str(&format!("{text}\n"));
    }
    for n in &out.notes {
        s.push_str(&format!("{n}\n"));
    }
    s
}

#[test]
fn snapshots() {
    let cases = common::cases();
    let dir = common::snapshots_dir();
    let mut failures = Vec::new();
    let mut expected_files = BTreeSet::new();
    for case in &cases {
        let doc = common::load(&case.path);
        let out = common::generate(&doc, &case.settings, &case.name);
        for file in &case.files {
            let key = format!("src/{file}.rs");
            let actual = out
                .files
                .get(&key)
                .unwrap_or_else(|| panic!("{}: no {key} generated", case.name));
            let snap = format!("{}.{file}.rs", case.name);
            failures.extend(check(&dir.join(&snap), Some(actual)));
            expected_files.insert(snap);
        }
        let notes = notes_text(case, &doc, &out);
        let snap = format!("{}.notes.txt", case.name);
        failures.extend(check(
            &dir.join(&snap),
            (!notes.is_empty()).then_some(notes.as_str()),
        ));
        expected_files.insert(snap);
        expected_files.insert(format!("{}.yaml", case.name));
    }
    // Expected files of cases or files that no longer exist.
    for e in std::fs::read_dir(&dir)
        .expect("read tests/snapshots")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if !expected_files.contains(&name) {
            if update() {
                std::fs::remove_file(e.path()).expect("remove a stale snapshot");
            } else {
                failures.push(format!("{name}: no case produces it; remove it"));
            }
        }
    }
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Generating a case twice (two loads, so hash seeds differ) gives the same bytes.
#[test]
fn snapshots_are_deterministic() {
    for case in common::cases() {
        let a = common::generate(&common::load(&case.path), &case.settings, &case.name);
        let b = common::generate(&common::load(&case.path), &case.settings, &case.name);
        assert_eq!(a, b, "{}", case.name);
    }
}
