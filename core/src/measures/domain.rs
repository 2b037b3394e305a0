//! The clinical instruments (PHQ-9 and GAD-7) and their scoring rules.
//!
//! Every clinical number lives in one table in code (`PHQ9` and `GAD7` below),
//! each with its published source in a comment next to it. Nothing else in the
//! code base should hard-code a band, a cut-off or a threshold.

use std::fmt;

/// A standardised questionnaire that a client can fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instrument {
    /// The Patient Health Questionnaire-9 (depression).
    Phq9,
    /// The Generalized Anxiety Disorder-7 scale (anxiety).
    Gad7,
}

impl Instrument {
    /// Every instrument, in display order.
    pub const ALL: [Instrument; 2] = [Instrument::Phq9, Instrument::Gad7];

    /// The stored form: `"PHQ9"` or `"GAD7"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Phq9 => "PHQ9",
            Instrument::Gad7 => "GAD7",
        }
    }

    /// Reads the stored form written by [`Instrument::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// The table entry for this instrument.
    pub fn spec(self) -> &'static InstrumentSpec {
        match self {
            Instrument::Phq9 => &PHQ9,
            Instrument::Gad7 => &GAD7,
        }
    }
}

/// How severe a total score is, in the published bands of its instrument.
///
/// GAD-7 has no "moderately severe" band; its scores are never given it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Minimal symptoms.
    Minimal,
    /// Mild symptoms.
    Mild,
    /// Moderate symptoms.
    Moderate,
    /// Moderately severe symptoms (PHQ-9 only).
    ModeratelySevere,
    /// Severe symptoms.
    Severe,
}

impl Severity {
    const ALL: [Severity; 5] = [
        Severity::Minimal,
        Severity::Mild,
        Severity::Moderate,
        Severity::ModeratelySevere,
        Severity::Severe,
    ];

    /// The stored form, for example `"MODERATELY_SEVERE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minimal => "MINIMAL",
            Severity::Mild => "MILD",
            Severity::Moderate => "MODERATE",
            Severity::ModeratelySevere => "MODERATELY_SEVERE",
            Severity::Severe => "SEVERE",
        }
    }

    /// Reads the stored form written by [`Severity::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One answer a client can give to an item, with the points it scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerOption {
    /// The points this answer scores.
    pub value: i32,
    /// The wording shown to the client.
    pub label: &'static str,
}

/// A range of total scores (both ends included) and the severity it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    /// The lowest total in the band.
    pub min: i32,
    /// The highest total in the band.
    pub max: i32,
    /// The severity of a total in the band.
    pub severity: Severity,
}

/// Everything the product knows about one instrument: its wording and its
/// scoring rules.
#[derive(Debug)]
pub struct InstrumentSpec {
    /// The instrument this entry describes.
    pub instrument: Instrument,
    /// The short name, for example `"PHQ-9"`.
    pub name: &'static str,
    /// The full name, for example `"Patient Health Questionnaire-9"`.
    pub title: &'static str,
    /// The question put before the items.
    pub prompt: &'static str,
    /// The official English wording of the items, in order.
    pub items: &'static [&'static str],
    /// The answers a client can give to every item, lowest first.
    pub options: &'static [AnswerOption],
    /// The highest possible total.
    pub max_total: i32,
    /// The severity bands, lowest first; together they cover `0..=max_total`.
    pub bands: &'static [Band],
    /// The drop or rise in total, in points, that counts as reliable change
    /// unless the practice sets its own.
    pub reliable_change_default: i32,
    /// The fraction of the baseline total that must be lost for a response.
    pub response_drop: f64,
    /// A total below this counts as remission; `None` when the product does
    /// not define remission for the instrument.
    pub remission_below: Option<i32>,
    /// The item (numbered from 1) whose answer may raise a safety alert.
    pub safety_item: Option<usize>,
    /// The LOINC code of the total score.
    pub loinc_total: &'static str,
    /// The terms under which the instrument may be used.
    pub licence: &'static str,
    /// The published sources of the numbers above.
    pub source: &'static str,
}

/// An answer to the safety item (PHQ-9 item 9) at or above this raises a
/// SAFETY alert unless the practice sets its own threshold. Any answer other
/// than "Not at all" to item 9 calls for a clinician to follow up (Kroenke K,
/// Spitzer RL, Williams JBW, J Gen Intern Med 2001;16(9):606-613).
pub const DEFAULT_SAFETY_ITEM_THRESHOLD: i32 = 1;

