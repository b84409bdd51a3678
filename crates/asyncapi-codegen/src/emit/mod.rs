//! The Rust items of the generated crate, one file per module of it: `types` (the schemas),
//! `messages` (message structs, channel addresses and parameters), `handlers` (the trait
//! users implement), `router`, `publisher` and the crate root; `scaffold` is the user's
//! starting handler. Emitters read the [`Ir`](crate::ir::Ir) and the
//! [`Types`](crate::typespace::Types) and return items for [`crate::render`].
//!
//! Generated code names the prelude's types by their short names (`Option`, `String`,
//! `Vec`, `Box`, `Result`) and everything else by a path from a crate (`serde_json::Value`,
//! `std::collections::BTreeMap`); no type of the document can take a prelude name (see
//! [`RESERVED`]), so none shadows one.

pub mod channels;
pub mod connect;
pub mod crate_root;
pub mod docs;
pub mod handlers;
pub mod messages;
pub mod publisher;
pub mod router;
pub mod scaffold;
pub mod types;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::typespace::{Ty, TypeDefs};

/// The modules at the root of a generated crate (re-exports must not take these names).
pub const MODULES: &[&str] = &[
    "channels",
    "connect",
    "handlers",
    "messages",
    "publisher",
    "router",
    "runtime",
    "types",
];

/// Names generated code defines or uses unqualified, which schema types must not take.
pub const RESERVED: &[&str] = &[
    // The generated crate's own items.
    "Handler",
    "StubHandler",
    "Router",
    "Publisher",
    "API",
    // Prelude names generated code uses that no type takes (but see `Std`).
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "ToString",
    "ToOwned",
    "From",
    "Into",
    "Future",
    "IntoFuture",
    "Iterator",
];

/// How generated code names the prelude's types: by their short names, unless a type of
/// the document took one of them (a schema called `Box`, say), when every one is named by
/// its full path in the modules that see the document's types.
#[derive(Debug, Clone)]
pub(crate) struct Std {
    pub result: TokenStream,
    pub string: TokenStream,
    pub vec: TokenStream,
}

/// The same paths as text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StdNames {
    pub option: &'static str,
    pub result: &'static str,
    pub string: &'static str,
    pub vec: &'static str,
    pub boxed: &'static str,
}

impl StdNames {
    pub(crate) fn of(defs: &TypeDefs) -> StdNames {
        let full = ["Option", "Result", "String", "Vec", "Box"]
            .iter()
            .any(|n| defs.shadows(n));
        if full {
            StdNames {
                option: "::std::option::Option",
                result: "::std::result::Result",
                string: "::std::string::String",
                vec: "::std::vec::Vec",
                boxed: "::std::boxed::Box",
            }
        } else {
            StdNames {
                option: "Option",
                result: "Result",
                string: "String",
                vec: "Vec",
                boxed: "Box",
            }
        }
    }
}

impl Std {
    pub(crate) fn of(defs: &TypeDefs) -> Std {
        let names = StdNames::of(defs);
        let tokens = |s: &str| s.parse::<TokenStream>().unwrap_or_default();
        Std {
            result: tokens(names.result),
            string: tokens(names.string),
            vec: tokens(names.vec),
        }
    }
}

/// Generated files name the runtime through this alias (`use asyncapi_runtime::codegen as rt;`).
pub(crate) fn rt() -> TokenStream {
    quote!(rt)
}

/// `use asyncapi_runtime::codegen as rt;` when `body` uses `rt`.
pub(crate) fn runtime_import(body: &[crate::render::Piece]) -> TokenStream {
    let rt: std::collections::BTreeSet<String> = ["rt".to_owned()].into();
    let used = body.iter().any(|p| match p {
        crate::render::Piece::Rust(t) => mentions(t, &rt),
        crate::render::Piece::Text(_) => false,
    });
    if used {
        quote!(
            use asyncapi_runtime::codegen as rt;
        )
    } else {
        quote!()
    }
}

pub(crate) fn ident(name: &str) -> Ident {
    crate::names::ident(name)
}

/// The type expression of a `Ty`.
pub fn ty_tokens(t: &Ty, defs: &TypeDefs) -> TokenStream {
    ty_text(t, defs).parse().unwrap_or_default()
}

/// The type expression of a `Ty`, as Rust source.
pub fn ty_text(t: &Ty, defs: &TypeDefs) -> String {
    let mut out = String::new();
    write_ty(&mut out, t, defs, &StdNames::of(defs));
    out
}

