//! `cargo xtask corpus`: on a folder of documents nobody has seen (a valid one, a set of files
//! that refer to each other, one whose refs are served from `_url-refs/`, one that is not
//! YAML, one that is not AsyncAPI), and on the shared corpus when it is beside the project, where
//! a regression in any document fails this test and a stale `docs/conformance.md` too.
//!
//! Both share one target folder with `cargo xtask corpus` itself, so that the generated crates'
//! dependencies are built once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn corpus(args: &[&str], scratch: &str) -> Output {
    let root = root();
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("corpus")
        .args(args)
        .arg("--offline")
        .arg("--scratch")
        .arg(root.join("target/tmp").join(scratch))
        .arg("--target-dir")
        .arg(root.join("target/xtask-corpus-target"))
        .current_dir(&root)
        .output()
        .expect("run xtask")
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("create a folder");
    std::fs::write(path, text).expect("write a document");
}

/// The table rows, without the generation time (it varies from run to run).
fn rows(report: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            cells[..cells.len() - 1].join(" | ")
        })
        .collect()
}

#[test]
fn any_folder_of_documents_gets_a_table_with_every_rejection_located_and_explained() {
    let dir = tempfile::tempdir().expect("a folder");
    let dir = dir.path();
    write(
        dir,
        "good.yaml",
        "asyncapi: 3.0.0\ninfo: {title: Good, version: '1'}\nchannels:\n  lights:\n    address: lights/{id}\n    parameters:\n      id: {}\n    messages:\n      measured:\n        payload:\n          type: object\n          properties:\n            lumens: {type: integer}\n            at: {$ref: 'https://example.com/schemas/time.yaml#/Time'}\noperations:\n  measured:\n    action: receive\n    channel: {$ref: '#/channels/lights'}\n",
    );
    write(
        dir,
        "_url-refs/example.com/schemas/time.yaml",
        "Time: {type: string, format: date-time}\n",
    );
    write(
        dir,
        "broken.yaml",
        "asyncapi: 2.6.0\ninfo: {title: t, version: '1'\nchannels: {}\n",
    );
    write(
        dir,
        "not-asyncapi.yaml",
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
    );
    // A set: its entry document (it has `asyncapi`) and a file it refers to (which is not
    // listed); a `null` description is read past with a warning.
    write(
        dir,
        "set/main.yaml",
        "asyncapi: 2.6.0\ninfo: {title: Set, version: '1', description: null}\nchannels:\n  orders:\n    subscribe:\n      message: {$ref: 'common.yaml#/Order'}\n",
    );
    write(
        dir,
        "set/common.yaml",
        "Order:\n  payload:\n    type: object\n    properties:\n      id: {type: string}\n",
    );
    let report = dir.join("report.md");
    let out = corpus(
        &[
            dir.to_str().expect("a UTF-8 path"),
            "--out",
            report.to_str().expect("UTF-8"),
        ],
        "corpus-unseen",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(report).expect("the report");
    assert_eq!(
        rows(&report),
        [
            "| `broken.yaml` | ? | 0 | 0 | 0 | rejected: broken.yaml:3:1 [syntax] invalid YAML: did not find expected ',' or '}', while parsing a flow mapping at line 2 column 7",
            "| `good.yaml` | 3.0.0 | 1 | 1 | 2 | ok",
            "| `not-asyncapi.yaml` | ? | 0 | 0 | 0 | rejected: not-asyncapi.yaml:1:1 [not-asyncapi] not an AsyncAPI document: the required field `asyncapi` is missing (supported versions: 2.0.0, 2.1.0, 2.2.0, 2.3.0, 2.4.0, 2.5.0, 2.6.0, 3.0.0, 3.1.0)",
            "| `set/main.yaml` | 2.6.0 | 1 | 1 | 1 | ok (1 warning)",
        ]
    );
    assert!(report.contains("4 documents: 2 ok, 2 rejected by the loader, 0 failed."));
    assert!(report.contains(
        "- `broken.yaml`: the file is not well-formed YAML or JSON, so no reader can know what it says."
    ));
    assert!(report.contains(
        "- `not-asyncapi.yaml`: the file is not an AsyncAPI document: it has no `asyncapi` field naming a version."
    ));
}

#[test]
fn a_folder_without_documents_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().expect("a folder");
    let out = corpus(&[dir.path().to_str().expect("UTF-8")], "corpus-empty");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no AsyncAPI documents (.yaml, .yml, .json) in"),
        "{stderr}"
    );
}

#[test]
fn every_shared_corpus_document_is_ok_or_rejected_with_a_reason_and_the_table_is_current() {
    let shared = root().join("../shared/corpus");
    if !shared.is_dir() {
        eprintln!("skipped: {} is not here", shared.display());
        return;
    }
    let report = root().join("target/tmp/conformance.md");
    let out = corpus(
        &[
            shared.to_str().expect("UTF-8"),
            "--out",
            report.to_str().expect("UTF-8"),
        ],
        "corpus-shared",
    );
    assert!(
        out.status.success(),
        "a corpus document regressed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = std::fs::read_to_string(&report).expect("the report");
    let committed =
        std::fs::read_to_string(root().join("docs/conformance.md")).expect("docs/conformance.md");
    assert_eq!(
        rows(&fresh),
        rows(&committed),
        "docs/conformance.md is stale: run `cargo xtask corpus`"
    );
    let rejections = |r: &str| r.split("## Rejections").nth(1).map(str::to_owned);
    assert_eq!(
        rejections(&fresh),
        rejections(&committed),
        "docs/conformance.md is stale: run `cargo xtask corpus`"
    );
}
