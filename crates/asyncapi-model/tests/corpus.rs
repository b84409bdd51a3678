//! Every root document of the shared corpus (`/work/shared/corpus`, at `../../../shared` from
//! this crate) either loads or is rejected with located diagnostics, and none panics. Skipped
//! when the shared folder is absent.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use asyncapi_model::{LoadOptions, UrlMap, load};

/// A root document listed in `SOURCES.tsv`.
struct Entry {
    file: String,
    version: String,
    /// Whether the official JSON Schema accepts it (`schema-validation: valid...`).
    schema_valid: bool,
}

/// The root documents listed in `SOURCES.tsv` (those with an `asyncapi_version`).
fn root_documents(corpus: &Path) -> Vec<Entry> {
    let tsv = std::fs::read_to_string(corpus.join("SOURCES.tsv")).expect("read SOURCES.tsv");
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    assert_eq!(header[0], "file");
    assert_eq!(header[4], "asyncapi_version");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Entry {
                file: cols[0].to_owned(),
                version: cols[4].to_owned(),
                schema_valid: cols
                    .get(5)
                    .is_some_and(|f| f.contains("schema-validation: valid")),
            }
        })
        .filter(|e| e.version != "-")
        .collect()
}

fn options(corpus: &Path) -> LoadOptions {
    let refs = corpus.join("_url-refs");
    let map = |host: &str| UrlMap {
        prefix: format!("https://{host}/"),
        dir: refs.join(host),
    };
    LoadOptions {
        root: Some(corpus.to_path_buf()),
        url_maps: vec![
            map("www.asyncapi.com"),
            map("deploy-preview-921--asyncapi-website.netlify.app"),
            map("raw.githubusercontent.com"),
        ],
        ..Default::default()
    }
}

#[test]
fn corpus_documents_load_or_fail_with_located_diagnostics() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("skipped: no shared folder next to the project");
        return;
    };
    let corpus = shared.join("corpus");
    if !corpus.join("SOURCES.tsv").is_file() {
        eprintln!("skipped: {} has no SOURCES.tsv", corpus.display());
        return;
    }
    let docs = root_documents(&corpus);
    assert!(
        docs.len() >= 40,
        "only {} root documents listed",
        docs.len()
    );
    assert!(docs.iter().filter(|e| e.schema_valid).count() >= 30);
    let opts = options(&corpus);
    let mut problems = Vec::new();
    let mut summary = String::new();
    for Entry {
        file,
        version,
        schema_valid,
    } in &docs
    {
        let path: PathBuf = corpus.join(file);
        let outcome = catch_unwind(AssertUnwindSafe(|| load(&path, &opts)));
        let result = match outcome {
            Ok(r) => r,
            Err(_) => {
                problems.push(format!("{file}: the loader panicked"));
                continue;
            }
        };
        let diags = match &result {
            Ok(doc) => {
                if doc.api.version != *version {
                    problems.push(format!(
                        "{file}: version {} but SOURCES.tsv says {version}",
                        doc.api.version
                    ));
                }
                &doc.diagnostics
            }
            Err(e) => &e.diagnostics,
        };
        if *schema_valid && result.is_err() {
            problems.push(format!(
                "{file}: the official schema accepts it, but it does not load"
            ));
        }
        for d in diags {
            if d.line == 0 {
                problems.push(format!("{file}: diagnostic without a line: {d}"));
            }
        }
        let rendered = common::render(diags, &corpus);
        summary.push_str(&format!(
            "{file}: {}\n{rendered}",
            if result.is_ok() { "loads" } else { "rejected" }
        ));
    }
    eprintln!("{summary}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
