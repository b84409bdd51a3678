//! End to end, per protocol: the crates generated from `specs/streetlights-*.yaml` publish
//! through an adapter's `Sink` and receive through its router into a handler, against a
//! real broker (or server) started by the test on 127.0.0.1. Each protocol has a test of
//! delivery, redelivery after a handler failure and request/reply, and (for brokers) one
//! where the broker is restarted mid-run.

mod common;

mod amqp;
mod http;
mod kafka;
mod mqtt;
mod nats;
mod websocket;
