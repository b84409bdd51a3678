//! The `router` module: `Router::route` matches the address to a channel, chooses the
//! message among the channel's candidates by the runtime's selection rules, decodes it and
//! calls the handler method of the operation that receives it.
//!
//! The emitted router has one method per way in (by address, without one), one per channel
//! (or group of channels sharing an address), and one per message, named after it.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::handlers::{has_reply, receive_ops};
use super::{Std, ident, index_literal, rt, runtime_import, ty_tokens};
use crate::ir::{Ir, MessageIr, OperationIr};
use crate::names::{Case, Registry, snake};
use crate::render::Piece;
use crate::typespace::Types;

/// One way a message can arrive: which operation receives it, and the router's method
/// that decodes it and calls the handler.
struct Route<'a> {
    op: &'a OperationIr,
    message: usize,
    method: Ident,
}

/// Every way a message is received, once per message (the first operation wins).
fn routes<'a>(ir: &'a Ir, methods: &mut Registry) -> Vec<Route<'a>> {
    let mut routes: Vec<Route<'a>> = Vec::new();
    for op in receive_ops(ir) {
        for &m in &op.messages {
            if routes.iter().all(|r| r.message != m) {
                let name = snake(&ir.messages[m].type_name, "message");
                routes.push(Route {
                    op,
                    message: m,
                    method: ident(&methods.unique(&format!("handle_{name}"))),
                });
            }
        }
    }
    routes
}

/// How the runtime recognises a message among others.
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

