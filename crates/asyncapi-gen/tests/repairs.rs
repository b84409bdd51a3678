//! Slips in a document, through the command line: `generate` reads past them with warnings
//! and writes exactly the crate that the corrected document gives; `--strict` (on `generate`,
//! `vendor`, `scaffold`) and `validate` refuse them. The documents are the loader's repair
//! fixtures (`crates/asyncapi-model/tests/fixtures/repairs/<case>/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asyncapi-gen"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `(case, slipped document, corrected document)` of every case that has a corrected one.
fn cases() -> Vec<(String, PathBuf, PathBuf)> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../asyncapi-model/tests/fixtures/repairs");
    let find = |case: &Path, stem: &str| {
        ["yaml", "json"]
            .iter()
            .map(|ext| case.join(format!("{stem}.{ext}")))
            .find(|p| p.is_file())
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the repair fixtures") {
        let case = entry.expect("an entry").path();
        let name = case
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        if let (Some(slipped), Some(corrected)) = (find(&case, "slipped"), find(&case, "corrected"))
        {
            out.push((name, slipped, corrected));
        }
    }
    out.sort();
    assert!(out.len() >= 6, "found {} cases", out.len());
    out
}

/// Copies `doc` into `dir` as `spec.<ext>`, so that both versions of a case have one name.
fn place(doc: &Path, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create a folder");
    let ext = doc.extension().and_then(|e| e.to_str()).unwrap_or("yaml");
    let to = dir.join(format!("spec.{ext}"));
    std::fs::copy(doc, &to).expect("copy the document");
    to
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read a generated folder") {
            let p = entry.expect("an entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("below dir")
                    .display()
                    .to_string();
                out.insert(rel, std::fs::read_to_string(&p).expect("a text file"));
            }
        }
    }
    out
}

fn generate(spec: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "generate",
        s(spec),
        "--out",
        s(out),
        "--crate-name",
        "lights",
        "--runtime-version",
        "0.1.0",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn generate_reads_past_slips_and_writes_what_the_corrected_document_gives() {
    for (name, slipped, corrected) in cases() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let a = place(&slipped, &tmp.path().join("slipped"));
        let b = place(&corrected, &tmp.path().join("corrected"));
        let out_a = tmp.path().join("out-slipped");
        let out_b = tmp.path().join("out-corrected");
        let ran = generate(&a, &out_a, &[]);
        let err = String::from_utf8_lossy(&ran.stderr);
        assert!(ran.status.success(), "{name}: generate fails:\n{err}");
        assert!(err.contains("warning["), "{name}: no warning:\n{err}");
        assert!(!err.contains("error["), "{name}: an error:\n{err}");
        let ran = generate(&b, &out_b, &[]);
        assert!(
            ran.status.success(),
            "{name}: the corrected document fails:\n{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        assert_eq!(files(&out_a), files(&out_b), "{name}: the crates differ");
    }
}

#[test]
fn strict_and_validate_refuse_slips() {
    let (name, slipped, _) = cases().remove(0);
    let tmp = tempfile::tempdir().expect("tempdir");
    let spec = place(&slipped, tmp.path());
    let out = tmp.path().join("out");
    let ran = generate(&spec, &out, &["--strict"]);
    assert_eq!(ran.status.code(), Some(1), "{name}");
    assert!(String::from_utf8_lossy(&ran.stderr).contains("error["));
    assert!(!out.exists(), "{name}: --strict wrote {}", out.display());

    let ran = run(&["validate", s(&spec)]);
    assert_eq!(
        ran.status.code(),
        Some(1),
        "{name}: validate is always strict"
    );

    let vendor = tmp.path().join("vendor");
    let ran = run(&["vendor", s(&spec), "--out", s(&vendor), "--strict"]);
    assert_eq!(ran.status.code(), Some(1), "{name}: vendor --strict");
    assert!(!vendor.exists());

    let handler = tmp.path().join("handler.rs");
    let ran = run(&["scaffold", s(&spec), "--out", s(&handler), "--strict"]);
    assert_eq!(ran.status.code(), Some(1), "{name}: scaffold --strict");
    assert!(!handler.exists());
    let ran = run(&["scaffold", s(&spec), "--out", s(&handler)]);
    assert!(
        ran.status.success(),
        "{name}: scaffold reads past slips:\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(handler.is_file());
}
