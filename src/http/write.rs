//! Every write route is one command: its JSON form, with the ids the path names put in,
//! handed to the writer; answered 201 once durable.

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::extract::Caller;
use crate::command::Command;
use crate::server::{Op, Server};

/// The longest `Idempotency-Key` accepted.
const MAX_KEY: usize = 100;

/// An id taken from the path, put into the command under `field`.
pub struct PathId<'a> {
    pub field: &'static str,
    pub value: &'a str,
}

pub fn id<'a>(field: &'static str, value: &'a str) -> PathId<'a> {
    PathId { field, value }
}

/// Decides and appends the command `tag` from `body` and the path's ids, on behalf of the
/// caller; answers 201 with where each event landed (and `Location` for what it created).
pub async fn command(
    server: &Arc<Server>,
    caller: Caller,
    tag: &'static str,
    path: &[PathId<'_>],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let path_fields: Vec<&str> = path.iter().map(|p| p.field).collect();
    let cmd = parse(tag, path, body)?;
    let idempotency = idempotency(headers, caller.login(), tag, path, body)?;
    let if_match = if_match(headers)?;
    server
        .record_grants()
        .await
        .map_err(|e| ApiError::from_write(e, &path_fields))?;
    let written = server
        .writer
        .submit(Op::Command(cmd), caller.0, idempotency, if_match)
        .await
        .map_err(|e| ApiError::from_write(e, &path_fields))?;
    let mut response = (StatusCode::CREATED, axum::Json(&written)).into_response();
    if let Some(location) = written
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if written.deduplicated {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The command from its JSON form: the body's fields, the path's ids, and the tag.
pub fn parse(tag: &'static str, path: &[PathId<'_>], body: &[u8]) -> Result<Command, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(mut fields) = value else {
        return Err(ApiError::invalid("", "the body must be a JSON object"));
    };
    if fields.contains_key("command") {
        return Err(ApiError::invalid(
            "command",
            "unknown field: the route says which command this is",
        ));
    }
    for p in path {
        if fields.contains_key(p.field) {
            return Err(ApiError::invalid(
                p.field,
                format!("unknown field: {} is given by the path", p.field),
            ));
        }
        fields.insert(p.field.to_string(), path_value(p)?);
    }
    typed(tag, Value::Object(fields)).map_err(|e| {
        let field = e.path().to_string();
        let message = e.inner().to_string();
        // serde names a missing or unknown field in the message, not in the path.
        let field = match field.as_str() {
            "." => named_field(&message).unwrap_or_default(),
            _ => field,
        };
        ApiError::invalid(field, message)
    })
}

/// Reads each command's own struct, not the tagged enum: serde buffers a tagged enum's
/// fields first, which loses the path to the field that failed.
macro_rules! commands {
    ($($tag:literal => $variant:ident),* $(,)?) => {
        fn typed(tag: &str, v: Value) -> Result<Command, serde_path_to_error::Error<serde_json::Error>> {
            match tag {
                $($tag => serde_path_to_error::deserialize(v).map(Command::$variant),)*
                // Every route names one of the tags above; anything else goes through the enum.
                _ => serde_path_to_error::deserialize(v),
            }
        }
    };
}

commands! {
    "register_org_unit" => RegisterOrgUnit,
    "add_person" => AddPerson,
    "define_role" => DefineRole,
    "assign_role" => AssignRole,
    "release_role" => ReleaseRole,
    "adopt_vision" => AdoptVision,
    "review_vision" => ReviewVision,
    "revise_vision" => ReviseVision,
    "record_agreement" => RecordAgreement,
    "record_strategic_plan" => RecordStrategicPlan,
    "adopt_rubric" => AdoptRubric,
    "rate_indicator" => RateIndicator,
    "open_cycle" => OpenCycle,
    "change_phase" => ChangePhase,
    "close_cycle" => CloseCycle,
    "set_goal" => SetGoal,
    "revise_goal" => ReviseGoal,
    "mark_goal_met" => MarkGoalMet,
    "drop_goal" => DropGoal,
    "plan_milestone" => PlanMilestone,
    "reschedule_milestone" => RescheduleMilestone,
    "mark_milestone_reached" => MarkMilestoneReached,
    "mark_milestone_missed" => MarkMilestoneMissed,
    "record_measure" => RecordMeasure,
    "assign_raci" => AssignRaci,
    "reassign_accountable" => ReassignAccountable,
    "log_adjustment" => LogAdjustment,
    "log_celebration" => LogCelebration,
    "answer_reflection" => AnswerReflection,
    "revise_reflection" => ReviseReflection,
    "retract_event" => RetractEvent,
}

/// A path id as JSON: a log position is a number, every other id a string.
fn path_value(p: &PathId<'_>) -> Result<Value, ApiError> {
    if p.field == "position" {
        let n: u64 = p.value.parse().map_err(|_| {
            ApiError::bad_request(format!("position {:?} is not a log position", p.value))
                .at("position")
        })?;
        return Ok(Value::from(n));
    }
    Ok(Value::String(p.value.to_string()))
}

/// The field a serde message names in backquotes ("missing field `evidence`").
fn named_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// The `Idempotency-Key` and the fingerprint of the request it came with. Keys are the
/// caller's own: two logins' equal keys never meet.
fn idempotency(
    headers: &HeaderMap,
    login: &str,
    tag: &str,
    path: &[PathId<'_>],
    body: &[u8],
) -> Result<Option<(String, String)>, ApiError> {
    let Some(key) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "an Idempotency-Key is 1-{MAX_KEY} visible ASCII characters"
            ))
            .at("Idempotency-Key")
        })?;
    let mut h = Sha256::new();
    h.update(tag.as_bytes());
    for p in path {
        h.update([0]);
        h.update(p.value.as_bytes());
    }
    h.update([0]);
    h.update(body);
    Ok(Some((
        format!("http:{login}:{key}"),
        hex::encode(h.finalize()),
    )))
}