/// The method that decodes one message, reads the channel's parameters and calls the
/// handler.
fn message_method(route: &Route<'_>, ir: &Ir, std: &Std) -> TokenStream {
    let rt = rt();
    let Std { result, string, .. } = std;
    let m = &ir.messages[route.message];
    let op = route.op;
    let (key, op_key) = (&m.key, &op.key);
    let channel = &ir.channels[m.channel];
    let channel_key = &channel.key;
    let mtype = ident(&m.type_name);
    let wrap = match &op.enum_name {
        Some(e) => {
            let e = ident(e);
            quote!(#e::#mtype(message))
        }
        None => quote!(message),
    };
    let (params_arg, params_decl, params_pass) = match &channel.params {
        Some(p) => {
            let pname = ident(&p.type_name);
            (
                quote!(params: &[(#string, #string)],),
                quote!(let params = #pname::from_address(params)?;),
                quote!(params,),
            )
        }
        None => (quote!(), quote!(), quote!()),
    };
    let correlation = match &m.correlation {
        Some(loc) => quote!(Some(#loc)),
        None => quote!(None),
    };
    let method = ident(&op.method);
    let (bind, reply) = match &op.reply {
        Some(r) if has_reply(op) => {
            // A reply channel without parameters has a fixed address to fall back on.
            let fixed = r
                .channel
                .map(|c| &ir.channels[c])
                .filter(|c| c.params.is_none())
                .and_then(|c| c.address.as_deref());
            let fixed = match fixed {
                Some(a) => quote!(Some(#a)),
                None => quote!(None),
            };
            let location = match &r.address_location {
                Some(loc) => quote!(Some(#loc)),
                None => quote!(None),
            };
            (
                quote!(let reply =),
                quote! {
                    Some(reply.encode(#rt::reply_address(#op_key, #location, #fixed, &incoming, parsed))
                        .map_err(|error| #rt::DispatchError::Handler { operation: #op_key, error: error.into() })?)
                },
            )
        }
        _ => (quote!(), quote!(None)),
    };
    let name = &route.method;
    let doc = format!(
        " Message `{key}` of channel `{channel_key}`, for `Handler::{}`.",
        op.method
    );
    quote! {
        #[doc = #doc]
        async fn #name(&self, incoming: #rt::Incoming<'_>, #params_arg parsed: &#rt::Parsed<'_>) -> #result<#rt::Dispatched, #rt::DispatchError> {
            let message = #mtype::decode(&incoming, parsed)?;
            #params_decl
            let context = #rt::context(#op_key, #channel_key, #key, &incoming, #correlation, parsed);
            #bind self.handler.#method(#wrap, #params_pass context).await
                .map_err(|error| #rt::DispatchError::Handler { operation: #op_key, error })?;
            Ok(#rt::Dispatched { operation: #op_key, message: #key, reply: #reply })
        }
    }
}

/// `select` among some routes, then the method of the chosen one.
fn select_and_call(
    members: &[usize],
    routes: &[Route<'_>],
    ir: &Ir,
    types: &Types,
    label: &str,
    candidates: &Ident,
    with_params: bool,
) -> TokenStream {
    let rt = rt();
    let vec = Std::of(&types.defs).vec;
    let accepts: Vec<TokenStream> = members
        .iter()
        .enumerate()
        .filter_map(|(i, &r)| {
            let m = &ir.messages[routes[r].message];
            let t = m.payload.as_ref().filter(|_| m.json)?;
            let t = ty_tokens(t, &types.defs);
            let i = index_literal(i);
            Some(quote!(#i => #rt::accepts::<#t>(parsed),))
        })
        .collect();
    let accepts = if accepts.is_empty() {
        quote!(|_| Ok(()))
    } else {
        quote!(|i| match i { #(#accepts)* _ => Ok(()) })
    };
    let arms = members.iter().enumerate().map(|(i, &r)| {
        let f = &routes[r].method;
        let i = index_literal(i);
        let m = &ir.messages[routes[r].message];
        let params =
            (with_params && ir.channels[m.channel].params.is_some()).then(|| quote!(&params,));
        quote!(#i => self.#f(incoming, #params parsed).await,)
    });
    quote! {
        let index = #rt::select(#label, #candidates, incoming.headers, incoming.content_type, parsed, #accepts)?;
        match index {
            #(#arms)*
            _ => Err(#rt::DispatchError::NoMatchingMessage { channel: #label, reasons: #vec::new() }),
        }
    }
}

/// How specific an address template is: fewer parameters first, then more literal text
/// (`a/b/show` before `a/{x}/show`), as HTTP routers rank static segments. Literal-only
/// templates cannot overlap, so they keep document order.
fn specificity(addr: &str) -> (usize, std::cmp::Reverse<usize>) {
    let params = addr.matches('{').count();
    let literal = addr.len()
        - addr
            .split('{')
            .skip(1)
            .map(|p| p.find('}').map_or(0, |e| e + 2))
            .sum::<usize>();
    (
        params,
        std::cmp::Reverse(if params == 0 { 0 } else { literal }),
    )
}

pub fn items(ir: &Ir, types: &Types) -> Vec<Piece> {
    let rt = rt();
    let std = Std::of(&types.defs);
    let Std {
        result,
        string,
        vec,
        ..
    } = &std;
    let mut methods = Registry::new(Case::Snake);
    methods.reserve(["new", "handler", "route", "by_address", "without_address"]);
    let routes = routes(ir, &mut methods);
    let mut consts = Vec::new();
    let mut channel_fns = Vec::new();
    let mut address_arms = Vec::new();
    // Channels that share an address (several channels on `/`, say) are one route: every
    // message of all of them is a candidate.
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (ci, c) in ir.channels.iter().enumerate() {
        if let Some(a) = c.address.as_deref() {
            if !groups.contains_key(a) {
                order.push(a);
            }
            groups.entry(a).or_default().push(ci);
        }
    }
    for addr in order {
        let channels = &groups[addr];
        let members: Vec<usize> = (0..routes.len())
            .filter(|&r| channels.contains(&ir.messages[routes[r].message].channel))
            .collect();
        if members.is_empty() {
            continue;
        }
        let c = &ir.channels[channels[0]];
        let stem = c.const_name.trim_start_matches("CHANNEL_");
        let consts_name = format_ident!("CANDIDATES_{}", stem);
        let cands = members
            .iter()
            .map(|&r| candidate(&ir.messages[routes[r].message]));
        consts.push(quote!(const #consts_name: &[#rt::Candidate] = &[#(#cands),*];));
        let fn_name = ident(&methods.unique(&format!("channel_{}", stem.to_ascii_lowercase())));
        let label = channels
            .iter()
            .map(|&ci| ir.channels[ci].key.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let with_params = addr.contains('{');
        let body = select_and_call(
            &members,
            &routes,
            ir,
            types,
            &label,
            &consts_name,
            with_params,
        );
        let params_arg = with_params.then(|| quote!(params: #vec<(#string, #string)>,));
        let doc = format!(" Channel `{label}`: `{addr}`.");
        channel_fns.push(quote! {
            #[doc = #doc]
            async fn #fn_name(&self, incoming: #rt::Incoming<'_>, #params_arg parsed: &#rt::Parsed<'_>) -> #result<#rt::Dispatched, #rt::DispatchError> {
                #body
            }
        });
        let cname = format_ident!("{}", c.const_name);
        let call = if with_params {
            quote!(self.#fn_name(incoming, params, parsed).await)
        } else {
            quote!(self.#fn_name(incoming, parsed).await)
        };
        address_arms.push((
            specificity(addr),
            if with_params {
                quote! {
                    if let Some(params) = #cname.matches(address) {
                        return #call;
                    }
                }
            } else {
                quote! {
                    if #cname.matches(address).is_some() {
                        return #call;
                    }
                }
            },
        ));
    }
    // A stable sort keeps document order among equally specific templates.
    address_arms.sort_by_key(|a| a.0);
    let by_address_args = if address_arms.is_empty() {
        quote!(_incoming: #rt::Incoming<'_>, address: &str, _parsed: &#rt::Parsed<'_>)
    } else {
        quote!(incoming: #rt::Incoming<'_>, address: &str, parsed: &#rt::Parsed<'_>)
    };
    let address_arms = address_arms.into_iter().map(|(_, t)| t);
    // Single-endpoint mode: every receive message of a channel without parameters.
    let any: Vec<usize> = (0..routes.len())
        .filter(|&r| {
            ir.channels[ir.messages[routes[r].message].channel]
                .params
                .is_none()
        })
        .collect();
    let without_address_args = if any.is_empty() {
        quote!(_incoming: #rt::Incoming<'_>, _parsed: &#rt::Parsed<'_>)
    } else {
        quote!(incoming: #rt::Incoming<'_>, parsed: &#rt::Parsed<'_>)
    };
    let without_address = if any.is_empty() {
        quote!(Err(#rt::DispatchError::AddressRequired))
    } else {
        let cands = any
            .iter()
            .map(|&r| candidate(&ir.messages[routes[r].message]));
        consts.push(quote!(const CANDIDATES_ANY: &[#rt::Candidate] = &[#(#cands),*];));
        select_and_call(
            &any,
            &routes,
            ir,
            types,
            "*",
            &format_ident!("CANDIDATES_ANY"),
            false,
        )
    };
    let message_fns = routes.iter().map(|r| message_method(r, ir, &std));
    let mut pieces = Vec::new();
    if !consts.is_empty() {
        pieces.push(Piece::Rust(quote!(#(#consts)*)));
    }
    pieces.push(Piece::Rust(quote! {
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
            pub async fn route(&self, incoming: #rt::Incoming<'_>) -> #result<#rt::Dispatched, #rt::DispatchError> {
                let parsed = #rt::parse_payload(incoming.payload);
                match incoming.address {
                    Some(address) => self.by_address(incoming, address, &parsed).await,
                    None => self.without_address(incoming, &parsed).await,
                }
            }

            async fn by_address(&self, #by_address_args) -> #result<#rt::Dispatched, #rt::DispatchError> {
                #(#address_arms)*
                Err(#rt::DispatchError::UnknownChannel { address: address.to_owned() })
            }

            async fn without_address(&self, #without_address_args) -> #result<#rt::Dispatched, #rt::DispatchError> {
                #without_address
            }

            #(#channel_fns)*

            #(#message_fns)*
        }

        impl<H: Handler> #rt::Dispatch for Router<H> {
            fn dispatch<'a>(&'a self, incoming: #rt::Incoming<'a>)
                -> impl Future<Output = #result<#rt::Dispatched, #rt::DispatchError>> + Send + 'a {
                self.route(incoming)
            }
        }
    }));
    let messages = super::glob_import("messages", &super::message_names(ir), &pieces);
    let types_import = super::glob_import("types", &super::type_names(types), &pieces);
    let import = runtime_import(&pieces);
    pieces.insert(
        0,
        Piece::Rust(quote! {
            //! The router: from what a transport received to the handler method it is for.
            use crate::handlers::Handler;
            #messages
            #types_import
            #import
        }),
    );
    pieces
}