pub(crate) fn write_ty(out: &mut String, t: &Ty, defs: &TypeDefs, std: &StdNames) {
    let generic = |out: &mut String, outer: &str, inner: &Ty| {
        out.push_str(outer);
        out.push('<');
        write_ty(out, inner, defs, std);
        out.push('>');
    };
    match t {
        Ty::Named(id) => out.push_str(&crate::names::ident_text(&defs[*id].name)),
        Ty::String => out.push_str(std.string),
        Ty::Bool => out.push_str("bool"),
        Ty::Int(n) | Ty::Float(n) => out.push_str(n),
        Ty::DateTime => out.push_str("chrono::DateTime<chrono::Utc>"),
        Ty::Date => out.push_str("chrono::NaiveDate"),
        Ty::Uuid => out.push_str("uuid::Uuid"),
        Ty::Url => out.push_str("url::Url"),
        Ty::Ipv4 => out.push_str("std::net::Ipv4Addr"),
        Ty::Ipv6 => out.push_str("std::net::Ipv6Addr"),
        Ty::Value => out.push_str("serde_json::Value"),
        Ty::Unit => out.push_str("()"),
        Ty::Vec(inner) => generic(out, std.vec, inner),
        Ty::Map(inner) if **inner == Ty::Value => {
            out.push_str("serde_json::Map<");
            out.push_str(std.string);
            out.push_str(", serde_json::Value>");
        }
        Ty::Map(inner) => {
            out.push_str("std::collections::BTreeMap<");
            out.push_str(std.string);
            out.push_str(", ");
            write_ty(out, inner, defs, std);
            out.push('>');
        }
        Ty::Option(inner) => generic(out, std.option, inner),
    }
}

/// `ty` with the named type it holds inline boxed (`Option<Box<T>>`, `Box<T>`), as Rust
/// source.
pub(crate) fn boxed_text(t: &Ty, defs: &TypeDefs) -> String {
    let std = StdNames::of(defs);
    match t {
        Ty::Option(inner) => format!("{}<{}>", std.option, boxed_text(inner, defs)),
        other => format!("{}<{}>", std.boxed, ty_text(other, defs)),
    }
}

/// Whether `tokens` name any of `names` (to import a module only where it is used).
/// A name that follows `::` is a segment of a path, not the item of that name in scope.
pub(crate) fn mentions(tokens: &TokenStream, names: &std::collections::BTreeSet<String>) -> bool {
    let mut after_path_sep = false;
    let mut colons = 0;
    for t in tokens.clone() {
        let found = match &t {
            proc_macro2::TokenTree::Ident(i) => !after_path_sep && names.contains(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), names),
            _ => false,
        };
        if found {
            return true;
        }
        match &t {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' => colons += 1,
            _ => colons = 0,
        }
        after_path_sep = colons >= 2;
    }
    false
}

/// The names the `types` module defines.
pub(crate) fn type_names(types: &crate::typespace::Types) -> std::collections::BTreeSet<String> {
    types.defs.iter().map(|(_, d)| d.name.clone()).collect()
}

/// The names the `messages` module defines.
pub(crate) fn message_names(ir: &crate::ir::Ir) -> std::collections::BTreeSet<String> {
    let mut names: std::collections::BTreeSet<String> =
        ir.messages.iter().map(|m| m.type_name.clone()).collect();
    names.extend(
        ir.channels
            .iter()
            .filter_map(|c| c.params.as_ref())
            .map(|p| p.type_name.clone()),
    );
    names.extend(
        ir.channels
            .iter()
            .filter(|c| c.address.is_some())
            .map(|c| c.const_name.clone()),
    );
    for op in &ir.operations {
        names.extend(op.enum_name.clone());
        names.extend(op.reply.as_ref().and_then(|r| r.enum_name.clone()));
    }
    names
}

/// `use crate::<module>::*;` when `body` names one of its items.
pub(crate) fn glob_import(
    module: &str,
    names: &std::collections::BTreeSet<String>,
    body: &[crate::render::Piece],
) -> TokenStream {
    let used = body.iter().any(|p| match p {
        crate::render::Piece::Rust(t) => mentions(t, names),
        crate::render::Piece::Text(_) => false,
    });
    let module = ident(module);
    if used {
        quote!(use crate::#module::*;)
    } else {
        quote!()
    }
}

/// An unsuffixed integer literal (`0`, not `0usize`).
pub(crate) fn index_literal(i: usize) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(i)
}
