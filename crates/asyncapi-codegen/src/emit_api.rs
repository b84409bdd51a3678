//! Rust items for the messages, handler trait, router and publisher of an [`Ir`].

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit_types::{docs_tokens, ty_tokens};
use crate::ir::{Ir, MessageIr, OperationIr, Role};
use crate::names::ident;
use crate::typespace::{Docs, TypeDef};

/// Generated files name the runtime through this alias (`use ::asyncapi_runtime::codegen as rt;`).
const RT: &str = "rt";

fn rt() -> TokenStream {
    RT.parse().unwrap_or_default()
}

fn doc(summary: &Option<String>, description: &Option<String>, extra: &[String]) -> TokenStream {
    docs_tokens(
        &Docs {
            title: summary.clone(),
            description: description.clone(),
            ..Docs::default()
        },
        extra,
    )
}

fn header_kind(kind: &str) -> TokenStream {
    let rt = rt();
    match kind {
        "integer" => quote!(#rt::HeaderKind::Integer),
        "number" => quote!(#rt::HeaderKind::Number),
        "boolean" => quote!(#rt::HeaderKind::Boolean),
        "json" => quote!(#rt::HeaderKind::Json),
        _ => quote!(#rt::HeaderKind::String),
    }
}

fn payload_ty(m: &MessageIr, defs: &[TypeDef]) -> TokenStream {
    match (&m.payload, m.json) {
        (_, false) => quote!(::std::vec::Vec<u8>),
        (Some(t), true) => ty_tokens(t, defs),
        (None, true) => quote!(::serde_json::Value),
    }
}

/// Message structs, operation message enums, parameter structs and channel addresses.
pub fn messages(ir: &Ir, defs: &[TypeDef]) -> TokenStream {
    let rt = rt();
    let mut items = Vec::new();
    for c in &ir.channels {
        let name = format_ident!("{}", c.const_name);
        if let Some(addr) = &c.address {
            let d = format!(" Address of channel `{}`: `{addr}`.", c.key);
            items.push(quote! {
                #[doc = #d]
                pub static #name: ::std::sync::LazyLock<#rt::AddressTemplate> =
                    ::std::sync::LazyLock::new(|| #rt::AddressTemplate::new(#addr));
            });
        }
        if let Some(p) = &c.params {
            let pname = ident(&p.type_name);
            let fields = p.fields.iter().map(|f| {
                let fname = ident(&f.field);
                let wire = &f.wire;
                let ty = ty_tokens(&f.ty, defs);
                let d = doc(&None, &f.description, &[]);
                quote!(#d #[serde(rename = #wire)] pub #fname: #ty,)
            });
            let d = format!(" Parameters of the address of channel `{}`.", c.key);
            items.push(quote! {
                #[doc = #d]
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                pub struct #pname { #(#fields)* }
            });
        }
    }
    for m in &ir.messages {
        let name = ident(&m.type_name);
        let payload = payload_ty(m, defs);
        let headers = m.headers.as_ref().map(|h| {
            let h = ty_tokens(h, defs);
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
            quote!(::serde_json::to_vec(&self.payload)?)
        } else {
            quote!(self.payload.clone())
        };
        let encode_headers = if m.headers.is_some() {
            quote!(#rt::json_to_headers(&::serde_json::to_value(&self.headers)?))
        } else {
            quote!(#rt::Headers::new())
        };
        let mut extra = vec![format!(
            "Message `{}` of channel `{}`.",
            m.key, ir.channels[m.channel].key
        )];
        if let Some(t) = &m.avro_type {
            let t = ty_tokens(t, defs).to_string().replace(' ', "");
            extra.push(format!("The payload is binary Avro: decode it into `{t}` (for example with the `apache-avro` crate's serde support)."));
        }
        let d = doc(&m.summary, &m.description, &extra);
        items.push(quote! {
            #d
            #[derive(Debug, Clone, PartialEq)]
            pub struct #name {
                pub payload: #payload,
                #headers
            }

            impl #name {
                /// The content type this message is sent with.
                pub const CONTENT_TYPE: &'static str = #content_type;

                /// Encodes the message for a transport.
                pub fn encode(&self, address: ::std::string::String) -> ::std::result::Result<#rt::Outgoing, ::serde_json::Error> {
                    Ok(#rt::Outgoing {
                        address,
                        headers: #encode_headers,
                        content_type: Some(Self::CONTENT_TYPE.to_owned()),
                        payload: #encode_payload,
                    })
                }
            }
        });
    }
    // A reply enum is also the message enum of the `<operation>_reply` handler: once each.
    let mut emitted = std::collections::BTreeSet::new();
    for op in &ir.operations {
        if let Some(r) = &op.reply {
            if let Some(e) = &r.enum_name {
                if emitted.insert(e.clone()) {
                    items.push(message_enum(
                        e,
                        &r.messages,
                        ir,
                        &format!("The replies of operation `{}`.", op.key),
                    ));
                }
            }
        }
    }
    for op in &ir.operations {
        if let Some(e) = &op.enum_name {
            if emitted.insert(e.clone()) {
                items.push(message_enum(
                    e,
                    &op.messages,
                    ir,
                    &format!("The messages of operation `{}`.", op.key),
                ));
            }
        }
    }
    quote!(#(#items)*)
}

fn message_enum(name: &str, messages: &[usize], ir: &Ir, d: &str) -> TokenStream {
    let rt = rt();
    let name = ident(name);
    let variants: Vec<_> = messages
        .iter()
        .map(|&m| ident(&ir.messages[m].type_name))
        .collect();
    let d = format!(" {d}");
    quote! {
        #[doc = #d]
        #[derive(Debug, Clone, PartialEq)]
        // Messages differ in size; boxing them would only make matching on them clumsier.
        #[allow(clippy::large_enum_variant)]
        pub enum #name { #(#variants(#variants),)* }

        impl #name {
            /// Encodes the message for a transport.
            pub fn encode(&self, address: ::std::string::String) -> ::std::result::Result<#rt::Outgoing, ::serde_json::Error> {
                match self { #(Self::#variants(m) => m.encode(address),)* }
            }
        }
    }
}

fn message_arg(op_messages: &[usize], enum_name: &Option<String>, ir: &Ir) -> TokenStream {
    match enum_name {
        Some(e) => {
            let e = ident(e);
            quote!(#e)
        }
        None => match op_messages.first() {
            Some(&m) => {
                let n = ident(&ir.messages[m].type_name);
                quote!(#n)
            }
            None => quote!(::serde_json::Value),
        },
    }
}

fn reply_ty(op: &OperationIr, ir: &Ir) -> TokenStream {
    match &op.reply {
        Some(r) if !r.messages.is_empty() => message_arg(&r.messages, &r.enum_name, ir),
        _ => quote!(()),
    }
}

fn params_arg(op: &OperationIr, ir: &Ir) -> TokenStream {
    match &ir.channels[op.channel].params {
        Some(p) => {
            let p = ident(&p.type_name);
            quote!(params: #p,)
        }
        None => quote!(),
    }
}

/// The handler trait and the stub implementation.
pub fn handlers(ir: &Ir) -> TokenStream {
    let rt = rt();
    let receive: Vec<&OperationIr> = ir
        .operations
        .iter()
        .filter(|o| o.role == Role::Receive)
        .collect();
    let methods = receive.iter().map(|op| {
        let m = ident(&op.method);
        let arg = message_arg(&op.messages, &op.enum_name, ir);
        let params = params_arg(op, ir);
        let reply = reply_ty(op, ir);
        let extra = vec![
            format!("Operation `{}` on channel `{}`.", op.key, ir.channels[op.channel].key),
            if op.reply.is_some() { "Returns the reply to send back.".to_owned() } else { "Return `Ok` only once the message is fully handled: transports acknowledge it then.".to_owned() },
        ];
        let d = doc(&op.summary, &op.description, &extra);
        quote! {
            #d
            fn #m(&self, message: #arg, #params context: #rt::Context)
                -> impl ::std::future::Future<Output = ::std::result::Result<#reply, #rt::HandlerError>> + ::std::marker::Send;
        }
    });
    let stubs = receive.iter().map(|op| {
        let m = ident(&op.method);
        let arg = message_arg(&op.messages, &op.enum_name, ir);
        let params = params_arg(op, ir);
        let reply = reply_ty(op, ir);
        let key = &op.key;
        let body = if op.reply.as_ref().is_some_and(|r| !r.messages.is_empty()) {
            quote! {
                #rt::tracing::warn!(operation = #key, message = context.message, "the stub handler cannot build a reply");
                Err(::std::format!("operation `{}` needs a reply; implement Handler to build one", #key).into())
            }
        } else {
            quote! {
                #rt::tracing::info!(operation = #key, channel = context.channel, message = context.message, "received and acknowledged by the stub handler");
                Ok(())
            }
        };
        let unused_params = if ir.channels[op.channel].params.is_some() { quote!(let _ = params;) } else { quote!() };
        quote! {
            async fn #m(&self, message: #arg, #params context: #rt::Context) -> ::std::result::Result<#reply, #rt::HandlerError> {
                let _ = message;
                #unused_params
                #body
            }
        }
    });
    quote! {
        #[allow(unused_imports)]
        use crate::messages::*;
        #[allow(unused_imports)]
        use ::asyncapi_runtime::codegen as rt;

        /// What the application does with each message it receives: one method per receive
        /// operation. Implement it and hand it to [`crate::Router`].
        pub trait Handler: ::std::marker::Send + ::std::marker::Sync + 'static {
            #(#methods)*
        }

        /// A handler that logs every message (with `tracing`) and acknowledges it. Operations
        /// that must reply fail, since a stub has nothing to reply with. Start from
        /// `asyncapi-gen scaffold` to write your own.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct StubHandler;

        impl Handler for StubHandler {
            #(#stubs)*
        }
    }
}

/// One way a message can arrive: which operation receives it.
struct Route<'a> {
    op: &'a OperationIr,
    message: usize,
}

fn candidate(m: &MessageIr) -> TokenStream {
    let rt = rt();
    let key = &m.key;
    let headers = m.header_consts.iter().map(|(n, v)| quote!((#n, #v)));
    let alts = m.payload_consts.iter().map(|alt| {
        let pairs = alt.iter().map(|(p, v)| {
            let lit = serde_json::to_string(v).unwrap_or_default();
            quote!((#p, #lit))
        });
        quote!(&[#(#pairs),*])
    });
    let ct = match &m.content_type {
        Some(c) => quote!(Some(#c)),
        None => quote!(None),
    };
    quote!(#rt::Candidate { message: #key, header_consts: &[#(#headers),*], payload_consts: &[#(#alts),*], content_type: #ct })
}

/// Decodes message `m` for `op` and calls the handler.
fn arm(route: &Route<'_>, ir: &Ir, defs: &[TypeDef], with_params: bool) -> TokenStream {
    let rt = rt();
    let m = &ir.messages[route.message];
    let op = route.op;
    let key = &m.key;
    let op_key = &op.key;
    let channel = &ir.channels[m.channel];
    let channel_key = &channel.key;
    let mtype = ident(&m.type_name);
    let payload = match (&m.payload, m.json) {
        (_, false) => quote!(incoming.payload.to_vec()),
        (Some(t), true) => {
            let t = ty_tokens(t, defs);
            quote!(#rt::decode_payload::<#t>(#key, parsed)?)
        }
        (None, true) => quote!(parsed.clone().unwrap_or(::serde_json::Value::Null)),
    };
    let headers = m.headers.as_ref().map(|h| {
        let h = ty_tokens(h, defs);
        let kinds = m.header_kinds.iter().map(|(n, k)| {
            let k = header_kind(k);
            quote!((#n, #k))
        });
        quote!(headers: #rt::decode_headers::<#h>(#key, incoming.headers, &[#(#kinds),*])?,)
    });
    let wrap = match &op.enum_name {
        Some(e) => {
            let e = ident(e);
            quote!(#e::#mtype(message))
        }
        None => quote!(message),
    };
    let params = match (&channel.params, with_params) {
        (Some(p), true) => {
            let pname = ident(&p.type_name);
            let fields = p.fields.iter().map(|f| {
                let fname = ident(&f.field);
                let wire = &f.wire;
                let ty = ty_tokens(&f.ty, defs);
                let kind = header_kind(f.kind);
                quote!(#fname: #rt::decode_param::<#ty>(#channel_key, #wire, params, #kind)?,)
            });
            quote!(#pname { #(#fields)* },)
        }
        _ => quote!(),
    };
    let correlation = match &m.correlation {
        Some(loc) => quote!(Some(#loc)),
        None => quote!(None),
    };
    let method = ident(&op.method);
    let has_reply = op.reply.as_ref().is_some_and(|r| !r.messages.is_empty());
    let (bind, reply) = match &op.reply {
        Some(r) if has_reply => {
            let fixed = r.channel.and_then(|c| {
                let ch = &ir.channels[c];
                if ch.params.is_some() {
                    None
                } else {
                    ch.address.clone()
                }
            });
            let fixed = match fixed {
                Some(a) => quote!(Some(#a)),
                None => quote!(None),
            };
            let location = match &r.address_location {
                Some(loc) => quote!(Some(#loc)),
                None => quote!(None),
            };
            (
                quote!(let result =),
                quote! {
                    Some(result.encode(#rt::reply_address(#op_key, #location, #fixed, &incoming, parsed))
                        .map_err(|error| #rt::DispatchError::Handler { operation: #op_key, error: error.into() })?)
                },
            )
        }
        _ => (quote!(), quote!(None)),
    };
    quote! {
        {
            let message = #mtype { payload: #payload, #headers };
            let context = #rt::context(#op_key, #channel_key, #key, &incoming, #correlation, parsed);
            #bind self.handler.#method(#wrap, #params context).await
                .map_err(|error| #rt::DispatchError::Handler { operation: #op_key, error })?;
            Ok(#rt::Dispatched { operation: #op_key, message: #key, reply: #reply })
        }
    }
}

/// `select` over some routes (by their global index), then the handler of the chosen one.
fn select_and_call(
    routes: &[usize],
    accept_exprs: &[TokenStream],
    channel_label: &str,
    consts_name: &proc_macro2::Ident,
) -> TokenStream {
    let rt = rt();
    let accepts = routes.iter().enumerate().map(|(i, r)| {
        let e = &accept_exprs[*r];
        quote!(#i => #e,)
    });
    let arms = routes.iter().enumerate().map(|(i, r)| {
        let f = format_ident!("handle_{}", r);
        quote!(#i => self.#f(incoming, &params, &parsed).await,)
    });
    quote! {
        let index = #rt::select(#channel_label, #consts_name, incoming.headers, incoming.content_type, parsed.as_ref().ok(), |i| match i {
            #(#accepts)*
            _ => Ok(()),
        })?;
        match index {
            #(#arms)*
            _ => Err(#rt::DispatchError::NoMatchingMessage { channel: #channel_label, reasons: ::std::vec::Vec::new() }),
        }
    }
}

/// The router: matches the address, chooses the message, decodes it, calls the handler.
pub fn router(ir: &Ir, defs: &[TypeDef]) -> TokenStream {
    let rt = rt();
    // Every way a message is received, once per message (the first operation wins).
    let mut routes: Vec<Route<'_>> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for op in ir.operations.iter().filter(|o| o.role == Role::Receive) {
        for &m in &op.messages {
            if seen.insert(m) {
                routes.push(Route { op, message: m });
            }
        }
    }
    let mut consts = Vec::new();
    let mut channel_fns = Vec::new();
    let mut address_arms = Vec::new();
    let mut route_fns = Vec::new();
    let mut accept_exprs = Vec::new();
    for (i, r) in routes.iter().enumerate() {
        let handle = format_ident!("handle_{}", i);
        let body = arm(r, ir, defs, true);
        route_fns.push(quote! {
            async fn #handle(&self, incoming: #rt::Incoming<'_>, params: &[(::std::string::String, ::std::string::String)], parsed: &#rt::Parsed) -> ::std::result::Result<#rt::Dispatched, #rt::DispatchError> {
                let _ = (params, parsed);
                #body
            }
        });
        let m = &ir.messages[r.message];
        accept_exprs.push(match (&m.payload, m.json) {
            (Some(t), true) => {
                let t = ty_tokens(t, defs);
                quote!(#rt::accepts::<#t>(&parsed))
            }
            _ => quote!(Ok(())),
        });
    }
    // Channels that share an address (several channels on `/`, say) are one route: every
    // message of all of them is a candidate.
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    for (ci, c) in ir.channels.iter().enumerate() {
        match c
            .address
            .as_deref()
            .and_then(|a| groups.iter().position(|(g, _)| *g == Some(a)))
        {
            Some(g) => groups[g].1.push(ci),
            None => groups.push((c.address.as_deref(), vec![ci])),
        }
    }
    for (addr, channels) in &groups {
        // A channel without an address is reached in single-endpoint mode only.
        let Some(addr) = addr else { continue };
        let members: Vec<usize> = routes
            .iter()
            .enumerate()
            .filter(|(_, r)| channels.contains(&ir.messages[r.message].channel))
            .map(|(i, _)| i)
            .collect();
        if members.is_empty() {
            continue;
        }
        let c = &ir.channels[channels[0]];
        let consts_name =
            format_ident!("CANDIDATES_{}", c.const_name.trim_start_matches("CHANNEL_"));
        let cands = members
            .iter()
            .map(|&i| candidate(&ir.messages[routes[i].message]));
        consts.push(quote!(const #consts_name: &[#rt::Candidate] = &[#(#cands),*];));
        let fn_name = format_ident!(
            "dispatch_{}",
            c.const_name
                .trim_start_matches("CHANNEL_")
                .to_ascii_lowercase()
        );
        let label = channels
            .iter()
            .map(|&ci| ir.channels[ci].key.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let body = select_and_call(&members, &accept_exprs, &label, &consts_name);
        channel_fns.push(quote! {
            async fn #fn_name(&self, incoming: #rt::Incoming<'_>, params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>, parsed: #rt::Parsed) -> ::std::result::Result<#rt::Dispatched, #rt::DispatchError> {
                #body
            }
        });
        let cname = format_ident!("{}", c.const_name);
        // The most specific template first: fewer parameters, then more literal text
        // (`a/b/show` before `a/{x}/show`), as HTTP routers rank static segments.
        let params = addr.matches('{').count();
        let literal = addr.len()
            - addr
                .split('{')
                .skip(1)
                .map(|p| p.find('}').map_or(0, |e| e + 2))
                .sum::<usize>();
        // Literal-only templates cannot overlap: they keep document order.
        let literal = if params == 0 { 0 } else { literal };
        address_arms.push((
            (params, std::cmp::Reverse(literal)),
            quote! {
                if let Some(params) = #cname.matches(address) {
                    return self.#fn_name(incoming, params, parsed).await;
                }
            },
        ));
    }
    // A stable sort keeps document order among equally specific templates.
    address_arms.sort_by_key(|a| a.0);
    let address_arms: Vec<TokenStream> = address_arms.into_iter().map(|(_, t)| t).collect();
    // Single-endpoint mode: every receive message of a channel without parameters.
    let any: Vec<usize> = routes
        .iter()
        .enumerate()
        .filter(|(_, r)| ir.channels[ir.messages[r.message].channel].params.is_none())
        .map(|(i, _)| i)
        .collect();
    let any_body = if any.is_empty() {
        quote! {
            let _ = (&incoming, &parsed);
            Err(#rt::DispatchError::UnknownChannel { address: ::std::string::String::new() })
        }
    } else {
        let cands = any
            .iter()
            .map(|&i| candidate(&ir.messages[routes[i].message]));
        consts.push(quote!(const CANDIDATES_ANY: &[#rt::Candidate] = &[#(#cands),*];));
        let body = select_and_call(&any, &accept_exprs, "*", &format_ident!("CANDIDATES_ANY"));
        quote! {
            let params: ::std::vec::Vec<(::std::string::String, ::std::string::String)> = ::std::vec::Vec::new();
            #body
        }
    };
    quote! {
        #[allow(unused_imports)]
        use crate::types::*;
        #[allow(unused_imports)]
        use ::asyncapi_runtime::codegen as rt;
        use crate::handlers::Handler;
        #[allow(unused_imports)]
        use crate::messages::*;

        #(#consts)*

        /// Takes what a transport delivers and calls the [`Handler`] method it is for.
        ///
        /// With an address, the channel is the one whose address template matches; without
        /// one (a single webhook URL for every event), every receive message of a channel
        /// without parameters is a candidate. Among a channel's messages, the one chosen is
        /// told apart by a `const` header, then a `const` payload property, then the content
        /// type, and last by being the only one whose schema accepts the payload.
        #[derive(Debug, Clone, Default)]
        pub struct Router<H> {
            handler: H,
        }

        impl<H: Handler> Router<H> {
            pub fn new(handler: H) -> Self {
                Router { handler }
            }

            pub fn handler(&self) -> &H {
                &self.handler
            }

            /// Dispatches one message.
            pub async fn route(&self, incoming: #rt::Incoming<'_>) -> ::std::result::Result<#rt::Dispatched, #rt::DispatchError> {
                let parsed = #rt::parse_payload(incoming.payload);
                match incoming.address {
                    Some(address) => {
                        #(#address_arms)*
                        let _ = &parsed;
                        Err(#rt::DispatchError::UnknownChannel { address: address.to_owned() })
                    }
                    None => self.dispatch_any(incoming, parsed).await,
                }
            }

            async fn dispatch_any(&self, incoming: #rt::Incoming<'_>, parsed: #rt::Parsed) -> ::std::result::Result<#rt::Dispatched, #rt::DispatchError> {
                #any_body
            }

            #(#channel_fns)*

            #(#route_fns)*
        }

        impl<H: Handler> #rt::Dispatch for Router<H> {
            fn dispatch<'a>(&'a self, incoming: #rt::Incoming<'a>)
                -> impl ::std::future::Future<Output = ::std::result::Result<#rt::Dispatched, #rt::DispatchError>> + ::std::marker::Send + 'a {
                self.route(incoming)
            }
        }
    }
}

/// The publisher: one method per send operation.
pub fn publisher(ir: &Ir, defs: &[TypeDef]) -> TokenStream {
    let rt = rt();
    let methods = ir.operations.iter().filter(|o| o.role == Role::Send).map(|op| {
        let m = ident(&op.method);
        let arg = message_arg(&op.messages, &op.enum_name, ir);
        let c = &ir.channels[op.channel];
        let (params, address) = match (&c.params, &c.address) {
            (Some(p), Some(_)) => {
                let pname = ident(&p.type_name);
                let cname = format_ident!("{}", c.const_name);
                let values = p.fields.iter().map(|f| {
                    let fname = ident(&f.field);
                    let wire = &f.wire;
                    quote!((#wire, ::std::string::ToString::to_string(&params.#fname)))
                });
                (
                    quote!(params: &#pname,),
                    quote! {
                        let values: ::std::vec::Vec<(&'static str, ::std::string::String)> = ::std::vec![#(#values),*];
                        for (name, value) in &values {
                            if !#rt::AddressTemplate::check_value(value) {
                                return Err(#rt::SendError::BadParameter { name, value: value.clone() });
                            }
                        }
                        let address = #cname.render(|n| values.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()).unwrap_or_default());
                    },
                )
            }
            (None, Some(a)) => (quote!(), quote!(let address = ::std::string::String::from(#a);)),
            (_, None) => (quote!(address: &str,), quote!(let address = address.to_owned();)),
        };
        let mut extra = vec![format!("Operation `{}` on channel `{}`.", op.key, c.key)];
        if let Some(r) = op.reply.as_ref().filter(|r| r.channel.is_some() && !r.messages.is_empty()) {
            let _ = r;
            extra.push(format!("Its reply arrives at `Handler::{}_reply`.", op.method));
        }
        // A correlation ID the document puts in a header that the message's headers schema
        // does not declare is an argument of its own.
        let correlation_header = match op.messages.as_slice() {
            [m] => ir.messages[*m].correlation.as_deref().and_then(|loc| {
                let name = loc.strip_prefix("$message.header#/")?.split('/').next()?.replace("~1", "/").replace("~0", "~");
                let declared = ir.messages[*m].header_kinds.iter().any(|(h, _)| h.eq_ignore_ascii_case(&name));
                (!declared).then_some(name)
            }),
            _ => None,
        };
        let (corr_arg, corr_set) = match &correlation_header {
            Some(h) => {
                extra.push(format!("`correlation_id` is sent in the `{h}` header."));
                (quote!(correlation_id: &str,), quote!(outgoing.headers.insert(#h, correlation_id);))
            }
            None => (quote!(), quote!()),
        };
        let d = doc(&op.summary, &op.description, &extra);
        let _ = defs;
        let mutability = if correlation_header.is_some() { quote!(mut) } else { quote!() };
        quote! {
            #d
            pub async fn #m(&self, #params message: &#arg, #corr_arg) -> ::std::result::Result<(), #rt::SendError> {
                #address
                let #mutability outgoing = message.encode(address).map_err(#rt::SendError::Encode)?;
                #corr_set
                self.sink.send(outgoing).await.map_err(#rt::SendError::Sink)
            }
        }
    });
    quote! {
        #[allow(unused_imports)]
        use crate::messages::*;
        #[allow(unused_imports)]
        use ::asyncapi_runtime::codegen as rt;

        /// Sends typed messages through a transport's [`Sink`](::asyncapi_runtime::Sink): one
        /// method per send operation, building the address from typed parameters.
        #[derive(Debug, Clone, Default)]
        pub struct Publisher<S> {
            sink: S,
        }

        impl<S: #rt::Sink> Publisher<S> {
            pub fn new(sink: S) -> Self {
                Publisher { sink }
            }

            pub fn sink(&self) -> &S {
                &self.sink
            }

            #(#methods)*
        }
    }
}

/// A starting implementation of the handler trait for the user's own crate.
pub fn scaffold(ir: &Ir, crate_ident: &str, type_name: &str) -> TokenStream {
    let krate = ident(crate_ident);
    let ty = ident(type_name);
    let methods = ir.operations.iter().filter(|o| o.role == Role::Receive).map(|op| {
        let m = ident(&op.method);
        let arg = message_arg(&op.messages, &op.enum_name, ir);
        let params = params_arg(op, ir);
        let unused_params = if ir.channels[op.channel].params.is_some() { quote!(let _ = params;) } else { quote!() };
        let d = doc(&op.summary, &op.description, &[]);
        let (reply, body) = match &op.reply {
            Some(r) if !r.messages.is_empty() => {
                let reply = message_arg(&r.messages, &r.enum_name, ir);
                let msg = format!("`{}` must reply; build the reply here", op.key);
                (quote!(#reply), quote!(Err(#msg.into())))
            }
            _ => (quote!(()), quote!(Ok(()))),
        };
        quote! {
            #d
            async fn #m(&self, message: #arg, #params context: Context) -> ::std::result::Result<#reply, HandlerError> {
                // Handle the message here. Return Ok only once it is fully handled: the
                // transport acknowledges it then, and retries (at least once) otherwise.
                let _ = (message, context);
                #unused_params
                #body
            }
        }
    });
    quote! {
        #[allow(unused_imports)]
        use #krate::messages::*;
        use #krate::runtime::{Context, HandlerError};

        /// Your handler. Regenerating the crate never touches this file.
        #[derive(Debug, Clone, Default)]
        pub struct #ty;

        impl #krate::Handler for #ty {
            #(#methods)*
        }
    }
}
