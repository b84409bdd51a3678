//! A handler for the streetlights crates (they share one shape), and what the tests share.

use std::sync::Arc;
use std::time::Duration;

use asyncapi_transport::{DeliveryPolicy, Endpoint, ServerSettings};
use asyncapi_transport_tests::Record;

/// Implements `$krate::Handler` for `TestHandler`, recording into a [`Record`]. `params`
/// for crates whose channels have a `{streetlightId}`, `plain` for those without.
macro_rules! streetlights_handler {
    ($krate:ident, params) => {
        streetlights_handler!(@impl $krate, (params: $krate::messages::LightMeasuredParams) params.streetlight_id, (_dim_params: $krate::messages::DimRequestsParams));
    };
    ($krate:ident, plain) => {
        streetlights_handler!(@impl $krate, () String::from("-"), ());
    };
    (@impl $krate:ident, ($($p:ident : $pt:ty)?) $light:expr, ($($dp:ident : $dpt:ty)?)) => {
        pub struct TestHandler(pub std::sync::Arc<asyncapi_transport_tests::Record>);

        impl $krate::Handler for TestHandler {
            async fn receive_light(
                &self,
                message: $krate::messages::LightMeasured,
                $($p: $pt,)?
                _context: asyncapi_runtime::Context,
            ) -> Result<(), asyncapi_runtime::HandlerError> {
                let light: String = $light;
                self.0.light(&light, message.payload.lumens).map_err(Into::into)
            }

            async fn dim(
                &self,
                message: $krate::messages::Dim,
                $($dp: $dpt,)?
                context: asyncapi_runtime::Context,
            ) -> Result<$krate::messages::Dimmed, asyncapi_runtime::HandlerError> {
                Ok($krate::messages::Dimmed {
                    payload: $krate::types::DimmedPayload {
                        level: $krate::types::DimmedPayloadLevel::new(*message.payload.percentage.get())?,
                        additional_properties: Default::default(),
                    },
                    headers: $krate::types::DimmedHeaders {
                        correlation_id: context.correlation_id.clone(),
                        additional_properties: Default::default(),
                    },
                })
            }

            async fn request_dim_reply(
                &self,
                message: $krate::messages::Dimmed,
                context: asyncapi_runtime::Context,
            ) -> Result<(), asyncapi_runtime::HandlerError> {
                self.0.reply(context.correlation_id, u64::from(*message.payload.level.get()));
                Ok(())
            }
        }

        pub fn light(lumens: u64) -> $krate::messages::LightMeasured {
            $krate::messages::LightMeasured {
                payload: $krate::types::LightMeasuredPayload {
                    lumens,
                    sent_at: None,
                    additional_properties: Default::default(),
                },
            }
        }

        pub fn dim(percentage: u8, correlation_id: &str) -> $krate::messages::Dim {
            $krate::messages::Dim {
                payload: $krate::types::DimPayload {
                    percentage: $krate::types::DimPayloadPercentage::new(percentage).expect("a percentage"),
                    additional_properties: Default::default(),
                },
                headers: $krate::types::DimHeaders {
                    correlation_id: Some(correlation_id.to_owned()),
                    additional_properties: Default::default(),
                },
            }
        }
    };
}
pub(crate) use streetlights_handler;

/// Retries quickly, so that tests do not wait long for redeliveries.
pub fn policy() -> DeliveryPolicy {
    DeliveryPolicy {
        max_attempts: 5,
        retry_delay: Duration::from_millis(50),
        max_retry_delay: Duration::from_millis(500),
        ..DeliveryPolicy::default()
    }
}

/// Settings for the document's `local` server on the test broker's port (its `{port}`).
pub fn local(host: &str) -> ServerSettings {
    let port = host
        .rsplit_once(':')
        .map(|(_, p)| p.to_owned())
        .unwrap_or_default();
    ServerSettings {
        variables: vec![("port".to_owned(), port)],
        ..ServerSettings::default()
    }
}

/// The document's `local` server, on the test broker's port.
pub fn endpoint(api: &asyncapi_runtime::ApiDescription, host: String) -> Endpoint {
    Endpoint::from_server(api, "local", &local(&host)).expect("the local server")
}

/// Asserts every lumens value in `all` was handled exactly once, and `failing` twice called.
pub async fn assert_each_once(record: &Arc<Record>, all: &[u64], what: &str) {
    let ok = record
        .wait(asyncapi_transport_tests::WAIT, |r| {
            all.iter().all(|l| r.handled(*l) >= 1)
        })
        .await;
    assert!(
        ok,
        "{what}: not every message was handled\n{}",
        record.summary()
    );
    // Anything handled twice would show up by now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for l in all {
        assert_eq!(
            record.handled(*l),
            1,
            "{what}: lumens {l} handled more than once\n{}",
            record.summary()
        );
    }
}
