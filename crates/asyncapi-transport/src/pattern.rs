//! Address templates as each protocol's subscription patterns. A pattern may match more
//! than its template (a `{parameter}` inside a longer word becomes a whole-word wildcard);
//! the router checks every address against the template itself, so nothing else reaches a
//! handler.

use asyncapi_runtime::{Action, ApiDescription, ChannelInfo, OperationInfo};

/// The `(channel, operation)` pairs a crate receives on that have an address, in order.
pub fn receive_channels(
    api: &ApiDescription,
) -> Vec<(&'static ChannelInfo, &'static OperationInfo)> {
    let mut out: Vec<(&'static ChannelInfo, &'static OperationInfo)> = Vec::new();
    for (c, o) in api.operations(Action::Receive) {
        if c.address.is_some() && !out.iter().any(|(seen, _)| seen.address == c.address) {
            out.push((c, o));
        }
    }
    out
}

/// Replaces each `sep`-separated word holding a `{parameter}` by `wildcard`.
fn words(template: &str, sep: char, wildcard: &str) -> String {
    template
        .split(sep)
        .map(|w| if w.contains('{') { wildcard } else { w })
        .collect::<Vec<_>>()
        .join(&sep.to_string())
}

/// An MQTT topic filter: each level with a parameter becomes `+`.
pub fn mqtt_filter(template: &str) -> String {
    words(template, '/', "+")
}

/// A NATS subject: each token with a parameter becomes `*`.
pub fn nats_subject(template: &str) -> String {
    words(template, '.', "*")
}

/// An AMQP topic-exchange binding key: each word with a parameter becomes `*`.
pub fn amqp_binding_key(template: &str) -> String {
    words(template, '.', "*")
}

/// A Kafka subscription: the topic itself, or for a template with parameters a regular
/// expression (`^...$`, as librdkafka takes them) where each parameter matches one or more
/// characters other than `/`.
pub fn kafka_subscription(template: &str) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::from("^");
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start + 1..].find('}') else {
            break;
        };
        escape_regex(&rest[..start], &mut out);
        out.push_str("[^/]+");
        rest = &rest[start + 2 + len..];
    }
    escape_regex(rest, &mut out);
    out.push('$');
    out
}

fn escape_regex(text: &str, out: &mut String) {
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_wildcards() {
        let t = "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured";
        assert_eq!(
            mqtt_filter(t),
            "smartylighting/streetlights/1/0/event/+/lighting/measured"
        );
        assert_eq!(mqtt_filter("a/b-{x}/c"), "a/+/c");
        assert_eq!(mqtt_filter("plain/topic"), "plain/topic");
        let k = "smartylighting.streetlights.1.0.event.{streetlightId}.lighting.measured";
        assert_eq!(
            nats_subject(k),
            "smartylighting.streetlights.1.0.event.*.lighting.measured"
        );
        assert_eq!(amqp_binding_key("a.{x}.c"), "a.*.c");
        assert_eq!(
            kafka_subscription(k),
            r"^smartylighting\.streetlights\.1\.0\.event\.[^/]+\.lighting\.measured$"
        );
        assert_eq!(kafka_subscription("orders"), "orders");
    }
}
