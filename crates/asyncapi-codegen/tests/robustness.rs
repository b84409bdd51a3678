//! Bad input is a diagnostic, never a panic: every corpus document, mutated at random
//! (nodes replaced by values of the wrong kind, by refs that lead nowhere or to themselves,
//! members removed), either loads and generates or is rejected with located errors.
//! Deterministic (a fixed-seed generator), bounded, and skipped without `../shared`.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Value, json};

/// xorshift64*: small, deterministic, good enough to pick nodes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Every node's path (as a list of keys/indices), in document order.
fn paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                here.push(k.clone());
                paths(c, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                here.push(i.to_string());
                paths(c, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = v;
    for p in path {
        cur = match cur {
            Value::Object(m) => m.get_mut(p)?,
            Value::Array(a) => a.get_mut(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn mutate(doc: &mut Value, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let path = all[1 + rng.below(all.len().saturating_sub(1))].clone();
    let replacements = [
        Value::Null,
        json!(42),
        json!(-1.5),
        json!("text"),
        json!(true),
        json!([]),
        json!({}),
        json!({"$ref": "#/components/nothing/here"}),
        json!({"$ref": "#"}),
        json!({"$ref": format!("#/{}", path.join("/"))}),
        json!({"$ref": "./missing-file.yaml#/x"}),
        json!({"$ref": "https://example.invalid/schema.json"}),
        json!({"type": "object", "properties": {"a": {"$ref": "#"}}}),
        json!({"oneOf": [], "allOf": [{}], "enum": []}),
    ];
    if rng.below(4) == 0 {
        let (last, parent) = path.split_last().expect("not the root");
        if let Some(Value::Object(m)) = node_mut(doc, parent) {
            m.remove(last);
            return format!("removed /{}", path.join("/"));
        }
    }
    let r = replacements[rng.below(replacements.len())].clone();
    let shown = r.to_string();
    if let Some(n) = node_mut(doc, &path) {
        *n = r;
    }
    format!("/{} = {shown}", path.join("/"))
}

#[test]
fn mutated_corpus_documents_never_panic() {
    let Some(corpus) = common::corpus_dir() else {
        eprintln!("skipped: the shared corpus (../shared/corpus) is absent");
        return;
    };
    let opts = common::corpus_options(&corpus);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (mut loaded, mut rejected, mut generated) = (0, 0, 0);
    let mut panics = Vec::new();
    for file in common::corpus_roots(&corpus) {
        let path = corpus.join(&file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok((_, original)) = asyncapi_model::source::parse(&text) else {
            continue;
        };
        // Generating is the slow part in a debug build: only for smaller documents.
        let generate = text.len() < 40_000;
        for round in 0..8 {
            let mut doc = original.clone();
            let what = mutate(&mut doc, &mut rng);
            let mutated = serde_json::to_string(&doc).expect("serializes");
            let result = catch_unwind(AssertUnwindSafe(|| {
                match asyncapi_model::load_str(&path, mutated, &opts) {
                    Ok(doc) => {
                        if generate {
                            asyncapi_codegen::generate(&doc, &asyncapi_codegen::Settings::default())
                                .map(|_| "generated")
                                .unwrap_or("generator error")
                        } else {
                            "loaded"
                        }
                    }
                    Err(e) => {
                        assert!(e.diagnostics.has_errors(), "rejected without an error");
                        for d in e.diagnostics.errors() {
                            assert!(d.line > 0, "error without a position: {d}");
                        }
                        "rejected"
                    }
                }
            }));
            match result {
                Ok("rejected") => rejected += 1,
                Ok("generated") => {
                    loaded += 1;
                    generated += 1;
                }
                Ok("generator error") => panics.push(format!(
                    "{file} round {round} ({what}): internal generator error"
                )),
                Ok(_) => loaded += 1,
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    panics.push(format!("{file} round {round} ({what}): {msg}"));
                }
            }
        }
    }
    eprintln!(
        "{loaded} mutated documents loaded ({generated} generated), {rejected} rejected with located errors"
    );
    assert!(
        panics.is_empty(),
        "{} panics:\n{}",
        panics.len(),
        panics.join("\n")
    );
    assert!(loaded + rejected > 300);
}
