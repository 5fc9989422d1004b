//! Reading a stored body in the one shape the log writes it, without serde's general JSON
//! reader for the envelope's fields.
//!
//! A body is `{"position":…,"id":…,…,"kind":…,"event":{…}}`, always with these keys in this
//! order, no spaces, and (nearly always) strings without escapes. Read through serde, those
//! envelope fields took more than half of decoding an event (keys matched one by one, every
//! string scanned for escapes); read here, in their fixed order, they cost a fraction of
//! that. Anything that is not exactly that shape (an escape in an envelope string, a space,
//! another key order, an odd number) makes [`read`] answer `None`, and the caller decodes the
//! body with serde as before: this path may decline, but never reads a body differently.
//!
//! [`read_event`] does the same for the payloads of every kind but the vision and the
//! agreement and plan documents (a few events in a thousand): serde's derived reader,
//! matching each key against every field name, was the largest cost left in decoding. A
//! string of a payload with an escape in it (a quoted milestone in a celebration's text) is
//! unescaped by serde_json alone, and the rest of the payload stays here. Any payload not in
//! the written shape goes to serde.

use chrono::NaiveDate;
use ulid::Ulid;

use crate::date::{parse_date, parse_utc};
use crate::envelope::{Body, Hash};
use serde::de::{DeserializeOwned, IntoDeserializer};

use crate::event::{Event, IndicatorTarget, ItemRef, MeasureDef};

/// The envelope fields of `body`, with its payload still as JSON text, if `body` has exactly
/// the shape the log writes; `None` otherwise.
pub(crate) fn read(body: &str) -> Option<Body<'_, &str>> {
    let mut c = Cursor { s: body, at: 0 };
    c.key("{\"position\":")?;
    let position = c.number()?;
    c.key(",\"id\":")?;
    let id = Ulid::from_string(c.sized_str::<26>()?).ok()?;
    c.key(",\"stream\":")?;
    let stream = c.plain_str()?;
    c.key(",\"stream_version\":")?;
    let stream_version = c.number()?;
    c.key(",\"actor\":")?;
    let actor = c.plain_str()?;
    c.key(",\"recorded_at\":")?;
    let recorded_at = parse_utc(c.plain_str()?)?;
    c.key(",\"occurred_on\":")?;
    let occurred_on = parse_date(c.sized_str::<10>()?)?;
    c.key(",\"schema\":")?;
    let schema = u32::try_from(c.number()?).ok()?;
    c.key(",\"prev_hash\":")?;
    let prev_hash = Hash::from_hex(c.sized_str::<64>()?)?;
    c.key(",\"kind\":")?;
    let kind = c.plain_str()?;
    c.key(",\"event\":")?;
    let event = body.get(c.at..)?.strip_suffix('}')?;
    // The strings read above were found by their quotes alone (see `Cursor`).
    if has_control(&body.as_bytes()[..c.at]) {
        return None;
    }
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

