//! What the document and the options say about MQTT: QoS, retain, session bindings, TLS, and
//! the send rules and subscriptions made from them.

use super::*;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OperationBinding {
    pub(super) qos: Option<u8>,
    pub(super) retain: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ServerBinding {
    pub(super) client_id: Option<String>,
    pub(super) clean_session: Option<bool>,
    pub(super) keep_alive: Option<u64>,
}

pub(super) fn qos(n: u8, place: &str) -> Result<QoS, ConfigError> {
    match n {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        2 => Ok(QoS::ExactlyOnce),
        _ => Err(ConfigError::new(format!(
            "{place}: MQTT QoS must be 0, 1 or 2, not {n}"
        ))),
    }
}

pub(super) fn qos5(q: QoS) -> rumqttc::v5::mqttbytes::QoS {
    match q {
        QoS::AtMostOnce => rumqttc::v5::mqttbytes::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::v5::mqttbytes::QoS::ExactlyOnce,
    }
}

/// How one send channel is published to.
#[derive(Debug, Clone)]
pub(super) struct SendRule {
    pub(super) template: asyncapi_runtime::AddressTemplate,
    pub(super) qos: QoS,
    pub(super) retain: bool,
    /// Fixed reply address, for the response topic of a request.
    pub(super) reply_to: Option<&'static str>,
    pub(super) correlation_header: Option<&'static str>,
}

/// How one receive channel is subscribed to.
#[derive(Debug, Clone)]
pub(super) struct Subscription {
    pub(super) filter: String,
    pub(super) qos: QoS,
}

pub(super) fn random_client_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("asyncapi-{:016x}", h.finish())
}

pub(super) fn transport(endpoint: &Endpoint) -> Result<rumqttc::Transport, ConfigError> {
    let Some(tls) = &endpoint.tls else {
        return Ok(rumqttc::Transport::Tcp);
    };
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| {
            ConfigError::new(format!(
                "{}: cannot read {}: {e}",
                endpoint.describe(),
                p.display()
            ))
        })
    };
    let Some(ca) = &tls.ca_file else {
        return Ok(rumqttc::Transport::tls_with_default_config());
    };
    let client_auth = match (&tls.cert_file, &tls.key_file) {
        (Some(c), Some(k)) => Some((read(c)?, read(k)?)),
        (None, None) => None,
        _ => {
            return Err(ConfigError::new(format!(
                "{}: a client certificate needs both a certificate and a key file",
                endpoint.describe()
            )));
        }
    };
    Ok(rumqttc::Transport::tls(read(ca)?, client_auth, None))
}

pub(super) type Rules = (
    Vec<SendRule>,
    Vec<Subscription>,
    Vec<(asyncapi_runtime::AddressTemplate, &'static str)>,
);

pub(super) fn rules(
    api: &'static ApiDescription,
    options: &MqttOptions,
) -> Result<Rules, ConfigError> {
    let default_qos = qos(options.default_qos, "MqttOptions::default_qos")?;
    let mut sends = Vec::new();
    for (c, o) in api.operations(Action::Send) {
        let Some(address) = c.address else { continue };
        let place = format!("operation `{}` of channel `{}`", o.name, c.name);
        let b: OperationBinding = read_binding(o.binding("mqtt"), "mqtt", &place)?;
        let q = match options.qos.get(c.name).copied().or(b.qos) {
            Some(n) => qos(n, &place)?,
            None => default_qos,
        };
        sends.push(SendRule {
            template: asyncapi_runtime::AddressTemplate::new(address),
            qos: q,
            retain: options
                .retain
                .get(c.name)
                .copied()
                .or(b.retain)
                .unwrap_or(false),
            reply_to: o.reply.and_then(|r| r.address).filter(|a| !a.contains('{')),
            correlation_header: c.correlation_header(),
        });
    }
    let mut subs = Vec::new();
    let mut correlation = Vec::new();
    for (c, o) in pattern::receive_channels(api) {
        let address = c.address.unwrap_or_default();
        let place = format!("operation `{}` of channel `{}`", o.name, c.name);
        let b: OperationBinding = read_binding(o.binding("mqtt"), "mqtt", &place)?;
        let q = match options.qos.get(c.name).copied().or(b.qos) {
            Some(n) => qos(n, &place)?,
            None => default_qos,
        };
        let filter = pattern::mqtt_filter(address);
        if !subs.iter().any(|s: &Subscription| s.filter == filter) {
            subs.push(Subscription { filter, qos: q });
        }
        if let Some(h) = c.correlation_header() {
            correlation.push((asyncapi_runtime::AddressTemplate::new(address), h));
        }
    }
    Ok((sends, subs, correlation))
}
