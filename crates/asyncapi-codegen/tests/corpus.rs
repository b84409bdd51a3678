//! The shared corpus (`../shared/corpus`, skipped when absent): every root document the loader
//! accepts becomes a crate (application perspective, or client perspective when the application
//! receives nothing) in one scratch workspace under
//! `target/`, built under `#![deny(warnings)]`; every message example (and every `examples`
//! entry of a payload schema itself) whose payload is valid against the message's own payload
//! schema (checked with `jsonschema`, draft 07) becomes a test in a scratch test crate that
//! deserializes it into the message's payload type and serializes it back, comparing modulo
//! the documented normalisations (`tests/support/same_json.rs`), and checks it against the
//! schemars schema of that type. Every example of a routed message, or else a payload made
//! from its schema, is routed as raw bytes and must reach that message. One
//! `cargo test --offline` builds and runs it all. Generating twice gives the same bytes.
//!
//! Examples invalid against their own schema, documents the loader rejects and messages
//! whose payload is not typed JSON are printed, not silently skipped.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use asyncapi_codegen::{Output, RuntimeDep, Settings};
use asyncapi_model::{Document, UrlMap};
use serde_json::{Value, json};

/// Failures we know of, each with its reason: `<corpus file>` for a document whose crate
/// does not compile (it is left out of the workspace), or `<corpus file>#<message key>/<example
/// index>` for an example that does not round-trip (its test must fail: it is generated with
/// `#[should_panic]`, so a fix shows up as a failure asking to remove the entry).
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn known_failure(id: &str) -> Option<&'static str> {
    KNOWN_FAILURES
        .iter()
        .find(|(k, _)| *k == id)
        .map(|(_, why)| *why)
}

/// A path without `.` and `..` components, so that a path as a document names it and the
/// same path in a URI compare equal.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn encode_uri_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn decode_uri_part(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn file_uri(path: &Path) -> String {
    format!(
        "file://{}",
        encode_uri_part(&normalize(path).to_string_lossy())
    )
}

/// Serves the files of a loaded document (every file its refs reach) to `jsonschema`, by
/// `file://` URI or by an `http(s)` URL the corpus maps to a local folder.
#[derive(Clone)]
struct StoreRetriever {
    files: Arc<BTreeMap<PathBuf, Value>>,
    url_maps: Arc<Vec<UrlMap>>,
}

impl StoreRetriever {
    fn new(doc: &Document, url_maps: &[UrlMap]) -> StoreRetriever {
        let files = doc
            .store
            .files()
            .map(|(_, f)| (normalize(&f.path), f.value.clone()))
            .collect();
        StoreRetriever {
            files: Arc::new(files),
            url_maps: Arc::new(url_maps.to_vec()),
        }
    }
}

impl jsonschema::Retrieve for StoreRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let text = text.split('#').next().unwrap_or(text);
        let path = if let Some(p) = text.strip_prefix("file://") {
            PathBuf::from(decode_uri_part(p))
        } else {
            let map = self
                .url_maps
                .iter()
                .find(|m| text.starts_with(&m.prefix))
                .ok_or_else(|| format!("no local copy of {text}"))?;
            map.dir.join(decode_uri_part(&text[map.prefix.len()..]))
        };
        self.files
            .get(&normalize(&path))
            .cloned()
            .ok_or_else(|| format!("{} is not a file of the document", path.display()).into())
    }
}

/// A validator for the schema of a message payload: a `$ref` to its location, so that every
/// ref inside resolves as the loader resolved it.
fn payload_validator(
    doc: &Document,
    schema: &asyncapi_model::Schema,
    registry: &jsonschema::Registry<'_>,
) -> Result<jsonschema::Validator, String> {
    let root_path = &doc.store.file(doc.store.root_id()).path;
    let wrapper = match &schema.merged {
        // Made by applying traits: its refs are absolute paths.
        Some(v) => serde_json::json!({"$id": file_uri(root_path), "allOf": [v]}),
        None => {
            let file = &doc.store.file(schema.at.file).path;
            serde_json::json!({
                "$ref": format!("{}#{}", file_uri(file), encode_uri_part(&schema.at.pointer))
            })
        }
    };
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .with_registry(registry)
        .build(&wrapper)
        .map_err(|e| e.to_string())
}

