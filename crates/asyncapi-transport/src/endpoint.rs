//! Where to connect and how to authenticate: an [`Endpoint`], from a URL or from one of the
//! document's servers ([`ServerInfo`]) with [`ServerSettings`] given in code or read from the
//! environment.

use std::fmt;
use std::path::PathBuf;

use asyncapi_runtime::{ApiDescription, ServerInfo};

use crate::ConfigError;

/// A SASL mechanism (Kafka, AMQP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sasl {
    Plain,
    ScramSha256,
    ScramSha512,
}

impl Sasl {
    /// The mechanism's name as brokers spell it (`SCRAM-SHA-256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Sasl::Plain => "PLAIN",
            Sasl::ScramSha256 => "SCRAM-SHA-256",
            Sasl::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    fn parse(s: &str) -> Option<Sasl> {
        match s.to_ascii_uppercase().replace('_', "-").as_str() {
            "PLAIN" => Some(Sasl::Plain),
            "SCRAM-SHA-256" | "SCRAMSHA256" => Some(Sasl::ScramSha256),
            "SCRAM-SHA-512" | "SCRAMSHA512" => Some(Sasl::ScramSha512),
            _ => None,
        }
    }
}

/// TLS settings. With all fields `None`, TLS with the platform's trusted roots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// PEM file of the certificate authorities to trust instead of the platform's.
    pub ca_file: Option<PathBuf>,
    /// PEM files of a client certificate and its key (mutual TLS, `X509` security).
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

/// Where and how to connect.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The server's name in the document, for messages (`None` for a plain URL).
    pub server: Option<String>,
    /// The protocol as the document names it (`mqtt`, `secure-mqtt`, `kafka`, `nats`, ...).
    pub protocol: String,
    /// `mqtt 5`, `3.1.1`, `0-9-1`, ... when the document says.
    pub protocol_version: Option<String>,
    pub host: String,
    /// The port; `None`: the protocol's default.
    pub port: Option<u16>,
    /// The path (WebSocket, HTTP; an AMQP virtual host), without its leading `/`.
    pub path: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `Some` to connect with TLS.
    pub tls: Option<Tls>,
    /// `Some` to authenticate with SASL (Kafka).
    pub sasl: Option<Sasl>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("server", &self.server)
            .field("protocol", &self.protocol)
            .field("protocol_version", &self.protocol_version)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("sasl", &self.sasl)
            .finish()
    }
}

/// What code or the environment says about a server, over what the document says.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ServerSettings {
    /// Values of the server's `{variables}`.
    pub variables: Vec<(String, String)>,
    /// `host[:port]` instead of the document's (e.g. a local broker).
    pub host: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// TLS settings; TLS is used when this is `Some` or the protocol is a secure one
    /// (`secure-mqtt`, `mqtts`, `kafka-secure`, `amqps`, `wss`, `https`, `tls`).
    pub tls: Option<Tls>,
    /// Force TLS off, whatever the protocol says (a local broker without TLS).
    pub no_tls: bool,
    /// SASL mechanism; by default the one the server's security scheme names.
    pub sasl: Option<Sasl>,
}

impl fmt::Debug for ServerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSettings")
            .field("variables", &self.variables)
            .field("host", &self.host)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("no_tls", &self.no_tls)
            .field("sasl", &self.sasl)
            .finish()
    }
}

impl ServerSettings {
    /// Reads `{prefix}_HOST`, `{prefix}_USERNAME`, `{prefix}_PASSWORD`, `{prefix}_SASL`
    /// (`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`), `{prefix}_TLS` (`true`/`false`),
    /// `{prefix}_TLS_CA_FILE`, `{prefix}_TLS_CERT_FILE`, `{prefix}_TLS_KEY_FILE` and, for each
    /// variable `v` of the server, `{prefix}_VAR_{V}` (upper case, `-` as `_`).
    pub fn from_env(prefix: &str, server: &ServerInfo) -> Result<ServerSettings, ConfigError> {
        Self::from_lookup(prefix, server, |k| std::env::var(k).ok())
    }

