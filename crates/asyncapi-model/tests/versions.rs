//! Every supported version loads, from YAML and from JSON (chosen by content, not by the file
//! name), and gives the same version-independent view.

mod common;

use asyncapi_model::source::Format;
use asyncapi_model::view::{Action, Api};
use asyncapi_model::{Document, Loc, SUPPORTED_VERSIONS, Spec};
use common::{Spec as Files, ok_text, yaml_to_json};
use serde_json::json;

fn v2_spec(version: &str) -> String {
    format!(
        r##"asyncapi: {version}
info:
  title: Lights
  version: 1.0.0
defaultContentType: application/json
servers:
  prod:
    url: mqtt://broker.example.com
    protocol: mqtt
channels:
  light/{{id}}/measured:
    parameters:
      id:
        schema:
          type: string
    publish:
      operationId: onMeasured
      message:
        $ref: '#/components/messages/Measured'
    subscribe:
      message:
        name: Dim
        contentType: text/plain
        payload:
          type: string
components:
  messages:
    Measured:
      payload:
        $ref: '#/components/schemas/Lumens'
  schemas:
    Lumens:
      type: integer
      minimum: 0
"##
    )
}

fn v3_spec(version: &str) -> String {
    format!(
        r##"asyncapi: {version}
info:
  title: Lights
  version: 1.0.0
defaultContentType: application/json
servers:
  prod:
    host: broker.example.com
    protocol: mqtt
channels:
  measured:
    address: light/{{id}}/measured
    parameters:
      id:
        description: the light
    messages:
      Measured:
        $ref: '#/components/messages/Measured'
  dim:
    address: light/{{id}}/dim
    parameters:
      id: {{}}
    messages:
      Dim:
        contentType: text/plain
        payload:
          type: string
operations:
  onMeasured:
    action: receive
    channel:
      $ref: '#/channels/measured'
  dimLight:
    action: send
    channel:
      $ref: '#/channels/dim'
    messages:
      - $ref: '#/channels/dim/messages/Dim'
components:
  messages:
    Measured:
      payload:
        $ref: '#/components/schemas/Lumens'
  schemas:
    Lumens:
      type: integer
      minimum: 0
"##
    )
}

fn spec_for(version: &str) -> String {
    if version.starts_with('2') {
        v2_spec(version)
    } else {
        v3_spec(version)
    }
}

/// Loads the spec of `version` as YAML and JSON, each under a `.yaml` and a `.json` name,
/// checks the format each was read as, and that all four give the same view.
fn load_four_ways(version: &str) -> Document {
    let yaml = spec_for(version);
    let json = yaml_to_json(&yaml);
    assert!(json.trim_start().starts_with('{'));
    let files = Files::new(&[
        ("yaml.yaml", &yaml),
        ("json.json", &json),
        ("json-named.yaml", &json),
        ("yaml-named.json", &yaml),
    ]);
    let mut docs = Vec::new();
    for (name, format) in [
        ("yaml.yaml", Format::Yaml),
        ("json.json", Format::Json),
        ("json-named.yaml", Format::Json),
        ("yaml-named.json", Format::Yaml),
    ] {
        let doc = files.ok(name);
        assert_eq!(
            doc.store.file(doc.store.root_id()).format,
            format,
            "{version} {name}"
        );
        assert!(
            doc.diagnostics.is_empty(),
            "{version} {name}: {}",
            files.render(&doc.diagnostics)
        );
        docs.push(doc);
    }
    let first = docs.remove(0);
    for other in &docs {
        assert_eq!(
            first.api, other.api,
            "{version}: YAML and JSON views differ"
        );
        assert_eq!(
            first.spec, other.spec,
            "{version}: YAML and JSON models differ"
        );
    }
    first
}

fn message_keys(api: &Api, ids: &[usize]) -> Vec<String> {
    ids.iter().map(|&i| api.messages[i].key.clone()).collect()
}

