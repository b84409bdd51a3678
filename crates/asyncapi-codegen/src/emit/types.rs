//! The `types` module: one item per named type of the document's schemas, with the impls
//! that would repeat from type to type written once in the runtime's macros.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::{doc_attrs, docs_tokens};
use super::{boxed_tokens, ident, ty_tokens};
use crate::render::Piece;
use crate::typespace::{
    Derives, Field, Kind, Newtype, StringEnum, Tagged, Ty, TypeDef, TypeDefs, Types, Variant,
};

/// Whether any type derives serde and schemars (the module then imports their derives).
pub fn uses_derives(types: &Types) -> bool {
    types.defs.iter().any(|(_, d)| {
        matches!(
            d.kind,
            Kind::Struct(_) | Kind::Wrapper(_) | Kind::Tagged(_) | Kind::Untagged(_)
        )
    })
}

/// Whether the derives of serde and schemars are imported (unless a type took one of
/// their names).
fn imports_derives(defs: &TypeDefs) -> bool {
    !["Serialize", "Deserialize", "JsonSchema"]
        .iter()
        .any(|n| defs.shadows(n))
}

/// The start of the module.
pub fn prelude(types: &Types) -> TokenStream {
    let imports = (uses_derives(types) && imports_derives(&types.defs)).then(|| {
        quote! {
            use schemars::JsonSchema;
            use serde::{Deserialize, Serialize};
        }
    });
    quote! {
        //! The types of the document's schemas.
        #imports
    }
}

