//! What a generated crate says about where its messages travel: its channels (address
//! template, operations, bindings) and the document's servers (protocol, host, variables,
//! security). Everything is `&'static` so that generated code can emit it as one `const`;
//! transports (such as `asyncapi-transport`) read it to subscribe, to pick the binding of a
//! message they send and to connect.
//!
//! Bindings stay JSON text, exactly as the document has them: the runtime is
//! protocol-neutral, and each transport reads the fields it knows and says which it cannot.

use std::fmt;

/// The channels and servers of one generated crate, as its code sees them.
#[derive(Debug, Clone, Copy)]
pub struct ApiDescription {
    /// `info.title` of the document.
    pub title: &'static str,
    pub servers: &'static [ServerInfo],
    pub channels: &'static [ChannelInfo],
}

/// One channel with the operations the generated code performs on it.
#[derive(Debug, Clone, Copy)]
pub struct ChannelInfo {
    /// The channel's key in the document.
    pub name: &'static str,
    /// The address template (`rooms/{room}`); `None` when the document gives no address.
    pub address: Option<&'static str>,
    /// Names of the servers the channel is available on; empty: every server.
    pub servers: &'static [&'static str],
    /// The channel's bindings.
    pub bindings: &'static [Binding],
    /// Operations on this channel, from the point of view of the generated code.
    pub operations: &'static [OperationInfo],
    /// The channel's messages.
    pub messages: &'static [MessageInfo],
}

/// Whether the generated code sends or receives on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Send,
    Receive,
}

/// One operation.
#[derive(Debug, Clone, Copy)]
pub struct OperationInfo {
    /// The operation's key (3.x) or `operationId` (2.x).
    pub name: &'static str,
    pub action: Action,
    pub bindings: &'static [Binding],
    /// For a request: where its reply travels.
    pub reply: Option<ReplyInfo>,
}

/// The reply of a request/reply operation.
#[derive(Debug, Clone, Copy)]
pub struct ReplyInfo {
    /// The reply channel's key, when the document names one.
    pub channel: Option<&'static str>,
    /// The reply channel's fixed address, when it has one.
    pub address: Option<&'static str>,
    /// Where the request carries the reply address (a runtime expression such as
    /// `$message.header#/replyTo`), when the document says.
    pub address_location: Option<&'static str>,
}

/// One message of a channel.
#[derive(Debug, Clone, Copy)]
pub struct MessageInfo {
    /// The message's key in its channel.
    pub name: &'static str,
    pub content_type: Option<&'static str>,
    /// The correlation ID's runtime expression (`$message.header#/correlationId`).
    pub correlation_id: Option<&'static str>,
    pub bindings: &'static [Binding],
}

/// The binding of one protocol, as the JSON text of the document's binding object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The protocol key: `mqtt`, `kafka`, `amqp`, `nats`, `ws`, `http`, ...
    pub protocol: &'static str,
    /// The binding object as JSON text, e.g. `{"qos":1,"retain":false}`.
    pub json: &'static str,
}

/// One server of the document.
#[derive(Debug, Clone, Copy)]
pub struct ServerInfo {
    /// The server's key in `servers`.
    pub name: &'static str,
    /// `mqtt`, `secure-mqtt`, `kafka`, `kafka-secure`, `nats`, `amqp`, `amqps`, `ws`, `wss`,
    /// `http`, `https`, ...
    pub protocol: &'static str,
    pub protocol_version: Option<&'static str>,
    /// Host and optional port, possibly with `{variables}` (`broker.example.com:{port}`).
    /// For 2.x documents the `url` without its scheme and path.
    pub host: &'static str,
    /// The path part (3.x `pathname`, or the path of a 2.x `url`), possibly with variables.
    pub pathname: Option<&'static str>,
    pub variables: &'static [ServerVariable],
    /// Security schemes the server accepts (any one of them).
    pub security: &'static [SecurityInfo],
    pub bindings: &'static [Binding],
}

/// A server variable: `{port}` in `host: 'broker:{port}'`.
#[derive(Debug, Clone, Copy)]
pub struct ServerVariable {
    pub name: &'static str,
    pub default: Option<&'static str>,
    /// The allowed values; empty: any.
    pub allowed: &'static [&'static str],
}

