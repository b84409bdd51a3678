//! Documents written to hurt the generator: long chains of schemas (no stack overflow, in the
//! 2 MiB a test thread has), names that collide or cannot be Rust, schemas that contradict
//! themselves or say nothing usable, each with exactly the note or error a user should read.
//! Loader-level hostile input is in `crates/asyncapi-model/tests/hostile.rs`; crate names and
//! symbolic links in the output folder in the unit tests of `config.rs` and `write.rs`; a
//! parameter value holding `/` in `support/behaviour.rs` (it is another address).

use std::path::Path;

use asyncapi_codegen::{Output, Settings};
use asyncapi_model::LoadOptions;
use serde_json::json;

fn generate(text: &str) -> Output {
    let opts = LoadOptions {
        lenient: true,
        ..LoadOptions::default()
    };
    let doc = match asyncapi_model::load_str(Path::new("spec.yaml"), text.to_owned(), &opts) {
        Ok(doc) => doc,
        Err(e) => panic!("the spec should load, but:\n{e}"),
    };
    let settings = Settings {
        crate_name: "hostile".to_owned(),
        ..Settings::default()
    };
    asyncapi_codegen::generate(&doc, &settings).expect("generates")
}

fn notes(out: &Output) -> String {
    out.notes.iter().map(|n| format!("{n}\n")).collect()
}

/// `n` component schemas, each holding the next (`S{n}` holds the first when `cycle`).
fn chain(n: usize, link: &str, cycle: bool) -> String {
    let mut schemas = serde_json::Map::new();
    for i in 0..n {
        let to = if cycle && i + 1 == n { 0 } else { i + 1 };
        let next = json!({"$ref": format!("#/components/schemas/S{to}")});
        let s = match link {
            "property" => json!({"type": "object", "properties": {"next": next}}),
            "allOf" => {
                json!({"allOf": [next, {"type": "object", "properties": {format!("p{i}"): {"type": "integer"}}}]})
            }
            _ => json!({"oneOf": [next, {"type": "string"}]}),
        };
        schemas.insert(format!("S{i}"), s);
    }
    if !cycle {
        schemas.insert(format!("S{n}"), json!({"type": "object"}));
    }
    json!({
        "asyncapi": "2.6.0",
        "info": {"title": "t", "version": "1"},
        "channels": {"c": {"publish": {"message": {"payload": {"$ref": "#/components/schemas/S0"}}}}},
        "components": {"schemas": schemas},
    })
    .to_string()
}

#[test]
fn chains_of_ten_thousand_schemas_generate_without_overflowing_the_stack() {
    let out = generate(&chain(10_000, "property", false));
    let types = &out.files["src/types.rs"];
    assert!(types.contains("pub struct S9999 {"), "every link is a type");
    assert!(types.contains("pub next: Option<S10000>,"));
    let out = generate(&chain(10_000, "oneOf", false));
    assert!(out.files["src/types.rs"].contains("pub enum S9999 {"));
    // A cycle through ten thousand types: every link is on it, so every link is boxed.
    let out = generate(&chain(10_000, "property", true));
    let types = &out.files["src/types.rs"];
    assert!(
        types.contains("pub next: Option<Box<S1>>,"),
        "S0 -> S1 is boxed"
    );
    assert!(
        types.contains("pub next: Option<Box<S0>>,"),
        "S9999 -> S0 is boxed"
    );
    // `allOf` chains are followed 64 deep, then the rest is a note.
    let out = generate(&chain(2_000, "allOf", false));
    assert!(out.files["src/types.rs"].contains("pub struct S0 {"));
}

