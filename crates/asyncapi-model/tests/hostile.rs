//! Documents written to hurt the loader: each is refused (or loaded) with exactly the
//! diagnostics a user should read, in bounded time and memory, and never by a stack overflow
//! or a read outside the root folder. Missing files and pointers, and message `$ref` cycles,
//! are in `refs.rs`.

mod common;

use asyncapi_model::LoadOptions;
use common::{Spec, err_text};

const HEAD: &str = "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\nchannels: {}\n";

#[test]
fn a_yaml_alias_bomb_is_refused_at_its_first_alias() {
    // Nine levels of nine aliases: 9^9 (387 million) nodes once expanded.
    let mut text = format!("{HEAD}x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let row = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("x-a{i}: &a{i} [{row}]\n"));
    }
    assert_eq!(
        err_text(&text),
        "spec.yaml:5:12: error[syntax]: invalid YAML: its aliases expand to more nodes than a document may hold (an alias bomb?)\n"
    );
}

#[test]
fn ten_thousand_deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    let n = 10_000;
    let flow = format!("{HEAD}x-deep: {}{}\n", "[".repeat(n), "]".repeat(n));
    assert_eq!(
        err_text(&flow),
        "spec.yaml:4:136: error[syntax]: invalid YAML: values nest more than 128 deep (recursion limit exceeded)\n"
    );
    // Block style: `- - - ...` is a sequence in a sequence in a sequence.
    let block = format!("{HEAD}x-deep:\n  {}x\n", "- ".repeat(n));
    assert_eq!(
        err_text(&block),
        "spec.yaml:5:257: error[syntax]: invalid YAML: values nest more than 128 deep (recursion limit exceeded)\n"
    );
    let json = format!(
        r#"{{"asyncapi": "2.6.0", "info": {{"title": "t", "version": "1"}}, "channels": {{}}, "x-deep": {}{}}}"#,
        "[".repeat(n),
        "]".repeat(n)
    );
    assert_eq!(
        err_text(&json),
        "spec.yaml:1:215: error[syntax]: invalid JSON: values nest more than 128 deep (recursion limit exceeded)\n"
    );
    let schemas = format!(
        r#"{{"asyncapi": "2.6.0", "info": {{"title": "t", "version": "1"}}, "channels": {{"c": {{"publish": {{"message": {{"payload": {}{{"type": "string"}}{}}}}}}}}}}}"#,
        r#"{"type": "object", "properties": {"a": "#.repeat(n),
        "}}".repeat(n)
    );
    assert_eq!(
        err_text(&schemas),
        "spec.yaml:1:2496: error[syntax]: invalid JSON: values nest more than 128 deep (recursion limit exceeded)\n"
    );
}

/// `n` component schemas, `S0` to `S{n-1}`, each holding the next: as a property, behind a
/// bare `$ref`, or as a `oneOf` variant.
fn chain(n: usize, link: &str) -> String {
    let mut schemas = serde_json::Map::new();
    for i in 0..n {
        let next = serde_json::json!({"$ref": format!("#/components/schemas/S{}", i + 1)});
        let s = match link {
            "property" => serde_json::json!({"type": "object", "properties": {"next": next}}),
            "ref" => next,
            _ => serde_json::json!({"oneOf": [next, {"type": "string"}]}),
        };
        schemas.insert(format!("S{i}"), s);
    }
    schemas.insert(format!("S{n}"), serde_json::json!({"type": "integer"}));
    serde_json::json!({
        "asyncapi": "2.6.0",
        "info": {"title": "t", "version": "1"},
        "channels": {"c": {"publish": {"message": {"payload": {"$ref": "#/components/schemas/S0"}}}}},
        "components": {"schemas": schemas},
    })
    .to_string()
}

#[test]
fn chains_of_ten_thousand_schemas_load_without_overflowing_the_stack() {
    for link in ["property", "ref", "oneOf"] {
        let doc = common::ok_text(&chain(10_000, link));
        assert!(doc.diagnostics.is_empty(), "{link}: {}", doc.diagnostics);
    }
}

#[test]
fn a_document_past_the_size_limit_is_refused_before_it_fills_memory() {
    // 50 MB of JSON (the fastest syntax to read when the limit is raised).
    let big = format!(
        r#"{{"asyncapi": "2.6.0", "info": {{"title": "t", "version": "1"}}, "channels": {{}}, "x-big": {{"type": "string", "description": "{}"}}}}"#,
        "a".repeat(50 << 20)
    );
    let spec = Spec::new(&[
        ("big.json", &big),
        (
            "small.yaml",
            "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    publish:\n      message:\n        payload: {$ref: 'big.json#/x-big'}\n",
        ),
    ]);
    let too_large = "the document's files hold more than 32 MiB together, the limit; raise it with --max-size if the document is really that large";
    assert_eq!(
        spec.err("big.json"),
        format!("big.json:0:0: error[too-large]: {too_large}\n")
    );
    assert_eq!(
        spec.err("small.yaml"),
        format!(
            "small.yaml:7:19: error[unresolved-ref]: cannot resolve schema reference: cannot read `big.json`: {too_large} (at /channels/c/publish/message/payload/$ref)\n"
        )
    );
    // The same text held in memory meets the same limit.
    let in_memory = asyncapi_model::load_str(
        std::path::Path::new("big.json"),
        big.clone(),
        &LoadOptions::default(),
    )
    .expect_err("too large");
    assert_eq!(in_memory.diagnostics.0[0].code, "too-large");
    // Raised, the limit lets it through; lowered, it stops the small document too.
    let raised = LoadOptions {
        max_bytes: Some(64 << 20),
        ..LoadOptions::default()
    };
    spec.ok_with("small.yaml", &raised);
    let tiny = LoadOptions {
        max_bytes: Some(100),
        ..LoadOptions::default()
    };
    assert_eq!(
        spec.err_with("small.yaml", &tiny),
        "small.yaml:0:0: error[too-large]: the document's files hold more than 100 bytes together, the limit; raise it with --max-size if the document is really that large\n"
    );
}

