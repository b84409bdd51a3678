//! What the generated crates of `specs/streetlights-*.yaml` will emit once the generator
//! writes it (see `crates/asyncapi-transport/DESIGN.md`): one `ApiDescription` per crate,
//! written here by hand, exactly as the document says, from the generated code's point
//! of view (perspective `app`).

use asyncapi_runtime::{
    Action, ApiDescription, Binding, ChannelInfo, MessageInfo, OperationInfo, ReplyInfo,
    ServerInfo, ServerVariable,
};

/// `specs/streetlights-mqtt.yaml`.
pub const STREETLIGHTS_MQTT: ApiDescription = ApiDescription {
    title: "Streetlights over MQTT",
    servers: &[ServerInfo {
        name: "local",
        protocol: "mqtt",
        protocol_version: Some("5"),
        host: "127.0.0.1:{port}",
        pathname: None,
        variables: &[ServerVariable {
            name: "port",
            default: Some("1883"),
            allowed: &[],
        }],
        security: &[],
        bindings: &[],
    }],
    channels: &[
        ChannelInfo {
            name: "lightMeasured",
            address: Some("streetlights/{streetlightId}/light/measured"),
            servers: &[],
            bindings: &[],
            operations: &[
                OperationInfo {
                    name: "reportLight",
                    action: Action::Send,
                    bindings: &[Binding {
                        protocol: "mqtt",
                        json: r#"{"qos":1,"retain":false}"#,
                    }],
                    reply: None,
                },
                OperationInfo {
                    name: "receiveLight",
                    action: Action::Receive,
                    bindings: &[Binding {
                        protocol: "mqtt",
                        json: r#"{"qos":1}"#,
                    }],
                    reply: None,
                },
            ],
            messages: &[MessageInfo {
                name: "lightMeasured",
                content_type: Some("application/json"),
                correlation_id: None,
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimRequests",
            address: Some("streetlights/{streetlightId}/dim"),
            servers: &[],
            bindings: &[],
            operations: &[
                OperationInfo {
                    name: "requestDim",
                    action: Action::Send,
                    bindings: &[Binding {
                        protocol: "mqtt",
                        json: r#"{"qos":1,"retain":false}"#,
                    }],
                    reply: Some(DIM_REPLY_MQTT),
                },
                OperationInfo {
                    name: "dim",
                    action: Action::Receive,
                    bindings: &[Binding {
                        protocol: "mqtt",
                        json: r#"{"qos":1}"#,
                    }],
                    reply: Some(DIM_REPLY_MQTT),
                },
            ],
            messages: &[MessageInfo {
                name: "dim",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimReplies",
            address: Some("streetlights/dim/replies"),
            servers: &[],
            bindings: &[],
            operations: &[OperationInfo {
                name: "requestDimReply",
                action: Action::Receive,
                bindings: &[Binding {
                    protocol: "mqtt",
                    json: r#"{"qos":1}"#,
                }],
                reply: None,
            }],
            messages: &[MessageInfo {
                name: "dimmed",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
    ],
};

const DIM_REPLY_MQTT: ReplyInfo = ReplyInfo {
    channel: Some("dimReplies"),
    address: Some("streetlights/dim/replies"),
    address_location: None,
};

/// `specs/streetlights-kafka.yaml`.
pub const STREETLIGHTS_KAFKA: ApiDescription = ApiDescription {
    title: "Streetlights over KAFKA",
    servers: &[ServerInfo {
        name: "local",
        protocol: "kafka",
        protocol_version: None,
        host: "127.0.0.1:{port}",
        pathname: None,
        variables: &[ServerVariable {
            name: "port",
            default: Some("9092"),
            allowed: &[],
        }],
        security: &[],
        bindings: &[],
    }],
    channels: &[
        ChannelInfo {
            name: "lightMeasured",
            address: Some("streetlights.{streetlightId}.light.measured"),
            servers: &[],
            bindings: &[Binding {
                protocol: "kafka",
                json: r#"{"partitions":1,"replicas":1}"#,
            }],
            operations: &[
                OperationInfo {
                    name: "reportLight",
                    action: Action::Send,
                    bindings: &[],
                    reply: None,
                },
                OperationInfo {
                    name: "receiveLight",
                    action: Action::Receive,
                    bindings: &[Binding {
                        protocol: "kafka",
                        json: r#"{"groupId":{"type":"string","enum":["streetlights-kafka-test"]}}"#,
                    }],
                    reply: None,
                },
            ],
            messages: &[MessageInfo {
                name: "lightMeasured",
                content_type: Some("application/json"),
                correlation_id: None,
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimRequests",
            address: Some("streetlights.{streetlightId}.dim"),
            servers: &[],
            bindings: &[Binding {
                protocol: "kafka",
                json: r#"{"partitions":1,"replicas":1}"#,
            }],
            operations: &[
                OperationInfo {
                    name: "requestDim",
                    action: Action::Send,
                    bindings: &[],
                    reply: Some(DIM_REPLY_KAFKA),
                },
                OperationInfo {
                    name: "dim",
                    action: Action::Receive,
                    bindings: &[Binding {
                        protocol: "kafka",
                        json: r#"{"groupId":{"type":"string","enum":["streetlights-kafka-test"]}}"#,
                    }],
                    reply: Some(DIM_REPLY_KAFKA),
                },
            ],
            messages: &[MessageInfo {
                name: "dim",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimReplies",
            address: Some("streetlights.dim.replies"),
            servers: &[],
            bindings: &[Binding {
                protocol: "kafka",
                json: r#"{"partitions":1,"replicas":1}"#,
            }],
            operations: &[OperationInfo {
                name: "requestDimReply",
                action: Action::Receive,
                bindings: &[Binding {
                    protocol: "kafka",
                    json: r#"{"groupId":{"type":"string","enum":["streetlights-kafka-test"]}}"#,
                }],
                reply: None,
            }],
            messages: &[MessageInfo {
                name: "dimmed",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
    ],
};

const DIM_REPLY_KAFKA: ReplyInfo = ReplyInfo {
    channel: Some("dimReplies"),
    address: Some("streetlights.dim.replies"),
    address_location: None,
};

/// `specs/streetlights-nats.yaml`.
pub const STREETLIGHTS_NATS: ApiDescription = ApiDescription {
    title: "Streetlights over NATS",
    servers: &[ServerInfo {
        name: "local",
        protocol: "nats",
        protocol_version: None,
        host: "127.0.0.1:{port}",
        pathname: None,
        variables: &[ServerVariable {
            name: "port",
            default: Some("4222"),
            allowed: &[],
        }],
        security: &[],
        bindings: &[],
    }],
    channels: &[
        ChannelInfo {
            name: "lightMeasured",
            address: Some("streetlights.{streetlightId}.light.measured"),
            servers: &[],
            bindings: &[],
            operations: &[
                OperationInfo {
                    name: "reportLight",
                    action: Action::Send,
                    bindings: &[],
                    reply: None,
                },
                OperationInfo {
                    name: "receiveLight",
                    action: Action::Receive,
                    bindings: &[Binding {
                        protocol: "nats",
                        json: r#"{"queue":"streetlights"}"#,
                    }],
                    reply: None,
                },
            ],
            messages: &[MessageInfo {
                name: "lightMeasured",
                content_type: Some("application/json"),
                correlation_id: None,
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimRequests",
            address: Some("streetlights.{streetlightId}.dim"),
            servers: &[],
            bindings: &[],
            operations: &[
                OperationInfo {
                    name: "requestDim",
                    action: Action::Send,
                    bindings: &[],
                    reply: Some(DIM_REPLY_NATS),
                },
                OperationInfo {
                    name: "dim",
                    action: Action::Receive,
                    bindings: &[Binding {
                        protocol: "nats",
                        json: r#"{"queue":"streetlights"}"#,
                    }],
                    reply: Some(DIM_REPLY_NATS),
                },
            ],
            messages: &[MessageInfo {
                name: "dim",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimReplies",
            address: Some("streetlights.dim.replies"),
            servers: &[],
            bindings: &[],
            operations: &[OperationInfo {
                name: "requestDimReply",
                action: Action::Receive,
                bindings: &[Binding {
                    protocol: "nats",
                    json: r#"{"queue":"streetlights"}"#,
                }],
                reply: None,
            }],
            messages: &[MessageInfo {
                name: "dimmed",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
    ],
};

const DIM_REPLY_NATS: ReplyInfo = ReplyInfo {
    channel: Some("dimReplies"),
    address: Some("streetlights.dim.replies"),
    address_location: None,
};

/// `specs/streetlights-amqp.yaml`.
pub const STREETLIGHTS_AMQP: ApiDescription = ApiDescription {
    title: "Streetlights over AMQP",
    servers: &[ServerInfo {
        name: "local",
        protocol: "amqp",
        protocol_version: Some("0.9.1"),
        host: "127.0.0.1:{port}",
        pathname: None,
        variables: &[ServerVariable {
            name: "port",
            default: Some("5672"),
            allowed: &[],
        }],
        security: &[],
        bindings: &[],
    }],
    channels: &[
        ChannelInfo {
            name: "lightMeasured",
            address: Some("streetlights.{streetlightId}.light.measured"),
            servers: &[],
            bindings: &[Binding {
                protocol: "amqp",
                json: r#"{"is":"routingKey","exchange":{"name":"streetlights","type":"topic","durable":true},"queue":{"name":"streetlights-amqp-test","durable":true}}"#,
            }],
            operations: &[
                OperationInfo {
                    name: "reportLight",
                    action: Action::Send,
                    bindings: &[Binding {
                        protocol: "amqp",
                        json: r#"{"deliveryMode":2}"#,
                    }],
                    reply: None,
                },
                OperationInfo {
                    name: "receiveLight",
                    action: Action::Receive,
                    bindings: &[],
                    reply: None,
                },
            ],
            messages: &[MessageInfo {
                name: "lightMeasured",
                content_type: Some("application/json"),
                correlation_id: None,
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimRequests",
            address: Some("streetlights.{streetlightId}.dim"),
            servers: &[],
            bindings: &[Binding {
                protocol: "amqp",
                json: r#"{"is":"routingKey","exchange":{"name":"streetlights","type":"topic","durable":true},"queue":{"name":"streetlights-amqp-test","durable":true}}"#,
            }],
            operations: &[
                OperationInfo {
                    name: "requestDim",
                    action: Action::Send,
                    bindings: &[Binding {
                        protocol: "amqp",
                        json: r#"{"deliveryMode":2}"#,
                    }],
                    reply: Some(DIM_REPLY_AMQP),
                },
                OperationInfo {
                    name: "dim",
                    action: Action::Receive,
                    bindings: &[],
                    reply: Some(DIM_REPLY_AMQP),
                },
            ],
            messages: &[MessageInfo {
                name: "dim",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimReplies",
            address: Some("streetlights.dim.replies"),
            servers: &[],
            bindings: &[Binding {
                protocol: "amqp",
                json: r#"{"is":"routingKey","exchange":{"name":"streetlights","type":"topic","durable":true},"queue":{"name":"streetlights-amqp-test","durable":true}}"#,
            }],
            operations: &[OperationInfo {
                name: "requestDimReply",
                action: Action::Receive,
                bindings: &[],
                reply: None,
            }],
            messages: &[MessageInfo {
                name: "dimmed",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
    ],
};

const DIM_REPLY_AMQP: ReplyInfo = ReplyInfo {
    channel: Some("dimReplies"),
    address: Some("streetlights.dim.replies"),
    address_location: None,
};

/// `specs/streetlights-websocket.yaml`.
pub const STREETLIGHTS_WEBSOCKET: ApiDescription = ApiDescription {
    title: "Streetlights over WEBSOCKET",
    servers: &[ServerInfo {
        name: "local",
        protocol: "ws",
        protocol_version: None,
        host: "127.0.0.1:{port}",
        pathname: None,
        variables: &[ServerVariable {
            name: "port",
            default: Some("80"),
            allowed: &[],
        }],
        security: &[],
        bindings: &[],
    }],
    channels: &[
        ChannelInfo {
            name: "lightMeasured",
            address: Some("/lights"),
            servers: &[],
            bindings: &[Binding {
                protocol: "ws",
                json: r#"{"query":{"type":"object","properties":{"client":{"type":"string","default":"asyncapi-transport-tests"}}}}"#,
            }],
            operations: &[
                OperationInfo {
                    name: "reportLight",
                    action: Action::Send,
                    bindings: &[],
                    reply: None,
                },
                OperationInfo {
                    name: "receiveLight",
                    action: Action::Receive,
                    bindings: &[],
                    reply: None,
                },
            ],
            messages: &[MessageInfo {
                name: "lightMeasured",
                content_type: Some("application/json"),
                correlation_id: None,
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimRequests",
            address: Some("/dim"),
            servers: &[],
            bindings: &[],
            operations: &[
                OperationInfo {
                    name: "requestDim",
                    action: Action::Send,
                    bindings: &[],
                    reply: Some(DIM_REPLY_WEBSOCKET),
                },
                OperationInfo {
                    name: "dim",
                    action: Action::Receive,
                    bindings: &[],
                    reply: Some(DIM_REPLY_WEBSOCKET),
                },
            ],
            messages: &[MessageInfo {
                name: "dim",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimReplies",
            address: Some("/dim"),
            servers: &[],
            bindings: &[],
            operations: &[OperationInfo {
                name: "requestDimReply",
                action: Action::Receive,
                bindings: &[],
                reply: None,
            }],
            messages: &[MessageInfo {
                name: "dimmed",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
    ],
};

const DIM_REPLY_WEBSOCKET: ReplyInfo = ReplyInfo {
    channel: Some("dimReplies"),
    address: Some("/dim"),
    address_location: None,
};

/// `specs/streetlights-http.yaml`.
pub const STREETLIGHTS_HTTP: ApiDescription = ApiDescription {
    title: "Streetlights over HTTP",
    servers: &[ServerInfo {
        name: "local",
        protocol: "http",
        protocol_version: None,
        host: "127.0.0.1:{port}",
        pathname: None,
        variables: &[ServerVariable {
            name: "port",
            default: Some("80"),
            allowed: &[],
        }],
        security: &[],
        bindings: &[],
    }],
    channels: &[
        ChannelInfo {
            name: "lightMeasured",
            address: Some("/streetlights/{streetlightId}/light/measured"),
            servers: &[],
            bindings: &[],
            operations: &[
                OperationInfo {
                    name: "reportLight",
                    action: Action::Send,
                    bindings: &[],
                    reply: None,
                },
                OperationInfo {
                    name: "receiveLight",
                    action: Action::Receive,
                    bindings: &[],
                    reply: None,
                },
            ],
            messages: &[MessageInfo {
                name: "lightMeasured",
                content_type: Some("application/json"),
                correlation_id: None,
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimRequests",
            address: Some("/streetlights/{streetlightId}/dim"),
            servers: &[],
            bindings: &[],
            operations: &[
                OperationInfo {
                    name: "requestDim",
                    action: Action::Send,
                    bindings: &[],
                    reply: Some(DIM_REPLY_HTTP),
                },
                OperationInfo {
                    name: "dim",
                    action: Action::Receive,
                    bindings: &[],
                    reply: Some(DIM_REPLY_HTTP),
                },
            ],
            messages: &[MessageInfo {
                name: "dim",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
        ChannelInfo {
            name: "dimReplies",
            address: Some("/streetlights/dim/replies"),
            servers: &[],
            bindings: &[],
            operations: &[OperationInfo {
                name: "requestDimReply",
                action: Action::Receive,
                bindings: &[],
                reply: None,
            }],
            messages: &[MessageInfo {
                name: "dimmed",
                content_type: Some("application/json"),
                correlation_id: Some("$message.header#/correlationId"),
                bindings: &[],
            }],
        },
    ],
};

const DIM_REPLY_HTTP: ReplyInfo = ReplyInfo {
    channel: Some("dimReplies"),
    address: Some("/streetlights/dim/replies"),
    address_location: None,
};
