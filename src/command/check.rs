//! Checks shared by several commands: required text, ids, dates, and lookups that turn a
//! missing thing into an error naming the field that pointed at it.

use std::collections::HashSet;

use chrono::NaiveDate;
use trellis_events::ItemRef;
use trellis_rubric::{Catalog, Rubric};

use super::error::CommandError;
use super::state::{Cycle, Org, State};

/// Longest id accepted; ids end up in stream names, which the log caps at 200 bytes.
const MAX_ID: usize = 64;

/// Text that must say something: not empty, not only whitespace. The text is kept as the
/// user wrote it (nothing they submit is silently changed).
pub(crate) fn required(field: &'static str, value: &str) -> Result<(), CommandError> {
    if value.trim().is_empty() {
        return Err(CommandError::invalid(field, format!("{field} is required")));
    }
    Ok(())
}

/// Optional text that, when given, must say something.
pub(crate) fn optional(field: &'static str, value: Option<&str>) -> Result<(), CommandError> {
    value.map_or(Ok(()), |v| required(field, v))
}

/// An org unit id: a slug of lowercase letters, digits and '-'.
pub(crate) fn slug(field: &'static str, value: &str) -> Result<(), CommandError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(CommandError::invalid(
            field,
            format!("{field} must be 1-{MAX_ID} characters of a-z, 0-9 and '-'"),
        ));
    }
    Ok(())
}

/// Any other id (a person, role, cycle, goal…): letters, digits, '-' and '_', so a ULID
/// chosen by the caller fits as well as a readable slug.
pub(crate) fn id(field: &'static str, value: &str) -> Result<(), CommandError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(CommandError::invalid(
            field,
            format!("{field} must be 1-{MAX_ID} characters of letters, digits, '-' and '_'"),
        ));
    }
    Ok(())
}

/// The day a fact happened: the one given, or today. The future has not happened yet.
pub(crate) fn occurred_on(
    on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<NaiveDate, CommandError> {
    let on = on.unwrap_or(today);
    if on > today {
        return Err(CommandError::invalid(
            "on",
            format!("{on} is in the future (today is {today}); record a fact once it has happened"),
        ));
    }
    Ok(on)
}

/// The id the caller chose, checked and unused, or the first free `<prefix><n>` counting
/// from `count + 1`. Generated ids depend only on the state, so deciding stays pure and
/// deterministic; two deciders racing for the same id write to the same stream version
/// and one of them gets a conflict from the log.
pub(crate) fn new_id(
    field: &'static str,
    given: Option<&str>,
    prefix: &str,
    count: usize,
    taken: impl Fn(&str) -> bool,
) -> Result<String, CommandError> {
    if let Some(given) = given {
        id(field, given)?;
        if taken(given) {
            return Err(CommandError::conflict(
                field,
                format!("{field} {given} already exists"),
            ));
        }
        return Ok(given.to_string());
    }
    let mut n = count + 1;
    loop {
        let candidate = format!("{prefix}{n}");
        if !taken(&candidate) {
            return Ok(candidate);
        }
        n += 1;
    }
}

pub(crate) fn org<'s>(
    state: &'s State,
    field: &'static str,
    id: &str,
) -> Result<&'s Org, CommandError> {
    state
        .orgs
        .get(id)
        .ok_or_else(|| CommandError::not_found(field, "org unit", id))
}

pub(crate) fn person(state: &State, field: &'static str, id: &str) -> Result<(), CommandError> {
    if state.people.contains(id) {
        Ok(())
    } else {
        Err(CommandError::not_found(field, "person", id))
    }
}

/// A non-empty list of distinct, known people.
pub(crate) fn people(
    state: &State,
    field: &'static str,
    ids: &[String],
) -> Result<(), CommandError> {
    if ids.is_empty() {
        return Err(CommandError::invalid(
            field,
            format!("{field} needs at least one person"),
        ));
    }
    distinct(field, ids)?;
    ids.iter().try_for_each(|p| person(state, field, p))
}

/// No item listed twice.
pub(crate) fn distinct(field: &'static str, items: &[String]) -> Result<(), CommandError> {
    let mut seen = HashSet::new();
    match items.iter().find(|i| !seen.insert(i.as_str())) {
        Some(dup) => Err(CommandError::invalid(
            field,
            format!("{dup} is listed twice"),
        )),
        None => Ok(()),
    }
}

/// A cycle that exists, whatever its state.
pub(crate) fn cycle<'s>(state: &'s State, id: &str) -> Result<&'s Cycle, CommandError> {
    state
        .cycles
        .get(id)
        .ok_or_else(|| CommandError::not_found("cycle", "cycle", id))
}

