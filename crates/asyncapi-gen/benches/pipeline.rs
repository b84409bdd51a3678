//! Speed of the whole pipeline (load + generate, in memory), on the two documents the
//! targets are set for:
//!
//! - `specs/adobe-io-events.yaml`: under 10 ms;
//! - the synthetic document of `support/synthetic.rs` (1,000 channels, ~4.7 MB of JSON):
//!   under 0.3 s (`cargo xtask bench` checks both and writes `docs/performance.md`).
//!
//! Run with `cargo bench -p asyncapi-gen`; set `ASYNCAPI_BENCH_CHANNELS` to scale the
//! synthetic document.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "support/synthetic.rs"]
mod synthetic;

fn settings() -> asyncapi_codegen::Settings {
    asyncapi_codegen::Settings {
        crate_name: "bench".into(),
        ..Default::default()
    }
}

fn adobe_spec() -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/adobe-io-events.yaml");
    let text = std::fs::read_to_string(&path).expect("the Adobe spec is readable");
    (path, text)
}

fn bench(c: &mut Criterion) {
    // The synthetic document at 10,000 channels (48 MB) is past the default size limit.
    let opts = asyncapi_model::LoadOptions {
        max_bytes: Some(1 << 30),
        ..asyncapi_model::LoadOptions::default()
    };
    let (adobe_path, adobe_text) = adobe_spec();
    c.bench_function("load/adobe", |b| {
        b.iter(|| {
            asyncapi_model::load_str(&adobe_path, black_box(adobe_text.clone()), &opts)
                .expect("loads")
        })
    });
    c.bench_function("load+generate/adobe", |b| {
        b.iter(|| {
            let doc = asyncapi_model::load_str(&adobe_path, black_box(adobe_text.clone()), &opts)
                .expect("loads");
            asyncapi_codegen::generate(&doc, &settings()).expect("generates")
        })
    });

    let channels = std::env::var("ASYNCAPI_BENCH_CHANNELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let text = synthetic::document(channels);
    let path = PathBuf::from(format!("synthetic-{channels}.json"));
    let mut group = c.benchmark_group("synthetic");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function(
        format!("load/{channels}-channels-{}KB", text.len() / 1024),
        |b| {
            b.iter(|| {
                asyncapi_model::load_str(&path, black_box(text.clone()), &opts).expect("loads")
            })
        },
    );
    group.bench_function(format!("load+generate/{channels}-channels"), |b| {
        b.iter(|| {
            let doc =
                asyncapi_model::load_str(&path, black_box(text.clone()), &opts).expect("loads");
            asyncapi_codegen::generate(&doc, &settings()).expect("generates")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
