//! End-to-end tests of the HTTP API: a real server on 127.0.0.1:0 over a real sled
//! directory in a temp dir, spoken to over HTTP.

mod authz;
mod bad_input;
mod cycle;
mod export;
mod helpers;
mod metrics;
mod openapi;
mod restart;
mod stream;
mod writes;
