//! Rust items for the types of a [`TypeSpace`].

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::names::ident;
use crate::typespace::{
    Caps, Docs, Field, Kind, Newtype, StringEnum, Tagged, Ty, TypeDef, TypeSpace, Variant,
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
pub fn emit(space: &TypeSpace<'_>, caps: &[Caps]) -> TokenStream {
    let defs = &space.defs;
    let items = defs
        .iter()
        .enumerate()
        .map(|(i, def)| emit_def(def, caps[i], defs));
    quote!(#(#items)*)
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
        Kind::Enum(e) => emit_string_enum(&name, &def.name, e, docs),
        Kind::Tagged(t) => emit_tagged(&name, t, caps, docs, defs),
        Kind::Untagged(vs) => emit_untagged(&name, vs, caps, docs, defs),
        Kind::Newtype(nt) => emit_newtype(&name, &def.name, nt, caps, docs, defs),
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

fn emit_string_enum(
    name: &proc_macro2::Ident,
    type_name: &str,
    e: &StringEnum,
    docs: TokenStream,
) -> TokenStream {
    let idents: Vec<_> = e.variants.iter().map(|(v, _)| ident(v)).collect();
    let wires: Vec<&String> = e.variants.iter().map(|(_, w)| w).collect();
    let variant_docs = wires.iter().map(|w| format!(" `{w}`"));
    let known = quote!(&[#(#wires),*]);
    let (unknown_variant, unknown_arm, parse_fallback, from_str_err, schema) = if e.open {
        let schema = json_tokens(&serde_json::json!({
            "anyOf": [{"type": "string", "enum": wires}, {"type": "string"}],
            "description": "Known values are listed; other values are accepted and kept."
        }));
        (
            quote! {
                /// A value this version of the API description does not list, kept as it arrived.
                Unknown(::std::string::String),
            },
            quote!(Self::Unknown(value) => value.as_str(),),
            quote!(Ok(Self::Unknown(other.to_owned()))),
            quote!(::std::convert::Infallible),
            schema,
        )
    } else {
        let schema = json_tokens(&serde_json::json!({"type": "string", "enum": wires}));
        let msg = format!("unknown {type_name} value `{{other}}`");
        (
            quote!(),
            quote!(),
            quote!(Err(::std::format!(#msg))),
            quote!(::std::string::String),
            schema,
        )
    };
    let deserialize = if e.open {
        quote! {
            let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
            Ok(match value.as_str() {
                #(#wires => Self::#idents,)*
                _ => Self::Unknown(value),
            })
        }
    } else {
        quote! {
            let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
            match value.as_str() {
                #(#wires => Ok(Self::#idents),)*
                other => Err(<D::Error as ::serde::de::Error>::unknown_variant(other, Self::KNOWN)),
            }
        }
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#[doc = #variant_docs] #idents,)*
            #unknown_variant
        }

        impl #name {
            /// The values the API description lists.
            pub const KNOWN: &'static [&'static str] = #known;

            /// The value as it is on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wires,)*
                    #unknown_arm
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = #from_str_err;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    #(#wires => Ok(Self::#idents),)*
                    other => #parse_fallback,
                }
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #deserialize
            }
        }

        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                #type_name.into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!(#schema)
            }
        }
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

fn number_literal(x: f64, inner: &Ty) -> TokenStream {
    match inner {
        Ty::Int(_) if x.fract() == 0.0 => {
            let l = Literal::i128_unsuffixed(x as i128);
            quote!(#l)
        }
        _ => {
            let l = Literal::f64_unsuffixed(x);
            quote!(#l)
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
    type_name: &str,
    nt: &Newtype,
    caps: Caps,
    docs: TokenStream,
    defs: &[TypeDef],
) -> TokenStream {
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
    if let Some(n) = nt.min_length {
        let l = Literal::u64_unsuffixed(n);
        let msg = format!("must be at least {n} characters long");
        checks.push(quote!(if value.chars().count() < #l { return Err(#msg.into()); }));
        schema.insert("minLength".into(), n.into());
    }
    if let Some(n) = nt.max_length {
        let l = Literal::u64_unsuffixed(n);
        let msg = format!("must be at most {n} characters long");
        checks.push(quote!(if value.chars().count() > #l { return Err(#msg.into()); }));
        schema.insert("maxLength".into(), n.into());
    }
    if let Some(p) = &nt.pattern {
        let msg = format!("must match the pattern `{p}`");
        checks.push(quote! {
            static PATTERN: ::std::sync::LazyLock<::regress::Regex> = ::std::sync::LazyLock::new(|| {
                ::regress::Regex::new(#p).expect("asyncapi-gen checked this pattern when it generated the code")
            });
            if PATTERN.find(&value).is_none() { return Err(#msg.into()); }
        });
        schema.insert("pattern".into(), p.clone().into());
    }
    let mut bound = |x: Option<f64>, op: TokenStream, key: &str, what: &str| {
        if let Some(x) = x {
            let lit = number_literal(x, &inner);
            let msg = format!("must be {what} {x}");
            checks.push(quote!(if value #op #lit { return Err(#msg.into()); }));
            schema.insert(key.into(), schema_number(x, is_int));
        }
    };
    bound(nt.minimum, quote!(<), "minimum", "at least");
    bound(nt.maximum, quote!(>), "maximum", "at most");
    bound(
        nt.exclusive_minimum,
        quote!(<=),
        "exclusiveMinimum",
        "more than",
    );
    bound(
        nt.exclusive_maximum,
        quote!(>=),
        "exclusiveMaximum",
        "less than",
    );
    if let Some(m) = nt.multiple_of {
        let msg = format!("must be a multiple of {m}");
        if is_int && m.fract() == 0.0 && m >= 1.0 {
            let lit = Literal::i128_unsuffixed(m as i128);
            checks.push(quote!(if value % #lit != 0 { return Err(#msg.into()); }));
        } else {
            let lit = Literal::f64_unsuffixed(m);
            checks.push(quote! {
                let ratio = value as f64 / #lit;
                if (ratio - ratio.round()).abs() > 1e-9 { return Err(#msg.into()); }
            });
        }
        schema.insert("multipleOf".into(), schema_number(m, is_int));
    }
    let schema = json_tokens(&Value::Object(schema));
    let check_fn = if checks.is_empty() {
        quote!()
    } else {
        quote!(#(#checks)*)
    };
    let err_prefix = format!("invalid {type_name}: ");
    let bind = if matches!(inner, Ty::String) {
        quote!()
    } else {
        quote!(let value = *value;)
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #eq #hash ::serde::Serialize)]
        #[serde(transparent)]
        pub struct #name(#inner_ty);

        impl #name {
            /// Checks the value against the schema's constraints.
            pub fn new(value: #inner_ty) -> ::std::result::Result<Self, ::std::string::String> {
                Self::check(&value).map_err(|e| ::std::format!("{}{}", #err_prefix, e))?;
                Ok(Self(value))
            }

            fn check(value: &#inner_ty) -> ::std::result::Result<(), &'static str> {
                #bind
                #check_fn
                let _ = value;
                Ok(())
            }

            pub fn get(&self) -> &#inner_ty {
                &self.0
            }

            pub fn into_inner(self) -> #inner_ty {
                self.0
            }
        }

        impl ::std::ops::Deref for #name {
            type Target = #inner_ty;
            fn deref(&self) -> &#inner_ty {
                &self.0
            }
        }

        impl ::std::convert::TryFrom<#inner_ty> for #name {
            type Error = ::std::string::String;
            fn try_from(value: #inner_ty) -> ::std::result::Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <#inner_ty as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::new(value).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }

        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                #type_name.into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!(#schema)
            }
        }
    }
}
