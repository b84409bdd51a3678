//! The `channels` module: `pub const API`, the description transports read to subscribe,
//! send and connect (`asyncapi_runtime::ApiDescription`; the contract is
//! `crates/asyncapi-transport/DESIGN.md`). Written as text: it is one constant expression of
//! literals, as large as the document, and needs no formatting pass.
//!
//! Architecture invariant: it says what the IR says, from the generated code's point of view
//! (operations after the perspective flip, the `<operation>Reply` handlers included), and
//! nothing the router or publisher would not do.

use std::fmt::Write as _;

use super::docs::doc_lines;
use crate::ir::{BindingIr, Ir, Role};
use crate::render::Piece;

/// A Rust string literal: raw (`r#"..."#`) when that reads better and is possible.
pub(crate) fn str_lit(s: &str) -> String {
    if s.contains('"') && !s.contains("\"#") && !s.chars().any(char::is_control) {
        format!("r#\"{s}\"#")
    } else {
        format!("{s:?}")
    }
}

fn opt_lit(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some({})", str_lit(s)),
        None => "None".to_owned(),
    }
}

/// Writes `name: &[ ... ],` with one line per item from `item`, or `name: &[],`.
fn slice<T>(
    out: &mut String,
    indent: usize,
    name: &str,
    items: &[T],
    mut item: impl FnMut(&mut String, usize, &T),
) {
    let pad = " ".repeat(indent);
    if items.is_empty() {
        let _ = writeln!(out, "{pad}{name}: &[],");
        return;
    }
    let _ = writeln!(out, "{pad}{name}: &[");
    for i in items {
        item(out, indent + 4, i);
    }
    let _ = writeln!(out, "{pad}],");
}

fn bindings(out: &mut String, indent: usize, items: &[BindingIr]) {
    slice(out, indent, "bindings", items, |out, indent, b| {
        let pad = " ".repeat(indent);
        let _ = writeln!(
            out,
            "{pad}rt::Binding {{\n{pad}    protocol: {},\n{pad}    json: {},\n{pad}}},",
            str_lit(&b.protocol),
            str_lit(&b.json)
        );
    });
}

/// The channels the generated code uses: those with an operation of it, and the reply
/// channels operations name.
fn listed_channels(ir: &Ir) -> Vec<usize> {
    (0..ir.channels.len())
        .filter(|&ci| {
            ir.operations.iter().any(|op| {
                op.channel == ci || op.reply.as_ref().is_some_and(|r| r.channel == Some(ci))
            })
        })
        .collect()
}

