//! A plain-text rendering of a rubric, for terminals, printouts and review of the shipped files.

use std::fmt::Write as _;

use crate::model::Rubric;

/// Lines are wrapped to this many characters where the words allow.
const WIDTH: usize = 80;

/// Renders a rubric as readable plain text: title, scale and levels, then each area, practice
/// and indicator with one descriptor per level, then the questions.
pub fn render_text(rubric: &Rubric) -> String {
    let mut out = String::new();
    let heading = format!("{} ({} v{})", rubric.title, rubric.id, rubric.version);
    line(&mut out, &heading);
    line(&mut out, &"=".repeat(heading.chars().count().min(WIDTH)));
    if let Some(source) = &rubric.source {
        wrap(&mut out, &format!("Source: {source}"), 0, 2);
    }
    if let Some(description) = &rubric.description {
        out.push('\n');
        wrap(&mut out, description, 0, 0);
    }
    out.push('\n');
    line(&mut out, &format!("Scale: {} (lowest first)", rubric.scale));
    for (rank, level) in rubric.levels.iter().enumerate() {
        line(
            &mut out,
            &format!("  {}. {} [{}]", rank + 1, level.label, level.id),
        );
    }

    for area in &rubric.areas {
        out.push('\n');
        let title = format!("{} [{}]", area.title, area.id);
        line(&mut out, &title);
        line(&mut out, &"-".repeat(title.chars().count().min(WIDTH)));
        if let Some(description) = &area.description {
            wrap(&mut out, description, 0, 0);
        }
        for practice in &area.practices {
            out.push('\n');
            wrap(
                &mut out,
                &format!("Practice {}. {}", practice.id, practice.title),
                0,
                4,
            );
            if let Some(description) = &practice.description {
                wrap(&mut out, description, 2, 2);
            }
            if let Some(e) = &practice.enactment {
                out.push('\n');
                for (who, text) in [
                    ("State", &e.state),
                    ("District", &e.district),
                    ("School", &e.school),
                ] {
                    wrap(&mut out, &format!("{who}: {text}"), 2, 4);
                }
            }
            for indicator in &practice.indicators {
                out.push('\n');
                line(&mut out, &format!("  Indicator {}", indicator.id));
                for d in &indicator.descriptors {
                    let label = rubric
                        .level(&d.level)
                        .map_or(d.level.as_str(), |l| &l.label);
                    line(&mut out, &format!("    {label}"));
                    wrap(&mut out, &d.text, 6, 6);
                }
            }
        }
    }

    if !rubric.questions.is_empty() {
        out.push('\n');
        line(&mut out, "Questions");
        line(&mut out, "---------");
        for q in &rubric.questions {
            let indent = q.id.chars().count() + 4;
            wrap(&mut out, &format!("{}. {}", q.id, q.text), 2, indent);
        }
    }
    out
}

fn line(out: &mut String, text: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{text}");
}

/// Word-wraps `text` to [`WIDTH`], keeping its own line breaks: each of its lines starts at
/// `first` spaces and continues at `rest` spaces, or hangs under the text of a `•` or `-`
/// bullet. A word longer than a line is left whole.
fn wrap(out: &mut String, text: &str, first: usize, rest: usize) {
    for paragraph in text.lines() {
        let bullet = ["• ", "- "]
            .iter()
            .any(|b| paragraph.trim_start().starts_with(b));
        let rest = if bullet { first + 2 } else { rest };
        let mut indent = first;
        let mut current = String::new();
        let mut len = 0;
        for word in paragraph.split_whitespace() {
            let w = word.chars().count();
            if len > 0 && indent + len + 1 + w > WIDTH {
                line(out, &format!("{}{current}", " ".repeat(indent)));
                current.clear();
                len = 0;
                indent = rest;
            }
            if len > 0 {
                current.push(' ');
                len += 1;
            }
            current.push_str(word);
            len += w;
        }
        if current.is_empty() {
            // A blank line between paragraphs stays blank, without trailing spaces.
            out.push('\n');
        } else {
            line(out, &format!("{}{current}", " ".repeat(indent)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_within_the_width_and_loses_no_words() {
        let text = "word ".repeat(60);
        let mut out = String::new();
        wrap(&mut out, &text, 2, 6);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH));
        assert!(out.lines().skip(1).all(|l| l.starts_with("      w")));
        assert_eq!(out.split_whitespace().count(), 60);
    }

    #[test]
    fn wrapping_keeps_the_texts_own_line_breaks() {
        let mut out = String::new();
        wrap(&mut out, "• one\n• two", 2, 4);
        assert_eq!(out, "  • one\n  • two\n");
    }

    #[test]
    fn a_wrapped_bullet_hangs_under_its_text() {
        let mut out = String::new();
        wrap(&mut out, &format!("• {}", "word ".repeat(30)), 2, 6);
        let lines: Vec<_> = out.lines().collect();
        assert!(lines[0].starts_with("  • word"));
        assert!(lines[1].starts_with("    word"));
    }
}
