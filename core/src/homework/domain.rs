//! Homework values and the starter template set.

/// What kind of homework it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeworkKind {
    ThoughtRecord,
    Exposure,
    BehavioralActivation,
    Journaling,
    SkillPractice,
    Reading,
    Other,
}

impl HomeworkKind {
    pub const ALL: [Self; 7] = [
        Self::ThoughtRecord,
        Self::Exposure,
        Self::BehavioralActivation,
        Self::Journaling,
        Self::SkillPractice,
        Self::Reading,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ThoughtRecord => "THOUGHT_RECORD",
            Self::Exposure => "EXPOSURE",
            Self::BehavioralActivation => "BEHAVIORAL_ACTIVATION",
            Self::Journaling => "JOURNALING",
            Self::SkillPractice => "SKILL_PRACTICE",
            Self::Reading => "READING",
            Self::Other => "OTHER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Limits of template fields.
pub const TITLE_MAX: usize = 200;
pub const INSTRUCTIONS_MAX: usize = 4000;
pub const PURPOSE_MAX: usize = 1000;
/// Homework takes 1 minute to 4 hours.
pub const MINUTES_RANGE: std::ops::RangeInclusive<i32> = 1..=240;
/// Templates per practice, archived ones included.
pub const TEMPLATES_MAX: u64 = 500;

/// A new template, parsed.
pub struct NewTemplate {
    pub title: String,
    pub kind: HomeworkKind,
    pub instructions: String,
    pub purpose: String,
    pub estimated_minutes: Option<i32>,
}

/// One template of the starter set.
pub struct Starter {
    pub title: &'static str,
    pub kind: HomeworkKind,
    pub instructions: &'static str,
    pub purpose: &'static str,
    pub minutes: i32,
}

/// The templates every new practice starts with. Plain language for the client; each
/// purpose ties the task to the seed article's ideas (homework that applies what was learnt
/// in session to real life, is linked to a goal, and is reviewed next session).
pub const STARTER_SET: &[Starter] = &[
    Starter {
        title: "Thought record",
        kind: HomeworkKind::ThoughtRecord,
        instructions: "When you notice your mood drop or spike, write down: the situation (where, when, who); the thought that went through your mind; the feeling and how strong it was from 0 to 100. Then list the evidence for and against the thought, write a more balanced thought, and rate the feeling again.",
        purpose: "Catching thoughts as they happen shows the patterns and triggers behind your moods, and practises, in real life, the skill we work on in session. Bring your records to the next session and we will look at them together.",
        minutes: 15,
    },
    Starter {
        title: "Exposure practice: one step on your ladder",
        kind: HomeworkKind::Exposure,
        instructions: "Do the next step on the ladder we agreed. Before you start, rate your anxiety from 0 to 100. Stay in the situation until the anxiety comes down by about half, or for the time we agreed, without escaping or using safety behaviours. Rate your anxiety again at the end and note what you learnt.",
        purpose: "Facing feared situations step by step, and staying long enough, teaches your body and mind that the feared outcome is unlikely or manageable. Each step you complete builds momentum towards your goal.",
        minutes: 30,
    },
    Starter {
        title: "Plan and do one pleasant activity",
        kind: HomeworkKind::BehavioralActivation,
        instructions: "Choose one small activity you used to enjoy or that matters to you (a walk, calling a friend, cooking a meal). Write down when and where you will do it. Afterwards, rate from 0 to 10 how much you enjoyed it and how much it gave you a sense of achievement.",
        purpose: "When mood is low we tend to do less, which lowers mood further. Scheduling small, meaningful activities breaks that cycle, and your ratings show us what lifts your mood.",
        minutes: 30,
    },
    Starter {
        title: "Three-line evening journal",
        kind: HomeworkKind::Journaling,
        instructions: "Each evening, write three lines: one thing that went well today, one thing that was hard and how you handled it, and one small thing you will do tomorrow towards your goal.",
        purpose: "A short daily reflection builds self-awareness, helps you notice progress that is easy to miss, and keeps your goal in view between sessions.",
        minutes: 5,
    },
    Starter {
        title: "Paced breathing practice",
        kind: HomeworkKind::SkillPractice,
        instructions: "Twice a day, sit comfortably and breathe in through your nose for a count of 4 and out slowly for a count of 6, for 5 minutes. Practise when you are calm, so the skill is ready when you need it. Note how tense you felt before and after, from 0 to 10.",
        purpose: "Slow breathing calms the body's alarm response. Practising when calm makes it easier to use when anxiety rises, which is how a skill learnt in session becomes something you can rely on.",
        minutes: 10,
    },
    Starter {
        title: "Assertive communication practice",
        kind: HomeworkKind::SkillPractice,
        instructions: "Pick one everyday conversation this week where you would normally stay quiet or give in. Use the steps we practised: describe the situation, say how you feel, say what you would like, and listen to the reply. Afterwards write down what happened and how it felt.",
        purpose: "Trying assertive communication in a real, specific interaction turns what we rehearse in session into a habit, and gives us something concrete to review together.",
        minutes: 15,
    },
    Starter {
        title: "Communication patterns journal",
        kind: HomeworkKind::Journaling,
        instructions: "After a conversation that left you frustrated, hurt or pleased, write down who it was with, what was said, what you felt, and what you did. At the end of the week, look for patterns: with whom, about what, and how you tend to respond.",
        purpose: "Noticing your patterns in different situations is the first step to changing them, and shows where to focus next.",
        minutes: 10,
    },
    Starter {
        title: "Reading: a chapter we chose together",
        kind: HomeworkKind::Reading,
        instructions: "Read the chapter or article we agreed on. Underline or note one idea that fits your situation and one question you would like to talk about next session.",
        purpose: "Reading between sessions deepens what we discuss and gives you ideas in your own words to bring back and apply to your goals.",
        minutes: 20,
    },
    Starter {
        title: "Rehearse your if-then plan",
        kind: HomeworkKind::Other,
        instructions: "Read your if-then plan for the obstacle you expect most this week (\"If I feel I have no time, then I do the 2-minute version\"). Picture the moment the obstacle shows up and yourself following the plan. When it really happens, log whether you used the plan and how much it helped.",
        purpose: "Planning for obstacles in advance makes it far more likely you keep going when things get hard, and your log shows us which coping plans work for you.",
        minutes: 5,
    },
    Starter {
        title: "Values check-in",
        kind: HomeworkKind::Other,
        instructions: "Write down what matters most to you in three areas of life (for example relationships, work or study, health). For each, write one small action this week that would move you in that direction.",
        purpose: "Linking day-to-day actions to what matters to you keeps goals meaningful, which makes them easier to stick with.",
        minutes: 15,
    },
];

/// Where an assignment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeworkStatus {
    Assigned,
    InProgress,
    Completed,
    Partial,
    NotDone,
    Reviewed,
}

impl HomeworkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "ASSIGNED",
            Self::InProgress => "IN_PROGRESS",
            Self::Completed => "COMPLETED",
            Self::Partial => "PARTIAL",
            Self::NotDone => "NOT_DONE",
            Self::Reviewed => "REVIEWED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ASSIGNED" => Self::Assigned,
            "IN_PROGRESS" => Self::InProgress,
            "COMPLETED" => Self::Completed,
            "PARTIAL" => Self::Partial,
            "NOT_DONE" => Self::NotDone,
            "REVIEWED" => Self::Reviewed,
            _ => return None,
        })
    }
}

