//! A starting implementation of the handler trait, for the user's own crate (`asyncapi-gen
//! scaffold`): every method acknowledges, or for operations that reply, fails until the
//! user builds the reply.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::docs_tokens;
use super::handlers::{message_arg, params_arg, receive_ops};
use super::ident;
use crate::ir::{Ir, OperationIr};
use crate::render::Piece;
use crate::typespace::Docs;

fn method(op: &OperationIr, ir: &Ir) -> TokenStream {
    let m = ident(&op.method);
    let arg = message_arg(&op.messages, &op.enum_name, ir);
    let params = params_arg(op, ir);
    let unused_params = ir.channels[op.channel]
        .params
        .is_some()
        .then(|| quote!(let _ = params;));
    let d = docs_tokens(
        &Docs {
            title: op.summary.clone(),
            description: op.description.clone(),
            ..Docs::default()
        },
        &[],
        4,
    );
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
        async fn #m(&self, message: #arg, #params context: Context) -> Result<#reply, HandlerError> {
            let _ = (message, context);
            #unused_params
            #body
        }
    }
}

pub fn items(ir: &Ir, crate_ident: &str, type_name: &str) -> Vec<Piece> {
    let krate = ident(crate_ident);
    let ty = ident(type_name);
    let methods = receive_ops(ir).map(|op| method(op, ir));
    vec![
        Piece::Rust(quote! {
            #[allow(unused_imports)]
            use #krate::messages::*;
            use #krate::runtime::{Context, HandlerError};
        }),
        Piece::Rust(quote! {
            /// Your handler. Regenerating the crate never touches this file. Return `Ok` only
            /// once a message is fully handled: the transport acknowledges it then, and it is
            /// delivered again (at least once) otherwise.
            #[derive(Debug, Clone, Default)]
            pub struct #ty;

            impl #krate::Handler for #ty {
                #(#methods)*
            }
        }),
    ]
}