/// A security scheme a server accepts.
#[derive(Debug, Clone, Copy)]
pub struct SecurityInfo {
    /// The scheme's key in `components.securitySchemes`, when it has one.
    pub name: Option<&'static str>,
    /// The document's `type`: `userPassword`, `plain`, `scramSha256`, `scramSha512`,
    /// `gssapi`, `X509`, `symmetricEncryption`, `httpApiKey`, `http`, `oauth2`, ...
    pub kind: &'static str,
    /// For `http`: the scheme (`basic`, `bearer`).
    pub scheme: Option<&'static str>,
    /// For `httpApiKey`/`apiKey`: the header, query parameter or cookie name.
    pub param_name: Option<&'static str>,
    /// For `httpApiKey`/`apiKey`: `header`, `query`, `cookie`, `user`, `password`.
    pub location: Option<&'static str>,
}

/// A server URL that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerError {
    /// No server of that name.
    UnknownServer {
        name: String,
        known: Vec<&'static str>,
    },
    /// A `{variable}` without a value: no override, no default.
    MissingVariable {
        server: &'static str,
        variable: String,
    },
    /// A value that is not one of the variable's `enum`.
    NotAllowed {
        server: &'static str,
        variable: &'static str,
        value: String,
        allowed: &'static [&'static str],
    },
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::UnknownServer { name, known } => {
                write!(f, "no server `{name}` in the document (known: ")?;
                if known.is_empty() {
                    write!(f, "none)")
                } else {
                    write!(f, "{})", known.join(", "))
                }
            }
            ServerError::MissingVariable { server, variable } => write!(
                f,
                "server `{server}`: variable `{variable}` has no value and no default"
            ),
            ServerError::NotAllowed {
                server,
                variable,
                value,
                allowed,
            } => write!(
                f,
                "server `{server}`: variable `{variable}` = `{value}` is not one of {}",
                allowed.join(", ")
            ),
        }
    }
}

impl std::error::Error for ServerError {}

impl ApiDescription {
    /// The server named `name`.
    pub fn server(&self, name: &str) -> Result<&'static ServerInfo, ServerError> {
        self.servers
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| ServerError::UnknownServer {
                name: name.to_owned(),
                known: self.servers.iter().map(|s| s.name).collect(),
            })
    }

    /// Every operation of `action`, with its channel, in document order.
    pub fn operations(
        &self,
        action: Action,
    ) -> impl Iterator<Item = (&'static ChannelInfo, &'static OperationInfo)> + '_ {
        let channels: &'static [ChannelInfo] = self.channels;
        channels.iter().flat_map(move |c| {
            c.operations
                .iter()
                .filter(move |o| o.action == action)
                .map(move |o| (c, o))
        })
    }

    /// The channel with a `send` operation whose address template matches `address`.
    pub fn send_channel(&self, address: &str) -> Option<&'static ChannelInfo> {
        let channels: &'static [ChannelInfo] = self.channels;
        channels.iter().find(|c| {
            c.operations.iter().any(|o| o.action == Action::Send)
                && c.address.is_some_and(|t| {
                    crate::address::AddressTemplate::new(t)
                        .matches(address)
                        .is_some()
                })
        })
    }
}

impl ChannelInfo {
    /// The JSON text of this channel's binding for `protocol`.
    pub fn binding(&self, protocol: &str) -> Option<&'static str> {
        find_binding(self.bindings, protocol)
    }

    /// The first operation of `action` on this channel.
    pub fn operation(&self, action: Action) -> Option<&'static OperationInfo> {
        let ops: &'static [OperationInfo] = self.operations;
        ops.iter().find(|o| o.action == action)
    }

    /// The header a message of this channel carries its correlation ID in, when the
    /// document puts it in a header (`$message.header#/correlationId`).
    pub fn correlation_header(&self) -> Option<&'static str> {
        self.messages.iter().find_map(|m| {
            m.correlation_id
                .and_then(|l| l.strip_prefix("$message.header#/"))
                .filter(|n| !n.contains('/'))
        })
    }
}

impl OperationInfo {
    /// The JSON text of this operation's binding for `protocol`.
    pub fn binding(&self, protocol: &str) -> Option<&'static str> {
        find_binding(self.bindings, protocol)
    }
}