/// The answers shared by PHQ-9 and GAD-7, as printed on both forms.
const FREQUENCY_OPTIONS: [AnswerOption; 4] = [
    AnswerOption {
        value: 0,
        label: "Not at all",
    },
    AnswerOption {
        value: 1,
        label: "Several days",
    },
    AnswerOption {
        value: 2,
        label: "More than half the days",
    },
    AnswerOption {
        value: 3,
        label: "Nearly every day",
    },
];

/// The licence printed on the PHQ and GAD-7 forms.
const PHQ_LICENCE: &str = "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke \
and colleagues, with an educational grant from Pfizer Inc. No permission required to \
reproduce, translate, display or distribute.";

/// Response is at least a 50% drop from baseline. Source: Löwe B, Unützer J,
/// Callahan CM, Perkins AJ, Kroenke K. Monitoring depression treatment
/// outcomes with the Patient Health Questionnaire-9. Med Care
/// 2004;42(12):1194-1201.
const RESPONSE_DROP: f64 = 0.5;

static PHQ9: InstrumentSpec = InstrumentSpec {
    instrument: Instrument::Phq9,
    name: "PHQ-9",
    title: "Patient Health Questionnaire-9",
    prompt: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    // The official English wording (PHQ-9 form, Pfizer Inc.).
    items: &[
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself \u{2014} or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite \u{2014} being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ],
    options: &FREQUENCY_OPTIONS,
    // 9 items scored 0-3.
    max_total: 27,
    // Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief
    // depression severity measure. J Gen Intern Med 2001;16(9):606-613.
    // Cut-points 5, 10, 15 and 20: minimal, mild, moderate, moderately severe
    // and severe depression.
    bands: &[
        Band {
            min: 0,
            max: 4,
            severity: Severity::Minimal,
        },
        Band {
            min: 5,
            max: 9,
            severity: Severity::Mild,
        },
        Band {
            min: 10,
            max: 14,
            severity: Severity::Moderate,
        },
        Band {
            min: 15,
            max: 19,
            severity: Severity::ModeratelySevere,
        },
        Band {
            min: 20,
            max: 27,
            severity: Severity::Severe,
        },
    ],
    // NHS England, NHS Talking Therapies for anxiety and depression manual
    // (2023, and the earlier IAPT manuals): reliable change on the PHQ-9 is a
    // change of 6 points or more.
    reliable_change_default: 6,
    response_drop: RESPONSE_DROP,
    // Kroenke K, Spitzer RL, Williams JBW, Löwe B. The Patient Health
    // Questionnaire Somatic, Anxiety, and Depressive Symptom Scales: a
    // systematic review. Gen Hosp Psychiatry 2010;32(4):345-359.
    // Remission is a PHQ-9 total below 5.
    remission_below: Some(5),
    // Item 9 asks about thoughts of death or self-harm.
    safety_item: Some(9),
    // LOINC 44261-6: Patient Health Questionnaire 9 item (PHQ-9) total score.
    loinc_total: "44261-6",
    licence: PHQ_LICENCE,
    source: "Bands: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief \
depression severity measure. J Gen Intern Med 2001;16(9):606-613. \
Reliable change (6 points): NHS England, NHS Talking Therapies for anxiety and depression \
manual (2023) and earlier IAPT manuals. \
Response (50% drop): Löwe B et al. Monitoring depression treatment outcomes with the \
Patient Health Questionnaire-9. Med Care 2004;42(12):1194-1201. \
Remission (below 5): Kroenke K et al. The Patient Health Questionnaire Somatic, Anxiety, \
and Depressive Symptom Scales: a systematic review. Gen Hosp Psychiatry 2010;32(4):345-359. \
Total score: LOINC 44261-6.",
};

