//! Doc comments from the document's Markdown: paragraphs wrapped to the line width, list
//! items with their continuation lines indented (rustdoc and clippy read an unindented one
//! as a new paragraph), code blocks marked as text so they are never compiled as doctests,
//! and tables, headings and code kept as they are.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::typespace::Docs;

/// The widest doc comment line, `///` and indentation included.
const WIDTH: usize = 100;

/// `#[doc]` attributes for an item whose `///` lines start at column `indent`: the title,
/// description, default, examples and deprecation of `docs`, then each of `extra`, as
/// paragraphs.
pub(crate) fn docs_tokens(docs: &Docs, extra: &[String], indent: usize) -> TokenStream {
    let mut paragraphs: Vec<String> = Vec::new();
    paragraphs.extend(docs.title.clone());
    paragraphs.extend(docs.description.clone());
    if let Some(d) = &docs.default {
        paragraphs.push(format!("Default: `{}`", compact(d)));
    }
    for e in docs.examples.iter().take(3) {
        paragraphs.push(format!("Example: `{}`", compact(e)));
    }
    if docs.deprecated {
        paragraphs.push("Deprecated by the API description.".to_owned());
    }
    paragraphs.extend(extra.iter().cloned());
    doc_attrs(&paragraphs, indent)
}

/// `#[doc]` attributes for paragraphs of Markdown, separated by empty lines.
pub(crate) fn doc_attrs(paragraphs: &[String], indent: usize) -> TokenStream {
    let attrs = doc_lines(paragraphs, indent)
        .into_iter()
        .map(|l| quote!(#[doc = #l]));
    quote!(#(#attrs)*)
}

/// The text of each doc line (after `///` or `//!`, a leading space included) for
/// paragraphs of Markdown whose lines start at column `indent`.
pub(crate) fn doc_lines(paragraphs: &[String], indent: usize) -> Vec<String> {
    let width = WIDTH.saturating_sub(indent + 4).max(40);
    let mut lines: Vec<String> = Vec::new();
    for p in paragraphs.iter().filter(|p| !p.trim().is_empty()) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(markdown_lines(p, width));
    }
    lines
        .into_iter()
        .map(|l| if l.is_empty() { l } else { format!(" {l}") })
        .collect()
}

/// A value as it is shown in docs: compact JSON, cut at 200 characters, without backticks.
fn compact(v: &Value) -> String {
    let s = serde_json::to_string(v)
        .unwrap_or_default()
        .replace('`', "'");
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// A list item's marker (`- `, `* `, `+ `, `1. `, `2) `), as the width of its indentation.
fn list_marker(line: &str) -> Option<usize> {
    let t = line.trim_start();
    let lead = line.len() - t.len();
    if ["- ", "* ", "+ "].iter().any(|m| t.starts_with(m)) {
        return Some(lead + 2);
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = &t[digits..];
        if rest.starts_with(". ") || rest.starts_with(") ") {
            return Some(lead + digits + 2);
        }
    }
    None
}

/// Lines that must stay as they are: tables, headings, HTML, indented code.
fn is_verbatim(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('|')
        || t.starts_with('#')
        || t.starts_with('<')
        || t.starts_with('>')
        || line.starts_with("    ")
}

/// Markdown text as doc lines of at most `width` characters where a line can be broken.
pub(crate) fn markdown_lines(text: &str, width: usize) -> Vec<String> {
    let text = text.replace('\t', "    ").replace("\r\n", "\n");
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<String> = None;
    // The words of the paragraph or list item being filled, and its continuation indent.
    let mut words: Vec<String> = Vec::new();
    let mut first_prefix = String::new();
    let mut cont_indent = 0usize;
    let flush = |out: &mut Vec<String>, words: &mut Vec<String>, first: &str, cont: usize| {
        if words.is_empty() {
            return;
        }
        out.extend(fill(words, first, cont, width));
        words.clear();
    };
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(open) = &fence {
            if t.starts_with(open.as_str()) {
                fence = None;
            }
            out.push(line.trim_end().to_owned());
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            flush(&mut out, &mut words, &first_prefix, cont_indent);
            let marker: String = t.chars().take_while(|c| *c == '`' || *c == '~').collect();
            let info = t[marker.len()..].trim();
            // Code without a language would be compiled as a doctest.
            out.push(if info.is_empty() {
                format!("{}{marker}text", &line[..line.len() - t.len()])
            } else {
                line.trim_end().to_owned()
            });
            fence = Some(marker);
            continue;
        }
        if t.is_empty() {
            flush(&mut out, &mut words, &first_prefix, cont_indent);
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        if let Some(indent) = list_marker(line) {
            flush(&mut out, &mut words, &first_prefix, cont_indent);
            first_prefix = line[..indent].to_owned();
            cont_indent = indent;
            words.extend(line[indent..].split_whitespace().map(str::to_owned));
            continue;
        }
        if is_verbatim(line) && words.is_empty() {
            out.push(line.trim_end().to_owned());
            continue;
        }
        if words.is_empty() {
            first_prefix = String::new();
            cont_indent = 0;
        }
        // A hard line break (two trailing spaces) ends the line here.
        let hard = line.ends_with("  ");
        words.extend(t.split_whitespace().map(str::to_owned));
        if hard {
            flush(&mut out, &mut words, &first_prefix, cont_indent);
            first_prefix = " ".repeat(cont_indent);
        }
    }
    flush(&mut out, &mut words, &first_prefix, cont_indent);
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// Words filled into lines of at most `width`; a word longer than that has a line of its own.
fn fill(words: &[String], first: &str, cont: usize, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut empty = true;
    let pad = " ".repeat(cont);
    for w in words {
        let len = line.chars().count();
        if !empty && len + 1 + w.chars().count() > width {
            lines.push(std::mem::replace(&mut line, pad.clone()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_wrapped_and_lists_indented() {
        let text = "One two three four five six seven.\nEight nine.\n\n- a list item that goes on and on\n  and on\n1. first\n\n| a | b |\n|---|---|";
        assert_eq!(
            markdown_lines(text, 20),
            [
                "One two three four",
                "five six seven.",
                "Eight nine.",
                "",
                "- a list item that",
                "  goes on and on and",
                "  on",
                "1. first",
                "",
                "| a | b |",
                "|---|---|",
            ]
        );
    }

    #[test]
    fn code_is_kept_and_marked_as_text() {
        assert_eq!(
            markdown_lines(
                "See:\n```\nlet x = a very long line that is not wrapped;\n```\nDone.",
                10
            ),
            [
                "See:",
                "```text",
                "let x = a very long line that is not wrapped;",
                "```",
                "Done."
            ]
        );
        assert_eq!(
            markdown_lines("```json\n{}\n```", 10),
            ["```json", "{}", "```"]
        );
    }

    #[test]
    fn long_words_and_tabs() {
        assert_eq!(
            markdown_lines("see https://example.com/a/very/long/path\tnow", 12),
            ["see", "https://example.com/a/very/long/path", "now"]
        );
    }
}