/// The payload `{"type":…,"data":{…}}` of one of the most frequent kinds, if it has exactly
/// the shape the log writes (fields in declaration order, no spaces, no escapes); `None`
/// otherwise, for serde to read.
pub(crate) fn read_event(payload: &str) -> Option<Event> {
    // Once for the whole payload, so that each string need only find its end (see `Cursor`).
    if has_control(payload.as_bytes()) {
        return None;
    }
    let mut c = Cursor { s: payload, at: 0 };
    c.key("{\"type\":")?;
    let kind = c.plain_str()?;
    c.key(",\"data\":{")?;
    // Fields are read in the order they are written, which is the order of these literals.
    let event = match kind {
        "measure_recorded" => Event::MeasureRecorded {
            cycle: c.string("\"cycle\":")?,
            goal: c.string(",\"goal\":")?,
            value: c.then(",\"value\":")?.float()?,
            source: c.string(",\"source\":")?,
        },
        "raci_assigned" => Event::RaciAssigned {
            cycle: c.string("\"cycle\":")?,
            item: c.then(",\"item\":")?.item()?,
            role: c.then(",\"role\":")?.variant()?,
            person: c.string(",\"person\":")?,
        },
        "indicator_rated" => Event::IndicatorRated {
            org: c.string("\"org\":")?,
            rubric: c.string(",\"rubric\":")?,
            rubric_version: u32::try_from(c.then(",\"rubric_version\":")?.number()?).ok()?,
            indicator: c.string(",\"indicator\":")?,
            level: c.string(",\"level\":")?,
            evidence: c.string(",\"evidence\":")?,
            cycle: c.optional_string(",\"cycle\":")?,
        },
        "milestone_planned" => Event::MilestonePlanned {
            cycle: c.string("\"cycle\":")?,
            goal: c.string(",\"goal\":")?,
            milestone: c.string(",\"milestone\":")?,
            title: c.string(",\"title\":")?,
            due_on: c.date(",\"due_on\":")?,
            accountable: c.string(",\"accountable\":")?,
            measure: c.string(",\"measure\":")?,
        },
        "milestone_reached" => Event::MilestoneReached {
            cycle: c.string("\"cycle\":")?,
            milestone: c.string(",\"milestone\":")?,
            evidence: c.string(",\"evidence\":")?,
        },
        "reflection_answered" => Event::ReflectionAnswered {
            cycle: c.string("\"cycle\":")?,
            question: c.string(",\"question\":")?,
            answer: c.string(",\"answer\":")?,
        },
        "goal_set" => Event::GoalSet {
            cycle: c.string("\"cycle\":")?,
            goal: c.string(",\"goal\":")?,
            statement: c.string(",\"statement\":")?,
            target: c.then(",\"target\":")?.optional(Cursor::target)?,
            measure: c.then(",\"measure\":")?.optional(Cursor::measure)?,
            due_on: c.date(",\"due_on\":")?,
            accountable: c.string(",\"accountable\":")?,
            serves: c.optional_string(",\"serves\":")?,
        },
        "goal_revised" => Event::GoalRevised {
            cycle: c.string("\"cycle\":")?,
            goal: c.string(",\"goal\":")?,
            statement: c.string(",\"statement\":")?,
            target: c.then(",\"target\":")?.optional(Cursor::target)?,
            measure: c.then(",\"measure\":")?.optional(Cursor::measure)?,
            due_on: c.date(",\"due_on\":")?,
            serves: c.optional_string(",\"serves\":")?,
            reason: c.string(",\"reason\":")?,
        },
        "goal_met" => Event::GoalMet {
            cycle: c.string("\"cycle\":")?,
            goal: c.string(",\"goal\":")?,
            evidence: c.string(",\"evidence\":")?,
        },
        "goal_dropped" => Event::GoalDropped {
            cycle: c.string("\"cycle\":")?,
            goal: c.string(",\"goal\":")?,
            reason: c.string(",\"reason\":")?,
        },
        "accountable_reassigned" => Event::AccountableReassigned {
            cycle: c.string("\"cycle\":")?,
            item: c.then(",\"item\":")?.item()?,
            from: c.string(",\"from\":")?,
            to: c.string(",\"to\":")?,
            reason: c.string(",\"reason\":")?,
        },
        "cycle_closed" => Event::CycleClosed {
            cycle: c.string("\"cycle\":")?,
            summary: c.string(",\"summary\":")?,
        },
        "org_unit_registered" => Event::OrgUnitRegistered {
            org: c.string("\"org\":")?,
            kind: c.then(",\"kind\":")?.variant()?,
            name: c.string(",\"name\":")?,
            parent: c.optional_string(",\"parent\":")?,
        },
        "person_added" => Event::PersonAdded {
            person: c.string("\"person\":")?,
            name: c.string(",\"name\":")?,
            email: c.optional_string(",\"email\":")?,
        },
        "role_defined" => Event::RoleDefined {
            org: c.string("\"org\":")?,
            role: c.string(",\"role\":")?,
            title: c.string(",\"title\":")?,
            success: c.string(",\"success\":")?,
            why: c.string(",\"why\":")?,
            measure: c.string(",\"measure\":")?,
            reason: c.optional_string(",\"reason\":")?,
        },
        "role_assigned" => Event::RoleAssigned {
            org: c.string("\"org\":")?,
            role: c.string(",\"role\":")?,
            person: c.string(",\"person\":")?,
        },
        "role_released" => Event::RoleReleased {
            org: c.string("\"org\":")?,
            role: c.string(",\"role\":")?,
            person: c.string(",\"person\":")?,
            reason: c.optional_string(",\"reason\":")?,
        },
        "event_retracted" => Event::EventRetracted {
            position: c.then("\"position\":")?.number()?,
            reason: c.string(",\"reason\":")?,
        },
        "rubric_adopted" => Event::RubricAdopted {
            org: c.string("\"org\":")?,
            rubric: c.string(",\"rubric\":")?,
            version: u32::try_from(c.then(",\"version\":")?.number()?).ok()?,
        },
        "cycle_opened" => Event::CycleOpened {
            cycle: c.string("\"cycle\":")?,
            org: c.string(",\"org\":")?,
            title: c.string(",\"title\":")?,
            rubric: c.string(",\"rubric\":")?,
            rubric_version: u32::try_from(c.then(",\"rubric_version\":")?.number()?).ok()?,
            focus: c.then(",\"focus\":")?.strings()?,
            lead: c.string(",\"lead\":")?,
            starts_on: c.date(",\"starts_on\":")?,
            ends_on: c.date(",\"ends_on\":")?,
        },
        "cycle_phase_changed" => Event::CyclePhaseChanged {
            cycle: c.string("\"cycle\":")?,
            from: c.then(",\"from\":")?.variant()?,
            to: c.then(",\"to\":")?.variant()?,
        },
        "milestone_missed" => Event::MilestoneMissed {
            cycle: c.string("\"cycle\":")?,
            milestone: c.string(",\"milestone\":")?,
            reason: c.string(",\"reason\":")?,
        },
        "milestone_rescheduled" => Event::MilestoneRescheduled {
            cycle: c.string("\"cycle\":")?,
            milestone: c.string(",\"milestone\":")?,
            from: c.date(",\"from\":")?,
            to: c.date(",\"to\":")?,
            reason: c.string(",\"reason\":")?,
        },
        "adjustment_logged" => Event::AdjustmentLogged {
            cycle: c.string("\"cycle\":")?,
            adjustment: c.string(",\"adjustment\":")?,
            kind: c.then(",\"kind\":")?.variant()?,
            what_changed: c.string(",\"what_changed\":")?,
            why: c.string(",\"why\":")?,
            touches: c.then(",\"touches\":")?.optional_item()?,
            decided_by: c.string(",\"decided_by\":")?,
        },
        "celebration_logged" => Event::CelebrationLogged {
            cycle: c.string("\"cycle\":")?,
            celebration: c.string(",\"celebration\":")?,
            what: c.string(",\"what\":")?,
            item: c.then(",\"item\":")?.optional_item()?,
            participants: c.then(",\"participants\":")?.strings()?,
        },
        "reflection_revised" => Event::ReflectionRevised {
            cycle: c.string("\"cycle\":")?,
            question: c.string(",\"question\":")?,
            answer: c.string(",\"answer\":")?,
            reason: c.optional_string(",\"reason\":")?,
        },
        _ => return None,
    };
    c.key("}}")?;
    (c.at == payload.len()).then_some(event)
}

