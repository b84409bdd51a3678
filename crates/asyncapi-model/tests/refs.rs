//! `$ref` resolution: local pointers (escaped and percent-encoded), relative files, refs inside
//! referenced files, chains of refs, recursive schemas, cycles, missing targets, remote refs
//! (refused, or served from a local folder), and refs that leave the root folder.

mod common;

use asyncapi_model::{LoadOptions, Loc, UrlMap};
use common::{Spec, err_text, ok_text};
use serde_json::json;

const INFO: &str = "info: {title: t, version: '1'}";

#[test]
fn local_pointers_with_tilde_escapes_and_percent_encoding() {
    let doc = ok_text(&format!(
        r##"asyncapi: 2.6.0
{INFO}
channels:
  light/measured:
    publish:
      message:
        payload:
          type: object
          properties:
            slash: {{$ref: '#/components/schemas/Defs/properties/a~1b'}}
            tilde: {{$ref: '#/components/schemas/Defs/properties/a~0b'}}
            space: {{$ref: '#/components/schemas/Defs/properties/with%20space'}}
            both: {{$ref: '#/components/schemas/Defs/properties/%7E01~1%25'}}
  other:
    subscribe:
      message:
        $ref: '#/channels/light~1measured/publish/message'
components:
  schemas:
    Defs:
      type: object
      properties:
        a/b: {{const: slash}}
        a~b: {{const: tilde}}
        with space: {{const: space}}
        ~1/%: {{const: both}}
"##
    ));
    let api = &doc.api;
    let payload = api.messages[0].payload.as_ref().expect("a payload");
    let props = payload.at.child("properties");
    for (prop, target, value) in [
        ("slash", "/components/schemas/Defs/properties/a~1b", "slash"),
        ("tilde", "/components/schemas/Defs/properties/a~0b", "tilde"),
        (
            "space",
            "/components/schemas/Defs/properties/with space",
            "space",
        ),
        ("both", "/components/schemas/Defs/properties/~01~1%", "both"),
    ] {
        let r = doc
            .store
            .get(&props.child(prop).child("$ref"))
            .expect("the $ref");
        let r = r.as_str().expect("a string");
        let loc = doc.store.resolve(doc.store.root_id(), r).expect("resolves");
        assert_eq!(loc.pointer, target, "{prop}");
        assert_eq!(
            doc.store.get(&loc),
            Some(&json!({ "const": value })),
            "{prop}"
        );
    }
    // A non-schema ref with `~1`: the second channel's message is the first channel's.
    assert_eq!(api.channels[1].key, "other");
    let m = &api.messages[api.channels[1].messages[0]];
    assert_eq!(
        m.origin,
        Some(Loc::new(
            doc.store.root_id(),
            "/channels/light~1measured/publish/message"
        ))
    );
    assert_eq!(m.payload, api.messages[0].payload);
}

#[test]
fn percent_encoded_component_message_ref_resolves_but_the_name_is_invalid() {
    // Component keys must match ^[a-zA-Z0-9.\-_]+$: the ref itself resolves (no unresolved-ref),
    // only the key is reported.
    let out = err_text(&format!(
        r##"asyncapi: 3.0.0
{INFO}
channels:
  c:
    messages:
      m: {{$ref: '#/components/messages/with%20space'}}
components:
  messages:
    with space:
      payload: {{type: string}}
"##
    ));
    assert_eq!(
        out,
        "spec.yaml:9:5: error[invalid-name]: component name `with space` may only contain letters, digits, `.`, `-` and `_` (at /components/messages/with space)\n"
    );
}

