//! Scratch: load time of a generated large document (not to be committed).
use std::fmt::Write;
use std::time::Instant;

fn big_yaml() -> String {
    let mut s = String::from("asyncapi: 3.0.0\ninfo:\n  title: Big\n  version: '1.0.0'\n  description: |\n    A large generated document.\nchannels:\n");
    let n = 4500;
    for i in 0..n {
        write!(s, "  ch{i}:\n    address: 'things/{{id}}/events/{i}'\n    parameters:\n      id:\n        description: the thing id\n    messages:\n      evt{i}:\n        name: Evt{i}\n        contentType: application/json\n        headers:\n          type: object\n          properties:\n            traceId: {{type: string, format: uuid}}\n        payload:\n          $ref: '#/components/schemas/S{i}'\n").unwrap();
    }
    s.push_str("operations:\n");
    for i in 0..n {
        write!(s, "  op{i}:\n    action: receive\n    channel:\n      $ref: '#/channels/ch{i}'\n    summary: Receive event {i}\n").unwrap();
    }
    s.push_str("components:\n  schemas:\n");
    for i in 0..n {
        write!(s, "    S{i}:\n      type: object\n      description: \"Schema number {i}, with some text to make it bigger.\"\n      required: [id, value]\n      properties:\n        id: {{type: string, minLength: 1, maxLength: 64}}\n        value: {{type: number, minimum: 0, maximum: 1000}}\n        when: {{type: string, format: date-time}}\n        tags:\n          type: array\n          items: {{type: string, enum: [a, b, c, d]}}\n        nested:\n          type: object\n          properties:\n            x: {{type: integer}}\n            y: {{type: integer}}\n            label: {{type: string, pattern: '^[a-z]+$'}}\n").unwrap();
    }
    s
}

#[test]
fn scratch_large_document_load_time() {
    let text = big_yaml();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, &text).unwrap();
    let json_path = dir.path().join("big.json");
    let v: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    std::fs::write(&json_path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    eprintln!("yaml size: {} bytes, json size: {} bytes", text.len(), std::fs::metadata(&json_path).unwrap().len());
    for p in [&path, &json_path] {
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let doc = asyncapi_model::load(p, &Default::default());
            let el = t.elapsed();
            assert!(doc.is_ok(), "{}", doc.err().unwrap());
            times.push(el.as_millis());
        }
        let t = Instant::now();
        let parsed = asyncapi_model::source::parse(&std::fs::read_to_string(p).unwrap()).unwrap();
        eprintln!("{}: load ms {:?}; parse only {} ms", p.display(), times, t.elapsed().as_millis());
        drop(parsed);
    }
}