fn find_binding(bindings: &'static [Binding], protocol: &str) -> Option<&'static str> {
    bindings
        .iter()
        .find(|b| b.protocol == protocol)
        .map(|b| b.json)
}

impl ServerInfo {
    /// `host` and `pathname` with every `{variable}` replaced: by `value(name)` when it
    /// gives one, else by the variable's default. Values are checked against the
    /// variable's `enum`.
    pub fn resolve(
        &self,
        mut value: impl FnMut(&str) -> Option<String>,
    ) -> Result<(String, Option<String>), ServerError> {
        let mut fill = |text: &str| -> Result<String, ServerError> {
            let mut out = String::new();
            let mut rest = text;
            while let Some(start) = rest.find('{') {
                let Some(len) = rest[start + 1..].find('}') else {
                    break;
                };
                out.push_str(&rest[..start]);
                let name = &rest[start + 1..start + 1 + len];
                let declared = self.variables.iter().find(|v| v.name == name);
                let got = value(name).or_else(|| declared.and_then(|v| v.default.map(Into::into)));
                let Some(got) = got else {
                    return Err(ServerError::MissingVariable {
                        server: self.name,
                        variable: name.to_owned(),
                    });
                };
                if let Some(v) = declared {
                    if !v.allowed.is_empty() && !v.allowed.contains(&got.as_str()) {
                        return Err(ServerError::NotAllowed {
                            server: self.name,
                            variable: v.name,
                            value: got,
                            allowed: v.allowed,
                        });
                    }
                }
                out.push_str(&got);
                rest = &rest[start + 2 + len..];
            }
            out.push_str(rest);
            Ok(out)
        };
        let host = fill(self.host)?;
        let path = self.pathname.map(&mut fill).transpose()?;
        Ok((host, path))
    }

    /// The JSON text of this server's binding for `protocol`.
    pub fn binding(&self, protocol: &str) -> Option<&'static str> {
        find_binding(self.bindings, protocol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: ServerInfo = ServerInfo {
        name: "production",
        protocol: "mqtt",
        protocol_version: Some("5"),
        host: "broker.example.com:{port}",
        pathname: None,
        variables: &[ServerVariable {
            name: "port",
            default: Some("1883"),
            allowed: &["1883", "8883"],
        }],
        security: &[],
        bindings: &[],
    };

    const API: ApiDescription = ApiDescription {
        title: "t",
        servers: &[SERVER],
        channels: &[ChannelInfo {
            name: "lighting",
            address: Some("lights/{id}/measured"),
            servers: &[],
            bindings: &[Binding {
                protocol: "mqtt",
                json: r#"{"qos":1}"#,
            }],
            operations: &[OperationInfo {
                name: "sendLighting",
                action: Action::Send,
                bindings: &[],
                reply: None,
            }],
            messages: &[MessageInfo {
                name: "m",
                content_type: None,
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        }],
    };

    #[test]
    fn variables_come_from_values_then_defaults_and_are_checked() {
        assert_eq!(
            SERVER.resolve(|_| None).unwrap().0,
            "broker.example.com:1883"
        );
        assert_eq!(
            SERVER.resolve(|_| Some("8883".into())).unwrap().0,
            "broker.example.com:8883"
        );
        let err = SERVER.resolve(|_| Some("1".into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "server `production`: variable `port` = `1` is not one of 1883, 8883"
        );
        let mut s = SERVER;
        s.host = "{region}.example.com";
        assert_eq!(
            s.resolve(|_| None).unwrap_err().to_string(),
            "server `production`: variable `region` has no value and no default"
        );
    }

    #[test]
    fn lookups() {
        assert!(API.server("production").is_ok());
        assert_eq!(
            API.server("staging").unwrap_err().to_string(),
            "no server `staging` in the document (known: production)"
        );
        let c = API.send_channel("lights/7/measured").expect("a channel");
        assert_eq!(c.binding("mqtt"), Some(r#"{"qos":1}"#));
        assert_eq!(c.correlation_header(), Some("correlationId"));
        assert!(API.send_channel("lights/7").is_none());
        assert_eq!(API.operations(Action::Send).count(), 1);
        assert_eq!(API.operations(Action::Receive).count(), 0);
    }
}
