//! Items to text: Rust items are printed by prettyplease, text items (macro invocations
//! whose layout we choose ourselves) are kept as they are, and items are separated by blank
//! lines, also inside `impl` and `trait` blocks, which prettyplease does not do.

use proc_macro2::TokenStream;
use rayon::prelude::*;

use crate::notes::GenerateError;

/// One item, or a few that belong together (a type and its impls), of a generated file.
#[derive(Debug, Clone)]
pub enum Piece {
    Rust(TokenStream),
    /// Rust source as it is, ending with a newline.
    Text(String),
}

/// Prints a file: `header`, then each piece, with a blank line between items.
pub fn file(header: &str, pieces: Vec<Piece>) -> Result<String, GenerateError> {
    Ok(format!("{header}{}", pieces_text(pieces)?))
}

/// Prints pieces, with a blank line between them.
pub fn pieces_text(pieces: Vec<Piece>) -> Result<String, GenerateError> {
    let mut out = String::new();
    for piece in pieces {
        let p = print(piece)?;
        if p.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&p);
    }
    Ok(out)
}

/// What a job printed, and how long emitting and printing took.
#[derive(Debug)]
pub struct Printed {
    pub text: String,
    pub emit: std::time::Duration,
    pub print: std::time::Duration,
}

/// Runs jobs that emit pieces on every core, prints each job's pieces on the core that
/// made them (tokens cannot cross threads), and returns the texts in job order, which
/// therefore does not depend on how many cores there are.
pub fn run_jobs(
    jobs: Vec<Box<dyn Fn() -> Vec<Piece> + Send + Sync + '_>>,
) -> Result<Vec<Printed>, GenerateError> {
    jobs.par_iter()
        .map(|job| {
            let started = std::time::Instant::now();
            let pieces = job();
            let emitted = std::time::Instant::now();
            let text = pieces_text(pieces)?;
            Ok(Printed {
                text,
                emit: emitted - started,
                print: emitted.elapsed(),
            })
        })
        .collect()
}

fn print(piece: Piece) -> Result<String, GenerateError> {
    match piece {
        Piece::Text(t) => Ok(t),
        Piece::Rust(tokens) => {
            let parsed: syn::File = syn::parse2(tokens)
                .map_err(|e| GenerateError(format!("generated tokens do not parse: {e}")))?;
            Ok(space_items(&prettyplease::unparse(&parsed)))
        }
    }
}

/// Inserts a blank line between consecutive items at the top level and inside `impl`,
/// `trait` and `mod` blocks (not between statements, fields or variants; not between `use`
/// lines), and after the inner doc comment of a file.
pub fn space_items(text: &str) -> String {
    /// What is known of the block whose contents are at one indentation level.
    #[derive(Default, Clone)]
    struct Level {
        /// The block holds items (the top level, `impl`, `trait`, `mod`).
        items: bool,
        /// The last line at this level ended an item.
        ended: bool,
        /// That item was a `use`.
        was_use: bool,
        /// The item being read opens a block of items.
        opener: bool,
        /// The lines so far are the file's inner doc comment.
        inner_doc: bool,
    }
    let mut levels = vec![Level {
        items: true,
        ..Level::default()
    }];
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            out.push('\n');
            continue;
        }
        let depth = (line.len() - trimmed.len()) / 4;
        // A line deeper than every open block continues the item before it.
        if depth >= levels.len() {
            out.push_str(line);
            out.push('\n');
            if let Some(level) = levels.last_mut() {
                level.ended = trimmed.ends_with(';');
            }
            continue;
        }
        levels.truncate(depth + 1);
        let level = &mut levels[depth];
        let closing = trimmed.starts_with('}');
        let is_use = trimmed.starts_with("use ") || trimmed.starts_with("pub use ");
        let is_comment = trimmed.starts_with("//");
        if level.items && !closing {
            let after_item = level.ended && !(is_use && level.was_use);
            let after_inner_doc = level.inner_doc && !trimmed.starts_with("//!");
            if after_item || after_inner_doc {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        level.inner_doc = trimmed.starts_with("//!");
        let bare = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub ")
            .trim_start_matches("unsafe ");
        if bare.starts_with("impl") || bare.starts_with("trait ") || bare.starts_with("mod ") {
            level.opener = true;
        }
        if trimmed.ends_with('{') {
            let items = level.items && level.opener;
            level.ended = false;
            level.opener = false;
            levels.push(Level {
                items,
                ..Level::default()
            });
            continue;
        }
        let ends = !is_comment && (trimmed.ends_with(';') || trimmed == "}" || trimmed == "},");
        level.ended = ends;
        if ends {
            level.was_use = is_use;
            level.opener = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_get_blank_lines_statements_do_not() {
        let text = "//! Docs.\nuse a::b;\nuse c::d;\npub struct X {\n    pub a: u8,\n    pub b: u8,\n}\nimpl X {\n    pub const A: u8 = 1;\n    fn f() {\n        let a = 1;\n        let b = 2;\n    }\n    fn g() {}\n}\npub trait T {\n    fn f(&self)\n        -> u8;\n    /// Doc.\n    fn g(&self);\n}\nfn h() {\n    let a = 1;\n    if a == 1 {\n        return;\n    }\n    let b = 2;\n}\n";
        assert_eq!(
            space_items(text),
            "//! Docs.\n\nuse a::b;\nuse c::d;\n\npub struct X {\n    pub a: u8,\n    pub b: u8,\n}\n\nimpl X {\n    pub const A: u8 = 1;\n\n    fn f() {\n        let a = 1;\n        let b = 2;\n    }\n\n    fn g() {}\n}\n\npub trait T {\n    fn f(&self)\n        -> u8;\n\n    /// Doc.\n    fn g(&self);\n}\n\nfn h() {\n    let a = 1;\n    if a == 1 {\n        return;\n    }\n    let b = 2;\n}\n"
        );
    }
}
