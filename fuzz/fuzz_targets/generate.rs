//! Any document the loader accepts (leniently, as `generate` reads) is generated from both
//! perspectives without an internal error or a panic, and every file it emits is valid Rust
//! or TOML (the generator formats its Rust with prettyplease, which parses it first).
#![no_main]

use std::path::Path;

use asyncapi_codegen::{Perspective, Settings};
use asyncapi_model::LoadOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = if flags & 1 == 0 {
        "fuzz.yaml"
    } else {
        "fuzz.json"
    };
    let opts = LoadOptions {
        lenient: true,
        ..LoadOptions::default()
    };
    let Ok(doc) = asyncapi_model::load_str(Path::new(name), text.to_owned(), &opts) else {
        return;
    };
    let mut settings = Settings {
        crate_name: "fuzzed".to_owned(),
        ..Settings::default()
    };
    if flags & 2 != 0 {
        settings.perspective = Perspective::Client;
    }
    settings.types.typed_formats = flags & 4 == 0;
    settings.types.open_enums = flags & 8 != 0;
    match asyncapi_codegen::generate(&doc, &settings) {
        Ok(output) => {
            for (path, text) in &output.files {
                assert!(!path.starts_with('/') && !path.contains(".."), "{path}");
                assert!(!text.is_empty(), "{path} is empty");
            }
        }
        Err(e) => panic!("{e}"),
    }
});