pub fn items(ir: &Ir) -> Vec<Piece> {
    let mut out = String::new();
    let doc = doc_lines(
        &[
            format!("Where the messages of \"{}\" travel: the channels this crate sends and receives on (operations as the generated code performs them, with their bindings) and the document's servers.", ir.title),
            "Transports read it to subscribe, to pick the binding of what they send and to connect (see the `connect` module, behind a protocol's feature).".to_owned(),
        ],
        0,
    );
    for l in doc {
        let _ = writeln!(out, "///{l}");
    }
    let _ = writeln!(
        out,
        "pub const API: rt::ApiDescription = rt::ApiDescription {{"
    );
    let _ = writeln!(out, "    title: {},", str_lit(&ir.title));
    slice(&mut out, 4, "servers", &ir.servers, |out, i, s| {
        let pad = " ".repeat(i);
        let _ = writeln!(out, "{pad}rt::ServerInfo {{");
        let _ = writeln!(out, "{pad}    name: {},", str_lit(&s.key));
        let _ = writeln!(out, "{pad}    protocol: {},", str_lit(&s.protocol));
        let _ = writeln!(
            out,
            "{pad}    protocol_version: {},",
            opt_lit(s.protocol_version.as_deref())
        );
        let _ = writeln!(out, "{pad}    host: {},", str_lit(&s.host));
        let _ = writeln!(
            out,
            "{pad}    pathname: {},",
            opt_lit(s.pathname.as_deref())
        );
        let variables: Vec<_> = s.variables.iter().collect();
        slice(out, i + 4, "variables", &variables, |out, i, (name, v)| {
            let pad = " ".repeat(i);
            let allowed = if v.enum_values.is_empty() {
                "&[]".to_owned()
            } else {
                let values: Vec<String> = v.enum_values.iter().map(|a| str_lit(a)).collect();
                format!("&[{}]", values.join(", "))
            };
            let _ = writeln!(
                out,
                "{pad}rt::ServerVariable {{\n{pad}    name: {},\n{pad}    default: {},\n{pad}    allowed: {allowed},\n{pad}}},",
                str_lit(name),
                opt_lit(v.default.as_deref())
            );
        });
        slice(out, i + 4, "security", &s.security, |out, i, sec| {
            let pad = " ".repeat(i);
            let _ = writeln!(
                out,
                "{pad}rt::SecurityInfo {{\n{pad}    name: {},\n{pad}    kind: {},\n{pad}    scheme: {},\n{pad}    param_name: {},\n{pad}    location: {},\n{pad}}},",
                opt_lit(sec.name.as_deref()),
                str_lit(&sec.kind),
                opt_lit(sec.scheme.as_deref()),
                opt_lit(sec.param_name.as_deref()),
                opt_lit(sec.location.as_deref())
            );
        });
        bindings(out, i + 4, &s.bindings);
        let _ = writeln!(out, "{pad}}},");
    });
    let listed = listed_channels(ir);
    slice(&mut out, 4, "channels", &listed, |out, i, &ci| {
        let c = &ir.channels[ci];
        let pad = " ".repeat(i);
        let _ = writeln!(out, "{pad}rt::ChannelInfo {{");
        let _ = writeln!(out, "{pad}    name: {},", str_lit(&c.key));
        let _ = writeln!(out, "{pad}    address: {},", opt_lit(c.address.as_deref()));
        if c.servers.is_empty() {
            let _ = writeln!(out, "{pad}    servers: &[],");
        } else {
            let names: Vec<String> = c.servers.iter().map(|s| str_lit(s)).collect();
            let _ = writeln!(out, "{pad}    servers: &[{}],", names.join(", "));
        }
        bindings(out, i + 4, &c.bindings);
        let ops: Vec<_> = ir.operations.iter().filter(|o| o.channel == ci).collect();
        slice(out, i + 4, "operations", &ops, |out, i, op| {
            let pad = " ".repeat(i);
            let action = match op.role {
                Role::Receive => "Receive",
                Role::Send => "Send",
            };
            let _ = writeln!(out, "{pad}rt::OperationInfo {{");
            let _ = writeln!(out, "{pad}    name: {},", str_lit(&op.key));
            let _ = writeln!(out, "{pad}    action: rt::Action::{action},");
            bindings(out, i + 4, &op.bindings);
            match &op.reply {
                None => {
                    let _ = writeln!(out, "{pad}    reply: None,");
                }
                Some(r) => {
                    let channel = r.channel.map(|rc| &ir.channels[rc]);
                    let fixed = channel
                        .and_then(|rc| rc.address.as_deref())
                        .filter(|a| !a.contains('{'));
                    let _ = writeln!(
                        out,
                        "{pad}    reply: Some(rt::ReplyInfo {{\n{pad}        channel: {},\n{pad}        address: {},\n{pad}        address_location: {},\n{pad}    }}),",
                        opt_lit(channel.map(|rc| rc.key.as_str())),
                        opt_lit(fixed),
                        opt_lit(r.address_location.as_deref())
                    );
                }
            }
            let _ = writeln!(out, "{pad}}},");
        });
        let msgs: Vec<_> = ir.messages.iter().filter(|m| m.channel == ci).collect();
        slice(out, i + 4, "messages", &msgs, |out, i, m| {
            let pad = " ".repeat(i);
            let _ = writeln!(out, "{pad}rt::MessageInfo {{");
            let _ = writeln!(out, "{pad}    name: {},", str_lit(&m.key));
            let _ = writeln!(
                out,
                "{pad}    content_type: {},",
                opt_lit(m.content_type.as_deref())
            );
            let _ = writeln!(
                out,
                "{pad}    correlation_id: {},",
                opt_lit(m.correlation.as_deref())
            );
            bindings(out, i + 4, &m.bindings);
            let _ = writeln!(out, "{pad}}},");
        });
        let _ = writeln!(out, "{pad}}},");
    });
    let _ = writeln!(out, "}};");
    vec![
        Piece::Text(
            "//! Where this crate's messages travel: its channels and the document's servers.\n\nuse asyncapi_runtime::codegen as rt;\n"
                .to_owned(),
        ),
        Piece::Text(out),
    ]
}

#[cfg(test)]
mod tests {
    use super::str_lit;

    #[test]
    fn literals_are_rust() {
        assert_eq!(str_lit("a"), "\"a\"");
        assert_eq!(str_lit(r#"{"qos":1}"#), r##"r#"{"qos":1}"#"##);
        assert_eq!(str_lit("say \"#hi\""), r###""say \"#hi\"""###);
        assert_eq!(str_lit("a\nb\\"), r#""a\nb\\""#);
    }
}
