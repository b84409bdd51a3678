//! Any bytes, read as a YAML or a JSON document, strictly and leniently: the loader returns a
//! document or located diagnostics, and never panics, overflows its stack or hangs.
#![no_main]

use std::path::Path;

use asyncapi_model::LoadOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let name = if flags & 1 == 0 {
        "fuzz.yaml"
    } else {
        "fuzz.json"
    };
    let opts = LoadOptions {
        lenient: flags & 2 != 0,
        ..LoadOptions::default()
    };
    match asyncapi_model::load_str(Path::new(name), text, &opts) {
        Ok(doc) => {
            // Rendering every warning walks every location the loader recorded.
            let _ = doc.diagnostics.to_string();
        }
        Err(e) => {
            assert!(!e.diagnostics.is_empty(), "an error without a diagnostic");
            let _ = e.to_string();
        }
    }
});