    /// These settings, with what they leave unset taken from `fallback` (e.g. the
    /// environment's over the code's: `from_env(..)?.or(in_code)`).
    pub fn or(self, fallback: ServerSettings) -> ServerSettings {
        let mut variables = self.variables;
        for (k, v) in fallback.variables {
            if !variables.iter().any(|(n, _)| *n == k) {
                variables.push((k, v));
            }
        }
        ServerSettings {
            variables,
            host: self.host.or(fallback.host),
            username: self.username.or(fallback.username),
            password: self.password.or(fallback.password),
            tls: self.tls.or(fallback.tls),
            no_tls: self.no_tls || fallback.no_tls,
            sasl: self.sasl.or(fallback.sasl),
        }
    }

    /// [`Self::from_env`] with another source of values (tests, a config file).
    pub fn from_lookup(
        prefix: &str,
        server: &ServerInfo,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerSettings, ConfigError> {
        let key = |s: &str| format!("{prefix}_{s}");
        let mut out = ServerSettings {
            host: get(&key("HOST")),
            username: get(&key("USERNAME")),
            password: get(&key("PASSWORD")),
            ..ServerSettings::default()
        };
        for v in server.variables {
            let name = format!(
                "VAR_{}",
                v.name.to_ascii_uppercase().replace(['-', '.'], "_")
            );
            if let Some(value) = get(&key(&name)) {
                out.variables.push((v.name.to_owned(), value));
            }
        }
        if let Some(s) = get(&key("SASL")) {
            out.sasl = Some(Sasl::parse(&s).ok_or_else(|| {
                ConfigError::new(format!(
                    "{}: `{s}` is not a SASL mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
                    key("SASL")
                ))
            })?);
        }
        match get(&key("TLS")).as_deref() {
            None => {}
            Some("true" | "1" | "yes") => out.tls = Some(Tls::default()),
            Some("false" | "0" | "no") => out.no_tls = true,
            Some(other) => {
                return Err(ConfigError::new(format!(
                    "{}: `{other}` is neither true nor false",
                    key("TLS")
                )));
            }
        }
        let files = [
            get(&key("TLS_CA_FILE")),
            get(&key("TLS_CERT_FILE")),
            get(&key("TLS_KEY_FILE")),
        ];
        if files.iter().any(Option::is_some) {
            let [ca, cert, key_file] = files;
            out.tls = Some(Tls {
                ca_file: ca.map(PathBuf::from),
                cert_file: cert.map(PathBuf::from),
                key_file: key_file.map(PathBuf::from),
            });
        }
        Ok(out)
    }
}

/// Protocols whose name says TLS.
fn secure(protocol: &str) -> bool {
    matches!(
        protocol,
        "secure-mqtt" | "mqtts" | "kafka-secure" | "amqps" | "wss" | "https" | "tls" | "nats-tls"
    )
}

impl Endpoint {
    /// Parses `scheme://[user[:password]@]host[:port][/path]`, e.g. `mqtt://127.0.0.1:1883`.
    pub fn parse(url: &str) -> Result<Endpoint, ConfigError> {
        let parsed = url::Url::parse(url)
            .map_err(|e| ConfigError::new(format!("`{url}` is not a URL: {e}")))?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| ConfigError::new(format!("`{url}` has no host")))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let decode = |s: &str| {
            percent_decode(s).map_err(|e| ConfigError::new(format!("`{url}`: user info: {e}")))
        };
        let username = match parsed.username() {
            "" => None,
            u => Some(decode(u)?),
        };
        let password = parsed.password().map(decode).transpose()?;
        let path = parsed.path().trim_start_matches('/');
        let mut path = (!path.is_empty()).then(|| path.to_owned());
        if let Some(q) = parsed.query() {
            path = Some(format!("{}?{q}", path.unwrap_or_default()));
        }
        let protocol = parsed.scheme().to_owned();
        Ok(Endpoint {
            server: None,
            tls: secure(&protocol).then(Tls::default),
            protocol,
            protocol_version: None,
            host,
            port: parsed.port(),
            path,
            username,
            password,
            sasl: None,
        })
    }

