//! The auditor's view of the log: a filter over envelopes and a one-line entry per event.
//!
//! It holds nothing: the caller streams the log through [`AuditFilter::matches`] and turns
//! the matches into [`AuditEntry`]s, so reading the whole log costs no memory here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trellis_events::{Envelope, Event, OrgKind};

use crate::name::Interner;
use crate::timeline::Fact;

/// Which envelopes an auditor wants; every field left `None` matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub stream: Option<String>,
    /// An event type name, e.g. `milestone_rescheduled`.
    pub kind: Option<String>,
    /// Recorded at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Recorded at or before this instant (inclusive, like "as of an instant").
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    pub fn matches(&self, env: &Envelope) -> bool {
        let is = |want: &Option<String>, got: &str| want.as_deref().is_none_or(|w| w == got);
        is(&self.actor, &env.actor)
            && is(&self.stream, &env.stream)
            && is(&self.kind, env.event.kind())
            && self.from.is_none_or(|from| env.recorded_at >= from)
            && self.to.is_none_or(|to| env.recorded_at <= to)
    }
}

/// One event as the audit listing shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub position: u64,
    pub recorded_at: DateTime<Utc>,
    pub occurred_on: NaiveDate,
    pub actor: String,
    pub stream: String,
    pub kind: String,
    pub summary: String,
}

impl From<&Envelope> for AuditEntry {
    fn from(env: &Envelope) -> AuditEntry {
        AuditEntry {
            position: env.position,
            recorded_at: env.recorded_at,
            occurred_on: env.occurred_on,
            actor: env.actor.clone(),
            stream: env.stream.clone(),
            kind: env.event.kind().to_owned(),
            summary: summary(env),
        }
    }
}

/// A one-line summary of any event, naming things by id (the audit view has no projections
/// at hand). Facts of cycles read as they do in the timeline, with the cycle named.
pub fn summary(env: &Envelope) -> String {
    // A throwaway interner: the audit view keeps nothing.
    if let Some(fact) = Fact::from_event(&env.event, &mut Interner::default()) {
        let line = fact.summary(env.position, None);
        return match env.event.cycle() {
            Some(cycle) => format!("{cycle}: {line}"),
            None => line,
        };
    }
    match &env.event {
        Event::OrgUnitRegistered {
            org,
            kind,
            name,
            parent,
        } => {
            let kind = match kind {
                OrgKind::State => "state",
                OrgKind::District => "district",
                OrgKind::School => "school",
            };
            match parent {
                Some(p) => format!("{kind} {org} “{name}” registered under {p}"),
                None => format!("{kind} {org} “{name}” registered"),
            }
        }
        Event::PersonAdded { person, name, .. } => format!("person {person} “{name}” added"),
        Event::RoleDefined {
            org, role, title, ..
        } => format!("role {role} “{title}” defined in {org}"),
        Event::RoleAssigned { org, role, person } => {
            format!("{person} assigned to role {role} in {org}")
        }
        Event::RoleReleased {
            org,
            role,
            person,
            reason,
        } => match reason {
            Some(why) => format!("{person} released from role {role} in {org} because {why}"),
            None => format!("{person} released from role {role} in {org}"),
        },
        Event::VisionAdopted { org, version, .. } => {
            format!("vision v{version} adopted by {org}")
        }
        Event::VisionReviewed {
            org,
            version,
            participants,
            ..
        } => format!(
            "vision v{version} of {org} reviewed by {} people",
            participants.len()
        ),
        Event::VisionRevised {
            org,
            version,
            reason,
            ..
        } => format!("vision of {org} revised to v{version} because {reason}"),
        Event::AgreementRecorded { org, version, .. } => {
            format!("operational agreement v{version} recorded for {org}")
        }
        Event::StrategicPlanRecorded {
            org,
            version,
            focus,
            steps,
            ..
        } => format!(
            "strategic plan v{version} recorded for {org}: {focus} ({} steps)",
            steps.len()
        ),
        Event::RubricAdopted {
            org,
            rubric,
            version,
        } => format!("{org} adopted rubric {rubric} v{version}"),
        Event::EventRetracted { position, reason } => {
            format!("retracted event #{position} because {reason}")
        }
        Event::AccessGranted {
            token,
            login,
            role,
            org,
        } => match org {
            Some(org) => format!("{role} token {token} granted to {login} for {org}"),
            None => format!("{role} token {token} granted to {login}"),
        },
        Event::AccessRevoked { token, login } => format!("token {token} of {login} revoked"),
        // Every other event is a fact of a cycle or a rating, summarized above.
        _ => env.event.kind().replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{date, Log};

    #[test]
    fn given_a_filter_by_actor_kind_and_recorded_range_only_matching_envelopes_pass() {
        let mut log = Log::new();
        log.as_actor("ann").rate("s1", "1", "getting_started", "e");
        log.day(date(2024, 9, 10));
        log.as_actor("bob").rate("s1", "2", "getting_better", "e");
        log.as_actor("ann").org("s1", OrgKind::School, None);
        log.day(date(2024, 9, 20));
        log.as_actor("ann").rate("s1", "3a", "getting_better", "e");
        let events = log.envelopes();
        let filter = AuditFilter {
            actor: Some("ann".into()),
            kind: Some("indicator_rated".into()),
            from: Some(events[1].recorded_at),
            ..AuditFilter::default()
        };

        let hits: Vec<u64> = events
            .iter()
            .filter(|e| filter.matches(e))
            .map(|e| e.position)
            .collect();
        assert_eq!(hits, [4]);
        let up_to_second = AuditFilter {
            to: Some(events[1].recorded_at),
            stream: Some("org-s1".into()),
            ..AuditFilter::default()
        };
        assert_eq!(events.iter().filter(|e| up_to_second.matches(e)).count(), 2);
        assert!(events.iter().all(|e| AuditFilter::default().matches(e)));
    }

    #[test]
    fn given_events_each_audit_entry_carries_who_when_where_and_a_summary() {
        let mut log = Log::new();
        log.as_actor("ann").org("d1", OrgKind::District, None);
        log.open_cycle("c1", "d1", "Attendance");
        let m = log.milestone("c1", "g1", "m1", "Survey sent", date(2024, 9, 30), "bob");
        log.retract("cycle-c1", m, "duplicate");
        let entries: Vec<AuditEntry> = log.envelopes().iter().map(AuditEntry::from).collect();

        assert_eq!(entries[0].summary, "district d1 “d1 name” registered");
        assert_eq!(entries[0].actor, "ann");
        assert_eq!(entries[0].stream, "org-d1");
        assert_eq!(
            entries[2].summary,
            "c1: milestone planned: “Survey sent”, due 2024-09-30, accountable bob"
        );
        assert_eq!(entries[2].kind, "milestone_planned");
        assert_eq!(entries[3].summary, "retracted event #3 because duplicate");
        assert_eq!(entries[3].occurred_on, date(2024, 9, 2));
    }
}
