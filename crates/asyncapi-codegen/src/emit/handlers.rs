//! The `handlers` module: the trait with one method per receive operation that users
//! implement, and a stub implementation that logs and acknowledges.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::docs_tokens;
use super::{ident, rt, runtime_import};
use crate::ir::{Ir, OperationIr, Role};
use crate::render::Piece;
use crate::typespace::Docs;

/// The type a handler method takes: the message struct, or the operation's enum of them.
pub(crate) fn message_arg(messages: &[usize], enum_name: &Option<String>, ir: &Ir) -> TokenStream {
    match (enum_name, messages.first()) {
        (Some(e), _) => {
            let e = ident(e);
            quote!(#e)
        }
        (None, Some(&m)) => {
            let n = ident(&ir.messages[m].type_name);
            quote!(#n)
        }
        (None, None) => quote!(serde_json::Value),
    }
}

/// What a handler method returns besides an error: the reply, for operations that have one.
pub(crate) fn reply_ty(op: &OperationIr, ir: &Ir) -> TokenStream {
    match &op.reply {
        Some(r) if !r.messages.is_empty() => message_arg(&r.messages, &r.enum_name, ir),
        _ => quote!(()),
    }
}

pub(crate) fn has_reply(op: &OperationIr) -> bool {
    op.reply.as_ref().is_some_and(|r| !r.messages.is_empty())
}

/// `params: ChannelParams,` for an operation on a channel with parameters.
pub(crate) fn params_arg(op: &OperationIr, ir: &Ir) -> TokenStream {
    match &ir.channels[op.channel].params {
        Some(p) => {
            let p = ident(&p.type_name);
            quote!(params: #p,)
        }
        None => quote!(),
    }
}

pub(crate) fn receive_ops(ir: &Ir) -> impl Iterator<Item = &OperationIr> {
    ir.operations.iter().filter(|o| o.role == Role::Receive)
}

fn trait_method(op: &OperationIr, ir: &Ir) -> TokenStream {
    let rt = rt();
    let m = ident(&op.method);
    let arg = message_arg(&op.messages, &op.enum_name, ir);
    let params = params_arg(op, ir);
    let reply = reply_ty(op, ir);
    let extra = vec![
        format!(
            "Operation `{}` on channel `{}`, generated from `{}`.",
            op.key, ir.channels[op.channel].key, op.origin
        ),
        if op.reply.is_some() {
            "Returns the reply to send back.".to_owned()
        } else {
            "Return `Ok` only once the message is fully handled: transports acknowledge it then."
                .to_owned()
        },
    ];
    let d = docs_tokens(
        &Docs {
            title: op.summary.clone(),
            description: op.description.clone(),
            ..Docs::default()
        },
        &extra,
        4,
    );
    quote! {
        #d
        fn #m(&self, message: #arg, #params context: #rt::Context)
            -> impl Future<Output = Result<#reply, #rt::HandlerError>> + Send;
    }
}

fn stub_method(op: &OperationIr, ir: &Ir) -> TokenStream {
    let rt = rt();
    let m = ident(&op.method);
    let arg = message_arg(&op.messages, &op.enum_name, ir);
    let params = params_arg(op, ir);
    let reply = reply_ty(op, ir);
    let key = &op.key;
    let body = if has_reply(op) {
        quote! {
            #rt::tracing::warn!(operation = #key, message = context.message, "the stub handler cannot build a reply");
            Err(format!("operation `{}` needs a reply; implement Handler to build one", #key).into())
        }
    } else {
        quote! {
            #rt::tracing::info!(operation = #key, channel = context.channel, message = context.message, "received and acknowledged by the stub handler");
            Ok(())
        }
    };
    let unused_params = ir.channels[op.channel]
        .params
        .is_some()
        .then(|| quote!(let _ = params;));
    quote! {
        async fn #m(&self, message: #arg, #params context: #rt::Context) -> Result<#reply, #rt::HandlerError> {
            let _ = message;
            #unused_params
            #body
        }
    }
}

pub fn items(ir: &Ir) -> Vec<Piece> {
    let methods = receive_ops(ir).map(|op| trait_method(op, ir));
    let stubs = receive_ops(ir).map(|op| stub_method(op, ir));
    let mut pieces = vec![
        Piece::Rust(quote! {
            /// What the application does with each message it receives: one method per receive
            /// operation. Implement it and hand it to [`crate::Router`].
            pub trait Handler: Send + Sync + 'static {
                #(#methods)*
            }
        }),
        Piece::Rust(quote! {
            /// A handler that logs every message (with `tracing`) and acknowledges it. Operations
            /// that must reply fail, since a stub has nothing to reply with. Start from
            /// `asyncapi-gen scaffold` to write your own.
            #[derive(Debug, Clone, Copy, Default)]
            pub struct StubHandler;

            impl Handler for StubHandler {
                #(#stubs)*
            }
        }),
    ];
    let messages = super::glob_import("messages", &super::message_names(ir), &pieces);
    let import = runtime_import(&pieces);
    pieces.insert(
        0,
        Piece::Rust(quote! {
            //! The handler trait: what the application does with each message it receives.
            #messages
            #import
        }),
    );
    pieces
}