#[test]
fn relative_file_refs_resolve_from_the_file_they_are_written_in() {
    let spec = Spec::new(&[
        (
            "asyncapi.yaml",
            r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  measured:
    address: light/measured
    messages:
      Measured:
        $ref: './common/messages.yaml#/Measured'
"##,
        ),
        (
            "common/messages.yaml",
            r##"Measured:
  name: measured
  payload:
    $ref: './schemas.yaml#/Lumens'
  headers:
    $ref: 'schemas.yaml#/Headers'
"##,
        ),
        (
            "common/schemas.yaml",
            "Lumens: {type: integer, minimum: 0}\nHeaders: {type: object}\n",
        ),
        // A decoy next to the root: resolving relative to the root would pick this one.
        (
            "schemas.yaml",
            "Lumens: {type: string}\nHeaders: {type: string}\n",
        ),
    ]);
    let doc = spec.ok("asyncapi.yaml");
    let m = &doc.api.messages[0];
    assert_eq!(m.key, "Measured");
    assert_eq!(m.name.as_deref(), Some("measured"));
    let messages = m.origin.as_ref().expect("a ref");
    assert_eq!(
        doc.store.file(messages.file).path,
        spec.path("common/messages.yaml")
    );
    assert_eq!(messages.pointer, "/Measured");
    let payload = m.payload.as_ref().expect("a payload");
    assert_eq!(payload.at, messages.child("payload"));
    assert_eq!(
        doc.store.file(payload.target.file).path,
        spec.path("common/schemas.yaml")
    );
    assert_eq!(payload.target.pointer, "/Lumens");
    assert_eq!(
        doc.store.get(&payload.target),
        Some(&json!({"type": "integer", "minimum": 0}))
    );
    let headers = m.headers.as_ref().expect("headers");
    assert_eq!(headers.target.file, payload.target.file);
    assert_eq!(
        doc.schema_value(headers),
        Some(&json!({"$ref": "schemas.yaml#/Headers"}))
    );
    assert_eq!(
        doc.store.get(&headers.target),
        Some(&json!({"type": "object"}))
    );
    // The decoy was never read.
    assert_eq!(doc.store.files().count(), 3);
}

#[test]
fn refs_to_refs_are_followed_to_the_final_target() {
    let spec = Spec::new(&[
        (
            "asyncapi.yaml",
            r##"asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  local:
    publish:
      message: {$ref: '#/components/messages/Alias'}
  remote:
    publish:
      message: {$ref: './a.yaml#/Message'}
components:
  messages:
    Alias: {$ref: '#/components/messages/AliasOfAlias'}
    AliasOfAlias: {$ref: '#/components/messages/Real'}
    Real:
      name: real
      payload: {type: string}
"##,
        ),
        ("a.yaml", "Message: {$ref: './b.yaml#/Message'}\n"),
        (
            "b.yaml",
            "Message:\n  name: inB\n  payload: {type: boolean}\n",
        ),
    ]);
    let doc = spec.ok("asyncapi.yaml");
    let api = &doc.api;
    let local = &api.messages[api.channels[0].messages[0]];
    assert_eq!(local.name.as_deref(), Some("real"));
    assert_eq!(local.key, "real");
    assert_eq!(local.component.as_deref(), Some("Real"));
    assert_eq!(
        local.origin,
        Some(Loc::new(doc.store.root_id(), "/components/messages/Real"))
    );
    let remote = &api.messages[api.channels[1].messages[0]];
    assert_eq!(remote.name.as_deref(), Some("inB"));
    let origin = remote.origin.as_ref().expect("a ref");
    assert_eq!(doc.store.file(origin.file).path, spec.path("b.yaml"));
    assert_eq!(origin.pointer, "/Message");
    let payload = remote.payload.as_ref().expect("a payload");
    assert_eq!(doc.schema_value(payload), Some(&json!({"type": "boolean"})));
}