/// Whether `bytes` hold a control character, which JSON allows only escaped, and the
/// written shape has nowhere else. The check has no early exit so that it runs a vector at a
/// time: it replaced a check of each string on its own, which was a tenth of a replay's
/// reading thread.
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &c| found | (c < 0x20))
}

/// A reading position in a body or payload. Its strings are found by their closing quote
/// alone: whoever reads through a cursor refuses text that has a control character anywhere
/// (`has_control`), before or after, so a string read here is never taken from such text.
struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        self.s.as_bytes().get(self.at..).unwrap_or_default()
    }

    #[inline(always)]
    fn key(&mut self, literal: &str) -> Option<()> {
        self.rest().starts_with(literal.as_bytes()).then(|| {
            self.at += literal.len();
        })
    }

    /// Past `literal`, for reading the value after it.
    #[inline(always)]
    fn then(&mut self, literal: &str) -> Option<&mut Self> {
        self.key(literal)?;
        Some(self)
    }

    /// The day after `literal` (`YYYY-MM-DD`).
    #[inline(always)]
    fn date(&mut self, literal: &str) -> Option<NaiveDate> {
        parse_date(self.then(literal)?.sized_str::<10>()?)
    }

    /// The string after `literal`, owned.
    #[inline(always)]
    fn string(&mut self, literal: &str) -> Option<String> {
        self.then(literal)?.owned_str()
    }

    /// A string, owned: copied if plain, unescaped if not.
    fn owned_str(&mut self) -> Option<String> {
        match self.plain_str() {
            Some(s) => Some(s.to_owned()),
            None => self.escaped_str(),
        }
    }

    /// A string with an escape in it (a quote in a celebration's text, say: one event in
    /// eight of a log), unescaped by serde_json from just that string, so the rest of the
    /// payload stays on this path. Its end is the first quote that no backslash escapes;
    /// serde refuses what JSON refuses inside (a control character, a bad escape).
    fn escaped_str(&mut self) -> Option<String> {
        let rest = self.rest();
        if rest.first() != Some(&b'"') {
            return None;
        }
        let mut at = 1;
        let end = loop {
            at += memchr::memchr2(b'"', b'\\', rest.get(at..)?)?;
            if rest[at] == b'"' {
                break at;
            }
            // The escaped character (one byte in a valid escape) cannot end the string.
            at += 2;
        };
        // Both ends are ASCII quotes, so these are char boundaries of a valid str.
        let quoted = self.s.get(self.at..self.at + end + 1)?;
        let text = serde_json::from_str(quoted).ok()?;
        self.at += end + 1;
        Some(text)
    }

    /// An indicator and a level: `{"indicator":…,"level":…}`.
    fn target(&mut self) -> Option<IndicatorTarget> {
        let target = IndicatorTarget {
            indicator: self.string("{\"indicator\":")?,
            level: self.string(",\"level\":")?,
        };
        self.key("}")?;
        Some(target)
    }

    /// A measure's definition: `{"name":…,"unit":…,"baseline":…,"target":…}`.
    fn measure(&mut self) -> Option<MeasureDef> {
        let measure = MeasureDef {
            name: self.string("{\"name\":")?,
            unit: self.string(",\"unit\":")?,
            baseline: self.then(",\"baseline\":")?.float()?,
            target: self.then(",\"target\":")?.float()?,
        };
        self.key("}")?;
        Some(measure)
    }

    /// A goal or milestone reference: `{"kind":"goal"|"milestone","id":"…"}`.
    fn item(&mut self) -> Option<ItemRef> {
        self.key("{\"kind\":")?;
        let kind = self.plain_str()?;
        let id = self.string(",\"id\":")?;
        self.key("}")?;
        match kind {
            "goal" => Some(ItemRef::Goal(id)),
            "milestone" => Some(ItemRef::Milestone(id)),
            _ => None,
        }
    }

    /// `null` (`Some(None)`) or a goal or milestone reference.
    fn optional_item(&mut self) -> Option<Option<ItemRef>> {
        self.optional(Self::item)
    }

    /// `null` (`Some(None)`) or the plain string after `literal`, owned.
    fn optional_string(&mut self, literal: &str) -> Option<Option<String>> {
        self.then(literal)?.optional(Self::owned_str)
    }

    /// `null` (`Some(None)`) or what `read` reads.
    fn optional<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.key("null") {
            Some(()) => Some(None),
            None => read(self).map(Some),
        }
    }

    /// An array of plain strings: `[]` or `["…","…"]`.
    fn strings(&mut self) -> Option<Vec<String>> {
        self.key("[")?;
        let mut out = Vec::new();
        if self.key("]").is_some() {
            return Some(out);
        }
        loop {
            out.push(self.owned_str()?);
            if self.key("]").is_some() {
                return Some(out);
            }
            self.key(",")?;
        }
    }

    /// A unit variant of `T` (a role, a phase, a kind of adjustment), named as serde names
    /// it: the names come from the type's own derive, not from a copy of them here.
    fn variant<T: DeserializeOwned>(&mut self) -> Option<T> {
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            self.plain_str()?.into_deserializer();
        T::deserialize(name).ok()
    }

    /// A finite number in JSON's grammar (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`) with a
    /// fraction or an exponent, read to the nearest f64 as serde_json's exact float reader
    /// does.
    fn float(&mut self) -> Option<f64> {
        let rest = self.rest();
        let mut at = usize::from(rest.first() == Some(&b'-'));
        let digits = |from: usize| {
            rest.get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count()
        };
        let int = digits(at);
        if int == 0 || (int > 1 && rest.get(at) == Some(&b'0')) {
            return None;
        }
        at += int;
        let integer_at = at;
        if rest.get(at) == Some(&b'.') {
            let frac = digits(at + 1);
            if frac == 0 {
                return None;
            }
            at += 1 + frac;
        }
        if matches!(rest.get(at), Some(b'e' | b'E')) {
            at += 1;
            if matches!(rest.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            let exp = digits(at);
            if exp == 0 {
                return None;
            }
            at += exp;
        }
        // serde_json reads an integer through its integer path (-0 becomes 0.0); the log
        // writes every f64 with a fraction or an exponent, so leave integers to it.
        if at == integer_at {
            return None;
        }
        let text = self.s.get(self.at..self.at + at)?;
        let value: f64 = text.parse().ok()?;
        if !value.is_finite() {
            return None;
        }
        self.at += at;
        Some(value)
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

    /// A plain string that should be `N` bytes long (an id, a day, a hash): checked where its
    /// closing quote should be, in one pass over a known length, instead of searched for;
    /// any other string is read by [`Cursor::plain_str`].
    fn sized_str<const N: usize>(&mut self) -> Option<&'a str> {
        let sized = self.rest().get(..N + 2).and_then(|q| {
            let (open, rest) = q.split_first()?;
            let (close, inner) = rest.split_last()?;
            let special = inner
                .iter()
                .fold(false, |f, &b| f | (b == b'"') | (b == b'\\'));
            (*open == b'"' && *close == b'"' && !special).then_some(())
        });
        if sized.is_none() {
            return self.plain_str();
        }
        // Both ends are ASCII quotes, so these are char boundaries of a valid str.
        let s = self.s.get(self.at + 1..self.at + 1 + N)?;
        self.at += N + 2;
        Some(s)
    }

    /// A string with nothing to unescape (one with an escape is left to `escaped_str`).
    fn plain_str(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        if rest.first() != Some(&b'"') {
            return None;
        }
        let len = memchr::memchr2(b'"', b'\\', rest.get(1..)?)?;
        if rest[1 + len] != b'"' {
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
    fn a_sized_string_is_checked_where_it_should_end_and_any_other_is_searched() {
        fn read(s: &str) -> (Option<&str>, usize) {
            let mut c = Cursor { s, at: 0 };
            (c.sized_str::<3>(), c.at)
        }
        assert_eq!(read(r#""abc","#), (Some("abc"), 5));
        // Another length, found by its closing quote instead.
        assert_eq!(read(r#""ab","#), (Some("ab"), 4));
        assert_eq!(read(r#""abcd","#), (Some("abcd"), 6));
        // A quote or backslash inside is never part of a sized string.
        assert_eq!(read(r#""a"c","#), (Some("a"), 3));
        assert_eq!(read(r#""a\"","#), (None, 0));
        assert_eq!(read(r#""ab"#), (None, 0));
        assert_eq!(read("abc"), (None, 0));
    }

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

    /// Each kind read here, as the log writes it, reads as serde reads it.
    #[test]
    fn the_frequent_payloads_are_read_as_serde_reads_them() {
        for payload in [
            r#"{"type":"measure_recorded","data":{"cycle":"c1","goal":"g1","value":16.5,"source":"sis"}}"#,
            r#"{"type":"measure_recorded","data":{"cycle":"c1","goal":"g1","value":-1.25e-7,"source":""}}"#,
            r#"{"type":"raci_assigned","data":{"cycle":"c1","item":{"kind":"milestone","id":"m2"},"role":"informed","person":"ada"}}"#,
            r#"{"type":"indicator_rated","data":{"org":"o","rubric":"r","rubric_version":2,"indicator":"1a","level":"full","evidence":"e","cycle":null}}"#,
            r#"{"type":"indicator_rated","data":{"org":"o","rubric":"r","rubric_version":2,"indicator":"1a","level":"full","evidence":"e","cycle":"c1"}}"#,
            r#"{"type":"milestone_planned","data":{"cycle":"c","goal":"g","milestone":"m","title":"t","due_on":"2025-02-28","accountable":"a","measure":"m"}}"#,
            r#"{"type":"milestone_reached","data":{"cycle":"c","milestone":"m1","evidence":"done"}}"#,
            r#"{"type":"reflection_answered","data":{"cycle":"c","question":"q3","answer":"yes"}}"#,
            r#"{"type":"cycle_phase_changed","data":{"cycle":"c","from":"study","to":"act"}}"#,
            r#"{"type":"milestone_missed","data":{"cycle":"c","milestone":"m1","reason":"snow"}}"#,
            r#"{"type":"milestone_rescheduled","data":{"cycle":"c","milestone":"m1","from":"2025-02-28","to":"2025-03-14","reason":"snow"}}"#,
            r#"{"type":"adjustment_logged","data":{"cycle":"c","adjustment":"adj-1","kind":"personnel","what_changed":"w","why":"y","touches":null,"decided_by":"ada"}}"#,
            r#"{"type":"adjustment_logged","data":{"cycle":"c","adjustment":"adj-2","kind":"other","what_changed":"w","why":"y","touches":{"kind":"goal","id":"g1"},"decided_by":"ada"}}"#,
            r#"{"type":"celebration_logged","data":{"cycle":"c","celebration":"cel-1","what":"w","item":null,"participants":[]}}"#,
            r#"{"type":"celebration_logged","data":{"cycle":"c","celebration":"cel-2","what":"w","item":{"kind":"milestone","id":"m2"},"participants":["ada","bo"]}}"#,
            r#"{"type":"reflection_revised","data":{"cycle":"c","question":"q3","answer":"no","reason":null}}"#,
            r#"{"type":"reflection_revised","data":{"cycle":"c","question":"q3","answer":"no","reason":"r"}}"#,
            r#"{"type":"goal_set","data":{"cycle":"c","goal":"g1","statement":"s","target":null,"measure":{"name":"n","unit":"%","baseline":36.3,"target":44.3},"due_on":"2025-05-21","accountable":"a","serves":"p"}}"#,
            r#"{"type":"goal_set","data":{"cycle":"c","goal":"g2","statement":"s","target":{"indicator":"1B","level":"partial"},"measure":null,"due_on":"2025-05-21","accountable":"a","serves":null}}"#,
            r#"{"type":"cycle_opened","data":{"cycle":"c","org":"o","title":"t","rubric":"r","rubric_version":1,"focus":["4","8b"],"lead":"l","starts_on":"2025-01-13","ends_on":"2025-05-28"}}"#,
            r#"{"type":"goal_revised","data":{"cycle":"c","goal":"g1","statement":"s","target":{"indicator":"1B","level":"full"},"measure":null,"due_on":"2025-05-21","serves":null,"reason":"r"}}"#,
            r#"{"type":"goal_met","data":{"cycle":"c","goal":"g1","evidence":"e"}}"#,
            r#"{"type":"goal_dropped","data":{"cycle":"c","goal":"g1","reason":"r"}}"#,
            r#"{"type":"accountable_reassigned","data":{"cycle":"c","item":{"kind":"goal","id":"g1"},"from":"ada","to":"bo","reason":"leave"}}"#,
            r#"{"type":"cycle_closed","data":{"cycle":"c","summary":"s"}}"#,
            r#"{"type":"org_unit_registered","data":{"org":"o","kind":"school","name":"Oak","parent":"d"}}"#,
            r#"{"type":"org_unit_registered","data":{"org":"s","kind":"state","name":"S","parent":null}}"#,
            r#"{"type":"person_added","data":{"person":"ada","name":"Ada","email":null}}"#,
            r#"{"type":"person_added","data":{"person":"ada","name":"Ada","email":"a@b.us"}}"#,
            r#"{"type":"role_defined","data":{"org":"o","role":"r","title":"t","success":"s","why":"w","measure":"m","reason":null}}"#,
            r#"{"type":"role_assigned","data":{"org":"o","role":"r","person":"ada"}}"#,
            r#"{"type":"role_released","data":{"org":"o","role":"r","person":"ada","reason":"moved"}}"#,
            r#"{"type":"rubric_adopted","data":{"org":"o","rubric":"r","version":2}}"#,
            r#"{"type":"event_retracted","data":{"position":17,"reason":"typo"}}"#,
            // Escapes: unescaped as serde does, in any string field, an array's included.
            r#"{"type":"goal_met","data":{"cycle":"c","goal":"g\u0031","evidence":"said \"done\" \\ twice\n"}}"#,
            r#"{"type":"celebration_logged","data":{"cycle":"c","celebration":"cel-1","what":"on \"x\"","item":null,"participants":["a\"b","\ud83c\udf89"]}}"#,
        ] {
            let serde: Event = serde_json::from_str(payload).expect(payload);
            assert_eq!(read_event(payload), Some(serde), "{payload}");
        }
    }

    #[test]
    fn any_other_payload_is_left_to_serde() {
        let measure = r#"{"type":"measure_recorded","data":{"cycle":"c1","goal":"g1","value":16.5,"source":"s"}}"#;
        for (from, to) in [
            (r#""value":16.5"#, r#""value":16"#),
            (r#""value":16.5"#, r#""value":-0"#),
            (r#""value":16.5"#, r#""value":16."#),
            (r#""value":16.5"#, r#""value":016.5"#),
            (r#""value":16.5"#, r#""value":1e999"#),
            (r#""value":16.5"#, r#""value":NaN"#),
            (r#""source":"s"}"#, r#""source":"s","extra":1}"#),
            (r#""cycle":"c1","goal":"g1""#, r#""goal":"g1","cycle":"c1""#),
            ("measure_recorded", "goal_met"),
        ] {
            let changed = measure.replace(from, to);
            assert_ne!(changed, measure, "{to}");
            assert_eq!(read_event(&changed), None, "{to}");
        }
        let raci = r#"{"type":"raci_assigned","data":{"cycle":"c","item":{"kind":"goal","id":"g"},"role":"boss","person":"p"}}"#;
        assert_eq!(read_event(raci), None);
        for declined in [
            r#"{"type":"cycle_phase_changed","data":{"cycle":"c","from":"study","to":"rest"}}"#,
            r#"{"type":"adjustment_logged","data":{"cycle":"c","adjustment":"a","kind":"whim","what_changed":"w","why":"y","touches":null,"decided_by":"d"}}"#,
            r#"{"type":"adjustment_logged","data":{"cycle":"c","adjustment":"a","kind":"other","what_changed":"w","why":"y","decided_by":"d"}}"#,
            r#"{"type":"celebration_logged","data":{"cycle":"c","celebration":"c","what":"w","item":null,"participants":["a",]}}"#,
            r#"{"type":"celebration_logged","data":{"cycle":"c","celebration":"c","what":"w","item":null,"participants":["a" ]}}"#,
            r#"{"type":"celebration_logged","data":{"cycle":"c","celebration":"c","what":"w","item":null,"participants":["a"}}"#,
            r#"{"type":"milestone_rescheduled","data":{"cycle":"c","milestone":"m","from":"2025-02-30","to":"2025-03-14","reason":"r"}}"#,
            r#"{"type":"goal_set","data":{"cycle":"c","goal":"g","statement":"s","target":{"indicator":"1B","level":"partial","x":1},"measure":null,"due_on":"2025-05-21","accountable":"a","serves":null}}"#,
            r#"{"type":"goal_set","data":{"cycle":"c","goal":"g","statement":"s","target":null,"measure":{"name":"n","unit":"%","baseline":36,"target":44.3},"due_on":"2025-05-21","accountable":"a","serves":null}}"#,
            r#"{"type":"goal_set","data":{"cycle":"c","goal":"g","statement":"s","target":null,"measure":null,"due_on":"2025-05-21","accountable":"a"}}"#,
            r#"{"type":"cycle_opened","data":{"cycle":"c","org":"o","title":"t","rubric":"r","rubric_version":-1,"focus":[],"lead":"l","starts_on":"2025-01-13","ends_on":"2025-05-28"}}"#,
            // Escapes JSON refuses, and a string whose last quote is escaped.
            r#"{"type":"goal_met","data":{"cycle":"c","goal":"g","evidence":"bad \q escape"}}"#,
            r#"{"type":"goal_met","data":{"cycle":"c","goal":"g","evidence":"lone \ud800 half"}}"#,
            "{\"type\":\"goal_met\",\"data\":{\"cycle\":\"c\",\"goal\":\"g\",\"evidence\":\"tab\\\"\tinside\"}}",
            r#"{"type":"goal_met","data":{"cycle":"c","goal":"g","evidence":"never ends\"}}"#,
            r#"{"type":"org_unit_registered","data":{"org":"o","kind":"county","name":"O","parent":null}}"#,
        ] {
            assert_eq!(read_event(declined), None, "{declined}");
        }
        assert_eq!(read_event(&format!("{measure} ")), None);
        assert_eq!(read_event(""), None);
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
