//! rustc-style rendering of diagnostics: location, the source line, a caret, the message.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use asyncapi_model::{Diagnostics, Severity};

pub(crate) fn render(diags: &Diagnostics) -> String {
    let mut sources: HashMap<PathBuf, Option<String>> = HashMap::new();
    let mut out = String::new();
    for d in diags {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{kind}[{}]: {}", d.code, d.message);
        let _ = writeln!(out, "  --> {}:{}:{}", d.file.display(), d.line, d.column);
        let text = sources
            .entry(d.file.clone())
            .or_insert_with(|| std::fs::read_to_string(&d.file).ok());
        if let Some(line) = text
            .as_deref()
            .and_then(|t| t.lines().nth(d.line.wrapping_sub(1)))
        {
            let num = d.line.to_string();
            let pad = " ".repeat(num.len());
            let caret_pad: String = line
                .chars()
                .take(d.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{num} | {line}");
            let _ = writeln!(out, "{pad} | {caret_pad}^");
        }
        if !d.pointer.is_empty() {
            let _ = writeln!(out, "   = at: {}", d.pointer);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "   = help: {help}");
        }
        out.push('\n');
    }
    out
}
