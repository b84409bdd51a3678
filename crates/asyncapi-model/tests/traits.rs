//! Message and operation traits: 2.x merges them with JSON Merge Patch in order (a trait's field
//! replaces the target's); 3.x never lets a trait override the target's own fields.

mod common;

use asyncapi_model::{Document, Loc};
use common::{Spec, ok_text};
use serde_json::json;

const INFO: &str = "info: {title: t, version: '1'}";

fn v2_message_spec(version: &str) -> String {
    format!(
        r##"asyncapi: {version}
{INFO}
channels:
  c:
    publish:
      message:
        name: m
        contentType: a
        summary: own
        headers:
          type: object
          properties:
            x: {{type: string}}
        traits:
          - contentType: b
            description: first
            title: first
          - $ref: '#/components/messageTraits/Second'
components:
  messageTraits:
    Second:
      title: second
      headers:
        properties:
          x: {{type: integer}}
          y: {{type: boolean}}
"##
    )
}

fn v3_message_spec(version: &str) -> String {
    format!(
        r##"asyncapi: {version}
{INFO}
channels:
  c:
    messages:
      m:
        contentType: a
        summary: own
        headers:
          type: object
          properties:
            x: {{type: string}}
        traits:
          - contentType: b
            description: first
            title: first
          - $ref: '#/components/messageTraits/Second'
components:
  messageTraits:
    Second:
      title: second
      headers:
        properties:
          x: {{type: integer}}
          y: {{type: boolean}}
"##
    )
}

fn headers_value(doc: &Document) -> serde_json::Value {
    let h = doc.api.messages[0].headers.as_ref().expect("headers");
    doc.schema_value(h).expect("a value").clone()
}

