//! Lifting stored payloads written under an older schema to today's event types.
//!
//! Events are never rewritten: a payload keeps the bytes and schema version it was written
//! with, and this module turns it into the current [`Event`] when it is read. Each event type
//! starts at schema 1; when a type's shape changes, its current version goes up in
//! [`Event::schema`] and a step from the old shape is added to [`upcast`].

use serde_json::value::RawValue;

use crate::event::Event;

/// Decodes a payload of type `kind` written under schema `schema`.
pub fn upcast(kind: &str, schema: u32, raw: &RawValue) -> Result<Event, String> {
    match schema {
        // Schema 1 is today's shape for every event type.
        1 => decode_current(kind, raw),
        0 => Err(format!("{kind}: schema 0 does not exist")),
        n => Err(format!(
            "{kind}: schema {n} is newer than this build of trellis understands"
        )),
    }
}

fn decode_current(kind: &str, raw: &RawValue) -> Result<Event, String> {
    let event: Event =
        serde_json::from_str(raw.get()).map_err(|e| format!("{kind} payload: {e}"))?;
    if event.kind() != kind {
        return Err(format!(
            "payload says {} but the envelope says {kind}",
            event.kind()
        ));
    }
    Ok(event)
}
