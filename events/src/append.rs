//! What a caller asks the log to append, and what it gets back.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::event::Event;

/// The stream version an append expects to find (optimistic concurrency).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "version", rename_all = "snake_case")]
pub enum Expected {
    /// Append whatever the stream's version.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must hold exactly this many events.
    Exact(u64),
}

impl Expected {
    /// Whether a stream at `actual` satisfies this expectation.
    pub fn admits(self, actual: u64) -> bool {
        match self {
            Expected::Any => true,
            Expected::NoStream => actual == 0,
            Expected::Exact(n) => actual == n,
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Any => write!(f, "any"),
            Expected::NoStream => write!(f, "no stream"),
            Expected::Exact(n) => write!(f, "{n}"),
        }
    }
}

/// One fact to append, with the day it happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub occurred_on: NaiveDate,
    pub event: Event,
}

/// A request to append one or more events to one stream, atomically.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Append {
    pub stream: String,
    pub expected: Expected,
    /// A retry carrying the same key and the same content is answered with the original
    /// positions and writes nothing.
    pub idempotency_key: Option<String>,
    pub actor: String,
    pub events: Vec<NewEvent>,
    /// A recorded time to use instead of the log's clock; accepted only by a log opened
    /// for importing or generating history ([`crate::log::Options::backdating`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
    /// What "the same content" means for the idempotency key, when the caller knows better
    /// than the events: a retried HTTP request is decided again against a newer state, so
    /// its events may differ while the request is the same ([`Append::key_for_request`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_fingerprint: Option<String>,
}

impl Append {
    /// An append of `events` to `stream` by `actor` with no expectation and no key.
    pub fn new(stream: impl Into<String>, actor: impl Into<String>, events: Vec<NewEvent>) -> Self {
        Append {
            stream: stream.into(),
            expected: Expected::Any,
            idempotency_key: None,
            actor: actor.into(),
            events,
            recorded_at: None,
            request_fingerprint: None,
        }
    }

    /// Asks a backdating log to record these events at `at` (never before the log's last).
    pub fn recorded_at(mut self, at: DateTime<Utc>) -> Self {
        self.recorded_at = Some(at);
        self
    }

    pub fn expect(mut self, expected: Expected) -> Self {
        self.expected = expected;
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// An idempotency key whose "same content" is the request that `fingerprint` names,
    /// not the events decided from it.
    pub fn key_for_request(mut self, key: impl Into<String>, fingerprint: String) -> Self {
        self.idempotency_key = Some(key.into());
        self.request_fingerprint = Some(fingerprint);
        self
    }

    /// What "the same content" means for idempotency: the request's fingerprint when given,
    /// else stream, actor, expectation and events.
    pub(crate) fn fingerprint(&self) -> String {
        if let Some(fp) = &self.request_fingerprint {
            return fp.clone();
        }
        let mut h = Sha256::new();
        h.update(
            serde_json::to_vec(&(&self.stream, &self.actor, &self.expected, &self.events))
                .unwrap_or_default(),
        );
        hex::encode(h.finalize())
    }
}

/// Where an append landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    /// Positions `first..=last` hold the request's events, in order.
    pub first: u64,
    pub last: u64,
    /// The stream's version after the append.
    pub stream_version: u64,
    /// True when this answers a retry: nothing new was written.
    pub deduplicated: bool,
}

/// Why an append was refused; when any of these is returned nothing was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    #[error("stream {stream} was expected at version {expected} but is at {actual}")]
    Conflict {
        stream: String,
        expected: Expected,
        actual: u64,
    },
    #[error("idempotency key {key:?} was already used for a different request")]
    KeyReused { key: String },
    #[error("invalid append: {0}")]
    Invalid(String),
    #[error("the log could not store the append: {0}")]
    Storage(String),
    #[error("the log is closed")]
    Closed,
}

/// Checks what the log itself requires of a request; domain rules live elsewhere.
pub(crate) fn validate(req: &Append) -> Result<(), AppendError> {
    if req.events.is_empty() {
        return Err(AppendError::Invalid(
            "an append needs at least one event".into(),
        ));
    }
    if !valid_name(&req.stream) {
        return Err(AppendError::Invalid(format!(
            "stream name {:?} must be 1-200 characters of letters, digits, '-', '_', '.', ':'",
            req.stream
        )));
    }
    if req.actor.trim().is_empty() {
        return Err(AppendError::Invalid("actor must not be empty".into()));
    }
    if let Some(key) = &req.idempotency_key {
        if key.is_empty() || key.len() > 200 {
            return Err(AppendError::Invalid(
                "idempotency key must be 1-200 bytes".into(),
            ));
        }
    }
    Ok(())
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}