static GAD7: InstrumentSpec = InstrumentSpec {
    instrument: Instrument::Gad7,
    name: "GAD-7",
    title: "Generalized Anxiety Disorder-7",
    // The GAD-7 form words its question without "any of".
    prompt: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    // The official English wording (GAD-7 form, Pfizer Inc.).
    items: &[
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ],
    options: &FREQUENCY_OPTIONS,
    // 7 items scored 0-3.
    max_total: 21,
    // Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for
    // assessing generalized anxiety disorder: the GAD-7. Arch Intern Med
    // 2006;166(10):1092-1097. Cut-points 5, 10 and 15: mild, moderate and
    // severe anxiety.
    bands: &[
        Band {
            min: 0,
            max: 4,
            severity: Severity::Minimal,
        },
        Band {
            min: 5,
            max: 9,
            severity: Severity::Mild,
        },
        Band {
            min: 10,
            max: 14,
            severity: Severity::Moderate,
        },
        Band {
            min: 15,
            max: 21,
            severity: Severity::Severe,
        },
    ],
    // NHS England, NHS Talking Therapies for anxiety and depression manual
    // (2023, and the earlier IAPT manuals): reliable change on the GAD-7 is a
    // change of 4 points or more.
    reliable_change_default: 4,
    response_drop: RESPONSE_DROP,
    // The product defines remission for the PHQ-9 only.
    remission_below: None,
    safety_item: None,
    // LOINC 70274-6: Generalized anxiety disorder 7 item (GAD-7) total score.
    loinc_total: "70274-6",
    licence: PHQ_LICENCE,
    source: "Bands: Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for \
assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097. \
Reliable change (4 points): NHS England, NHS Talking Therapies for anxiety and depression \
manual (2023) and earlier IAPT manuals. \
Response (50% drop): as for the PHQ-9, Löwe B et al. Med Care 2004;42(12):1194-1201. \
Total score: LOINC 70274-6.",
};

/// Why a set of answers cannot be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerError {
    /// There is not exactly one answer per item.
    Count {
        /// The number of items.
        expected: usize,
        /// The number of answers given.
        got: usize,
    },
    /// An answer is not one of the instrument's options.
    OutOfRange {
        /// The position of the answer, counted from 0.
        index: usize,
        /// The answer given.
        value: i32,
    },
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerError::Count { expected, got } => {
                write!(f, "expected {expected} answers, got {got}")
            }
            AnswerError::OutOfRange { index, value } => {
                write!(
                    f,
                    "the answer to item {} is out of range: {value}",
                    index + 1
                )
            }
        }
    }
}

impl std::error::Error for AnswerError {}

/// A scored set of answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored {
    /// The sum of the answers.
    pub total: i32,
    /// The severity band of the total.
    pub severity: Severity,
}

/// Checks the answers (one per item, each one of the options) and scores them.
///
/// # Errors
///
/// [`AnswerError::Count`] when there is not one answer per item, and
/// [`AnswerError::OutOfRange`] naming the first answer that is not an option.
pub fn score(instrument: Instrument, answers: &[i32]) -> Result<Scored, AnswerError> {
    let spec = instrument.spec();
    if answers.len() != spec.items.len() {
        return Err(AnswerError::Count {
            expected: spec.items.len(),
            got: answers.len(),
        });
    }
    if let Some((index, &value)) = answers
        .iter()
        .enumerate()
        .find(|&(_, &value)| !spec.options.iter().any(|o| o.value == value))
    {
        return Err(AnswerError::OutOfRange { index, value });
    }
    let total = answers.iter().sum();
    Ok(Scored {
        total,
        severity: severity(instrument, total),
    })
}

/// The severity band of a total. A total outside `0..=max_total` (which
/// [`score`] never produces) takes the nearest band.
pub fn severity(instrument: Instrument, total: i32) -> Severity {
    let spec = instrument.spec();
    let total = total.clamp(0, spec.max_total);
    spec.bands
        .iter()
        .find(|b| (b.min..=b.max).contains(&total))
        .map_or(Severity::Severe, |b| b.severity)
}

/// The answer to the safety item if the instrument has one (answers already
/// checked).
pub fn safety_answer(instrument: Instrument, answers: &[i32]) -> Option<i32> {
    let item = instrument.spec().safety_item?;
    answers.get(item.checked_sub(1)?).copied()
}

/// Whether the answer to the safety item is at or above `threshold`. Always
/// false for an instrument without a safety item.
pub fn safety_flag(instrument: Instrument, answers: &[i32], threshold: i32) -> bool {
    safety_answer(instrument, answers).is_some_and(|a| a >= threshold)
}