/// The `examples` (and `example`) of a payload schema itself, after following its `$ref`s.
fn schema_examples<'d>(doc: &'d Document, schema: &'d asyncapi_model::Schema) -> Vec<&'d Value> {
    let mut value = doc.schema_value(schema);
    let mut file = schema.at.file;
    for _ in 0..16 {
        let Some(r) = value.and_then(|v| v.get("$ref")).and_then(Value::as_str) else {
            break;
        };
        let Ok(target) = doc.store.resolve(file, r) else {
            return Vec::new();
        };
        file = target.file;
        value = doc.store.get(&target);
    }
    let Some(v) = value else {
        return Vec::new();
    };
    let mut out: Vec<&Value> = v
        .get("examples")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    out.extend(v.get("example"));
    out
}

/// What happened to the corpus, printed at the end.
#[derive(Default)]
struct Report {
    rejected: Vec<String>,
    untyped: Vec<String>,
    invalid: Vec<String>,
    problems: Vec<String>,
    examples: usize,
    dispatched: usize,
    sampled: usize,
    unsampled: Vec<String>,
    crates: usize,
}

/// A value valid against a schema, when one is easy to make: `const`, the first `enum` value
/// or example, else the required properties of objects with the simplest values their type
/// and bounds allow. `None` when the schema asks for more (e.g. a pattern).
fn sample(doc: &Document, file: asyncapi_model::FileId, v: &Value, depth: usize) -> Option<Value> {
    if depth > 16 {
        return None;
    }
    let Value::Object(m) = v else {
        return Some(Value::Null);
    };
    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
        let loc = doc.store.resolve(file, r).ok()?;
        let target = doc.store.get(&loc)?;
        return sample(doc, loc.file, target, depth + 1);
    }
    if let Some(c) = m.get("const") {
        return Some(c.clone());
    }
    if let Some(first) = m
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return Some(first.clone());
    }
    if let Some(first) = m
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
        .or_else(|| m.get("example"))
    {
        return Some(first.clone());
    }
    if let Some(d) = m.get("default") {
        return Some(d.clone());
    }
    if let Some(all) = m.get("allOf").and_then(Value::as_array) {
        let mut out = serde_json::Map::new();
        for b in all {
            match sample(doc, file, b, depth + 1)? {
                Value::Object(o) => out.extend(o),
                other => return Some(other),
            }
        }
        if let Some(Value::Object(own)) = sample_object(doc, file, m, depth) {
            out.extend(own);
        }
        return Some(Value::Object(out));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = m.get(key).and_then(Value::as_array) {
            let b = branches
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))?;
            return sample(doc, file, b, depth + 1);
        }
    }
    let ty = match m.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if m.contains_key("properties") => "object",
        _ => return Some(json!({})),
    };
    let num = |k: &str| m.get(k).and_then(Value::as_f64);
    Some(match ty {
        "object" => return sample_object(doc, file, m, depth),
        "array" => {
            let n = m.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let item = if n > 0 {
                sample(doc, file, m.get("items")?, depth + 1)?
            } else {
                Value::Null
            };
            Value::Array(vec![item; n])
        }
        "string" => {
            if m.contains_key("pattern") {
                return None;
            }
            let text = match m.get("format").and_then(Value::as_str) {
                Some("date-time") => "2024-06-13T14:05:43Z".to_owned(),
                Some("date") => "2024-06-13".to_owned(),
                Some("uuid") => "7c9e6679-7425-40de-944b-e07fc1f90ae7".to_owned(),
                Some("email") => "someone@example.com".to_owned(),
                Some("uri" | "url" | "iri") => "https://example.com/".to_owned(),
                Some("ipv4") => "192.0.2.1".to_owned(),
                Some("ipv6") => "2001:db8::1".to_owned(),
                _ => "sample".to_owned(),
            };
            let min = m.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            Value::String(if text.len() < min {
                "s".repeat(min)
            } else {
                text
            })
        }
        "integer" => {
            let lo = num("minimum")
                .or(num("exclusiveMinimum").map(|x| x.floor() + 1.0))
                .unwrap_or(0.0)
                .max(num("maximum").map_or(f64::MIN, |hi| hi.min(0.0)));
            json!(lo.ceil() as i64)
        }
        "number" => {
            let lo = num("minimum")
                .or(num("exclusiveMinimum").map(|x| x + 1.0))
                .unwrap_or(0.0);
            json!(num("maximum").map_or(lo, |hi| lo.min(hi)))
        }
        "boolean" => json!(false),
        _ => Value::Null,
    })
}