#[test]
fn v2_message_traits_are_merge_patches_applied_in_order() {
    for version in ["2.0.0", "2.3.0", "2.6.0"] {
        let doc = ok_text(&v2_message_spec(version));
        assert!(doc.diagnostics.is_empty(), "{version}: {}", doc.diagnostics);
        let m = &doc.api.messages[0];
        assert_eq!(m.content_type.as_deref(), Some("b"), "{version}");
        assert_eq!(m.summary.as_deref(), Some("own"), "{version}");
        assert_eq!(m.description.as_deref(), Some("first"), "{version}");
        assert_eq!(m.title.as_deref(), Some("second"), "{version}");
        assert_eq!(
            headers_value(&doc),
            json!({"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "boolean"}}}),
            "{version}"
        );
        // A field that one source has keeps its real location.
        let h = m.headers.as_ref().expect("headers");
        assert!(h.merged.is_some());
    }
}

#[test]
fn v3_message_traits_never_override_the_message() {
    for version in ["3.0.0", "3.1.0"] {
        let doc = ok_text(&v3_message_spec(version));
        assert!(doc.diagnostics.is_empty(), "{version}: {}", doc.diagnostics);
        let m = &doc.api.messages[0];
        assert_eq!(m.content_type.as_deref(), Some("a"), "{version}");
        assert_eq!(m.summary.as_deref(), Some("own"), "{version}");
        assert_eq!(m.description.as_deref(), Some("first"), "{version}");
        // Between traits, the later one wins.
        assert_eq!(m.title.as_deref(), Some("second"), "{version}");
        assert_eq!(
            headers_value(&doc),
            json!({"type": "object", "properties": {"x": {"type": "string"}, "y": {"type": "boolean"}}}),
            "{version}"
        );
    }
}

#[test]
fn trait_only_fields_keep_their_location() {
    let doc = ok_text(&format!(
        r##"asyncapi: 3.0.0
{INFO}
channels:
  c:
    messages:
      m:
        payload: {{type: string}}
        traits:
          - $ref: '#/components/messageTraits/T'
components:
  messageTraits:
    T:
      headers:
        type: object
"##
    ));
    let m = &doc.api.messages[0];
    let h = m.headers.as_ref().expect("headers from the trait");
    assert_eq!(
        h.at,
        Loc::new(doc.store.root_id(), "/components/messageTraits/T/headers")
    );
    assert_eq!(h.merged, None);
    assert_eq!(doc.schema_value(h), Some(&json!({"type": "object"})));
}

#[test]
fn v2_operation_traits_apply_summary_description_and_bindings() {
    let doc = ok_text(&format!(
        r##"asyncapi: 2.6.0
{INFO}
channels:
  c:
    subscribe:
      operationId: send
      summary: own
      bindings:
        kafka: {{groupId: g}}
      traits:
        - $ref: '#/components/operationTraits/Kafka'
        - description: from inline trait
      message:
        payload: {{type: string}}
components:
  operationTraits:
    Kafka:
      summary: from trait
      bindings:
        kafka:
          clientId: {{type: string, enum: [my-app]}}
"##
    ));
    let op = &doc.api.operations[0];
    assert_eq!(op.key, "send");
    assert_eq!(op.summary.as_deref(), Some("from trait"));
    assert_eq!(op.description.as_deref(), Some("from inline trait"));
    assert_eq!(
        op.bindings.get("kafka"),
        Some(&json!({"groupId": "g", "clientId": {"type": "string", "enum": ["my-app"]}}))
    );
}

#[test]
fn v3_operation_traits_apply_without_overriding() {
    let doc = ok_text(&format!(
        r##"asyncapi: 3.1.0
{INFO}
channels:
  c:
    messages:
      m: {{payload: {{type: string}}}}
operations:
  send:
    action: send
    channel: {{$ref: '#/channels/c'}}
    summary: own
    bindings:
      kafka: {{groupId: g}}
    traits:
      - $ref: '#/components/operationTraits/Kafka'
      - description: from inline trait
        title: inline
components:
  operationTraits:
    Kafka:
      summary: from trait
      title: kafka
      bindings:
        kafka:
          groupId: overridden
          clientId: {{type: string, enum: [my-app]}}
"##
    ));
    let op = &doc.api.operations[0];
    assert_eq!(op.summary.as_deref(), Some("own"));
    assert_eq!(op.description.as_deref(), Some("from inline trait"));
    assert_eq!(op.title.as_deref(), Some("inline"));
    assert_eq!(
        op.bindings.get("kafka"),
        Some(&json!({"groupId": "g", "clientId": {"type": "string", "enum": ["my-app"]}}))
    );
}

fn trait_file_spec(version: &str, own_headers: bool) -> Spec {
    let (channel, comps) = if version.starts_with('2') {
        ("    publish:\n      message:\n", "        ")
    } else {
        ("    messages:\n      m:\n", "        ")
    };
    let headers = if own_headers {
        format!(
            "{comps}headers:\n{comps}  type: object\n{comps}  properties:\n{comps}    own: {{type: string}}\n"
        )
    } else {
        String::new()
    };
    Spec::new(&[
        (
            "asyncapi.yaml",
            &format!(
                "asyncapi: {version}\n{INFO}\nchannels:\n  c:\n{channel}{comps}payload: {{type: string}}\n{headers}{comps}traits:\n{comps}  - $ref: './traits/common.yaml#/CommonHeaders'\n"
            ),
        ),
        (
            "traits/common.yaml",
            "CommonHeaders:\n  description: common\n  headers:\n    $ref: './headers.yaml#/Headers'\n",
        ),
        (
            "traits/headers.yaml",
            "Headers:\n  type: object\n  properties:\n    id: {type: string}\n",
        ),
        // A decoy: resolving the trait's ref from the root's folder would find this.
        ("headers.yaml", "Headers: {type: string}\n"),
    ])
}

#[test]
fn trait_in_another_file_keeps_its_relative_header_refs() {
    for version in ["2.6.0", "3.0.0"] {
        for own_headers in [false, true] {
            let spec = trait_file_spec(version, own_headers);
            let doc = spec.ok("asyncapi.yaml");
            assert!(
                doc.diagnostics.is_empty(),
                "{}",
                spec.render(&doc.diagnostics)
            );
            let m = &doc.api.messages[0];
            assert_eq!(m.description.as_deref(), Some("common"));
            let h = m.headers.as_ref().expect("headers");
            assert_eq!(
                doc.store.file(h.target.file).path,
                spec.path("traits/headers.yaml"),
                "{version} own headers: {own_headers}"
            );
            assert_eq!(h.target.pointer, "/Headers");
            assert_eq!(
                doc.store.get(&h.target),
                Some(&json!({"type": "object", "properties": {"id": {"type": "string"}}}))
            );
            let abs = format!("{}#/Headers", spec.path("traits/headers.yaml").display());
            match (own_headers, version) {
                (false, _) => {
                    assert_eq!(h.merged, None);
                    assert_eq!(
                        doc.store.file(h.at.file).path,
                        spec.path("traits/common.yaml")
                    );
                    assert_eq!(h.at.pointer, "/CommonHeaders/headers");
                }
                // Merged headers exist in no file: their refs are made absolute.
                (true, "2.6.0") => assert_eq!(
                    h.merged,
                    Some(
                        json!({"type": "object", "properties": {"own": {"type": "string"}}, "$ref": abs})
                    )
                ),
                (true, _) => assert_eq!(
                    h.merged,
                    Some(
                        json!({"$ref": abs, "type": "object", "properties": {"own": {"type": "string"}}})
                    )
                ),
            }
        }
    }
}

#[test]
fn v2_trait_null_removes_the_field() {
    let doc = ok_text(&format!(
        r##"asyncapi: 2.6.0
{INFO}
channels:
  c:
    publish:
      message:
        description: to be removed
        payload: {{type: string}}
        traits:
          - description: null
"##
    ));
    assert_eq!(doc.api.messages[0].description, None);
}

#[test]
fn fields_not_allowed_in_traits_are_ignored() {
    // 2.x: the trait's payload replaces the message's; 3.x: a message without a payload gets
    // the trait's.
    for (version, channel, own_payload, expected) in [
        (
            "2.6.0",
            "    publish:\n      message:\n",
            "        payload: {type: string}\n",
            Some(json!({"type": "string"})),
        ),
        ("3.0.0", "    messages:\n      m:\n", "", None),
    ] {
        let text = format!(
            "asyncapi: {version}\n{INFO}\nchannels:\n  c:\n{channel}{own_payload}        traits:\n          - payload: {{type: integer}}\n"
        );
        let doc = ok_text(&text);
        let warnings: Vec<String> = doc.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("unknown field `payload` in a message trait object"),
            "{warnings:?}"
        );
        assert!(warnings[0].contains("it is ignored"), "{warnings:?}");
        let payload = doc.api.messages[0]
            .payload
            .as_ref()
            .and_then(|p| doc.schema_value(p))
            .cloned();
        assert_eq!(payload, expected, "{version}");
    }
}

#[test]
fn unknown_trait_field_is_reported_once() {
    let doc = ok_text(&format!(
        r##"asyncapi: 2.6.0
{INFO}
channels:
  c:
    publish:
      traits:
        - sumary: typo
      message:
        payload: {{type: string}}
"##
    ));
    assert_eq!(
        doc.diagnostics.to_string(),
        "spec.yaml:7:11: warning[unknown-field]: unknown field `sumary` in an operation trait object (valid fields: `operationId`, `summary`, `description`, `security`, `tags`, `externalDocs`, `bindings`); it is ignored (at /channels/c/publish/traits/0/sumary); help: did you mean `summary`?\n"
    );
}
