//! Why a command was refused: one typed error naming the field and the rule it broke.
//!
//! Every refusal means nothing was decided, so nothing is appended.

/// A refused command. Each variant names the `field` of the command it is about, so the
/// HTTP layer can answer "what and where" without parsing messages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The value of `field` breaks `rule` (empty text, bad id, date in the future, a level
    /// that is not the next phase, a rubric the org has not adopted…).
    /// HTTP: 422 Unprocessable Entity.
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },

    /// `field` names a `what` with id `id` that does not exist (an unknown person, cycle,
    /// goal, rubric indicator, log position…).
    /// HTTP: 404 Not Found when the id is in the path, 422 when it is in the body.
    #[error("{field}: no {what} {id:?}")]
    NotFound {
        field: &'static str,
        what: &'static str,
        id: String,
    },

    /// The thing `field` points at exists, but its current state forbids the command
    /// (already registered, already met, cycle closed, question already answered…).
    /// HTTP: 409 Conflict.
    #[error("{field}: {rule}")]
    Conflict { field: &'static str, rule: String },
}

impl CommandError {
    /// The command field the error is about.
    pub fn field(&self) -> &str {
        match self {
            CommandError::Invalid { field, .. }
            | CommandError::NotFound { field, .. }
            | CommandError::Conflict { field, .. } => field,
        }
    }

    pub(crate) fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        CommandError::Invalid {
            field,
            rule: rule.into(),
        }
    }

    pub(crate) fn not_found(
        field: &'static str,
        what: &'static str,
        id: impl Into<String>,
    ) -> Self {
        CommandError::NotFound {
            field,
            what,
            id: id.into(),
        }
    }

    pub(crate) fn conflict(field: &'static str, rule: impl Into<String>) -> Self {
        CommandError::Conflict {
            field,
            rule: rule.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_names_its_field_and_says_the_rule_in_its_message() {
        let e = CommandError::invalid("evidence", "evidence is required");
        assert_eq!(e.field(), "evidence");
        assert_eq!(e.to_string(), "evidence: evidence is required");

        let e = CommandError::not_found("lead", "person", "zed");
        assert_eq!(e.field(), "lead");
        assert_eq!(e.to_string(), "lead: no person \"zed\"");

        let e = CommandError::conflict("cycle", "cycle c-1 is closed");
        assert_eq!(e.field(), "cycle");
    }
}