fn sample_object(
    doc: &Document,
    file: asyncapi_model::FileId,
    m: &serde_json::Map<String, Value>,
    depth: usize,
) -> Option<Value> {
    let mut out = serde_json::Map::new();
    let props = m.get("properties").and_then(Value::as_object);
    for r in m
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let schema = props.and_then(|p| p.get(r)).cloned().unwrap_or(json!({}));
        out.insert(r.to_owned(), sample(doc, file, &schema, depth + 1)?);
    }
    Some(Value::Object(out))
}

fn generate(doc: &Document, crate_name: &str, file: &str) -> Result<Output, String> {
    let settings = Settings {
        crate_name: crate_name.to_owned(),
        source_label: format!("corpus/{file}"),
        runtime: RuntimeDep::Path(common::runtime_dir().to_string_lossy().into_owned()),
        standalone: false,
        ..Settings::default()
    };
    match catch_unwind(AssertUnwindSafe(|| {
        let out = asyncapi_codegen::generate(doc, &settings)?;
        // A document that describes a service whose every operation sends (the Adobe
        // catalogue, say) routes nothing for the application itself: its clients receive.
        if out.messages.iter().any(|m| m.routed) {
            return Ok(out);
        }
        let client = Settings {
            perspective: asyncapi_codegen::Perspective::Client,
            ..settings.clone()
        };
        asyncapi_codegen::generate(doc, &client)
    })) {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the generator panicked".to_owned()),
    }
}

fn load(path: &Path, corpus: &Path) -> Result<Document, String> {
    match catch_unwind(AssertUnwindSafe(|| {
        asyncapi_model::load(path, &common::corpus_options(corpus))
    })) {
        Ok(Ok(doc)) => Ok(doc),
        Ok(Err(e)) => Err(e
            .diagnostics
            .errors()
            .next()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "rejected".to_owned())),
        Err(_) => Err("the loader panicked".to_owned()),
    }
}

