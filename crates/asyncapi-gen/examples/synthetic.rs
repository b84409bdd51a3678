//! Prints the synthetic benchmark document with N channels (default 1,000) to standard
//! output: `cargo run --release -p asyncapi-gen --example synthetic -- 10000 > big.json`.

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    print!("{}", synthetic::document(n));
}