/// The stream version an `If-Match` header expects (`3` or `"3"`).
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request("If-Match must be a stream version, e.g. \"3\"").at("If-Match")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_with_the_paths_ids_becomes_the_command() {
        let cmd = parse(
            "close_cycle",
            &[id("cycle", "c-1")],
            br#"{"summary": "done"}"#,
        )
        .expect("parses");
        assert!(matches!(cmd, Command::CloseCycle(c) if c.cycle == "c-1" && c.summary == "done"));
    }

    #[test]
    fn every_tag_reads_its_own_command_as_the_tagged_enum_names_it() {
        let close = Command::CloseCycle(crate::command::CloseCycle {
            cycle: "c".into(),
            summary: "s".into(),
            on: None,
        });
        let mut v = serde_json::to_value(&close).expect("json");
        let tag = v["command"].as_str().unwrap_or_default().to_string();
        v.as_object_mut().map(|o| o.remove("command"));
        assert_eq!(typed(&tag, v).ok(), Some(close));
    }

    #[test]
    fn refusals_name_the_field() {
        let field = |body: &[u8]| {
            parse("close_cycle", &[id("cycle", "c-1")], body)
                .err()
                .and_then(|e| e.field)
        };
        assert_eq!(field(br#"{}"#).as_deref(), Some("summary"));
        assert_eq!(field(br#"{"summary": 3}"#).as_deref(), Some("summary"));
        assert_eq!(
            field(br#"{"summary": "x", "sumary": "y"}"#).as_deref(),
            Some("sumary")
        );
        assert_eq!(
            field(br#"{"summary": "x", "cycle": "c-2"}"#).as_deref(),
            Some("cycle")
        );
        assert_eq!(
            field(br#"{"summary": "x", "on": "yesterday"}"#).as_deref(),
            Some("on")
        );
        let malformed = parse("close_cycle", &[], b"{").err().map(|e| e.status);
        assert_eq!(malformed, Some(StatusCode::BAD_REQUEST));
    }
}
