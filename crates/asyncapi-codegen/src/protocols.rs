//! The protocols `asyncapi-transport` has adapters for: which cargo feature of a generated
//! crate (and of the transport crate) connects to a server of each `protocol`.

/// The package of the adapters.
pub const TRANSPORT_PACKAGE: &str = "asyncapi-transport";

/// Every feature, in the order `Cargo.toml` lists them.
pub const FEATURES: &[&str] = &["mqtt", "kafka", "nats", "amqp", "websocket", "http"];

/// The feature whose adapter speaks `protocol` (a server's `protocol`, any case).
pub fn feature(protocol: &str) -> Option<&'static str> {
    Some(match protocol.to_ascii_lowercase().as_str() {
        "mqtt" | "secure-mqtt" | "mqtts" | "mqtt5" => "mqtt",
        "kafka" | "kafka-secure" => "kafka",
        "nats" | "nats-tls" => "nats",
        "amqp" | "amqps" => "amqp",
        "ws" | "wss" => "websocket",
        "http" | "https" => "http",
        _ => return None,
    })
}

/// The adapter's client type (in `asyncapi_transport::<feature>`), its options type, and
/// whether connecting is `async` (HTTP only builds a client).
pub fn adapter(feature: &str) -> (&'static str, &'static str, bool) {
    match feature {
        "mqtt" => ("MqttClient", "MqttOptions", true),
        "kafka" => ("KafkaClient", "KafkaOptions", true),
        "nats" => ("NatsClient", "NatsOptions", true),
        "amqp" => ("AmqpClient", "AmqpOptions", true),
        "websocket" => ("WsClient", "WsOptions", true),
        _ => ("HttpSink", "HttpOptions", false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_is_one_of_the_transport_crate() {
        let manifest: toml::Table = include_str!("../../asyncapi-transport/Cargo.toml")
            .parse()
            .unwrap();
        let features = manifest["features"].as_table().unwrap();
        for f in FEATURES {
            assert!(
                features.contains_key(*f),
                "asyncapi-transport has no feature `{f}`"
            );
        }
        for p in [
            "MQTT",
            "secure-mqtt",
            "kafka-secure",
            "nats",
            "amqps",
            "wss",
            "https",
        ] {
            assert!(feature(p).is_some(), "{p}");
        }
        assert_eq!(feature("stomp"), None);
        assert_eq!(feature("redis"), None);
    }
}