/// Whether a change from baseline is larger than measurement error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReliableChange {
    /// The total dropped by at least the reliable change threshold.
    ReliableImprovement,
    /// The total moved by less than the threshold either way.
    NoReliableChange,
    /// The total rose by at least the reliable change threshold.
    ReliableDeterioration,
}

impl ReliableChange {
    const ALL: [ReliableChange; 3] = [
        ReliableChange::ReliableImprovement,
        ReliableChange::NoReliableChange,
        ReliableChange::ReliableDeterioration,
    ];

    /// The stored form, for example `"RELIABLE_IMPROVEMENT"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReliableChange::ReliableImprovement => "RELIABLE_IMPROVEMENT",
            ReliableChange::NoReliableChange => "NO_RELIABLE_CHANGE",
            ReliableChange::ReliableDeterioration => "RELIABLE_DETERIORATION",
        }
    }

    /// Reads the stored form written by [`ReliableChange::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// How a total compares with the client's earlier totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The total minus the baseline total (negative is improvement).
    pub from_baseline: Option<i32>,
    /// The total minus the previous total (negative is improvement).
    pub from_previous: Option<i32>,
    /// Reliable change from the baseline.
    pub reliable_change: Option<ReliableChange>,
    /// Whether the total is at least the response drop below the baseline.
    pub response: Option<bool>,
    /// Whether the total is below the remission cut-off; `None` when the
    /// instrument has none.
    pub remission: Option<bool>,
}