#[test]
fn self_referencing_and_mutually_recursive_schemas_load() {
    let spec = Spec::new(&[
        (
            "asyncapi.yaml",
            r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  tree:
    messages:
      node:
        payload: {$ref: '#/components/schemas/Node'}
      a:
        payload: {$ref: './ab.yaml#/A'}
components:
  schemas:
    Node:
      type: object
      properties:
        value: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        parent: {$ref: '#/components/schemas/Node'}
"##,
        ),
        (
            "ab.yaml",
            "A: {properties: {b: {$ref: '#/B'}}}\nB: {properties: {a: {$ref: '#/A'}}}\n",
        ),
    ]);
    let doc = spec.ok("asyncapi.yaml");
    assert!(
        doc.diagnostics.is_empty(),
        "{}",
        spec.render(&doc.diagnostics)
    );
    let node = &doc.api.schemas["Node"];
    assert!(!node.is_ref());
    assert_eq!(
        node.target,
        Loc::new(doc.store.root_id(), "/components/schemas/Node")
    );
    let payload = doc.api.messages[0].payload.as_ref().expect("a payload");
    assert!(payload.is_ref());
    assert_eq!(payload.at.pointer, "/channels/tree/messages/node/payload");
    assert_eq!(payload.target, node.target);
    let a = doc.api.messages[1].payload.as_ref().expect("a payload");
    assert_eq!(doc.store.file(a.target.file).path, spec.path("ab.yaml"));
    assert_eq!(a.target.pointer, "/A");
}

#[test]
fn cyclic_message_refs_are_an_error() {
    let out = err_text(&format!(
        r##"asyncapi: 2.6.0
{INFO}
channels:
  c:
    publish:
      message: {{$ref: '#/components/messages/A'}}
components:
  messages:
    A: {{$ref: '#/components/messages/B'}}
    B: {{$ref: '#/components/messages/A'}}
"##
    ));
    assert_eq!(
        out,
        "spec.yaml:9:9: error[ref-cycle]: message reference cycle: #/components/messages/A -> #/components/messages/B -> #/components/messages/A (at /components/messages/A/$ref)\n\
         spec.yaml:10:9: error[ref-cycle]: message reference cycle: #/components/messages/B -> #/components/messages/A -> #/components/messages/B (at /components/messages/B/$ref)\n"
    );
}

#[test]
fn unresolvable_pointer_names_what_is_missing() {
    let out = err_text(&format!(
        r##"asyncapi: 3.0.0
{INFO}
channels:
  c:
    messages:
      m:
        payload: {{$ref: '#/components/schemas/Nope'}}
      n: {{$ref: '#/components/messages/Gone'}}
components:
  schemas:
    Here: {{type: string}}
"##
    ));
    assert_eq!(
        out,
        "spec.yaml:7:19: error[unresolved-ref]: cannot resolve schema reference: `/components/schemas/Nope` does not exist in `spec.yaml`: `/components/schemas` has no `Nope` (at /channels/c/messages/m/payload/$ref)\n\
         spec.yaml:8:11: error[unresolved-ref]: cannot resolve message reference: `/components/messages/Gone` does not exist in `spec.yaml`: `/components` has no `messages` (at /channels/c/messages/n/$ref)\n"
    );
}

#[test]
fn missing_file_is_reported_at_the_ref() {
    let spec = Spec::new(&[(
        "asyncapi.yaml",
        r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    messages:
      m: {$ref: './common/missing.yaml#/M'}
"##,
    )]);
    assert_eq!(
        spec.err("asyncapi.yaml"),
        "asyncapi.yaml:6:11: error[unresolved-ref]: cannot resolve message reference: cannot read `common/missing.yaml`: No such file or directory (os error 2) (at /channels/c/messages/m/$ref)\n"
    );
}

const REMOTE: &str = r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    messages:
      m:
        payload:
          $ref: 'https://example.com/schemas/lumens.yaml#/Lumens'
"##;

#[test]
fn remote_refs_are_refused_by_default() {
    let spec = Spec::new(&[("spec/asyncapi.yaml", REMOTE)]);
    assert_eq!(
        spec.err("spec/asyncapi.yaml"),
        "spec/asyncapi.yaml:8:11: error[unresolved-ref]: cannot resolve schema reference: remote reference `https://example.com/schemas/lumens.yaml` refused: remote refs are only followed when asked (--allow-remote), or map the URL to a local folder with --map-url PREFIX=DIR (at /channels/c/messages/m/payload/$ref)\n"
    );
    let allow = LoadOptions {
        allow_remote: true,
        ..Default::default()
    };
    assert_eq!(
        spec.err_with("spec/asyncapi.yaml", &allow),
        "spec/asyncapi.yaml:8:11: error[unresolved-ref]: cannot resolve schema reference: remote reference `https://example.com/schemas/lumens.yaml` cannot be fetched: this build has no HTTP client; download it and map it with --map-url PREFIX=DIR (at /channels/c/messages/m/payload/$ref)\n"
    );
}

