//! Knowledge tests of the training program: single-choice questions of the question
//! bank, the pre- and post-test of a course, scores, and knowledge gain.
//!
//! Rules:
//! - a question has a prompt, 2 to 6 non-empty options and exactly one correct option;
//!   the form numbers options 1 to 6 and `correct` names one of the filled ones;
//! - a score is a whole percent, 0 to 100; a test taken on a page scores
//!   `round(100 × correct / questions)` (half up), computed on the server only;
//! - **knowledge gain** of a participant is post − pre in percentage points, defined only
//!   when both scores exist; a course's or institution's gain is the mean over those pairs.

use crate::directory::{lenient, required_text};
use crate::error::{Error, FieldErrors};
use serde::Deserialize;

/// Most options a question may have.
pub const MAX_OPTIONS: usize = 6;

/// Which test of a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestKind {
    Pre,
    Post,
}

impl TestKind {
    /// Both kinds, pre first.
    pub const ALL: &'static [TestKind] = &[TestKind::Pre, TestKind::Post];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Pre => "pre",
            TestKind::Post => "post",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "pre" => Some(TestKind::Pre),
            "post" => Some(TestKind::Post),
            _ => None,
        }
    }
}

impl std::fmt::Display for TestKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Raw question input: the prompt, up to six option texts (empty ones are ignored) and the
/// 1-based number of the correct option as the form shows it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QuestionInput {
    #[serde(deserialize_with = "lenient")]
    pub prompt: String,
    pub options: Vec<String>,
    #[serde(deserialize_with = "lenient")]
    pub correct: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDraft {
    pub prompt: String,
    /// 2 to 6 options, in order.
    pub options: Vec<String>,
    /// 0-based index of the correct option in `options`.
    pub correct_index: i64,
}

impl QuestionDraft {
    /// Parses every field, collecting one message per bad field: `prompt` (required),
    /// `options` (at least two filled, each at most 300 characters, at most six) and
    /// `correct` (the number of a filled option).
    pub fn parse(i: &QuestionInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let prompt = required_text(&i.prompt, "prompt", 1000, &mut e);
        let mut options = Vec::new();
        let mut correct_index = None;
        let wanted = i.correct.trim().parse::<usize>().ok();
        if i.options.len() > MAX_OPTIONS {
            e.add("options", "question-options-count");
        }
        for (n, o) in i.options.iter().enumerate().take(MAX_OPTIONS) {
            if o.trim().is_empty() {
                continue;
            }
            let field = format!("option_{}", n + 1);
            let text = required_text(o, &field, 300, &mut e);
            if wanted == Some(n + 1) {
                correct_index = Some(options.len() as i64);
            }
            options.push(text);
        }
        if options.len() < 2 && e.get("options").is_none() {
            e.add("options", "question-options-count");
        }
        if i.correct.trim().is_empty() {
            e.add("correct", "field-required");
        } else if correct_index.is_none() {
            e.add("correct", "question-correct-range");
        }
        match correct_index {
            Some(correct_index) if e.is_empty() => Ok(Self {
                prompt,
                options,
                correct_index,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Parses a typed score: empty is `Ok(None)` (nothing to record), else a whole number
/// 0–100; returns the message key of the problem.
pub fn parse_score(s: &str) -> Result<Option<i64>, &'static str> {
    let t = s.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=100).contains(&n) => Ok(Some(n)),
        Ok(_) => Err("score-range"),
        Err(_) => Err("score-number"),
    }
}

/// The score of a test with `total` questions of which `correct` were answered right:
/// a whole percent rounded half up; 0 for a test without questions.
pub fn score_percent(correct: usize, total: usize) -> i64 {
    if total == 0 {
        return 0;
    }
    let (c, t) = (correct.min(total) as i64, total as i64);
    (c * 200 + t) / (2 * t)
}

/// Knowledge gain of one participant: post − pre (percentage points), when both exist.
pub fn gain(pre: Option<i64>, post: Option<i64>) -> Option<i64> {
    Some(post? - pre?)
}

/// Mean of the gains, `None` when there are none.
pub fn mean_gain(gains: impl IntoIterator<Item = i64>) -> Option<f64> {
    let (mut n, mut sum) = (0i64, 0i64);
    for g in gains {
        n += 1;
        sum += g;
    }
    (n > 0).then(|| sum as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(prompt: &str, options: &[&str], correct: &str) -> QuestionInput {
        QuestionInput {
            prompt: prompt.into(),
            options: options.iter().map(|s| (*s).to_owned()).collect(),
            correct: correct.into(),
            version: String::new(),
        }
    }

    #[test]
    fn questions_keep_filled_options_and_map_the_correct_number() {
        let d = QuestionDraft::parse(&input("¿Qué?", &["a", "", "c", "d"], "3")).unwrap();
        assert_eq!(d.options, vec!["a", "c", "d"]);
        assert_eq!(d.correct_index, 1, "option 3 is the second filled one");
    }

    #[test]
    fn bad_questions_name_each_field() {
        let Err(Error::Invalid(e)) = QuestionDraft::parse(&input(" ", &["only", ""], "2")) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("prompt"), Some("field-required"));
        assert_eq!(e.get("options"), Some("question-options-count"));
        assert_eq!(e.get("correct"), Some("question-correct-range"));
        let Err(Error::Invalid(e)) = QuestionDraft::parse(&input("p", &["a", "b"], "7")) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("correct"), Some("question-correct-range"));
        let Err(Error::Invalid(e)) = QuestionDraft::parse(&input("p", &["a", "b"], "")) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("correct"), Some("field-required"));
        let seven = ["1", "2", "3", "4", "5", "6", "7"];
        let Err(Error::Invalid(e)) = QuestionDraft::parse(&input("p", &seven, "1")) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("options"), Some("question-options-count"));
    }

    #[test]
    fn scores_are_whole_percents_rounded_half_up() {
        assert_eq!(score_percent(2, 3), 67);
        assert_eq!(score_percent(1, 3), 33);
        assert_eq!(score_percent(1, 8), 13, "12.5 rounds up");
        assert_eq!(score_percent(0, 4), 0);
        assert_eq!(score_percent(4, 4), 100);
        assert_eq!(score_percent(0, 0), 0);
        assert_eq!(parse_score(""), Ok(None));
        assert_eq!(parse_score(" 85 "), Ok(Some(85)));
        assert_eq!(parse_score("85%"), Ok(Some(85)));
        assert_eq!(parse_score("101"), Err("score-range"));
        assert_eq!(parse_score("-1"), Err("score-range"));
        assert_eq!(parse_score("8.5"), Err("score-number"));
    }

    #[test]
    fn gain_needs_both_scores_and_the_mean_skips_nothing_else() {
        assert_eq!(gain(Some(40), Some(75)), Some(35));
        assert_eq!(gain(Some(80), Some(70)), Some(-10));
        assert_eq!(gain(None, Some(70)), None);
        assert_eq!(gain(Some(70), None), None);
        assert_eq!(mean_gain([35, -10, 20]), Some(15.0));
        assert_eq!(mean_gain([]), None);
    }
}