/// The tests of one document's examples, as a module of the scratch test crate.
fn example_tests(
    file: &str,
    krate: &str,
    doc: &Document,
    out: &Output,
    url_maps: &[UrlMap],
    report: &mut Report,
) -> String {
    let lib = krate.replace('-', "_");
    let mut tests = String::new();
    // Every file of the document, indexed once for all its messages' validators.
    let registry = jsonschema::Registry::new()
        .draft(jsonschema::Draft::Draft7)
        .retriever(StoreRetriever::new(doc, url_maps))
        .extend(
            doc.store
                .files()
                .map(|(_, f)| (file_uri(&f.path), &f.value)),
        )
        .and_then(|b| b.prepare())
        .map_err(|e| e.to_string());
    for (i, m) in doc.api.messages.iter().enumerate() {
        let has_schema_examples = m
            .payload
            .as_ref()
            .is_some_and(|p| !schema_examples(doc, p).is_empty());
        if m.examples.iter().all(|e| e.payload.is_none()) && !has_schema_examples {
            continue;
        }
        let what = format!("{file}#{}", m.key);
        let info = &out.messages[i];
        assert_eq!(info.key, m.key, "Output::messages follows the document");
        let (Some(ty), Some(schema)) = (&info.payload_type, &m.payload) else {
            let count = m.examples.iter().filter(|e| e.payload.is_some()).count()
                + m.payload
                    .as_ref()
                    .map_or(0, |p| schema_examples(doc, p).len());
            report.untyped.push(format!(
                "{what}: {count} example(s) not round-tripped: the payload is not typed JSON ({})",
                m.content_type.as_deref().unwrap_or("no content type")
            ));
            continue;
        };
        let validator = match registry
            .as_ref()
            .map_err(String::clone)
            .and_then(|r| payload_validator(doc, schema, r))
        {
            Ok(v) => v,
            Err(e) => {
                report
                    .problems
                    .push(format!("{what}: its payload schema does not compile: {e}"));
                continue;
            }
        };
        // The message's examples, then those of its payload schema (springwolf writes
        // its examples there): `(id, label, payload)`.
        // `(id, label, payload, headers of a message example)`.
        let mut samples: Vec<(String, String, &Value, Option<&Value>)> = Vec::new();
        for (j, ex) in m.examples.iter().enumerate() {
            if let Some(payload) = &ex.payload {
                let id = format!("{what}/{j}");
                let label = format!("{id} ({})", ex.name.as_deref().unwrap_or("unnamed"));
                samples.push((
                    id,
                    label,
                    payload,
                    Some(ex.headers.as_ref().unwrap_or(&Value::Null)),
                ));
            }
        }
        for (j, payload) in schema_examples(doc, schema).into_iter().enumerate() {
            let id = format!("{what}/schema-{j}");
            samples.push((
                id.clone(),
                format!("{id} (payload schema example)"),
                payload,
                None,
            ));
        }
        for (id, label, payload, headers) in samples {
            let errors: Vec<String> = validator
                .iter_errors(payload)
                .map(|e| format!("{e} at `{}`", e.instance_path()))
                .take(3)
                .collect();
            if !errors.is_empty() {
                report
                    .invalid
                    .push(format!("{label}: {}", errors.join("; ")));
                continue;
            }
            let text = serde_json::to_string(payload).expect("an example serializes");
            let should_panic = match known_failure(&id) {
                Some(why) => format!("    // Known failure: {why}\n    #[should_panic]\n"),
                None => String::new(),
            };
            let test_name = format!(
                "message_{i}_{}",
                id.rsplit('/').next().unwrap_or("").replace('-', "_")
            );
            let _ = write!(
                tests,
                "\n    #[test]\n{should_panic}    fn {test_name}() {{\n        \
                 crate::round_trip::<{ty}>({label:?}, {text:?});\n    }}\n"
            );
            report.examples += 1;
            // The router takes the raw bytes (and the example's headers) to this message's
            // handler, by address and, for channels without parameters, on a single endpoint.
            if let (true, Some(headers)) = (info.routed, headers) {
                let headers = serde_json::to_string(headers).expect("headers serialize");
                let key = &m.key;
                let address = match &info.sample_address {
                    Some(a) => format!("Some({a:?})"),
                    None => "None".to_owned(),
                };
                let _ = write!(
                    tests,
                    "\n    #[test]\n    fn dispatch_{test_name}() {{\n        \
                     crate::dispatch(&::{lib}::Router::new(::{lib}::StubHandler), {label:?}, {address}, {headers:?}, {text:?}, {key:?});\n    }}\n"
                );
                report.dispatched += 1;
            }
        }
    }
    // Messages without a usable example are routed with a payload made from their schema
    // (required properties only), when that payload is valid against the schema.
    for (i, m) in doc.api.messages.iter().enumerate() {
        let info = &out.messages[i];
        let (true, Some(_), Some(schema)) = (info.routed, &info.payload_type, &m.payload) else {
            continue;
        };
        if tests.contains(&format!("fn dispatch_message_{i}_")) {
            continue;
        }
        let Some(value) = doc.schema_value(schema) else {
            continue;
        };
        let Some(payload) = sample(doc, schema.at.file, value, 0) else {
            report.unsampled.push(format!(
                "{file}#{}: no payload could be made from its schema",
                m.key
            ));
            continue;
        };
        let valid = registry
            .as_ref()
            .map_err(String::clone)
            .and_then(|r| payload_validator(doc, schema, r))
            .is_ok_and(|v| v.is_valid(&payload));
        if !valid {
            report.unsampled.push(format!(
                "{file}#{}: the payload made from its schema is not valid against it",
                m.key
            ));
            continue;
        }
        let headers = m
            .headers
            .as_ref()
            .and_then(|h| {
                doc.schema_value(h)
                    .and_then(|v| sample(doc, h.at.file, v, 0))
            })
            .unwrap_or(Value::Null);
        let text = serde_json::to_string(&payload).expect("serializes");
        let headers = serde_json::to_string(&headers).expect("serializes");
        let label = format!("{file}#{} (payload made from its schema)", m.key);
        let address = match &info.sample_address {
            Some(a) => format!("Some({a:?})"),
            None => "None".to_owned(),
        };
        let key = &m.key;
        let _ = write!(
            tests,
            "\n    #[test]\n    fn dispatch_sample_{i}() {{\n        \
             crate::dispatch(&::{lib}::Router::new(::{lib}::StubHandler), {label:?}, {address}, {headers:?}, {text:?}, {key:?});\n    }}\n"
        );
        report.sampled += 1;
    }
    // What can never be handled is refused, and says why.
    if out.messages.iter().any(|m| m.routed) {
        let _ = write!(
            tests,
            "\n    #[test]\n    fn dispatch_errors() {{\n        \
             crate::dispatch_errors(&::{lib}::Router::new(::{lib}::StubHandler), {file:?});\n    }}\n"
        );
    }
    if tests.is_empty() {
        return String::new();
    }
    format!(
        "\n/// `{file}`\nmod {lib} {{\n    #[allow(unused_imports)]\n    use ::{lib}::types::*;\n{tests}}}\n"
    )
}