#[test]
fn remote_refs_are_served_from_a_mapped_folder() {
    // The mirror is outside the spec's folder: mapped folders are allowed anyway, and refs
    // inside a mapped file resolve next to it.
    let spec = Spec::new(&[
        ("spec/asyncapi.yaml", REMOTE),
        (
            "mirror/lumens.yaml",
            "Lumens:\n  type: object\n  properties:\n    unit: {$ref: './units.yaml#/Unit'}\n",
        ),
        ("mirror/units.yaml", "Unit: {enum: [lx, lm]}\n"),
    ]);
    let opts = LoadOptions {
        url_maps: vec![
            UrlMap {
                prefix: "https://example.com/".to_owned(),
                dir: spec.path("nowhere"),
            },
            // The longest matching prefix wins.
            UrlMap {
                prefix: "https://example.com/schemas/".to_owned(),
                dir: spec.path("mirror"),
            },
        ],
        ..Default::default()
    };
    let doc = spec.ok_with("spec/asyncapi.yaml", &opts);
    let payload = doc.api.messages[0].payload.as_ref().expect("a payload");
    assert_eq!(
        doc.store.file(payload.target.file).path,
        spec.path("mirror/lumens.yaml")
    );
    assert_eq!(payload.target.pointer, "/Lumens");
    let unit = doc
        .store
        .resolve(payload.target.file, "./units.yaml#/Unit")
        .expect("resolves next to the mapped file");
    assert_eq!(doc.store.get(&unit), Some(&json!({"enum": ["lx", "lm"]})));
    assert_eq!(doc.store.files().count(), 3);
}

fn climbing_remote_spec() -> (Spec, LoadOptions) {
    let spec = Spec::new(&[
        (
            "spec/asyncapi.yaml",
            &REMOTE.replace("schemas/lumens.yaml", "schemas/../secret.yaml"),
        ),
        ("mirror/lumens.yaml", "Lumens: {type: string}\n"),
        ("secret.yaml", "Lumens: {type: string}\n"),
    ]);
    let opts = LoadOptions {
        url_maps: vec![UrlMap {
            prefix: "https://example.com/schemas/".to_owned(),
            dir: spec.path("mirror"),
        }],
        ..Default::default()
    };
    (spec, opts)
}

#[test]
fn mapped_remote_ref_cannot_climb_out_of_its_folder() {
    let (spec, opts) = climbing_remote_spec();
    let expected = "spec/asyncapi.yaml:8:11: error[unresolved-ref]: cannot resolve schema reference: remote reference `https://example.com/schemas/../secret.yaml` climbs out of its mapped folder: `https://example.com/schemas/` is mapped to `mirror`, but the reference leads to `secret.yaml` (at /channels/c/messages/m/payload/$ref)\n";
    assert_eq!(spec.err_with("spec/asyncapi.yaml", &opts), expected);
    // Not even when leaving the root is allowed, or the root encloses the target.
    let opts = LoadOptions {
        allow_outside_root: true,
        root: Some(spec.base.clone()),
        ..opts
    };
    assert_eq!(spec.err_with("spec/asyncapi.yaml", &opts), expected);
}

#[test]
fn mapped_remote_ref_climbing_out_names_the_url_and_the_mapping() {
    let (spec, opts) = climbing_remote_spec();
    let out = spec.err_with("spec/asyncapi.yaml", &opts);
    assert!(
        out.contains("https://example.com/schemas/../secret.yaml"),
        "{out}"
    );
    assert!(!out.contains("--allow-outside-root"), "{out}");
    assert!(!out.contains("root folder"), "{out}");
}

const OUTSIDE: &str = r##"asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  c:
    publish:
      message:
        payload: {$ref: '../shared/schemas.yaml#/Lumens'}
