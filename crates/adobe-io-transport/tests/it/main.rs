//! Integration tests: a fake Adobe (key server, journal) on 127.0.0.1.

mod common;
mod journal;
mod redis_server;
mod shared_state;
mod webhook;