#[test]
fn a_byte_order_mark_is_read_past_and_a_tab_that_indents_is_named() {
    let bom = format!("\u{feff}{HEAD}");
    common::ok_text(&bom);
    common::ok_text(
        "\u{feff}{\"asyncapi\": \"2.6.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"channels\": {}}",
    );
    // Tabs inside values and after them are text and space.
    common::ok_text("asyncapi: 2.6.0\ninfo: {title: \"a\tb\", version: '1'}\t\nchannels: {}\n");
    assert_eq!(
        err_text("asyncapi: 2.6.0\ninfo:\n\ttitle: t\n\tversion: '1'\nchannels: {}\n"),
        "spec.yaml:3:1: error[syntax]: invalid YAML: a tab cannot start a token here (YAML indents with spaces only)\n"
    );
}

#[test]
fn channel_ref_cycles_are_errors() {
    let out = err_text(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  a: {$ref: '#/channels/b'}\n  b: {$ref: '#/channels/a'}\n",
    );
    assert_eq!(
        out,
        "spec.yaml:4:7: error[ref-cycle]: channel reference cycle: #/channels/a -> #/channels/b -> #/channels/a (at /channels/a/$ref)\n\
         spec.yaml:5:7: error[ref-cycle]: channel reference cycle: #/channels/b -> #/channels/a -> #/channels/b (at /channels/b/$ref)\n"
    );
}

const LEAVING: &str = r#"asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  climbs:
    publish:
      message:
        payload: {$ref: '../../../../../../../../../../../../../../etc/passwd'}
  absolute:
    publish:
      message:
        payload: {$ref: '/etc/passwd#/x'}
  file-url:
    publish:
      message:
        payload: {$ref: 'file:///etc/passwd'}
  metadata:
    publish:
      message:
        payload: {$ref: 'http://169.254.169.254/latest/meta-data/'}
"#;

#[test]
fn refs_that_leave_the_root_or_reach_for_the_network_are_refused() {
    let spec = Spec::new(&[("spec/asyncapi.yaml", LEAVING)]);
    let outside = "leaves the spec's root folder `spec` (allow it with --allow-outside-root or choose --root)";
    assert_eq!(
        spec.err("spec/asyncapi.yaml"),
        format!(
            "spec/asyncapi.yaml:7:19: error[unresolved-ref]: cannot resolve schema reference: file reference `/etc/passwd` {outside} (at /channels/climbs/publish/message/payload/$ref)\n\
             spec/asyncapi.yaml:11:19: error[unresolved-ref]: cannot resolve schema reference: file reference `/etc/passwd` {outside} (at /channels/absolute/publish/message/payload/$ref)\n\
             spec/asyncapi.yaml:15:19: error[unresolved-ref]: cannot resolve schema reference: file reference `/etc/passwd` {outside} (at /channels/file-url/publish/message/payload/$ref)\n\
             spec/asyncapi.yaml:19:19: error[unresolved-ref]: cannot resolve schema reference: remote reference `http://169.254.169.254/latest/meta-data/` refused: remote refs are only followed when asked (--allow-remote), or map the URL to a local folder with --map-url PREFIX=DIR (at /channels/metadata/publish/message/payload/$ref)\n"
        )
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_that_leave_the_root_are_refused_where_they_lead() {
    let spec = Spec::new(&[
        (
            "spec/asyncapi.yaml",
            "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\nchannels:\n  file:\n    publish:\n      message:\n        payload: {$ref: 'link.yaml'}\n  folder:\n    publish:\n      message:\n        payload: {$ref: 'outside/schema.yaml'}\n  inside:\n    publish:\n      message:\n        payload: {$ref: 'inner.yaml#/S'}\n",
        ),
        ("spec/schemas/s.yaml", "S: {type: string}\n"),
        ("elsewhere/schema.yaml", "type: string\n"),
    ]);
    std::os::unix::fs::symlink("/etc/passwd", spec.path("spec/link.yaml")).expect("a link");
    std::os::unix::fs::symlink(spec.path("elsewhere"), spec.path("spec/outside")).expect("a link");
    // A link that stays inside the root is followed.
    std::os::unix::fs::symlink(
        spec.path("spec/schemas/s.yaml"),
        spec.path("spec/inner.yaml"),
    )
    .expect("a link");
    assert_eq!(
        spec.err("spec/asyncapi.yaml"),
        "spec/asyncapi.yaml:7:19: error[unresolved-ref]: cannot resolve schema reference: `spec/link.yaml` is a symbolic link to `/etc/passwd`, which leaves the spec's root folder `spec` (allow it with --allow-outside-root or choose --root) (at /channels/file/publish/message/payload/$ref)\n\
         spec/asyncapi.yaml:11:19: error[unresolved-ref]: cannot resolve schema reference: file reference `elsewhere/schema.yaml` leaves the spec's root folder `spec` (allow it with --allow-outside-root or choose --root) (at /channels/folder/publish/message/payload/$ref)\n"
    );
}