/// A cycle that exists and is not closed: nothing is recorded in a closed cycle.
pub(crate) fn open_cycle<'s>(state: &'s State, id: &str) -> Result<&'s Cycle, CommandError> {
    let c = cycle(state, id)?;
    if c.is_closed() {
        return Err(CommandError::conflict(
            "cycle",
            format!("cycle {id} is closed; nothing more can be recorded in it"),
        ));
    }
    Ok(c)
}

/// A goal or milestone of the cycle.
pub(crate) fn item(cycle: &Cycle, field: &'static str, item: &ItemRef) -> Result<(), CommandError> {
    if cycle.has_item(item) {
        return Ok(());
    }
    Err(match item {
        ItemRef::Goal(g) => CommandError::not_found(field, "goal", g),
        ItemRef::Milestone(m) => CommandError::not_found(field, "milestone", m),
    })
}

/// The rubric an org works with: `rubric` must be adopted by the org; `version`, when given,
/// must be one of the adopted versions, and otherwise the latest adopted version is used.
pub(crate) fn adopted_rubric<'c>(
    catalog: &'c Catalog,
    org: &Org,
    org_id: &str,
    rubric: &str,
    version: Option<u32>,
) -> Result<&'c Rubric, CommandError> {
    let adopted = org.adopted_versions(rubric);
    let Some(latest) = adopted.last().copied() else {
        return Err(CommandError::invalid(
            "rubric",
            format!("org unit {org_id} has not adopted rubric {rubric}"),
        ));
    };
    let version = match version {
        Some(v) if !adopted.contains(&v) => {
            return Err(CommandError::invalid(
                "rubric_version",
                format!("org unit {org_id} has not adopted version {v} of rubric {rubric}"),
            ))
        }
        Some(v) => v,
        None => latest,
    };
    catalog.get(rubric, version).ok_or_else(|| {
        CommandError::not_found(
            "rubric_version",
            "rubric version",
            format!("{rubric} v{version}"),
        )
    })
}

/// The rubric a cycle was opened against.
pub(crate) fn cycle_rubric<'c>(
    catalog: &'c Catalog,
    cycle: &Cycle,
) -> Result<&'c Rubric, CommandError> {
    catalog
        .get(&cycle.rubric, cycle.rubric_version)
        .ok_or_else(|| {
            CommandError::not_found(
                "cycle",
                "rubric version",
                format!("{} v{}", cycle.rubric, cycle.rubric_version),
            )
        })
}

/// A finite number (JSON cannot carry NaN, but a Rust caller can).
pub(crate) fn finite(field: &'static str, value: f64) -> Result<(), CommandError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(CommandError::invalid(
            field,
            format!("{field} must be a finite number"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a test date")
    }

    #[test]
    fn a_fact_dated_after_today_is_rejected_naming_on() {
        let today = d("2025-03-10");
        assert_eq!(occurred_on(None, today), Ok(today));
        assert_eq!(
            occurred_on(Some(d("2025-03-01")), today),
            Ok(d("2025-03-01"))
        );
        let err = occurred_on(Some(d("2025-03-11")), today).expect_err("tomorrow is the future");
        assert_eq!(err.field(), "on");
    }

    #[test]
    fn slugs_are_lowercase_letters_digits_and_dashes() {
        assert!(slug("org", "east-high-2").is_ok());
        for bad in ["", "East", "a b", "a_b", "é", &"x".repeat(65)] {
            assert!(slug("org", bad).is_err(), "{bad:?} is not a slug");
        }
    }

    #[test]
    fn ids_also_accept_ulids_and_underscores() {
        assert!(id("cycle", "01ARZ3NDEKTSV4RRFFQ69G5FAV").is_ok());
        assert!(id("cycle", "c_1").is_ok());
        assert!(id("cycle", "c.1").is_err());
        assert!(id("cycle", "").is_err());
    }

    #[test]
    fn generated_ids_skip_ids_the_callers_chose() {
        let taken = |s: &str| s == "g-2" || s == "g-3";
        assert_eq!(new_id("goal", None, "g-", 1, taken), Ok("g-4".to_string()));
        assert_eq!(new_id("goal", None, "g-", 0, taken), Ok("g-1".to_string()));
        assert_eq!(
            new_id("goal", Some("mine"), "g-", 0, taken),
            Ok("mine".to_string())
        );
        assert_eq!(
            new_id("goal", Some("g-2"), "g-", 0, taken).map_err(|e| e.field().to_string()),
            Err("goal".to_string())
        );
    }
}
