//! The slips a lenient load reads past, as fixtures. Each `tests/fixtures/repairs/<case>/`
//! holds a document with slips (`slipped.yaml` or `.json`) and the exact diagnostics of a
//! strict load (`strict.expected`) and of a lenient one (`lenient.expected`). When the lenient
//! load succeeds, the case also holds `corrected.yaml` (or `.json`), the document fixed by
//! hand as the warnings say, which must load strictly without a diagnostic and give the
//! generator exactly the same input: the same view and the same value for every schema.
//!
//! `UPDATE_EXPECT=1 cargo test -p asyncapi-model --test repairs` rewrites the expected files;
//! read the diff before accepting it.

mod common;

use std::path::{Path, PathBuf};

use asyncapi_model::{Document, LoadOptions, Schema, load};
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/repairs");
    std::fs::canonicalize(&dir).expect("the fixture folder exists")
}

/// The file of a case named `stem`, in YAML or JSON.
fn file(case: &Path, stem: &str) -> Option<PathBuf> {
    ["yaml", "json"]
        .iter()
        .map(|ext| case.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

fn cases() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("read the fixture folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn lenient() -> LoadOptions {
    LoadOptions {
        lenient: true,
        ..LoadOptions::default()
    }
}

/// What a user reads: whether it loads, then every diagnostic, one a line.
fn run(case: &Path, path: &Path, opts: &LoadOptions) -> (Option<Document>, String) {
    let (doc, diags) = match load(path, opts) {
        Ok(doc) => {
            let diags = doc.diagnostics.clone();
            (Some(doc), diags)
        }
        Err(e) => (None, e.diagnostics),
    };
    let verdict = if doc.is_some() {
        "loads"
    } else {
        "does not load"
    };
    let text = format!("# {verdict}\n{}", common::render(&diags, case));
    (doc, text)
}

/// Everything the generator reads: the view, and the value of each schema it names.
fn generator_input(doc: &Document) -> Value {
    let api = &doc.api;
    let mut schemas: Vec<&Schema> = api.schemas.values().collect();
    for m in &api.messages {
        schemas.extend(m.payload.iter().chain(m.headers.iter()));
    }
    for c in &api.channels {
        schemas.extend(c.parameters.iter().filter_map(|p| p.schema.as_ref()));
    }
    let values: Vec<Value> = schemas
        .into_iter()
        .map(|s| json!({"at": s.at, "value": doc.schema_value(s)}))
        .collect();
    json!({"api": api, "schemas": values})
}

#[test]
fn repairs_as_fixtures() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(cases.len() >= 7, "found only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().expect("a name").to_string_lossy();
        let slipped = file(case, "slipped").expect("a slipped document");
        let (strict_doc, strict) = run(case, &slipped, &LoadOptions::default());
        assert!(
            strict_doc.is_none(),
            "{name}: a slip is an error when strict"
        );
        let (repaired, lenient_text) = run(case, &slipped, &lenient());
        for (mode, actual) in [("strict", strict), ("lenient", lenient_text)] {
            let expected_path = case.join(format!("{mode}.expected"));
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                if update {
                    std::fs::write(&expected_path, &actual).expect("write the expected file");
                    eprintln!("updated {}", expected_path.display());
                } else {
                    failures.push(format!(
                        "{name} ({mode}):\n--- expected\n{expected}--- actual\n{actual}"
                    ));
                }
            }
        }
        match (repaired, file(case, "corrected")) {
            (Some(repaired), Some(corrected)) => {
                let corrected = load(&corrected, &LoadOptions::default())
                    .unwrap_or_else(|e| panic!("{name}: the corrected document loads:\n{e}"));
                assert!(
                    corrected.diagnostics.is_empty(),
                    "{name}: the corrected document has no diagnostics:\n{}",
                    corrected.diagnostics
                );
                assert_eq!(
                    generator_input(&repaired),
                    generator_input(&corrected),
                    "{name}: the repaired document is not what its corrected version is"
                );
            }
            (Some(_), None) => failures.push(format!("{name}: loads, but has no corrected.yaml")),
            (None, Some(_)) => {
                failures.push(format!("{name}: has corrected.yaml, but does not load"))
            }
            (None, None) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences (UPDATE_EXPECT=1 rewrites the expected files):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every warning of a lenient load that stands for a repaired slip says what it assumed, and a
/// strict load of the same document has the same problem, at the same place, as an error.
#[test]
fn a_repair_is_the_strict_error_plus_what_was_assumed() {
    for case in cases() {
        let slipped = file(&case, "slipped").expect("a slipped document");
        let strict = load(&slipped, &LoadOptions::default()).expect_err("strict refuses");
        let lenient = match load(&slipped, &lenient()) {
            Ok(doc) => doc.diagnostics,
            Err(e) => e.diagnostics,
        };
        for d in lenient.warnings() {
            let error = strict
                .diagnostics
                .errors()
                .find(|e| e.pointer == d.pointer && d.message.starts_with(&e.message))
                .unwrap_or_else(|| panic!("no strict error for the repair {d}"));
            let assumed = &d.message[error.message.len()..];
            assert!(
                assumed.starts_with("; ") && assumed.len() > 2,
                "{d} does not say what it assumed"
            );
            assert_eq!(
                (d.code, d.line, d.column),
                (error.code, error.line, error.column)
            );
        }
        assert_eq!(
            lenient.errors().count() + lenient.warnings().count(),
            strict.diagnostics.len(),
            "{}: both modes report the same problems",
            case.display()
        );
    }
}

/// Strict is the default: the options every other test uses refuse slips.
#[test]
fn loading_is_strict_by_default() {
    assert!(!LoadOptions::default().lenient);
}

/// The corpus document that writes numbers as strings generates when lenient. Skipped when the
/// shared corpus is absent.
#[test]
fn the_corpus_document_with_quoted_numbers_loads_when_lenient() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("skipped: no shared folder next to the project");
        return;
    };
    let path = shared.join("corpus/lego-asyncapi-net__complete-kafka-spec.json");
    if !path.is_file() {
        eprintln!("skipped: {} is absent", path.display());
        return;
    }
    assert!(load(&path, &LoadOptions::default()).is_err());
    let doc = load(&path, &lenient()).expect("loads when lenient");
    let repaired: Vec<&str> = doc.diagnostics.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(repaired.len(), 5, "{}", doc.diagnostics);
    let minimum = doc
        .store
        .get(&asyncapi_model::Loc::new(
            doc.store.root_id(),
            "/components/schemas/dimLightPayload/properties/percentage/minimum",
        ))
        .expect("the keyword is there");
    assert_eq!(minimum, &json!(0));
}

/// Over the shared corpus: a lenient load never panics, loads every document a strict load
/// loads (with the same view and the same diagnostics), and refuses only with errors. Skipped
/// when the shared corpus is absent.
#[test]
fn lenient_loads_what_strict_loads_and_more() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("skipped: no shared folder next to the project");
        return;
    };
    let corpus = shared.join("corpus");
    let Ok(tsv) = std::fs::read_to_string(corpus.join("SOURCES.tsv")) else {
        eprintln!("skipped: {} has no SOURCES.tsv", corpus.display());
        return;
    };
    let refs = corpus.join("_url-refs");
    let strict = LoadOptions {
        root: Some(corpus.clone()),
        url_maps: ["www.asyncapi.com", "raw.githubusercontent.com"]
            .iter()
            .map(|host| asyncapi_model::UrlMap {
                prefix: format!("https://{host}/"),
                dir: refs.join(host),
            })
            .collect(),
        ..LoadOptions::default()
    };
    let lenient = LoadOptions {
        lenient: true,
        ..strict.clone()
    };
    let mut newly = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 5 || cols[4] == "-" {
            continue;
        }
        let path = corpus.join(cols[0]);
        let lenient_result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(&path, &lenient)))
                .unwrap_or_else(|_| panic!("{}: a lenient load panicked", cols[0]));
        match (load(&path, &strict), lenient_result) {
            (Ok(s), Ok(l)) => {
                assert_eq!(s.diagnostics, l.diagnostics, "{}", cols[0]);
                assert_eq!(generator_input(&s), generator_input(&l), "{}", cols[0]);
            }
            (Ok(_), Err(e)) => panic!("{}: loads strictly, not leniently:\n{e}", cols[0]),
            (Err(_), Ok(_)) => newly.push(cols[0].to_owned()),
            (Err(_), Err(e)) => assert!(e.diagnostics.has_errors(), "{}", cols[0]),
        }
    }
    eprintln!("loads only when lenient: {newly:?}");
    assert!(
        newly.iter().any(|f| f.starts_with("lego-asyncapi-net")),
        "{newly:?}"
    );
}