/// Compares a total with the client's earlier totals.
///
/// `baseline`/`previous` are the earlier totals (None for the first response).
/// change = total - earlier (negative = improvement).
///
/// Reliable change compares with the baseline: a drop of at least
/// `reliable_change_points` is improvement, a rise of at least that much is
/// deterioration, anything else is no reliable change. A threshold below 1 is
/// treated as 1, so an unchanged total is never reliable change.
///
/// Response: the baseline is above 0 and the total has dropped by at least
/// `response_drop` times the baseline. Remission: the total is below the
/// instrument's remission cut-off, if it has one.
///
/// With no baseline every field is None.
pub fn compare(
    instrument: Instrument,
    total: i32,
    baseline: Option<i32>,
    previous: Option<i32>,
    reliable_change_points: i32,
) -> Change {
    let Some(baseline) = baseline else {
        return Change {
            from_baseline: None,
            from_previous: None,
            reliable_change: None,
            response: None,
            remission: None,
        };
    };
    let spec = instrument.spec();
    let threshold = reliable_change_points.max(1);
    let drop = baseline - total;
    let reliable_change = if drop >= threshold {
        ReliableChange::ReliableImprovement
    } else if -drop >= threshold {
        ReliableChange::ReliableDeterioration
    } else {
        ReliableChange::NoReliableChange
    };
    let response = baseline > 0 && f64::from(drop) >= spec.response_drop * f64::from(baseline);
    Change {
        from_baseline: Some(total - baseline),
        from_previous: previous.map(|p| total - p),
        reliable_change: Some(reliable_change),
        response: Some(response),
        remission: spec.remission_below.map(|b| total < b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Instrument::{Gad7, Phq9};
    use Severity::{Mild, Minimal, Moderate, ModeratelySevere, Severe};

    #[test]
    fn every_band_boundary_has_the_published_severity() {
        let cases = [
            (Phq9, 0, Minimal),
            (Phq9, 4, Minimal),
            (Phq9, 5, Mild),
            (Phq9, 9, Mild),
            (Phq9, 10, Moderate),
            (Phq9, 14, Moderate),
            (Phq9, 15, ModeratelySevere),
            (Phq9, 19, ModeratelySevere),
            (Phq9, 20, Severe),
            (Phq9, 27, Severe),
            (Gad7, 0, Minimal),
            (Gad7, 4, Minimal),
            (Gad7, 5, Mild),
            (Gad7, 9, Mild),
            (Gad7, 10, Moderate),
            (Gad7, 14, Moderate),
            (Gad7, 15, Severe),
            (Gad7, 21, Severe),
        ];
        for (instrument, total, expected) in cases {
            assert_eq!(
                severity(instrument, total),
                expected,
                "{} total {total}",
                instrument.as_str()
            );
        }
    }

    #[test]
    fn bands_cover_every_total_with_no_gap_or_overlap() {
        for instrument in Instrument::ALL {
            let spec = instrument.spec();
            let mut next = 0;
            for band in spec.bands {
                assert_eq!(band.min, next, "{} band starts", spec.name);
                assert!(band.max >= band.min, "{} band is empty", spec.name);
                next = band.max + 1;
            }
            assert_eq!(next, spec.max_total + 1, "{} bands end", spec.name);
            for total in 0..=spec.max_total {
                let holding = spec
                    .bands
                    .iter()
                    .filter(|b| (b.min..=b.max).contains(&total))
                    .count();
                assert_eq!(holding, 1, "{} total {total}", spec.name);
            }
        }
    }

    #[test]
    fn the_table_is_consistent() {
        for instrument in Instrument::ALL {
            let spec = instrument.spec();
            assert_eq!(spec.instrument, instrument);
            let top = spec.options.iter().map(|o| o.value).max().unwrap();
            let items = i32::try_from(spec.items.len()).unwrap();
            assert_eq!(spec.max_total, top * items, "{}", spec.name);
            if let Some(item) = spec.safety_item {
                assert!((1..=spec.items.len()).contains(&item));
            }
            assert_eq!(
                score(instrument, &vec![3; spec.items.len()]).unwrap().total,
                spec.max_total
            );
        }
        assert_eq!(Phq9.spec().items.len(), 9);
        assert_eq!(Gad7.spec().items.len(), 7);
        assert_eq!(Phq9.spec().loinc_total, "44261-6");
        assert_eq!(Gad7.spec().loinc_total, "70274-6");
        assert_eq!(Phq9.spec().reliable_change_default, 6);
        assert_eq!(Gad7.spec().reliable_change_default, 4);
    }

    #[test]
    fn stored_forms_round_trip() {
        for instrument in Instrument::ALL {
            assert_eq!(Instrument::parse(instrument.as_str()), Some(instrument));
        }
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        for r in ReliableChange::ALL {
            assert_eq!(ReliableChange::parse(r.as_str()), Some(r));
        }
        assert_eq!(Instrument::parse("PHQ-9"), None);
        assert_eq!(Severity::parse("mild"), None);
        assert_eq!(ReliableChange::parse(""), None);
    }

    #[test]
    fn answers_are_summed_into_a_total() {
        assert_eq!(
            score(Phq9, &[0, 1, 2, 3, 0, 1, 2, 3, 0]),
            Ok(Scored {
                total: 12,
                severity: Moderate
            })
        );
        assert_eq!(
            score(Gad7, &[0; 7]),
            Ok(Scored {
                total: 0,
                severity: Minimal
            })
        );
    }

    #[test]
    fn the_wrong_number_of_answers_is_an_error() {
        assert_eq!(
            score(Phq9, &[0; 8]),
            Err(AnswerError::Count {
                expected: 9,
                got: 8
            })
        );
        assert_eq!(
            score(Gad7, &[0; 9]),
            Err(AnswerError::Count {
                expected: 7,
                got: 9
            })
        );
        assert_eq!(
            score(Gad7, &[]),
            Err(AnswerError::Count {
                expected: 7,
                got: 0
            })
        );
    }

    #[test]
    fn an_answer_out_of_range_is_an_error_naming_its_index() {
        assert_eq!(
            score(Phq9, &[0, 0, 0, 4, 0, 0, 0, 0, 0]),
            Err(AnswerError::OutOfRange { index: 3, value: 4 })
        );
        assert_eq!(
            score(Gad7, &[1, 1, 1, 1, 1, 1, -1]),
            Err(AnswerError::OutOfRange {
                index: 6,
                value: -1
            })
        );
        assert_eq!(
            AnswerError::OutOfRange {
                index: 6,
                value: -1
            }
            .to_string(),
            "the answer to item 7 is out of range: -1"
        );
    }

    #[test]
    fn the_safety_flag_follows_item_nine_and_the_threshold() {
        let none = [3, 3, 3, 3, 3, 3, 3, 3, 0];
        let one = [0, 0, 0, 0, 0, 0, 0, 0, 1];
        let two = [0, 0, 0, 0, 0, 0, 0, 0, 2];
        assert_eq!(safety_answer(Phq9, &one), Some(1));
        assert!(!safety_flag(Phq9, &none, 1));
        assert!(safety_flag(Phq9, &one, 1));
        assert!(safety_flag(Phq9, &two, 1));
        assert!(!safety_flag(Phq9, &none, 2));
        assert!(!safety_flag(Phq9, &one, 2));
        assert!(safety_flag(Phq9, &two, 2));
        assert!(safety_flag(Phq9, &one, DEFAULT_SAFETY_ITEM_THRESHOLD));
        assert_eq!(safety_answer(Gad7, &[3; 7]), None);
        assert!(!safety_flag(Gad7, &[3; 7], 1));
    }

    #[test]
    fn reliable_change_starts_exactly_at_the_threshold() {
        let rc = |instrument: Instrument, total, baseline| {
            let points = instrument.spec().reliable_change_default;
            compare(instrument, total, Some(baseline), None, points).reliable_change
        };
        // PHQ-9: 6 points.
        assert_eq!(rc(Phq9, 10, 16), Some(ReliableChange::ReliableImprovement));
        assert_eq!(rc(Phq9, 11, 16), Some(ReliableChange::NoReliableChange));
        assert_eq!(
            rc(Phq9, 16, 10),
            Some(ReliableChange::ReliableDeterioration)
        );
        assert_eq!(rc(Phq9, 15, 10), Some(ReliableChange::NoReliableChange));
        assert_eq!(rc(Phq9, 10, 10), Some(ReliableChange::NoReliableChange));
        // GAD-7: 4 points.
        assert_eq!(rc(Gad7, 6, 10), Some(ReliableChange::ReliableImprovement));
        assert_eq!(rc(Gad7, 7, 10), Some(ReliableChange::NoReliableChange));
        assert_eq!(
            rc(Gad7, 14, 10),
            Some(ReliableChange::ReliableDeterioration)
        );
        assert_eq!(rc(Gad7, 13, 10), Some(ReliableChange::NoReliableChange));
    }

    #[test]
    fn a_practice_threshold_replaces_the_default() {
        let c = compare(Phq9, 12, Some(16), None, 4);
        assert_eq!(c.reliable_change, Some(ReliableChange::ReliableImprovement));
        let c = compare(Phq9, 10, Some(10), None, 0);
        assert_eq!(c.reliable_change, Some(ReliableChange::NoReliableChange));
    }

    #[test]
    fn response_is_a_drop_of_at_least_half_the_baseline() {
        let response = |total, baseline| compare(Phq9, total, Some(baseline), None, 6).response;
        assert_eq!(response(10, 20), Some(true));
        assert_eq!(response(11, 20), Some(false));
        // Odd baseline: half of 15 is 7.5, so 8 points must be lost.
        assert_eq!(response(7, 15), Some(true));
        assert_eq!(response(8, 15), Some(false));
        assert_eq!(response(0, 0), Some(false));
        assert_eq!(compare(Gad7, 6, Some(12), None, 4).response, Some(true));
        assert_eq!(compare(Gad7, 7, Some(12), None, 4).response, Some(false));
    }

    #[test]
    fn remission_is_a_phq9_total_below_five() {
        assert_eq!(compare(Phq9, 4, Some(15), None, 6).remission, Some(true));
        assert_eq!(compare(Phq9, 5, Some(15), None, 6).remission, Some(false));
        assert_eq!(compare(Gad7, 0, Some(15), None, 4).remission, None);
    }

    #[test]
    fn changes_are_total_minus_the_earlier_total() {
        let c = compare(Phq9, 12, Some(20), Some(9), 6);
        assert_eq!(c.from_baseline, Some(-8));
        assert_eq!(c.from_previous, Some(3));
        let c = compare(Gad7, 12, Some(12), None, 4);
        assert_eq!(c.from_baseline, Some(0));
        assert_eq!(c.from_previous, None);
    }

    #[test]
    fn with_no_baseline_every_field_is_none() {
        for instrument in Instrument::ALL {
            assert_eq!(
                compare(instrument, 3, None, None, 6),
                Change {
                    from_baseline: None,
                    from_previous: None,
                    reliable_change: None,
                    response: None,
                    remission: None,
                }
            );
        }
    }
}