    /// The endpoint of the document's server `name`, with `settings` over what the
    /// document says. Errors name the server and the variable or field that is wrong.
    pub fn from_server(
        api: &ApiDescription,
        name: &str,
        settings: &ServerSettings,
    ) -> Result<Endpoint, ConfigError> {
        let server = api
            .server(name)
            .map_err(|e| ConfigError::new(e.to_string()))?;
        let (host, path) = server
            .resolve(|v| {
                settings
                    .variables
                    .iter()
                    .find(|(k, _)| k == v)
                    .map(|(_, x)| x.clone())
            })
            .map_err(|e| ConfigError::new(e.to_string()))?;
        let host = settings.host.clone().unwrap_or(host);
        // 2.x URLs may keep a scheme; a host never has one.
        let host = host
            .split_once("://")
            .map(|(_, h)| h.to_owned())
            .unwrap_or(host);
        let (host, port) = split_host_port(&host)
            .map_err(|e| ConfigError::new(format!("server `{name}`: {e}")))?;
        // Protocol names are matched in lower case (`MQTT` is `mqtt`), as URL schemes are.
        let protocol = server.protocol.to_ascii_lowercase();
        let kinds: Vec<&str> = server.security.iter().map(|s| s.kind).collect();
        let x509 = kinds.contains(&"X509");
        let tls = if settings.no_tls {
            None
        } else {
            settings
                .tls
                .clone()
                .or_else(|| (secure(&protocol) || x509).then(Tls::default))
        };
        let sasl = settings.sasl.or_else(|| {
            kinds.iter().find_map(|k| match *k {
                "plain" => Some(Sasl::Plain),
                "scramSha256" => Some(Sasl::ScramSha256),
                "scramSha512" => Some(Sasl::ScramSha512),
                _ => None,
            })
        });
        if sasl.is_some() && settings.username.is_none() {
            return Err(ConfigError::new(format!(
                "server `{name}` authenticates with SASL ({}): a username and password are needed",
                sasl.map(Sasl::as_str).unwrap_or_default()
            )));
        }
        Ok(Endpoint {
            server: Some(name.to_owned()),
            protocol,
            protocol_version: server.protocol_version.map(str::to_owned),
            host,
            port,
            path: path
                .map(|p| p.trim_start_matches('/').to_owned())
                .filter(|p| !p.is_empty()),
            username: settings.username.clone(),
            password: settings.password.clone(),
            tls,
            sasl,
        })
    }

    /// The endpoint of server `name` as a generated `connect` function builds it: the
    /// environment's settings (`{env_prefix}_HOST`, `{env_prefix}_USERNAME`, ... see
    /// [`ServerSettings::from_env`]) over `settings` given in code, over the document.
    pub fn configured(
        api: &ApiDescription,
        name: &str,
        env_prefix: &str,
        settings: ServerSettings,
    ) -> Result<Endpoint, ConfigError> {
        let server = api
            .server(name)
            .map_err(|e| ConfigError::new(e.to_string()))?;
        let merged = ServerSettings::from_env(env_prefix, server)?.or(settings);
        Endpoint::from_server(api, name, &merged)
    }

    /// `host:port`, with `default_port` when none is set.
    pub fn authority(&self, default_port: u16) -> String {
        let port = self.port.unwrap_or(default_port);
        if self.host.contains(':') {
            format!("[{}]:{port}", self.host)
        } else {
            format!("{}:{port}", self.host)
        }
    }