const ROUND_TRIP: &str = r#"
/// Checks the example against the schemars schema of `T`, deserializes `text` into `T` as
/// the generated router does, serializes it back and compares modulo the documented
/// normalisations.
#[track_caller]
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema>(what: &str, text: &str) {
    let original: serde_json::Value = serde_json::from_str(text).expect("the example is JSON");
    // The schema schemars derives for the generated type accepts the example too.
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("the schema serializes");
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{what}: the schemars schema does not compile: {e}\n{schema}"));
    let errors: Vec<String> = validator.iter_errors(&original).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: the schemars schema rejects the example: {errors:?}\n{schema}");
    let typed: T = asyncapi_runtime::codegen::decode_json(&original)
        .unwrap_or_else(|e| panic!("{what}: does not deserialize: {e}\n{original}"));
    let back = serde_json::to_value(&typed)
        .unwrap_or_else(|e| panic!("{what}: does not serialize: {e}"));
    assert!(
        same_json::same_json(&back, &original),
        "{what}: did not round-trip:\n got {back}\nwant {original}"
    );
}
"#;

const DISPATCH: &str = r#"
/// Routes raw bytes as a transport would and checks the message the router chose.
#[track_caller]
fn dispatch<R: asyncapi_runtime::Dispatch>(router: &R, what: &str, address: Option<&str>, headers: &str, payload: &str, expected: &str) {
    let headers: serde_json::Value = serde_json::from_str(headers).expect("headers are JSON");
    let headers = asyncapi_runtime::codegen::json_to_headers(&headers);
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let incoming = asyncapi_runtime::Incoming { address, headers: &headers, content_type: None, payload: payload.as_bytes() };
    match runtime.block_on(router.dispatch(incoming)) {
        Ok(done) => assert_eq!(done.message, expected, "{what}: routed to the wrong message"),
        // Messages nothing tells apart (the generator reports them) are refused as ambiguous,
        // never routed to the wrong one.
        Err(asyncapi_runtime::DispatchError::AmbiguousMessage { candidates, .. }) if candidates.contains(&expected) => {}
        // The stub handler cannot build replies: the message reached its handler.
        Err(e @ asyncapi_runtime::DispatchError::Handler { .. }) if e.to_string().contains("needs a reply") => {}
        Err(e) => panic!("{what}: not dispatched ({}): {e}", e.kind()),
    }
}

/// An address no channel has, and bytes that are not JSON, are refused for good.
#[track_caller]
fn dispatch_errors<R: asyncapi_runtime::Dispatch>(router: &R, what: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let headers = asyncapi_runtime::Headers::new();
    let unknown = asyncapi_runtime::Incoming { address: Some("no/such/channel/anywhere"), headers: &headers, content_type: None, payload: b"{}" };
    let e = runtime.block_on(router.dispatch(unknown)).expect_err("an unknown address is refused");
    assert_eq!(e.kind(), "unknown-channel", "{what}: {e}");
    assert!(!e.is_retryable());
}
"#;

