//! The `messages` module: a struct per message (payload and headers, with `encode` and
//! `decode`), the address and the parameters struct of each channel, and an enum for each
//! operation that has several messages.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{doc_attrs, docs_tokens};
use super::{Std, ident, rt, runtime_import, ty_tokens};
use crate::ir::{ChannelIr, Ir, MessageIr, ParamsIr};
use crate::render::Piece;
use crate::typespace::{Docs, Types};

pub(crate) fn header_kind(kind: &str) -> TokenStream {
    let rt = rt();
    match kind {
        "integer" => quote!(#rt::HeaderKind::Integer),
        "number" => quote!(#rt::HeaderKind::Number),
        "boolean" => quote!(#rt::HeaderKind::Boolean),
        "json" => quote!(#rt::HeaderKind::Json),
        _ => quote!(#rt::HeaderKind::String),
    }
}

/// The payload's type in the message struct.
pub(crate) fn payload_ty(m: &MessageIr, types: &Types) -> TokenStream {
    let vec = Std::of(&types.defs).vec;
    match (&m.payload, m.json) {
        (_, false) => quote!(#vec<u8>),
        (Some(t), true) => ty_tokens(t, &types.defs),
        (None, true) => quote!(serde_json::Value),
    }
}

/// The name of the table of a headers type's fields (one per headers type).
fn header_table_name(m: &MessageIr, types: &Types) -> Option<proc_macro2::Ident> {
    let h = m.headers.as_ref()?;
    let name = super::ty_text(h, &types.defs);
    let snake = crate::names::snake(&name, "headers").to_ascii_uppercase();
    Some(format_ident!("{}_FIELDS", snake))
}

pub fn items(ir: &Ir, types: &Types) -> Vec<Piece> {
    let rt = rt();
    let mut pieces = Vec::new();
    for c in &ir.channels {
        if let Some(addr) = &c.address {
            let name = format_ident!("{}", c.const_name);
            let d = doc_attrs(&[format!("Address of channel `{}`: `{addr}`.", c.key)], 0);
            pieces.push(Piece::Rust(quote! {
                #d
                pub static #name: #rt::StaticAddress = #rt::StaticAddress::new(#addr);
            }));
        }
        if let Some(p) = &c.params {
            pieces.push(Piece::Rust(params_struct(c, p, types)));
        }
    }
    let mut tables = BTreeSet::new();
    for m in &ir.messages {
        if let (Some(name), Some(_)) = (header_table_name(m, types), &m.headers) {
            if tables.insert(name.to_string()) {
                let kinds = m.header_kinds.iter().map(|(n, k)| {
                    let k = header_kind(k);
                    quote!((#n, #k))
                });
                let d = doc_attrs(
                    &["How each header of the type is read from text.".to_owned()],
                    0,
                );
                pieces.push(Piece::Rust(quote! {
                    #d
                    const #name: &[(&str, #rt::HeaderKind)] = &[#(#kinds),*];
                }));
            }
        }
        pieces.push(Piece::Rust(message_struct(m, ir, types)));
    }
    // A reply enum is also the message enum of the `<operation>_reply` handler: once each.
    let mut emitted = BTreeSet::new();
    for op in &ir.operations {
        if let Some(e) = op.reply.as_ref().and_then(|r| r.enum_name.as_ref()) {
            if emitted.insert(e.clone()) {
                let r = op
                    .reply
                    .as_ref()
                    .map(|r| r.messages.as_slice())
                    .unwrap_or_default();
                pieces.push(Piece::Rust(message_enum(
                    e,
                    r,
                    ir,
                    types,
                    &format!("The replies of operation `{}`.", op.key),
                )));
            }
        }
    }
    for op in &ir.operations {
        if let Some(e) = &op.enum_name {
            if emitted.insert(e.clone()) {
                pieces.push(Piece::Rust(message_enum(
                    e,
                    &op.messages,
                    ir,
                    types,
                    &format!("The messages of operation `{}`.", op.key),
                )));
            }
        }
    }
    let types_import = super::glob_import("types", &super::type_names(types), &pieces);
    let import = runtime_import(&pieces);
    pieces.insert(
        0,
        Piece::Rust(quote! {
            //! Messages, channel addresses and parameters.
            #types_import
            #import
        }),
    );
    pieces
}

/// The parameters of a channel's address, typed, with how to read them from a matched
/// address and write them into one.
fn params_struct(c: &ChannelIr, p: &ParamsIr, types: &Types) -> TokenStream {
    let rt = rt();
    let Std { result, string, .. } = Std::of(&types.defs);
    let pname = ident(&p.type_name);
    let channel_key = &c.key;
    let fields = p.fields.iter().map(|f| {
        let fname = ident(&f.field);
        let ty = ty_tokens(&f.ty, &types.defs);
        let d = docs_tokens(
            &Docs {
                description: f.description.clone(),
                ..Docs::default()
            },
            &[format!("`{{{}}}` in the address.", f.wire)],
            4,
        );
        quote!(#d pub #fname: #ty,)
    });
    let decode = p.fields.iter().map(|f| {
        let fname = ident(&f.field);
        let wire = &f.wire;
        let kind = header_kind(f.kind);
        quote!(#fname: #rt::decode_param(#channel_key, #wire, params, #kind)?,)
    });
    let encode = p.fields.iter().map(|f| {
        let fname = ident(&f.field);
        let wire = &f.wire;
        quote!((#wire, self.#fname.to_string()))
    });
    let d = doc_attrs(
        &[format!(
            "The parameters of the address of channel `{}`.",
            c.key
        )],
        0,
    );
    let cname = format_ident!("{}", c.const_name);
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq)]
        pub struct #pname {
            #(#fields)*
        }

        impl #pname {
            /// Reads the parameters from those an address matched.
            pub fn from_address(params: &[(#string, #string)]) -> #result<Self, #rt::DispatchError> {
                Ok(Self { #(#decode)* })
            }

            /// The address with these parameters; a value that is empty or holds `/` is refused.
            pub fn to_address(&self) -> #result<#string, #rt::SendError> {
                #rt::render_address(&#cname, &[#(#encode),*])
            }
        }
    }
}

fn message_struct(m: &MessageIr, ir: &Ir, types: &Types) -> TokenStream {
    let rt = rt();
    let Std { result, string, .. } = Std::of(&types.defs);
    let name = ident(&m.type_name);
    let key = &m.key;
    let payload = payload_ty(m, types);
    let headers_field = m.headers.as_ref().map(|h| {
        let h = ty_tokens(h, &types.defs);
        quote!(pub headers: #h,)
    });
    let content_type = m.content_type.clone().unwrap_or_else(|| {
        if m.json {
            "application/json".into()
        } else {
            "application/octet-stream".into()
        }
    });
    let encode_payload = if m.json {
        quote!(serde_json::to_vec(&self.payload)?)
    } else {
        quote!(self.payload.clone())
    };
    let encode_headers = if m.headers.is_some() {
        quote!(#rt::json_to_headers(&serde_json::to_value(&self.headers)?))
    } else {
        quote!(#rt::Headers::new())
    };
    let decode_payload = match (&m.payload, m.json) {
        (_, false) => quote!(incoming.payload.to_vec()),
        (Some(_), true) => quote!(#rt::decode_payload(#key, parsed)?),
        (None, true) => quote!(parsed.value().cloned().unwrap_or(serde_json::Value::Null)),
    };
    let decode_headers = header_table_name(m, types)
        .map(|table| quote!(headers: #rt::decode_headers(#key, incoming.headers, #table)?,));
    let parsed_arg = if m.json {
        quote!(parsed)
    } else {
        quote!(_parsed)
    };
    // The payload is read from `parsed` when it is JSON, the headers from `incoming`.
    let incoming_arg = if m.json && m.headers.is_none() {
        quote!(_incoming)
    } else {
        quote!(incoming)
    };
    let mut extra = vec![
        format!(
            "Message `{}` of channel `{}`.",
            m.key, ir.channels[m.channel].key
        ),
        format!("Generated from `{}`.", m.origin),
    ];
    if let Some(t) = &m.avro_type {
        let t = super::ty_text(t, &types.defs);
        extra.push(format!("The payload is binary Avro: decode it into `{t}` (for example with the `apache-avro` crate's serde support)."));
    }
    let d = docs_tokens(
        &Docs {
            title: m.summary.clone(),
            description: m.description.clone(),
            ..Docs::default()
        },
        &extra,
        0,
    );
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            pub payload: #payload,
            #headers_field
        }

        impl #name {
            /// The content type this message is sent with.
            pub const CONTENT_TYPE: &'static str = #content_type;

            /// Encodes the message for a transport.
            pub fn encode(&self, address: #string) -> #result<#rt::Outgoing, serde_json::Error> {
                Ok(#rt::Outgoing {
                    address,
                    headers: #encode_headers,
                    content_type: Some(Self::CONTENT_TYPE.to_owned()),
                    payload: #encode_payload,
                })
            }

            /// Decodes the message from what a transport received (`parsed` is its payload,
            /// decoded straight from its bytes).
            pub fn decode(#incoming_arg: &#rt::Incoming<'_>, #parsed_arg: &#rt::Parsed<'_>) -> #result<Self, #rt::DispatchError> {
                Ok(Self {
                    payload: #decode_payload,
                    #decode_headers
                })
            }
        }
    }
}

fn message_enum(name: &str, messages: &[usize], ir: &Ir, types: &Types, d: &str) -> TokenStream {
    let rt = rt();
    let Std { result, string, .. } = Std::of(&types.defs);
    let enum_name = ident(name);
    let variants: Vec<_> = messages
        .iter()
        .map(|&m| ident(&ir.messages[m].type_name))
        .collect();
    let variant_docs = messages
        .iter()
        .map(|&m| doc_attrs(&[format!("Message `{}`.", ir.messages[m].key)], 4));
    let d = doc_attrs(&[d.to_owned()], 0);
    let names: Vec<&str> = messages
        .iter()
        .map(|&m| ir.messages[m].type_name.as_str())
        .collect();
    let lints = if super::types::variant_names_lint(name, &names) {
        quote!(clippy::large_enum_variant, clippy::enum_variant_names)
    } else {
        quote!(clippy::large_enum_variant)
    };
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq)]
        // Messages differ in size; boxing them would only make matching on them clumsier.
        #[allow(#lints)]
        pub enum #enum_name { #(#variant_docs #variants(#variants),)* }

        impl #enum_name {
            /// Encodes the message for a transport.
            pub fn encode(&self, address: #string) -> #result<#rt::Outgoing, serde_json::Error> {
                match self { #(Self::#variants(m) => m.encode(address),)* }
            }
        }
    }
}
