//! The `connect` module: one function per server whose protocol an adapter of
//! `asyncapi-transport` speaks, behind that protocol's cargo feature. Each takes settings
//! from code, reads the environment over them (`<CRATE>_<SERVER>_*`), and connects the
//! adapter to the server with the crate's [`API`](super::channels).

use std::fmt::Write as _;

use super::channels::str_lit;
use super::docs::doc_lines;
use crate::ir::{Ir, ServerIr};
use crate::render::Piece;

/// The environment prefix of a server: crate name and server key, upper case, every other
/// character `_`.
pub fn env_prefix(crate_name: &str, server: &str) -> String {
    format!("{crate_name}_{server}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The features the servers of `ir` need, in [`crate::protocols::FEATURES`] order.
pub fn features(ir: &Ir) -> Vec<&'static str> {
    crate::protocols::FEATURES
        .iter()
        .copied()
        .filter(|f| ir.servers.iter().any(|s| s.feature == Some(*f)))
        .collect()
}

/// `#[cfg(...)]` of code that needs any of `features`.
pub fn cfg_any(features: &[&str]) -> String {
    let list: Vec<String> = features
        .iter()
        .map(|f| format!("feature = \"{f}\""))
        .collect();
    match list.as_slice() {
        [one] => one.clone(),
        _ => format!("any({})", list.join(", ")),
    }
}

fn function(out: &mut String, s: &ServerIr, crate_name: &str) {
    let (Some(feature), Some(name)) = (s.feature, s.connect_fn.as_deref()) else {
        return;
    };
    let (client, options, is_async) = crate::protocols::adapter(feature);
    let prefix = env_prefix(crate_name, &s.key);
    let mut vars: Vec<String> = s
        .variables
        .keys()
        .map(|name| {
            format!(
                "`{prefix}_VAR_{}` for `{{{name}}}`",
                name.to_ascii_uppercase().replace(['-', '.'], "_"),
            )
        })
        .collect();
    let mut paragraphs = vec![format!(
        "Server `{}`: `{}` at `{}`{}.",
        s.key,
        s.protocol,
        s.host,
        s.pathname
            .as_deref()
            .map(|p| format!(", path `{p}`"))
            .unwrap_or_default()
    )];
    paragraphs.extend(s.description.clone());
    let env = if vars.is_empty() {
        String::new()
    } else {
        let last = vars.pop().unwrap_or_default();
        if vars.is_empty() {
            format!(", and {last}")
        } else {
            format!(", {}, and {last}", vars.join(", "))
        }
    };
    paragraphs.push(format!(
        "Settings are `settings`, with the environment over them: `{prefix}_HOST`, `_USERNAME`, `_PASSWORD`, `_SASL`, `_TLS` (`true`/`false`), `_TLS_CA_FILE`, `_TLS_CERT_FILE`, `_TLS_KEY_FILE`{env}."
    ));
    if is_async {
        paragraphs.push(
            "Returns once connected; the client reconnects by itself when the connection is lost."
                .to_owned(),
        );
    } else {
        paragraphs.push(
            "Sends with `HttpSink` (the `Publisher`'s sink); receive by serving `asyncapi_transport::http::router` with the `Router`."
                .to_owned(),
        );
    }
    for l in doc_lines(&paragraphs, 0) {
        let _ = writeln!(out, "///{l}");
    }
    let module = format!("asyncapi_transport::{feature}");
    let _ = writeln!(out, "#[cfg(feature = \"{feature}\")]");
    let _ = writeln!(
        out,
        "pub {}fn {}(\n    settings: ServerSettings,\n    options: {module}::{options},\n) -> Result<{module}::{client}, Error> {{",
        if is_async { "async " } else { "" },
        crate::names::ident_text(name)
    );
    // Laid out as rustfmt would: on one line, else after `=`, else one argument per line.
    let (key, prefix) = (str_lit(&s.key), str_lit(&prefix));
    let call = format!("Endpoint::configured(&crate::API, {key}, {prefix}, settings)?;");
    if 4 + "let endpoint = ".len() + call.len() <= 100 {
        let _ = writeln!(out, "    let endpoint = {call}");
    } else if 8 + call.len() <= 100 {
        let _ = writeln!(out, "    let endpoint =\n        {call}");
    } else {
        let _ = writeln!(
            out,
            "    let endpoint = Endpoint::configured(\n        &crate::API,\n        {key},\n        {prefix},\n        settings,\n    )?;"
        );
    }
    if is_async {
        let _ = writeln!(
            out,
            "    {module}::{client}::connect(&crate::API, &endpoint, options).await"
        );
    } else {
        let _ = writeln!(
            out,
            "    {module}::{client}::new(&crate::API, &endpoint, options)"
        );
    }
    let _ = writeln!(out, "}}");
}

/// The module's items, or nothing when no server has an adapter.
pub fn items(ir: &Ir, crate_name: &str) -> Vec<Piece> {
    if features(ir).is_empty() {
        return Vec::new();
    }
    let mut pieces = vec![Piece::Text(
        "//! Connecting to the document's servers with the adapters of `asyncapi-transport`.\n\nuse asyncapi_transport::{Endpoint, Error, ServerSettings};\n"
            .to_owned(),
    )];
    for s in &ir.servers {
        let mut out = String::new();
        function(&mut out, s, crate_name);
        if !out.is_empty() {
            pieces.push(Piece::Text(out));
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_upper_snake() {
        assert_eq!(
            env_prefix("streetlights-mqtt", "local"),
            "STREETLIGHTS_MQTT_LOCAL"
        );
        assert_eq!(env_prefix("a", "prod.eu-1"), "A_PROD_EU_1");
        assert_eq!(env_prefix("a", "Πρόδ"), "A_____");
    }

    #[test]
    fn cfg_of_one_or_several_features() {
        assert_eq!(cfg_any(&["mqtt"]), "feature = \"mqtt\"");
        assert_eq!(
            cfg_any(&["mqtt", "kafka"]),
            "any(feature = \"mqtt\", feature = \"kafka\")"
        );
    }
}