    /// Fails unless the endpoint's protocol is one of `accepted`, naming the server.
    pub(crate) fn expect_protocol(&self, accepted: &[&str]) -> Result<(), ConfigError> {
        if accepted.contains(&self.protocol.as_str()) {
            return Ok(());
        }
        Err(ConfigError::new(format!(
            "{}: protocol `{}` is not one this adapter speaks ({})",
            self.describe(),
            self.protocol,
            accepted.join(", ")
        )))
    }

    /// `server `name`` or the host, for messages.
    pub(crate) fn describe(&self) -> String {
        match &self.server {
            Some(s) => format!("server `{s}`"),
            None => format!("`{}`", self.host),
        }
    }
}

fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    let s = s.split('/').next().unwrap_or(s);
    if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("`{s}`: `[` without `]`"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(s, p)?),
            None => None,
        };
        return Ok((h.to_owned(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_owned(), Some(parse_port(s, p)?))),
        _ if s.is_empty() => Err("the host is empty".to_owned()),
        _ => Ok((s.to_owned(), None)),
    }
}

fn parse_port(whole: &str, p: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .map_err(|_| format!("`{whole}`: port `{p}` is not a number from 0 to 65535"))
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-encoding at byte {i}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8 once decoded".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use asyncapi_runtime::{SecurityInfo, ServerVariable};

    const SCRAM: SecurityInfo = SecurityInfo {
        name: Some("saslScram"),
        kind: "scramSha256",
        scheme: None,
        param_name: None,
        location: None,
    };

    const API: ApiDescription = ApiDescription {
        title: "t",
        servers: &[
            ServerInfo {
                name: "production",
                protocol: "kafka-secure",
                protocol_version: None,
                host: "kafka.example.com:{port}",
                pathname: None,
                variables: &[ServerVariable {
                    name: "port",
                    default: Some("9093"),
                    allowed: &[],
                }],
                security: &[SCRAM],
                bindings: &[],
            },
            ServerInfo {
                name: "local",
                protocol: "mqtt",
                protocol_version: Some("5"),
                host: "localhost",
                pathname: Some("/vhost"),
                variables: &[],
                security: &[],
                bindings: &[],
            },
        ],
        channels: &[],
    };

    #[test]
    fn urls_parse_with_credentials_and_defaults() {
        let e = Endpoint::parse("amqps://user%40x:p%3Aw@127.0.0.1:5671/my%2Fvhost").unwrap();
        assert_eq!(e.protocol, "amqps");
        assert_eq!(e.username.as_deref(), Some("user@x"));
        assert_eq!(e.password.as_deref(), Some("p:w"));
        assert_eq!(e.port, Some(5671));
        assert_eq!(e.path.as_deref(), Some("my%2Fvhost"));
        assert!(e.tls.is_some());
        assert!(!format!("{e:?}").contains("p:w"));
        let e = Endpoint::parse("mqtt://127.0.0.1").unwrap();
        assert_eq!(e.authority(1883), "127.0.0.1:1883");
        assert!(e.tls.is_none());
        let err = Endpoint::parse("127.0.0.1:1883 nonsense").unwrap_err();
        assert!(err.to_string().contains("is not a URL"), "{err}");
        let err = Endpoint::parse("mqtt://").unwrap_err();
        assert!(err.to_string().contains("has no host"), "{err}");
    }

    #[test]
    fn servers_resolve_with_settings_security_and_errors() {
        let settings = ServerSettings {
            username: Some("u".into()),
            password: Some("p".into()),
            ..ServerSettings::default()
        };
        let e = Endpoint::from_server(&API, "production", &settings).unwrap();
        assert_eq!((e.host.as_str(), e.port), ("kafka.example.com", Some(9093)));
        assert_eq!(e.sasl, Some(Sasl::ScramSha256));
        assert!(e.tls.is_some());
        let err = Endpoint::from_server(&API, "production", &ServerSettings::default());
        assert_eq!(
            err.unwrap_err().to_string(),
            "invalid configuration: server `production` authenticates with SASL (SCRAM-SHA-256): a username and password are needed"
        );
        let err = Endpoint::from_server(&API, "nope", &settings).unwrap_err();
        assert!(
            err.to_string().contains("known: production, local"),
            "{err}"
        );
        let local = ServerSettings {
            host: Some("127.0.0.1:41883".into()),
            ..ServerSettings::default()
        };
        let e = Endpoint::from_server(&API, "local", &local).unwrap();
        assert_eq!(e.authority(1883), "127.0.0.1:41883");
        assert_eq!(e.path.as_deref(), Some("vhost"));
        let bad = ServerSettings {
            host: Some("127.0.0.1:99999".into()),
            ..ServerSettings::default()
        };
        let err = Endpoint::from_server(&API, "local", &bad).unwrap_err();
        assert!(err.to_string().contains("port `99999`"), "{err}");
    }

    #[test]
    fn settings_come_from_the_environment() {
        let env = |k: &str| match k {
            "APP_VAR_PORT" => Some("9094".to_owned()),
            "APP_USERNAME" => Some("u".to_owned()),
            "APP_PASSWORD" => Some("p".to_owned()),
            "APP_SASL" => Some("scram-sha-512".to_owned()),
            "APP_TLS_CA_FILE" => Some("/ca.pem".to_owned()),
            _ => None,
        };
        let server = API.server("production").unwrap();
        let s = ServerSettings::from_lookup("APP", server, env).unwrap();
        let e = Endpoint::from_server(&API, "production", &s).unwrap();
        assert_eq!(e.port, Some(9094));
        assert_eq!(e.sasl, Some(Sasl::ScramSha512));
        assert_eq!(
            e.tls.unwrap().ca_file.as_deref(),
            Some(std::path::Path::new("/ca.pem"))
        );
        let code = ServerSettings {
            username: Some("from-code".into()),
            host: Some("127.0.0.1:9092".into()),
            ..ServerSettings::default()
        };
        let merged = s.clone().or(code);
        assert_eq!(
            merged.username.as_deref(),
            Some("u"),
            "the environment wins"
        );
        assert_eq!(
            merged.host.as_deref(),
            Some("127.0.0.1:9092"),
            "code fills the rest"
        );
        let bad = |k: &str| (k == "APP_SASL").then(|| "kerberos".to_owned());
        let err = ServerSettings::from_lookup("APP", server, bad).unwrap_err();
        assert!(err.to_string().contains("APP_SASL: `kerberos`"), "{err}");
    }

    #[test]
    fn configured_is_from_server_with_code_settings_when_the_environment_is_silent() {
        let prefix = "ASYNCAPI_TRANSPORT_TEST_NOBODY_SETS_THIS";
        let code = ServerSettings {
            host: Some("127.0.0.1:41883".into()),
            ..ServerSettings::default()
        };
        let e = Endpoint::configured(&API, "local", prefix, code.clone()).unwrap();
        assert_eq!(e, Endpoint::from_server(&API, "local", &code).unwrap());
        assert_eq!(e.server.as_deref(), Some("local"));
        let err = Endpoint::configured(&API, "staging", prefix, code).unwrap_err();
        assert!(err.to_string().contains("`staging`"), "{err}");
    }

    #[test]
    fn protocols_are_matched_in_lower_case() {
        const UPPER: ApiDescription = ApiDescription {
            title: "t",
            servers: &[ServerInfo {
                name: "broker",
                protocol: "Secure-MQTT",
                protocol_version: None,
                host: "broker.example.com:8883",
                pathname: None,
                variables: &[],
                security: &[],
                bindings: &[],
            }],
            channels: &[],
        };
        let e = Endpoint::from_server(&UPPER, "broker", &ServerSettings::default()).unwrap();
        assert_eq!(e.protocol, "secure-mqtt");
        assert!(e.tls.is_some());
        assert!(e.expect_protocol(&["secure-mqtt"]).is_ok());
    }
}
