//! Reflections: a cycle's team answers the rapid-improvement self-reflection questions and
//! revisits its answers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::{Context, Decision};

/// The rubric whose question set cycles answer.
const QUESTION_SET: &str = "rapid-improvement";

/// Answer a reflection question for the first time in a cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerReflection {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Give a new answer to a question the cycle already answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseReflection {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn answer(
    state: &State,
    c: &AnswerReflection,
    ctx: &Context,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let known = ctx
        .catalog
        .latest(QUESTION_SET)
        .is_some_and(|r| r.question(&c.question).is_some());
    if !known {
        return Err(CommandError::not_found(
            "question",
            "reflection question",
            &c.question,
        ));
    }
    if cycle.answered(&c.question) {
        return Err(CommandError::conflict(
            "question",
            format!(
                "question {} is already answered in cycle {}; revise the answer instead",
                c.question, c.cycle
            ),
        ));
    }
    check::required("answer", &c.answer)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::ReflectionAnswered {
            cycle: c.cycle.clone(),
            question: c.question.clone(),
            answer: c.answer.clone(),
        },
    ))
}

pub(super) fn revise(
    state: &State,
    c: &ReviseReflection,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    if !cycle.answered(&c.question) {
        return Err(CommandError::conflict(
            "question",
            format!(
                "question {} has not been answered in cycle {}; answer it first",
                c.question, c.cycle
            ),
        ));
    }
    check::required("answer", &c.answer)?;
    check::optional("reason", c.reason.as_deref())?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::ReflectionRevised {
            cycle: c.cycle.clone(),
            question: c.question.clone(),
            answer: c.answer.clone(),
            reason: c.reason.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn answered() -> (String, Event) {
        in_cycle(
            "c1",
            Event::ReflectionAnswered {
                cycle: "c1".into(),
                question: "q01".into(),
                answer: "Attendance".into(),
            },
        )
    }

    fn answer(question: &str) -> super::super::Command {
        cmd(
            json!({"command": "answer_reflection", "cycle": "c1", "question": question, "answer": "Attendance"}),
        )
    }

    fn revise() -> super::super::Command {
        cmd(
            json!({"command": "revise_reflection", "cycle": "c1", "question": "q01",
                   "answer": "Attendance and belonging", "reason": "after the student panel"}),
        )
    }

    #[test]
    fn answering_a_question_of_the_set_records_the_answer() {
        let state = given(history());
        let (_, event) = answered();
        when(&state, answer("q01")).then_events("cycle-c1", vec![event]);
    }

    #[test]
    fn answering_a_question_outside_the_set_is_not_found() {
        let state = given(history());
        let e = when(&state, answer("q19")).then_error("question");
        assert!(matches!(&e, CommandError::NotFound { id, .. } if id == "q19"));
    }

    #[test]
    fn answering_an_answered_question_is_a_conflict_that_says_to_revise() {
        let state = history_and(vec![answered()]);
        let e = when(&state, answer("q01")).then_error("question");
        assert!(matches!(&e, CommandError::Conflict { rule, .. } if rule.contains("revise")));
    }

    #[test]
    fn an_empty_answer_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "answer_reflection", "cycle": "c1", "question": "q02", "answer": ""})),
        )
        .then_error("answer");
    }

    #[test]
    fn answering_in_a_closed_cycle_is_a_conflict() {
        when(&closed_c1(), answer("q01")).then_error("cycle");
    }

    #[test]
    fn revising_an_answered_question_records_the_new_answer() {
        let state = history_and(vec![answered()]);
        when(&state, revise()).then_events(
            "cycle-c1",
            vec![Event::ReflectionRevised {
                cycle: "c1".into(),
                question: "q01".into(),
                answer: "Attendance and belonging".into(),
                reason: Some("after the student panel".into()),
            }],
        );
    }

    #[test]
    fn revising_an_unanswered_question_is_a_conflict() {
        let state = given(history());
        let e = when(&state, revise()).then_error("question");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_question_whose_answer_was_retracted_can_be_answered_again() {
        let state = history_and(vec![
            answered(),
            in_cycle(
                "c1",
                Event::EventRetracted {
                    position: next_position(0),
                    reason: "answered in the wrong cycle".into(),
                },
            ),
        ]);
        when(&state, answer("q01")).decision();
        when(&state, revise()).then_error("question");
    }
}
