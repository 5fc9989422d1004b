//! Reading a stored body in the one shape the log writes it, without serde's general JSON
//! reader for the envelope's fields.
//!
//! A body is `{"position":…,"id":…,…,"kind":…,"event":{…}}`, always with these keys in this
//! order, no spaces, and (nearly always) strings without escapes. Read through serde, those
//! envelope fields took more than half of decoding an event (keys matched one by one, every
//! string scanned for escapes); read here, in their fixed order, they cost a fraction of
//! that, and only the payload goes through serde. Anything that is not exactly that shape
//! (an escape in a string, a space, another key order, an odd number) makes [`read`] answer
//! `None`, and the caller decodes the body with serde as before: this path may decline, but
//! never reads a body differently.

use ulid::Ulid;

use crate::date::{parse_date, parse_utc};
use crate::envelope::{Body, Hash};

/// The envelope fields of `body`, with its payload still as JSON text, if `body` has exactly
/// the shape the log writes; `None` otherwise.
pub(crate) fn read(body: &str) -> Option<Body<'_, &str>> {
    let mut c = Cursor { s: body, at: 0 };
    c.key("{\"position\":")?;
    let position = c.number()?;
    c.key(",\"id\":")?;
    let id = Ulid::from_string(c.plain_str()?).ok()?;
    c.key(",\"stream\":")?;
    let stream = c.plain_str()?;
    c.key(",\"stream_version\":")?;
    let stream_version = c.number()?;
    c.key(",\"actor\":")?;
    let actor = c.plain_str()?;
    c.key(",\"recorded_at\":")?;
    let recorded_at = parse_utc(c.plain_str()?)?;
    c.key(",\"occurred_on\":")?;
    let occurred_on = parse_date(c.plain_str()?)?;
    c.key(",\"schema\":")?;
    let schema = u32::try_from(c.number()?).ok()?;
    c.key(",\"prev_hash\":")?;
    let prev_hash = Hash::from_hex(c.plain_str()?)?;
    c.key(",\"kind\":")?;
    let kind = c.plain_str()?;
    c.key(",\"event\":")?;
    let event = body.get(c.at..)?.strip_suffix('}')?;
    Some(Body {
        position,
        id,
        stream,
        stream_version,
        actor,
        recorded_at,
        occurred_on,
        schema,
        prev_hash,
        kind,
        event,
    })
}

struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        self.s.as_bytes().get(self.at..).unwrap_or_default()
    }

    fn key(&mut self, literal: &str) -> Option<()> {
        self.rest().starts_with(literal.as_bytes()).then(|| {
            self.at += literal.len();
        })
    }

    /// An unsigned integer as JSON writes it: digits, no leading zero, no overflow.
    fn number(&mut self) -> Option<u64> {
        let digits = self
            .rest()
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let text = self.rest().get(..digits)?;
        if digits == 0 || (digits > 1 && text[0] == b'0') {
            return None;
        }
        let mut n: u64 = 0;
        for &d in text {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        self.at += digits;
        Some(n)
    }

    /// A string with nothing to unescape (one with an escape or a control character is left
    /// to serde).
    fn plain_str(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        if rest.first() != Some(&b'"') {
            return None;
        }
        // The closing quote, found a word at a time; an escape or a control character before
        // it (an escaped quote included) means the string is not plain. The check has no
        // early exit so that it runs a vector at a time: this scan was a tenth of a replay's
        // reading thread when it went byte by byte.
        let len = memchr::memchr(b'"', &rest[1..])?;
        if rest[1..1 + len]
            .iter()
            .fold(false, |odd, &c| odd | (c == b'\\') | (c < 0x20))
        {
            return None;
        }
        // Both ends are ASCII quotes, so these are char boundaries of a valid str.
        let s = self.s.get(self.at + 1..self.at + 1 + len)?;
        self.at += len + 2;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = concat!(
        r#"{"position":42,"id":"01JTG3ZX7QBZKRHARMTAZGEZPY","stream":"cycle-c1","#,
        r#""stream_version":7,"actor":"ada","recorded_at":"2025-05-05T11:41:08.215Z","#,
        r#""occurred_on":"2025-05-02","schema":1,"prev_hash":""#,
        "0b1d2dface67e62abec644982e96f855091bfd7591c03bc50645f605d5bd62b1",
        r#"","kind":"goal_met","event":{"type":"goal_met","data":{"goal":"g1"}}}"#
    );

    #[test]
    fn the_written_shape_is_read_field_by_field() {
        let f = read(BODY).expect("the log's own shape");
        assert_eq!(
            (f.position, f.stream, f.stream_version),
            (42, "cycle-c1", 7)
        );
        assert_eq!((f.actor, f.schema, f.kind), ("ada", 1, "goal_met"));
        assert_eq!(f.id.to_string(), "01JTG3ZX7QBZKRHARMTAZGEZPY");
        assert_eq!(f.recorded_at.to_rfc3339(), "2025-05-05T11:41:08.215+00:00");
        assert_eq!(f.occurred_on.to_string(), "2025-05-02");
        assert_eq!(f.event, r#"{"type":"goal_met","data":{"goal":"g1"}}"#);
    }

    #[test]
    fn any_other_shape_is_declined() {
        for (from, to) in [
            (r#""stream":"cycle-c1""#, r#""stream":"cycle-\u00631""#),
            (r#""actor":"ada""#, r#""actor": "ada""#),
            (r#""actor":"ada""#, r#""actor":"a\"da""#),
            (r#""actor":"ada""#, "\"actor\":\"a\tda\""),
            (r#"{"position":42"#, r#"{"position":042"#),
            (r#"{"position":42"#, r#"{"position":99999999999999999999"#),
            (r#""schema":1"#, r#""schema":4294967296"#),
            (r#""schema":1"#, r#""schema":1.0"#),
            (
                r#""occurred_on":"2025-05-02""#,
                r#""occurred_on":"2025-02-30""#,
            ),
            (r#"{"position":42,"#, r#"{"id":"x","position":42,"#),
        ] {
            let changed = BODY.replace(from, to);
            assert_ne!(changed, BODY, "{to}");
            assert_eq!(read(&changed), None, "{to}");
        }
        assert_eq!(read(&format!("{BODY} ")), None);
        // Only the envelope's shape is checked here: a cut payload is for serde to refuse.
        let cut = read(&BODY[..BODY.len() - 1]).expect("the envelope fields are whole");
        assert!(serde_json::from_str::<serde_json::Value>(cut.event).is_err());
        assert_eq!(read(""), None);
    }
}