"##;

fn outside_root_spec() -> Spec {
    Spec::new(&[
        ("spec/asyncapi.yaml", OUTSIDE),
        ("shared/schemas.yaml", "Lumens: {type: number}\n"),
    ])
}

#[test]
fn file_refs_leaving_the_root_folder_are_refused() {
    let spec = outside_root_spec();
    let base = spec.base.display().to_string();
    assert_eq!(
        spec.err("spec/asyncapi.yaml"),
        "spec/asyncapi.yaml:7:19: error[unresolved-ref]: cannot resolve schema reference: file reference `shared/schemas.yaml` leaves the spec's root folder `spec` (allow it with --allow-outside-root or choose --root) (at /channels/c/publish/message/payload/$ref)\n"
    );
    // The root folder itself is printed as given (no trailing slash to strip).
    let raw = spec
        .load("spec/asyncapi.yaml")
        .expect_err("refused")
        .diagnostics
        .0[0]
        .message
        .clone();
    assert!(raw.contains(&format!("root folder `{base}/spec`")), "{raw}");
}

#[test]
fn file_refs_leaving_the_root_folder_load_when_allowed() {
    let spec = outside_root_spec();
    let check = |opts: &LoadOptions| {
        let doc = spec.ok_with("spec/asyncapi.yaml", opts);
        let payload = doc.api.messages[0].payload.as_ref().expect("a payload");
        assert_eq!(
            doc.store.file(payload.target.file).path,
            spec.path("shared/schemas.yaml")
        );
        assert_eq!(
            doc.store.get(&payload.target),
            Some(&json!({"type": "number"}))
        );
    };
    check(&LoadOptions {
        allow_outside_root: true,
        ..Default::default()
    });
    check(&LoadOptions {
        root: Some(spec.base.clone()),
        ..Default::default()
    });
    // A root that does not enclose the target does not help.
    let other_root = LoadOptions {
        root: Some(spec.path("spec")),
        ..Default::default()
    };
    assert!(
        spec.err_with("spec/asyncapi.yaml", &other_root)
            .contains("--allow-outside-root")
    );
}

#[test]
fn unreferenced_broken_files_are_not_errors() {
    // Refs are only reported where the document uses them: a `$ref` in an `x-` extension to a
    // missing file is ignored.
    let spec = Spec::new(&[(
        "asyncapi.yaml",
        r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
x-notes: {$ref: './missing.yaml'}
channels: {}
"##,
    )]);
    let doc = spec.ok("asyncapi.yaml");
    assert!(
        doc.diagnostics.is_empty(),
        "{}",
        spec.render(&doc.diagnostics)
    );
}

#[test]
fn whole_file_refs_json_files_encoded_paths_and_one_file_per_path() {
    let spec = Spec::new(&[
        (
            "asyncapi.yaml",
            r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    messages:
      whole: {$ref: './messages/measured.yaml'}
      json: {$ref: 'messages/../messages/dim.json#/Dim'}
      spaced: {$ref: './messages/with%20space.yaml#/M'}
      again: {$ref: './messages/./measured.yaml#'}
"##,
        ),
        (
            "messages/measured.yaml",
            "name: measured\npayload: {$ref: '../schemas.json#/Lumens'}\n",
        ),
        (
            "messages/dim.json",
            r#"{"Dim": {"name": "dim", "payload": {"type": "boolean"}}}"#,
        ),
        ("messages/with space.yaml", "M: {name: spaced}\n"),
        (
            "schemas.json",
            "{\n  \"Lumens\": {\"type\": \"integer\"}\n}\n",
        ),
    ]);
    let doc = spec.ok("asyncapi.yaml");
    let names: Vec<Option<&str>> = doc.api.messages.iter().map(|m| m.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            Some("measured"),
            Some("dim"),
            Some("spaced"),
            Some("measured")
        ]
    );
    let whole = doc.api.messages[0].origin.as_ref().expect("a ref");
    assert_eq!(whole.pointer, "");
    assert_eq!(doc.api.messages[3].origin.as_ref(), Some(whole));
    let payload = doc.api.messages[0].payload.as_ref().expect("a payload");
    assert_eq!(
        doc.store.get(&payload.target),
        Some(&json!({"type": "integer"}))
    );
    let mut paths: Vec<String> = doc
        .store
        .files()
        .map(|(_, f)| {
            f.path
                .display()
                .to_string()
                .replace(&format!("{}/", spec.base.display()), "")
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "asyncapi.yaml",
            "messages/dim.json",
            "messages/measured.yaml",
            "messages/with space.yaml",
            "schemas.json"
        ]
    );
}