#[test]
fn corpus_crates_build_and_examples_round_trip() {
    let Some(corpus) = common::corpus_dir() else {
        eprintln!("skipped: the shared corpus (../shared/corpus) is absent");
        return;
    };
    let started = Instant::now();
    let url_maps = common::corpus_url_maps(&corpus);
    let scratch = common::Scratch::new("asyncapi-codegen-corpus-crates");
    let mut report = Report::default();
    let mut members = Vec::new();
    let mut modules = String::new();
    for file in common::corpus_roots(&corpus) {
        let doc = match load(&corpus.join(&file), &corpus) {
            Ok(doc) => doc,
            Err(e) => {
                report.rejected.push(format!("{file}: {e}"));
                continue;
            }
        };
        let krate = common::crate_name_for(&file);
        let out = match generate(&doc, &krate, &file) {
            Ok(out) => out,
            Err(e) => {
                report.problems.push(format!("{file}: {e}"));
                continue;
            }
        };
        if let Some(why) = known_failure(&file) {
            eprintln!("known failure, left out of the workspace: {file}: {why}");
            continue;
        }
        common::write_crate(&scratch.dir.join(&krate), &out);
        modules.push_str(&example_tests(
            &file,
            &krate,
            &doc,
            &out,
            &url_maps,
            &mut report,
        ));
        members.push(krate);
    }
    report.crates = members.len();
    // The test crate depends on every generated crate, so that they all build.
    let mut manifest = String::from(
        "[package]\nname = \"corpus-round-trip\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[lib]\ndoctest = false\n\n[dependencies]\n",
    );
    let runtime = common::runtime_dir();
    let _ = writeln!(
        manifest,
        "asyncapi-runtime = {{ path = {:?} }}\nserde = \"1\"\nserde_json = \"1\"\nschemars = \"1\"\njsonschema = {{ version = \"0.61\", default-features = false }}\ntokio = {{ version = \"1\", features = [\"rt\"] }}",
        runtime.to_string_lossy()
    );
    for m in &members {
        let _ = writeln!(manifest, "{m} = {{ path = \"../{m}\" }}");
    }
    let tests_dir = scratch.dir.join("corpus-round-trip");
    common::write_if_changed(&tests_dir.join("Cargo.toml"), &manifest);
    common::write_if_changed(
        &tests_dir.join("src/same_json.rs"),
        include_str!("support/same_json.rs"),
    );
    let mut lib = String::from(
        "//! Written by asyncapi-codegen's tests/corpus.rs: every valid example of the corpus, round-tripped.\n#![deny(warnings)]\n#![cfg(test)]\n\nmod same_json;\n",
    );
    lib.push_str(ROUND_TRIP);
    lib.push_str(DISPATCH);
    lib.push_str(&modules);
    common::write_if_changed(&tests_dir.join("src/lib.rs"), &lib);
    let mut all = members.clone();
    all.push("corpus-round-trip".to_owned());
    scratch.set_members(&all);
    let generated_in = started.elapsed();

    for r in &report.rejected {
        eprintln!("rejected by the loader: {r}");
    }
    for u in &report.untyped {
        eprintln!("not typed: {u}");
    }
    for u in &report.unsampled {
        eprintln!("not dispatched: {u}");
    }
    for i in &report.invalid {
        eprintln!("invalid against its own schema, not round-tripped: {i}");
    }
    eprintln!(
        "{} crates, {} examples to round-trip, {} to dispatch, {} payloads made from schemas to dispatch, {} invalid examples, {} documents rejected; generated in {generated_in:.1?}",
        report.crates,
        report.examples,
        report.dispatched,
        report.sampled,
        report.invalid.len(),
        report.rejected.len()
    );
    assert!(
        report.problems.is_empty(),
        "{} problem(s):\n{}",
        report.problems.len(),
        report.problems.join("\n")
    );
    assert!(report.crates >= 40, "only {} crates", report.crates);
    let result = scratch.cargo(&[
        "test",
        "--package",
        "corpus-round-trip",
        "--quiet",
        "--",
        "--test-threads=2",
    ]);
    eprintln!("the corpus test took {:.1?}", started.elapsed());
    if let Err(output) = result {
        panic!("the corpus crates or their example tests fail:\n{output}");
    }
}

/// Generating twice (from two loads) gives identical bytes for every corpus document.
#[test]
fn corpus_generation_is_deterministic() {
    let Some(corpus) = common::corpus_dir() else {
        eprintln!("skipped: the shared corpus (../shared/corpus) is absent");
        return;
    };
    let mut checked = 0;
    for file in common::corpus_roots(&corpus) {
        let (Ok(a), Ok(b)) = (
            load(&corpus.join(&file), &corpus),
            load(&corpus.join(&file), &corpus),
        ) else {
            continue;
        };
        let krate = common::crate_name_for(&file);
        let (a, b) = match (generate(&a, &krate, &file), generate(&b, &krate, &file)) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                assert_eq!(a.err(), b.err(), "{file}: two generations fail differently");
                continue;
            }
        };
        for (path, text) in &a.files {
            assert!(
                b.files.get(path) == Some(text),
                "{file}: two generations of {path} differ"
            );
        }
        assert_eq!(a, b, "{file}: two generations differ");
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} documents checked");
}
