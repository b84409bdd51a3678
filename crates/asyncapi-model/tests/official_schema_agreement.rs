//! The loader must agree with the official AsyncAPI JSON Schemas on the corpus of real
//! documents in `../shared/corpus/`: for each root document, the official schema of its
//! version and our loader each accept or reject it, and any disagreement must be listed below
//! with the reason. Skipped when `../shared` is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use asyncapi_model::{LoadOptions, UrlMap};

/// Documents where the official schema and the loader disagree on purpose.
/// `(file, official schema accepts, loader accepts, reason)`.
const KNOWN_DISAGREEMENTS: &[(&str, bool, bool, &str)] = &[
    (
        "asyncapi-spec-v2.0.0__streetlights.yaml",
        false,
        true,
        "known bug of the official 2.x schemas: a parameter written as `$ref` matches both branches of their `oneOf` (Reference and Parameter), so every 2.x document with parameter refs fails them",
    ),
    (
        "generator__dummy.yaml",
        false,
        true,
        "the same 2.x parameter `$ref` oneOf ambiguity",
    ),
    (
        "printnanny__printnanny-octoprint.yaml",
        false,
        true,
        "the same 2.x parameter `$ref` oneOf ambiguity",
    ),
    (
        "solace-tools__acme-retail-till-system.yaml",
        false,
        true,
        "the same 2.x parameter `$ref` oneOf ambiguity",
    ),
    (
        "asyncapi-spec-v3.0.0__adeo-kafka-request-reply.yaml",
        false,
        true,
        "a kafka message binding's `key` is a bare `$ref`; bindings are kept as JSON and not checked against the binding schemas, which are protocol-specific and optional to the generator",
    ),
    (
        "microcks__user-signedup-asyncapi-3.0-reply.yaml",
        false,
        true,
        "unknown fields (a googlepubsub binding's `topic`, a message's `header`) are warnings with a 'did you mean' hint, not errors: the rest of the document is usable",
    ),
    (
        "api-evangelist__adobe-io-events.latest.yml",
        false,
        true,
        "message examples carry `x-microcks-default`, which the example object does not allow; like other unknown fields it is a located warning and the field is ignored",
    ),
];

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    dir.join("corpus/SOURCES.tsv").exists().then_some(dir)
}

/// The corpus' root documents and their `asyncapi` versions.
fn root_documents(corpus: &Path) -> Vec<(String, String)> {
    let tsv = std::fs::read_to_string(corpus.join("SOURCES.tsv")).expect("SOURCES.tsv is readable");
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols.len() > 4 && cols[4] != "-").then(|| (cols[0].to_owned(), cols[4].to_owned()))
        })
        .collect()
}

fn corpus_options(corpus: &Path) -> LoadOptions {
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
        ..LoadOptions::default()
    }
}

#[test]
fn loader_agrees_with_the_official_json_schemas_on_the_corpus() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is not present");
        return;
    };
    let corpus = shared.join("corpus");
    let mut validators = BTreeMap::new();
    let mut report = Vec::new();
    let mut unexplained = Vec::new();
    let docs = root_documents(&corpus);
    assert!(
        docs.len() >= 40,
        "expected the whole corpus, found {} documents",
        docs.len()
    );
    for (file, version) in &docs {
        let path = corpus.join(file);
        let text = std::fs::read_to_string(&path).expect("corpus file is readable");
        // Parsed as the loader parses it (a `.yaml` file may be a YAML flow mapping).
        let hint = asyncapi_model::Format::from_path(&path);
        let official = match asyncapi_model::source::parse_hinted(&text, hint) {
            Err(_) => false,
            Ok((_, value)) => {
                let validator = validators.entry(version.clone()).or_insert_with(|| {
                    let schema_path =
                        shared.join(format!("asyncapi-schemas/{version}-without-id.json"));
                    let schema: serde_json::Value = serde_json::from_str(
                        &std::fs::read_to_string(&schema_path).expect("official schema exists"),
                    )
                    .expect("official schema is JSON");
                    jsonschema::draft7::new(&schema).expect("official schema compiles")
                });
                validator.is_valid(&value)
            }
        };
        let loaded = asyncapi_model::load(&path, &corpus_options(&corpus));
        let ours = loaded.is_ok();
        if let Err(e) = &loaded {
            for d in e.diagnostics.errors() {
                assert!(d.line > 0, "{file}: error without a line: {d}");
            }
        }
        report.push(format!(
            "{file}: official schema {}, loader {}",
            if official { "accepts" } else { "rejects" },
            if ours { "accepts" } else { "rejects" }
        ));
        if official != ours {
            let listed = KNOWN_DISAGREEMENTS.iter().find(|(f, _, _, _)| f == file);
            match listed {
                Some((_, o, l, _)) if *o == official && *l == ours => {}
                _ => unexplained.push(format!(
                    "{file}: official {official}, loader {ours}; loader diagnostics:\n{}",
                    loaded
                        .err()
                        .map(|e| e.diagnostics.to_string())
                        .unwrap_or_default()
                )),
            }
        }
    }
    // A listed disagreement that no longer happens must be removed from the list.
    for (file, official, ours, _) in KNOWN_DISAGREEMENTS {
        let line = format!(
            "{file}: official schema {}, loader {}",
            if *official { "accepts" } else { "rejects" },
            if *ours { "accepts" } else { "rejects" }
        );
        assert!(
            report.contains(&line),
            "stale entry in KNOWN_DISAGREEMENTS: {line}"
        );
    }
    println!("{}", report.join("\n"));
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements:\n{}",
        unexplained.join("\n")
    );
}
