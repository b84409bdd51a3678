//! The benchmark's synthetic document stays what the targets are measured on: ~4.7 MB for
//! 1,000 channels, and a valid document the generator handles.

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

#[test]
fn synthetic_document_has_the_benchmarked_size_and_loads() {
    let full = synthetic::document(1000);
    let mb = full.len() as f64 / 1_000_000.0;
    assert!((4.5..5.0).contains(&mb), "{mb} MB");
    let small = synthetic::document(20);
    let doc = asyncapi_model::load_str(
        std::path::Path::new("synthetic.json"),
        small,
        &Default::default(),
    )
    .expect("loads");
    assert!(doc.diagnostics.is_empty(), "{}", doc.diagnostics);
    assert_eq!(doc.api.channels.len(), 20);
    let out = asyncapi_codegen::generate(&doc, &Default::default()).expect("generates");
    assert!(out.files["src/router.rs"].contains("CHANNEL_CH19"));
}