#[test]
fn file_url_refs_resolve_like_paths() {
    let spec = Spec::new(&[("schemas.yaml", "Lumens: {type: integer}\n")]);
    let url = format!("file://{}#/Lumens", spec.path("schemas.yaml").display());
    spec.write(
        "asyncapi.yaml",
        &format!(
            "asyncapi: 3.0.0\ninfo: {{title: t, version: '1'}}\nchannels:\n  c:\n    messages:\n      m:\n        payload: {{$ref: '{url}'}}\n"
        ),
    );
    let doc = spec.ok("asyncapi.yaml");
    let payload = doc.api.messages[0].payload.as_ref().expect("a payload");
    assert_eq!(
        doc.store.get(&payload.target),
        Some(&json!({"type": "integer"}))
    );
}

#[test]
fn malformed_refs_are_reported() {
    let out = err_text(&format!(
        r##"asyncapi: 3.0.0
{INFO}
channels:
  c:
    messages:
      a: {{payload: {{$ref: '#Lumens'}}}}
      b: {{payload: {{$ref: 'ftp://example.com/x.yaml#/X'}}}}
      c: {{payload: {{$ref: 42}}}}
      d: {{$ref: 42}}
"##
    ));
    assert_eq!(
        out,
        "spec.yaml:6:21: error[unresolved-ref]: cannot resolve schema reference: `#Lumens` uses a plain-name fragment; only JSON pointer fragments (`#/...`) are supported (at /channels/c/messages/a/payload/$ref)\n\
         spec.yaml:7:21: error[unresolved-ref]: cannot resolve schema reference: `ftp://example.com/x.yaml#/X` uses an unsupported URL scheme (at /channels/c/messages/b/payload/$ref)\n\
         spec.yaml:8:21: error[invalid-ref]: `$ref` must be a string (at /channels/c/messages/c/payload/$ref)\n\
         spec.yaml:9:11: error[invalid-ref]: `$ref` must be a string (at /channels/c/messages/d/$ref)\n"
    );
}

#[test]
fn syntax_error_in_a_referenced_file_is_reported_with_its_position() {
    let spec = Spec::new(&[
        (
            "asyncapi.yaml",
            r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    messages:
      m: {$ref: './broken.yaml#/M'}
"##,
        ),
        ("broken.yaml", "M:\n  name: [unclosed\n"),
    ]);
    let out = spec.err("asyncapi.yaml");
    assert!(out.starts_with("asyncapi.yaml:6:11: error[unresolved-ref]: cannot resolve message reference: cannot read `broken.yaml`: invalid YAML: "), "{out}");
    assert!(out.contains("(line 3, column 1)"), "{out}");
}

#[test]
fn syntax_error_in_a_referenced_file_is_a_syntax_diagnostic_in_that_file() {
    let spec = Spec::new(&[
        (
            "asyncapi.yaml",
            r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    messages:
      m: {$ref: './broken.yaml#/M'}
"##,
        ),
        ("broken.yaml", "M:\n  name: [unclosed\n"),
    ]);
    let e = spec.load("asyncapi.yaml").expect_err("broken");
    let syntax: Vec<_> = e
        .diagnostics
        .iter()
        .filter(|d| d.code == "syntax")
        .collect();
    assert_eq!(syntax.len(), 1, "{}", spec.render(&e.diagnostics));
    assert_eq!(syntax[0].file, spec.path("broken.yaml"));
    assert_eq!((syntax[0].line, syntax[0].column), (3, 1));
}
