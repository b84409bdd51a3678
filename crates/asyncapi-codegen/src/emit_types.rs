//! Rust items for the types of a [`TypeSpace`].

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::names::ident;
use crate::typespace::{
    Caps, Docs, Field, Kind, Newtype, StringEnum, Tagged, Ty, TypeDef, Variant,
};

/// The type expression of a `Ty`, with fully qualified paths.
pub fn ty_tokens(t: &Ty, defs: &[TypeDef]) -> TokenStream {
    match t {
        Ty::Named(id) => {
            let name = ident(&defs[*id].name);
            quote!(#name)
        }
        Ty::String => quote!(::std::string::String),
        Ty::Bool => quote!(bool),
        Ty::Int(n) | Ty::Float(n) => {
            let i = format_ident!("{}", n);
            quote!(#i)
        }
        Ty::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        Ty::Date => quote!(::chrono::NaiveDate),
        Ty::Uuid => quote!(::uuid::Uuid),
        Ty::Url => quote!(::url::Url),
        Ty::Ipv4 => quote!(::std::net::Ipv4Addr),
        Ty::Ipv6 => quote!(::std::net::Ipv6Addr),
        Ty::Value => quote!(::serde_json::Value),
        Ty::Unit => quote!(()),
        Ty::Vec(inner) => {
            let inner = ty_tokens(inner, defs);
            quote!(::std::vec::Vec<#inner>)
        }
        Ty::Map(inner) if **inner == Ty::Value => {
            quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>)
        }
        Ty::Map(inner) => {
            let inner = ty_tokens(inner, defs);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
        Ty::Option(inner) => {
            let inner = ty_tokens(inner, defs);
            quote!(::std::option::Option<#inner>)
        }
    }
}

/// `ty` with the named type it refers to directly boxed.
fn boxed_tokens(t: &Ty, defs: &[TypeDef]) -> TokenStream {
    match t {
        Ty::Option(inner) => {
            let inner = boxed_tokens(inner, defs);
            quote!(::std::option::Option<#inner>)
        }
        other => {
            let inner = ty_tokens(other, defs);
            quote!(::std::boxed::Box<#inner>)
        }
    }
}

/// Markdown code fences without a language would be compiled as doctests; mark them as text.
fn doc_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if t == "```" || t == "~~~" {
                format!(" {l}text")
            } else {
                format!(" {l}")
            }
        })
        .collect()
}

pub fn docs_tokens(docs: &Docs, extra: &[String]) -> TokenStream {
    let mut lines = Vec::new();
    // Paragraphs, separated by an empty line (none before the first).
    let paragraph = |lines: &mut Vec<String>, text: Vec<String>| {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(text);
    };
    if let Some(t) = &docs.title {
        paragraph(&mut lines, doc_lines(t));
    }
    if let Some(d) = &docs.description {
        paragraph(&mut lines, doc_lines(d));
    }
    if let Some(d) = &docs.default {
        paragraph(&mut lines, vec![format!(" Default: `{}`", compact(d))]);
    }
    for e in docs.examples.iter().take(3) {
        paragraph(&mut lines, vec![format!(" Example: `{}`", compact(e))]);
    }
    if docs.deprecated {
        paragraph(
            &mut lines,
            vec![" Deprecated by the API description.".to_owned()],
        );
    }
    for x in extra {
        paragraph(&mut lines, doc_lines(x));
    }
    let lines = lines.iter().map(|l| quote!(#[doc = #l]));
    quote!(#(#lines)*)
}

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

/// A JSON value as tokens for `schemars::json_schema!` (strings escaped as Rust literals).
pub fn json_tokens(v: &Value) -> TokenStream {
    match v {
        Value::Null => quote!(null),
        Value::Bool(b) => quote!(#b),
        Value::Number(n) => {
            let lit = if let Some(u) = n.as_u64() {
                Literal::u64_unsuffixed(u)
            } else if let Some(i) = n.as_i64() {
                Literal::i64_unsuffixed(i)
            } else {
                Literal::f64_unsuffixed(n.as_f64().unwrap_or(0.0))
            };
            quote!(#lit)
        }
        Value::String(s) => quote!(#s),
        Value::Array(items) => {
            let items = items.iter().map(json_tokens);
            quote!([#(#items),*])
        }
        Value::Object(map) => {
            let entries = map.iter().map(|(k, v)| {
                let v = json_tokens(v);
                quote!(#k: #v)
            });
            quote!({#(#entries),*})
        }
    }
}

fn derives(caps: Caps, serde: bool) -> TokenStream {
    let eq = caps.eq.then(|| quote!(Eq,));
    let hash = caps.hash.then(|| quote!(Hash,));
    let default = caps.default.then(|| quote!(Default,));
    let serde = serde.then(|| {
        quote!(
            ::serde::Serialize,
            ::serde::Deserialize,
            ::schemars::JsonSchema,
        )
    });
    quote!(#[derive(Debug, Clone, PartialEq, #eq #hash #default #serde)])
}

/// Every type of the space, in definition order.
/// One type definition.
pub fn emit_one(defs: &[TypeDef], i: usize, caps: Caps) -> TokenStream {
    emit_def(&defs[i], caps, defs)
}

fn emit_def(def: &TypeDef, caps: Caps, defs: &[TypeDef]) -> TokenStream {
    let name = ident(&def.name);
    let origin = format!("Generated from `{}`.", def.origin);
    let docs = docs_tokens(&def.docs, &[origin]);
    match &def.kind {
        Kind::Pending => quote!(),
        Kind::Alias(t) => {
            let t = ty_tokens(t, defs);
            quote! { #docs pub type #name = #t; }
        }
        Kind::Wrapper(t) => {
            let derive = derives(caps, true);
            let t = ty_tokens(t, defs);
            quote! {
                #docs
                #derive
                #[serde(transparent)]
                pub struct #name(pub #t);
            }
        }
        Kind::Struct(st) => {
            let derive = derives(caps, true);
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
            quote! {
                #docs
                #derive
                #deny
                pub struct #name {
                    #(#fields)*
                    #extra
                }
            }
        }
        Kind::Enum(e) => emit_string_enum(&name, e, docs),
        Kind::Tagged(t) => emit_tagged(&name, t, caps, docs, defs),
        Kind::Untagged(vs) => emit_untagged(&name, vs, caps, docs, defs),
        Kind::Newtype(nt) => emit_newtype(&name, nt, caps, docs, defs),
    }
}

fn emit_field(f: &Field, defs: &[TypeDef]) -> TokenStream {
    let name = ident(&f.name);
    let wire = &f.wire;
    let ty = if f.boxed {
        boxed_tokens(&f.ty, defs)
    } else {
        ty_tokens(&f.ty, defs)
    };
    let docs = docs_tokens(&f.docs, &[]);
    // An optional field may be absent: `Option`, and the types that already hold `null`
    // (JSON, unit), which are not wrapped in an `Option`, default when it is.
    let attrs = match &f.ty {
        _ if f.required => quote!(#[serde(rename = #wire)]),
        Ty::Option(_) => {
            quote!(#[serde(rename = #wire, default, skip_serializing_if = "::std::option::Option::is_none")])
        }
        Ty::Value => {
            quote!(#[serde(rename = #wire, default, skip_serializing_if = "::serde_json::Value::is_null")])
        }
        Ty::Unit => quote!(#[serde(rename = #wire, default, skip_serializing)]),
        _ => quote!(#[serde(rename = #wire)]),
    };
    quote! {
        #docs
        #attrs
        pub #name: #ty,
    }
}

fn emit_string_enum(name: &proc_macro2::Ident, e: &StringEnum, docs: TokenStream) -> TokenStream {
    let idents: Vec<_> = e.variants.iter().map(|(v, _)| ident(v)).collect();
    let wires: Vec<&String> = e.variants.iter().map(|(_, w)| w).collect();
    let variant_docs = wires.iter().map(|w| format!(" `{w}`"));
    let (mode, copy, unknown) = if e.open {
        (
            quote!(open),
            quote!(),
            quote! {
                /// A value this version of the API description does not list, kept as it arrived.
                Unknown(::std::string::String),
            },
        )
    } else {
        (quote!(strict), quote!(Copy,), quote!())
    };
    quote! {
        #docs
        #[derive(Debug, Clone, #copy PartialEq, Eq, Hash)]
        pub enum #name {
            #(#[doc = #variant_docs] #idents,)*
            #unknown
        }
        ::asyncapi_runtime::string_enum_impls!(#name (#mode) { #(#idents = #wires),* });
    }
}

fn emit_tagged(
    name: &proc_macro2::Ident,
    t: &Tagged,
    caps: Caps,
    docs: TokenStream,
    defs: &[TypeDef],
) -> TokenStream {
    let derive = derives(
        Caps {
            default: false,
            ..caps
        },
        true,
    );
    let tag = &t.tag;
    let variants = t.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let wire = &v.wire;
        match v.body {
            Some(id) => {
                let body = if v.boxed {
                    boxed_tokens(&Ty::Named(id), defs)
                } else {
                    ty_tokens(&Ty::Named(id), defs)
                };
                quote!(#[serde(rename = #wire)] #vname(#body),)
            }
            None => quote!(#[serde(rename = #wire)] #vname,),
        }
    });
    quote! {
        #docs
        #derive
        #[serde(tag = #tag)]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn emit_untagged(
    name: &proc_macro2::Ident,
    vs: &[Variant],
    caps: Caps,
    docs: TokenStream,
    defs: &[TypeDef],
) -> TokenStream {
    let derive = derives(
        Caps {
            default: false,
            ..caps
        },
        true,
    );
    let variants = vs.iter().map(|v| {
        let vname = ident(&v.name);
        let ty = if v.boxed {
            boxed_tokens(&v.ty, defs)
        } else {
            ty_tokens(&v.ty, defs)
        };
        quote!(#vname(#ty),)
    });
    quote! {
        #docs
        #derive
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// A bound in a newtype's schema: an integer's bounds are integers.
fn schema_number(x: f64, is_int: bool) -> Value {
    let n = if is_int && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Some(serde_json::Number::from(x as i64))
    } else {
        serde_json::Number::from_f64(x)
    };
    n.map(Value::Number).unwrap_or(Value::Null)
}

fn emit_newtype(
    name: &proc_macro2::Ident,
    nt: &Newtype,
    caps: Caps,
    docs: TokenStream,
    defs: &[TypeDef],
) -> TokenStream {
    let check = quote!(::asyncapi_runtime::codegen::check);
    let inner = nt.inner.clone().unwrap_or(Ty::String);
    let inner_ty = ty_tokens(&inner, defs);
    let eq = caps.eq.then(|| quote!(Eq,));
    let hash = caps.hash.then(|| quote!(Hash,));
    let is_int = matches!(inner, Ty::Int(_));
    let mut checks = Vec::new();
    let mut schema = serde_json::Map::new();
    match &inner {
        Ty::String => {
            schema.insert("type".into(), "string".into());
        }
        Ty::Int(t) => {
            // The format names schemars gives Rust integers (`uint8` for `u8`).
            let format = match t.strip_prefix('u') {
                Some(bits) => format!("uint{bits}"),
                None => format!("int{}", t.trim_start_matches('i')),
            };
            schema.insert("type".into(), "integer".into());
            schema.insert("format".into(), Value::String(format));
        }
        _ => {
            schema.insert("type".into(), "number".into());
        }
    }
    let opt = |x: Option<f64>| match x {
        Some(x) => {
            let l = Literal::f64_unsuffixed(x);
            quote!(Some(#l))
        }
        None => quote!(None),
    };
    let opt_u = |x: Option<u64>| match x {
        Some(x) => {
            let l = Literal::u64_unsuffixed(x);
            quote!(Some(#l))
        }
        None => quote!(None),
    };
    if nt.min_length.is_some() || nt.max_length.is_some() {
        let (min, max) = (opt_u(nt.min_length), opt_u(nt.max_length));
        checks.push(quote!(#check::length(value, #min, #max)?;));
        if let Some(n) = nt.min_length {
            schema.insert("minLength".into(), n.into());
        }
        if let Some(n) = nt.max_length {
            schema.insert("maxLength".into(), n.into());
        }
    }
    if let Some(p) = &nt.pattern {
        checks.push(quote!(#check::pattern(value, #p)?;));
        schema.insert("pattern".into(), p.clone().into());
    }
    let numeric = [
        nt.minimum,
        nt.maximum,
        nt.exclusive_minimum,
        nt.exclusive_maximum,
        nt.multiple_of,
    ];
    if numeric.iter().any(Option::is_some) {
        let as_f64 = match &inner {
            Ty::Float("f64") => quote!(*value),
            Ty::Int("i8" | "i16" | "i32" | "u8" | "u16" | "u32") | Ty::Float(_) => {
                quote!(f64::from(*value))
            }
            _ => quote!(*value as f64),
        };
        let [min, max, emin, emax, mult] = numeric.map(opt);
        checks.push(quote!(#check::range(#as_f64, #min, #max, #emin, #emax, #mult)?;));
        for (key, x) in [
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ]
        .iter()
        .zip(numeric)
        {
            if let Some(x) = x {
                schema.insert((*key).into(), schema_number(x, is_int));
            }
        }
    }
    let schema = json_tokens(&Value::Object(schema));
    let (bind, body) = if checks.is_empty() {
        (quote!(|_| Ok(())), quote!())
    } else {
        (quote!(|value|), quote!({ #(#checks)* Ok(()) }))
    };
    let eq_hash = quote!(#eq #hash);
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #eq_hash)]
        pub struct #name(#inner_ty);
        ::asyncapi_runtime::constrained_impls!(#name(#inner_ty), #bind #body, #schema);
    }
}