#[test]
fn names_from_any_script_or_none_are_readable_and_say_what_they_became() {
    let out = generate(
        r#"asyncapi: 3.0.0
info: {title: t, version: '1'}
components:
  schemas:
    Scripts:
      type: object
      properties:
        Ωμέγα: {type: string}
        Привет: {type: string}
        北京: {type: string}
        '': {type: string}
        '💥': {type: string}
        '123': {type: string}
        type: {type: string}
        crate: {type: string}
        userName: {type: string}
        user_name: {type: string}
        UserName: {type: string}
        Καλημέρα:
          type: string
          enum: [один, два, '', 'a-b', 'A_B']
"#,
    );
    let types = &out.files["src/types.rs"];
    for field in [
        "pub omega: Option<String>,",
        "pub privet: Option<String>,",
        "pub bei_jing: Option<String>,",
        "pub field: Option<String>,",
        "pub field_2: Option<String>,",
        "pub _123: Option<String>,",
        "pub r#type: Option<String>,",
        "pub crate_: Option<String>,",
        "pub user_name: Option<String>,",
        "pub user_name_2: Option<String>,",
        "pub user_name_3: Option<String>,",
        "pub kalemera: Option<ScriptsKalemera>,",
        "pub enum ScriptsKalemera {",
        "    Odin,",
        "    Dva,",
        "    Empty,",
        "    AB,",
        "    AB2,",
    ] {
        assert!(types.contains(field), "{field} in\n{types}");
    }
    // The wire names stay what the document says.
    assert!(types.contains(r#"#[serde(rename = "北京""#));
    assert_eq!(
        notes(&out),
        "note: property `Ωμέγα` is named `omega`, its letters transliterated to ASCII (at spec.yaml#/components/schemas/Scripts/properties/Ωμέγα)\n\
         note: property `Привет` is named `privet`, its letters transliterated to ASCII (at spec.yaml#/components/schemas/Scripts/properties/Привет)\n\
         note: property `北京` is named `bei_jing`, its letters transliterated to ASCII (at spec.yaml#/components/schemas/Scripts/properties/北京)\n\
         note: the property `\"\"` is named `field` (at spec.yaml#/components/schemas/Scripts/properties/)\n\
         note: property `💥` has no letters or digits to make a Rust name from; it is named `field_2` (at spec.yaml#/components/schemas/Scripts/properties/💥)\n\
         note: property `user_name` would be the field `user_name`, as property `userName` is; it is `user_name_2` (at spec.yaml#/components/schemas/Scripts/properties/user_name)\n\
         note: property `UserName` would be the field `user_name`, as property `userName` is; it is `user_name_3` (at spec.yaml#/components/schemas/Scripts/properties/UserName)\n\
         note: property `Καλημέρα` is named `kalemera`, its letters transliterated to ASCII (at spec.yaml#/components/schemas/Scripts/properties/Καλημέρα)\n\
         note: enum value `один` is named `Odin`, its letters transliterated to ASCII (at spec.yaml#/components/schemas/Scripts/properties/Καλημέρα/enum)\n\
         note: enum value `два` is named `Dva`, its letters transliterated to ASCII (at spec.yaml#/components/schemas/Scripts/properties/Καλημέρα/enum)\n\
         note: the enum value `\"\"` is named `Empty` (at spec.yaml#/components/schemas/Scripts/properties/Καλημέρα/enum)\n\
         note: enum value `A_B` would be the variant `AB`, as `a-b` is; it is `AB2` (at spec.yaml#/components/schemas/Scripts/properties/Καλημέρα/enum)\n"
    );
}

#[test]
fn schemas_that_say_too_little_or_too_much_are_typed_loosely_with_a_note() {
    let out = generate(
        r#"asyncapi: 3.0.0
info: {title: t, version: '1'}
components:
  schemas:
    Mixed:
      enum: [1, "a", true, null]
    Req:
      type: object
      required: [missing, here]
      properties:
        here: {type: string}
"#,
    );
    let types = &out.files["src/types.rs"];
    assert!(
        types.contains("pub type Mixed = serde_json::Value;"),
        "{types}"
    );
    assert!(types.contains("pub here: String,"), "{types}");
    assert_eq!(
        notes(&out),
        "note: an `enum` of mixed or structured values is typed as serde_json::Value (at spec.yaml#/components/schemas/Mixed/enum)\n\
         note: required property `missing` has no schema; it is not a field of its own (at spec.yaml#/components/schemas/Req/required)\n"
    );
}

#[test]
fn a_contradictory_all_of_stops_generation() {
    let text = r#"asyncapi: 3.0.0
info: {title: t, version: '1'}
components:
  schemas:
    Both:
      allOf:
        - {type: string}
        - {$ref: '#/components/schemas/Count'}
    Count: {type: integer}
    Numbers:
      allOf: [{type: number}, {type: [integer, 'null']}]
    Props:
      allOf:
        - type: object
          properties: {a: {type: string}, b: {type: string}}
        - type: object
          properties: {a: {type: [integer, boolean]}, b: {type: string}}
"#;
    let err = asyncapi_model::load_str(
        Path::new("spec.yaml"),
        text.to_owned(),
        &LoadOptions {
            lenient: true,
            ..LoadOptions::default()
        },
    )
    .expect_err("no message satisfies these");
    assert_eq!(
        err.diagnostics.to_string(),
        "spec.yaml:6:7: error[contradictory-schema]: `allOf` cannot be satisfied: part 0 is a string and part 1 an integer, and no value is both (at /components/schemas/Both/allOf)\n\
         spec.yaml:13:7: error[contradictory-schema]: `allOf` cannot be satisfied: part 0 makes property `a` a string and part 1 an integer or a boolean, and no value is both (at /components/schemas/Props/allOf)\n"
    );
}
