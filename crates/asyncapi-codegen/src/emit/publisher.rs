//! The `publisher` module: one method per send operation, which builds the address from
//! typed parameters, encodes the message and hands it to a transport's `Sink`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::docs_tokens;
use super::handlers::{has_reply, message_arg};
use super::{ident, rt, runtime_import};
use crate::ir::{Ir, OperationIr, Role};
use crate::render::Piece;
use crate::typespace::Docs;

/// A correlation ID the document puts in a header that the message's headers schema does
/// not declare: the method takes it as an argument of its own.
fn correlation_header(op: &OperationIr, ir: &Ir) -> Option<String> {
    let [m] = op.messages.as_slice() else {
        return None;
    };
    let m = &ir.messages[*m];
    let name = m
        .correlation
        .as_deref()?
        .strip_prefix("$message.header#/")?
        .split('/')
        .next()?
        .replace("~1", "/")
        .replace("~0", "~");
    let declared = m
        .header_kinds
        .iter()
        .any(|(h, _)| h.eq_ignore_ascii_case(&name));
    (!declared).then_some(name)
}

fn method(op: &OperationIr, ir: &Ir) -> TokenStream {
    let rt = rt();
    let m = ident(&op.method);
    let arg = message_arg(&op.messages, &op.enum_name, ir);
    let c = &ir.channels[op.channel];
    let (params, address) = match (&c.params, &c.address) {
        (Some(p), Some(_)) => {
            let pname = ident(&p.type_name);
            (
                quote!(params: &#pname,),
                quote!(let address = params.to_address()?;),
            )
        }
        (None, Some(a)) => (quote!(), quote!(let address = String::from(#a);)),
        (_, None) => (
            quote!(address: &str,),
            quote!(let address = address.to_owned();),
        ),
    };
    let mut extra = vec![format!(
        "Operation `{}` on channel `{}`, generated from `{}`.",
        op.key, c.key, op.origin
    )];
    if has_reply(op) && op.reply.as_ref().is_some_and(|r| r.channel.is_some()) {
        extra.push(format!(
            "Its reply arrives at `Handler::{}_reply`.",
            op.method
        ));
    }
    let header = correlation_header(op, ir);
    let (corr_arg, corr_set, mutability) = match &header {
        Some(h) => {
            extra.push(format!("`correlation_id` is sent in the `{h}` header."));
            (
                quote!(correlation_id: &str,),
                quote!(outgoing.headers.insert(#h, correlation_id);),
                quote!(mut),
            )
        }
        None => (quote!(), quote!(), quote!()),
    };
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
        pub async fn #m(&self, #params message: &#arg, #corr_arg) -> Result<(), #rt::SendError> {
            #address
            let #mutability outgoing = message.encode(address).map_err(#rt::SendError::Encode)?;
            #corr_set
            self.sink.send(outgoing).await.map_err(#rt::SendError::Sink)
        }
    }
}

pub fn items(ir: &Ir) -> Vec<Piece> {
    let rt = rt();
    let methods = ir
        .operations
        .iter()
        .filter(|o| o.role == Role::Send)
        .map(|op| method(op, ir));
    let mut pieces = vec![Piece::Rust(quote! {
        /// Sends typed messages through a transport's [`Sink`](asyncapi_runtime::Sink): one
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
    })];
    let messages = super::glob_import("messages", &super::message_names(ir), &pieces);
    let import = runtime_import(&pieces);
    pieces.insert(
        0,
        Piece::Rust(quote! {
            //! The publisher: sends typed messages through a transport.
            #messages
            #import
        }),
    );
    pieces
}