/// One type definition, as the items that make it.
pub fn emit_def(def: &TypeDef, defs: &TypeDefs) -> Vec<Piece> {
    let name = ident(&def.name);
    let origin = format!("Generated from `{}`.", def.origin);
    let docs = docs_tokens(&def.docs, &[origin], 0);
    let derive = || derives(def.derives, Some(imports_derives(defs)));
    match &def.kind {
        Kind::Pending => Vec::new(),
        Kind::Alias(t) => {
            let t = ty_tokens(t, defs);
            vec![Piece::Rust(quote! { #docs pub type #name = #t; })]
        }
        Kind::Wrapper(t) => {
            let derive = derive();
            let t = ty_tokens(t, defs);
            vec![Piece::Rust(quote! {
                #docs
                #derive
                #[serde(transparent)]
                pub struct #name(pub #t);
            })]
        }
        Kind::Struct(st) => {
            let derive = derive();
            let deny = st
                .deny_unknown
                .then(|| quote!(#[serde(deny_unknown_fields)]));
            let fields = st.fields.iter().map(|f| emit_field(f, defs));
            let extra = st.extra.as_ref().map(|t| {
                let t = ty_tokens(&Ty::Map(Box::new(t.clone())), defs);
                quote! {
                    /// Properties not listed in the schema, kept so that the message round-trips.
                    #[serde(flatten)]
                    pub additional_properties: #t,
                }
            });
            vec![Piece::Rust(quote! {
                #docs
                #derive
                #deny
                pub struct #name {
                    #(#fields)*
                    #extra
                }
            })]
        }
        Kind::Enum(e) => emit_string_enum(&def.name, e, docs, &super::Std::of(defs)),
        Kind::Tagged(t) => vec![Piece::Rust(emit_tagged(def, t, docs, defs))],
        Kind::Untagged(vs) => vec![Piece::Rust(emit_untagged(def, vs, docs, defs))],
        Kind::Newtype(nt) => emit_newtype(&def.name, nt, def.derives, docs, defs),
    }
}

/// `#[derive(..)]`; `serde`: whether serde's and schemars' derives too, imported or by path.
fn derives(d: Derives, serde: Option<bool>) -> TokenStream {
    let eq = d.eq.then(|| quote!(Eq,));
    let hash = d.hash.then(|| quote!(Hash,));
    let default = d.default.then(|| quote!(Default,));
    let serde = serde.map(|imported| {
        if imported {
            quote!(Serialize, Deserialize, JsonSchema)
        } else {
            quote!(serde::Serialize, serde::Deserialize, schemars::JsonSchema)
        }
    });
    quote!(#[derive(Debug, Clone, PartialEq, #eq #hash #default #serde)])
}

/// The name serde gives a field or variant by itself (a raw identifier loses its `r#`).
fn serde_name(ident: &proc_macro2::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

fn emit_field(f: &Field, defs: &TypeDefs) -> TokenStream {
    let is_none = format!(
        "{}::is_none",
        super::Std::of(defs).option.to_string().replace(' ', "")
    );
    let name = ident(&f.name);
    let ty = if f.boxed {
        boxed_tokens(&f.ty, defs)
    } else {
        ty_tokens(&f.ty, defs)
    };
    let docs = docs_tokens(&f.docs, &[], 4);
    let mut args: Vec<TokenStream> = Vec::new();
    if serde_name(&name) != f.wire {
        let wire = &f.wire;
        args.push(quote!(rename = #wire));
    }
    // An optional field may be absent: `Option`, and the types that already hold `null`
    // (JSON, unit), which are not wrapped in an `Option`, default when it is.
    if !f.required {
        match &f.ty {
            Ty::Option(_) => args.push(quote!(default, skip_serializing_if = #is_none)),
            Ty::Value => args.push(quote!(
                default,
                skip_serializing_if = "serde_json::Value::is_null"
            )),
            Ty::Unit => args.push(quote!(default, skip_serializing)),
            _ => {}
        }
    }
    let attrs = (!args.is_empty()).then(|| quote!(#[serde(#(#args),*)]));
    quote! {
        #docs
        #attrs
        pub #name: #ty,
    }
}

/// The camel-case words of a Rust name, as clippy splits them.
fn words(name: &str) -> Vec<String> {
    crate::names::words(name)
}

/// Whether clippy's `enum_variant_names` would object to these variant names: one that
/// starts or ends with the enum's name, or three or more that share a first or last word.
/// The names come from the document, so the lint is allowed where it applies.
pub(crate) fn variant_names_lint(enum_name: &str, variants: &[&str]) -> bool {
    let enum_words = words(enum_name);
    let starts_or_ends = variants.iter().any(|v| {
        let w = words(v);
        w.len() > enum_words.len()
            && (w[..enum_words.len()] == enum_words[..]
                || w[w.len() - enum_words.len()..] == enum_words[..])
    });
    let shared = |pick: fn(&Vec<String>) -> Option<&String>| {
        let all: Vec<Vec<String>> = variants.iter().map(|v| words(v)).collect();
        variants.len() >= 3
            && all.iter().all(|w| w.len() > 1)
            && all.windows(2).all(|p| pick(&p[0]) == pick(&p[1]))
    };
    starts_or_ends || shared(|w| w.first()) || shared(|w| w.last())
}

fn lint_allows(enum_name: &str, variants: &[&str], data: bool) -> TokenStream {
    let mut lints = Vec::new();
    if variant_names_lint(enum_name, variants) {
        lints.push(quote!(clippy::enum_variant_names));
    }
    if data && variants.len() > 1 {
        // Variants hold types of different sizes; boxing them would only make matching on
        // them clumsier.
        lints.push(quote!(clippy::large_enum_variant));
    }
    if lints.is_empty() {
        quote!()
    } else {
        quote!(#[allow(#(#lints),*)])
    }
}

fn emit_string_enum(name: &str, e: &StringEnum, docs: TokenStream, std: &super::Std) -> Vec<Piece> {
    let idents: Vec<_> = e.variants.iter().map(|(v, _)| ident(v)).collect();
    let names: Vec<&str> = e.variants.iter().map(|(v, _)| v.as_str()).collect();
    let variant_docs = e.variants.iter().map(|(_, w)| format!(" `{w}`"));
    let (copy, unknown) = if e.open {
        let string = &std.string;
        (
            quote!(),
            quote! {
                /// A value this version of the API description does not list, kept as it arrived.
                Unknown(#string),
            },
        )
    } else {
        (quote!(Copy,), quote!())
    };
    let allow = lint_allows(name, &names, false);
    let enum_ident = ident(name);
    let def = quote! {
        #docs
        #[derive(Debug, Clone, #copy PartialEq, Eq, Hash)]
        #allow
        pub enum #enum_ident {
            #(#[doc = #variant_docs] #idents,)*
            #unknown
        }
    };
    let mode = if e.open { "open" } else { "strict" };
    let mut text = format!("asyncapi_runtime::string_enum! {{\n    {enum_ident} ({mode}) {{\n");
    for ((_, wire), id) in e.variants.iter().zip(&idents) {
        text.push_str(&format!("        {id} = {},\n", Literal::string(wire)));
    }
    text.push_str("    }\n}\n");
    vec![Piece::Rust(def), Piece::Text(text)]
}

fn emit_tagged(def: &TypeDef, t: &Tagged, docs: TokenStream, defs: &TypeDefs) -> TokenStream {
    let name = ident(&def.name);
    let derive = derives(
        Derives {
            default: false,
            ..def.derives
        },
        Some(imports_derives(defs)),
    );
    let tag = &t.tag;
    let variants = t.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let wire = &v.wire;
        let doc = doc_attrs(&[format!("`{tag}` is `{wire}`.")], 4);
        let rename = (serde_name(&vname) != *wire).then(|| quote!(#[serde(rename = #wire)]));
        match v.body {
            Some(id) => {
                let body = if v.boxed {
                    boxed_tokens(&Ty::Named(id), defs)
                } else {
                    ty_tokens(&Ty::Named(id), defs)
                };
                quote!(#doc #rename #vname(#body),)
            }
            None => quote!(#doc #rename #vname,),
        }
    });
    let names: Vec<&str> = t.variants.iter().map(|v| v.name.as_str()).collect();
    let allow = lint_allows(
        &def.name,
        &names,
        t.variants.iter().any(|v| v.body.is_some()),
    );
    quote! {
        #docs
        #derive
        #allow
        #[serde(tag = #tag)]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// A doc line for an untagged variant: what it holds.
fn variant_doc(t: &Ty, defs: &TypeDefs) -> String {
    match t {
        Ty::Named(id) => format!("A [`{}`].", defs[*id].name),
        Ty::String => "A string.".to_owned(),
        Ty::Bool => "A boolean.".to_owned(),
        Ty::Int(_) => "An integer.".to_owned(),
        Ty::Float(_) => "A number.".to_owned(),
        Ty::Vec(_) => "A list.".to_owned(),
        Ty::Map(_) => "An object.".to_owned(),
        Ty::Unit => "`null`.".to_owned(),
        other => format!(
            "A `{}`.",
            ty_tokens(other, defs).to_string().replace(' ', "")
        ),
    }
}

fn emit_untagged(def: &TypeDef, vs: &[Variant], docs: TokenStream, defs: &TypeDefs) -> TokenStream {
    let name = ident(&def.name);
    let derive = derives(
        Derives {
            default: false,
            ..def.derives
        },
        Some(imports_derives(defs)),
    );
    let variants = vs.iter().map(|v| {
        let vname = ident(&v.name);
        let ty = if v.boxed {
            boxed_tokens(&v.ty, defs)
        } else {
            ty_tokens(&v.ty, defs)
        };
        let doc = doc_attrs(&[variant_doc(&v.ty, defs)], 4);
        quote!(#doc #vname(#ty),)
    });
    let names: Vec<&str> = vs.iter().map(|v| v.name.as_str()).collect();
    let allow = lint_allows(&def.name, &names, true);
    quote! {
        #docs
        #derive
        #allow
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// A bound as Rust source: `100.0` (the macro's rules are `f64`s).
fn float(x: f64) -> String {
    Literal::f64_unsuffixed(x).to_string()
}

fn emit_newtype(
    name: &str,
    nt: &Newtype,
    d: Derives,
    docs: TokenStream,
    defs: &TypeDefs,
) -> Vec<Piece> {
    let inner = nt.inner.clone().unwrap_or(Ty::String);
    let inner_ty = ty_tokens(&inner, defs);
    let eq = d.eq.then(|| quote!(Eq,));
    let hash = d.hash.then(|| quote!(Hash,));
    let name_ident = ident(name);
    let def = quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #eq #hash)]
        pub struct #name_ident(#inner_ty);
    };
    let mut rules: Vec<String> = Vec::new();
    if let Some(n) = nt.min_length {
        rules.push(format!("min_length = {n}"));
    }
    if let Some(n) = nt.max_length {
        rules.push(format!("max_length = {n}"));
    }
    if let Some(p) = &nt.pattern {
        rules.push(format!("pattern = {}", Literal::string(p)));
    }
    for (key, x) in [
        ("minimum", nt.minimum),
        ("maximum", nt.maximum),
        ("exclusive_minimum", nt.exclusive_minimum),
        ("exclusive_maximum", nt.exclusive_maximum),
        ("multiple_of", nt.multiple_of),
    ] {
        if let Some(x) = x {
            rules.push(format!("{key} = {}", float(x)));
        }
    }
    let inner_text = inner_ty.to_string().replace(' ', "");
    let one_line = format!(
        "asyncapi_runtime::constrained!({name_ident}({inner_text}), {});\n",
        rules.join(", ")
    );
    let text = if one_line.chars().count() <= 100 {
        one_line
    } else {
        let mut t = format!("asyncapi_runtime::constrained! {{\n    {name_ident}({inner_text}),\n");
        for r in &rules {
            t.push_str(&format!("    {r},\n"));
        }
        t.push_str("}\n");
        t
    };
    vec![Piece::Rust(def), Piece::Text(text)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_name_lint_is_predicted() {
        assert!(variant_names_lint("Status", &["StatusOk", "Failed"]));
        assert!(variant_names_lint(
            "Code",
            &["IngLoadSuccess", "IngLoadFailure", "IngLoadPartial"]
        ));
        assert!(variant_names_lint(
            "Kind",
            &["OneEvent", "TwoEvent", "ThreeEvent"]
        ));
        assert!(!variant_names_lint("Kind", &["OneEvent", "TwoEvent"]));
        assert!(!variant_names_lint("Status", &["Ok", "Failed", "Pending"]));
    }
}