/// How one occurrence went, as the client reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    Partial,
    NotDone,
}

impl Outcome {
    pub const ALL: [Self; 3] = [Self::Completed, Self::Partial, Self::NotDone];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "COMPLETED",
            Self::Partial => "PARTIAL",
            Self::NotDone => "NOT_DONE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "COMPLETED" => Self::Completed,
            "PARTIAL" => Self::Partial,
            "NOT_DONE" => Self::NotDone,
            _ => return None,
        })
    }

    /// How much of the task it counts for in the completion rate.
    pub fn credit(self) -> f64 {
        match self {
            Self::Completed => 1.0,
            Self::Partial => 0.5,
            Self::NotDone => 0.0,
        }
    }
}

/// The status of an assignment once all its occurrences are submitted: COMPLETED when all
/// were completed, NOT_DONE when none was done at all, PARTIAL otherwise.
pub fn overall(outcomes: &[Outcome]) -> HomeworkStatus {
    if outcomes.iter().all(|o| *o == Outcome::Completed) {
        HomeworkStatus::Completed
    } else if outcomes.iter().all(|o| *o == Outcome::NotDone) {
        HomeworkStatus::NotDone
    } else {
        HomeworkStatus::Partial
    }
}

/// Limits of assignments and submissions.
pub const REFLECTION_MAX: usize = 2000;
pub const NOTES_MAX: usize = 4000;
/// A recurring assignment has at most this many occurrences (three months of daily practice).
pub const OCCURRENCES_MAX: usize = 92;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overall_status_follows_the_outcomes() {
        use Outcome::*;
        assert_eq!(overall(&[Completed, Completed]), HomeworkStatus::Completed);
        assert_eq!(overall(&[NotDone]), HomeworkStatus::NotDone);
        assert_eq!(overall(&[Completed, NotDone]), HomeworkStatus::Partial);
        assert_eq!(overall(&[Partial]), HomeworkStatus::Partial);
    }
}