fn check_v2_view(version: &str, doc: &Document) {
    let api = &doc.api;
    assert!(matches!(doc.spec, Spec::V2(_)), "{version}");
    assert_eq!(api.version, version);
    assert_eq!(api.info.title, "Lights");
    assert_eq!(api.info.version, "1.0.0");
    assert_eq!(
        api.default_content_type.as_deref(),
        Some("application/json")
    );
    assert_eq!(api.servers.len(), 1);
    assert_eq!(api.servers[0].name, "prod");
    assert_eq!(api.servers[0].url, "mqtt://broker.example.com");
    assert_eq!(api.servers[0].protocol, "mqtt");

    assert_eq!(api.channels.len(), 1);
    let c = &api.channels[0];
    assert_eq!(c.key, "light/{id}/measured");
    assert_eq!(c.address.as_deref(), Some("light/{id}/measured"));
    assert_eq!(c.parameters.len(), 1);
    assert_eq!(c.parameters[0].name, "id");
    let p = c.parameters[0]
        .schema
        .as_ref()
        .expect("2.x parameters have a schema");
    assert_eq!(doc.schema_value(p), Some(&json!({"type": "string"})));
    assert_eq!(message_keys(api, &c.messages), ["Measured", "Dim"]);

    // `publish`: others publish, the application receives; `subscribe`: it sends.
    let ops: Vec<(&str, bool, Action, Vec<String>)> = api
        .operations
        .iter()
        .map(|o| {
            (
                o.key.as_str(),
                o.explicit_key,
                o.action,
                message_keys(api, &o.messages),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            (
                "onMeasured",
                true,
                Action::Receive,
                vec!["Measured".to_owned()]
            ),
            (
                "subscribe light/{id}/measured",
                false,
                Action::Send,
                vec!["Dim".to_owned()]
            ),
        ]
    );

    let measured = &api.messages[0];
    assert_eq!(measured.component.as_deref(), Some("Measured"));
    assert_eq!(measured.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        measured.origin,
        Some(Loc::new(
            doc.store.root_id(),
            "/components/messages/Measured"
        ))
    );
    let payload = measured.payload.as_ref().expect("Measured has a payload");
    assert!(payload.is_ref());
    assert_eq!(payload.target.pointer, "/components/schemas/Lumens");
    assert_eq!(
        doc.schema_value(payload),
        Some(&json!({"$ref": "#/components/schemas/Lumens"}))
    );
    assert_eq!(
        doc.store.get(&payload.target),
        Some(&json!({"type": "integer", "minimum": 0}))
    );

    let dim = &api.messages[1];
    assert_eq!(dim.name.as_deref(), Some("Dim"));
    assert_eq!(dim.component, None);
    assert_eq!(dim.content_type.as_deref(), Some("text/plain"));
    assert_eq!(dim.channel, 0);
    assert_eq!(api.schemas.keys().collect::<Vec<_>>(), ["Lumens"]);
}

fn check_v3_view(version: &str, doc: &Document) {
    let api = &doc.api;
    assert!(matches!(doc.spec, Spec::V3(_)), "{version}");
    assert_eq!(api.version, version);
    assert_eq!(api.info.title, "Lights");
    assert_eq!(
        api.default_content_type.as_deref(),
        Some("application/json")
    );
    assert_eq!(api.servers.len(), 1);
    assert_eq!(api.servers[0].url, "mqtt://broker.example.com");

    let channels: Vec<(&str, Option<&str>, Vec<String>)> = api
        .channels
        .iter()
        .map(|c| {
            (
                c.key.as_str(),
                c.address.as_deref(),
                message_keys(api, &c.messages),
            )
        })
        .collect();
    assert_eq!(
        channels,
        [
            (
                "measured",
                Some("light/{id}/measured"),
                vec!["Measured".to_owned()]
            ),
            ("dim", Some("light/{id}/dim"), vec!["Dim".to_owned()]),
        ]
    );
    assert_eq!(api.channels[0].parameters[0].name, "id");
    assert_eq!(
        api.channels[0].parameters[0].description.as_deref(),
        Some("the light")
    );

    let ops: Vec<(&str, Action, usize, Vec<String>)> = api
        .operations
        .iter()
        .map(|o| {
            (
                o.key.as_str(),
                o.action,
                o.channel,
                message_keys(api, &o.messages),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            (
                "onMeasured",
                Action::Receive,
                0,
                vec!["Measured".to_owned()]
            ),
            ("dimLight", Action::Send, 1, vec!["Dim".to_owned()]),
        ]
    );
    assert!(api.operations.iter().all(|o| o.explicit_key));

    let measured = &api.messages[0];
    assert_eq!(measured.component.as_deref(), Some("Measured"));
    assert_eq!(measured.content_type.as_deref(), Some("application/json"));
    let payload = measured.payload.as_ref().expect("Measured has a payload");
    assert_eq!(payload.target.pointer, "/components/schemas/Lumens");
    assert_eq!(
        doc.store.get(&payload.target),
        Some(&json!({"type": "integer", "minimum": 0}))
    );
    let dim = &api.messages[1];
    assert_eq!(dim.key, "Dim");
    assert_eq!(dim.channel, 1);
    assert_eq!(dim.content_type.as_deref(), Some("text/plain"));
}

macro_rules! version_tests {
    ($($name:ident => $version:literal,)*) => {
        $(
            #[test]
            fn $name() {
                let doc = load_four_ways($version);
                if $version.starts_with('2') {
                    check_v2_view($version, &doc);
                } else {
                    check_v3_view($version, &doc);
                }
            }
        )*

        #[test]
        fn every_supported_version_has_a_test() {
            assert_eq!(SUPPORTED_VERSIONS, [$($version),*]);
        }
    };
}

version_tests! {
    v2_0_0 => "2.0.0",
    v2_1_0 => "2.1.0",
    v2_2_0 => "2.2.0",
    v2_3_0 => "2.3.0",
    v2_4_0 => "2.4.0",
    v2_5_0 => "2.5.0",
    v2_6_0 => "2.6.0",
    v3_0_0 => "3.0.0",
    v3_1_0 => "3.1.0",
}

#[test]
fn v2_message_keys_come_from_message_id_name_component_or_operation() {
    let doc = ok_text(
        r##"asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  a:
    publish:
      message:
        oneOf:
          - messageId: byId
            name: ignored
          - name: byName
          - $ref: '#/components/messages/byComponent'
          - payload: {type: string}
    subscribe:
      message:
        payload: {type: string}
components:
  messages:
    byComponent:
      payload: {type: string}
"##,
    );
    let api = &doc.api;
    assert_eq!(
        message_keys(api, &api.channels[0].messages),
        [
            "byId",
            "byName",
            "byComponent",
            "publishMessage4",
            "subscribeMessage"
        ]
    );
    assert_eq!(api.operations[0].key, "publish a");
    assert_eq!(api.operations[1].key, "subscribe a");
    assert_eq!(api.messages[0].content_type, None, "no defaultContentType");
}

#[test]
fn v2_message_used_by_both_operations_of_a_channel_is_one_message() {
    let doc = ok_text(
        r##"asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  echo:
    publish:
      message: {$ref: '#/components/messages/Ping'}
    subscribe:
      message: {$ref: '#/components/messages/Ping'}
components:
  messages:
    Ping: {payload: {type: string}}
"##,
    );
    let api = &doc.api;
    assert_eq!(message_keys(api, &api.channels[0].messages), ["Ping"]);
    assert_eq!(api.operations[0].messages, [0]);
    assert_eq!(api.operations[1].messages, [0]);
    assert_eq!(api.operations[0].action, Action::Receive);
    assert_eq!(api.operations[1].action, Action::Send);
}

#[test]
fn v3_operation_without_messages_uses_all_of_its_channel() {
    let doc = ok_text(
        r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    address: null
    messages:
      one: {payload: {type: string}}
      two: {payload: {type: integer}}
operations:
  listen:
    action: receive
    channel: {$ref: '#/channels/c'}
"##,
    );
    let api = &doc.api;
    assert_eq!(api.channels[0].address, None, "`address: null` is unknown");
    assert_eq!(
        message_keys(api, &api.operations[0].messages),
        ["one", "two"]
    );
    assert_eq!(api.messages[1].content_type, None);
}

/// YAML 1.2: `on`, `off`, `yes`, `no`, `y` and `n` are strings, not booleans.
#[test]
fn yaml_1_2_keeps_on_off_yes_no_strings() {
    let doc = ok_text(
        r##"asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  switch:
    messages:
      flip:
        payload:
          type: object
          properties:
            state:
              enum: [on, off, yes, no, y, n, true, false]
components:
  schemas:
    Switch:
      type: string
      enum:
        - on
        - off
        - yes
        - no
"##,
    );
    let schema = &doc.api.schemas["Switch"];
    assert_eq!(
        doc.schema_value(schema),
        Some(&json!({"type": "string", "enum": ["on", "off", "yes", "no"]}))
    );
    let payload = doc.api.messages[0].payload.as_ref().expect("a payload");
    let state = doc
        .store
        .get(&payload.at.child("properties").child("state"));
    assert_eq!(
        state,
        Some(&json!({"enum": ["on", "off", "yes", "no", "y", "n", true, false]}))
    );
}
