//! The starter programmes of the demo practice, written for Momentum: a six-module
//! behavioural activation programme for low mood and a five-module worry management programme.

use super::domain::{
    StarterCheckIn, StarterHomework, StarterModule, StarterProgram, StarterResource, Unlock,
};
use crate::{
    homework::domain::HomeworkKind, measures::domain::Instrument, resources::domain::ResourceKind,
};

/// The programmes every demo practice starts with. Plain language for the client, second
/// person; each homework's purpose ties the task to why it helps, and the measure modules
/// give the care team a regular view of progress.
pub const STARTER_PROGRAMS: &[StarterProgram] = &[
    StarterProgram {
        title: "Behavioural activation: six steps back to what matters",
        description: "A structured programme for clients whose low mood has led them to do less and withdraw. Over six modules the client tracks activity and mood, identifies personal values, schedules small meaningful activities, builds a routine with graded tasks, problem-solves avoidance, and makes a plan to keep going. PHQ-9 at the start, the midpoint and the end; the therapist opens the final module after a review.",
        modules: &[
            StarterModule {
                title: "1. How activity and mood move together",
                summary: "When mood is low, we often do less, and doing less tends to lower mood further. In this first step you will simply watch what you do each day and how you feel, without trying to change anything yet.",
                unlock: Unlock::PreviousDone,
                homework: &[StarterHomework {
                    title: "Activity and mood diary",
                    kind: HomeworkKind::BehavioralActivation,
                    instructions: "Each day, note what you did in each part of the day (morning, afternoon, evening), even ordinary things like lying in bed or watching television. Next to each activity, rate your mood from 0 to 10. Keep it brief: a few words per entry is enough.",
                    purpose: "A week of honest notes shows how your activities and your mood affect each other, and gives us a starting point that is based on your real life rather than on how the week felt overall.",
                    minutes: 10,
                    due_in_days: 7,
                }],
                check_ins: &[StarterCheckIn {
                    prompt: "How is the diary going so far? Have you noticed any times of day when your mood is a little better or worse?",
                    due_in_days: 3,
                }],
                resources: &[StarterResource {
                    title: "The activity and mood cycle",
                    kind: ResourceKind::Article,
                    description: "A short explanation of how low mood and doing less can feed each other, and how small changes in activity can start to turn the cycle around.",
                }],
                measure: Some(Instrument::Phq9),
            },
            StarterModule {
                title: "2. What matters to you",
                summary: "Activities help most when they connect to what you care about. This module helps you name your values in different areas of life, so the steps you plan next are worth doing for you.",
                unlock: Unlock::PreviousDone,
                homework: &[
                    StarterHomework {
                        title: "Values in four areas of life",
                        kind: HomeworkKind::Other,
                        instructions: "Write a sentence or two about what matters to you in four areas: relationships, work or study, health and self-care, and leisure or community. Think about the kind of person you want to be in each area, not about goals you have to reach. It is fine if some areas feel unclear for now.",
                        purpose: "Naming your values gives direction to the activities we plan together, so you are doing things because they matter to you, not just to keep busy.",
                        minutes: 20,
                        due_in_days: 7,
                    },
                    StarterHomework {
                        title: "Look back at your diary",
                        kind: HomeworkKind::Journaling,
                        instructions: "Read through last week's activity and mood diary. Circle the activities when your mood was a bit higher, and note whether any of them link to the values you wrote down. Write one or two sentences about what you notice.",
                        purpose: "Linking your own notes to your values shows which activities already help, which makes it easier to choose what to do more of.",
                        minutes: 10,
                        due_in_days: 5,
                    },
                ],
                check_ins: &[StarterCheckIn {
                    prompt: "Which area of life felt easiest to write about, and which felt hardest?",
                    due_in_days: 4,
                }],
                resources: &[StarterResource {
                    title: "Values worksheet",
                    kind: ResourceKind::Worksheet,
                    description: "A one-page worksheet with space to write what matters to you in each area of life and one small action for each.",
                }],
                measure: None,
            },
            StarterModule {
                title: "3. Planning small activities",
                summary: "Now you will start to plan a few small activities ahead of time rather than waiting to feel like doing them. Motivation often follows action, not the other way round.",
                unlock: Unlock::AfterDays(7),
                homework: &[StarterHomework {
                    title: "Schedule three small activities",
                    kind: HomeworkKind::BehavioralActivation,
                    instructions: "Choose three small activities linked to your values, and write each one into a specific day and time this week. Keep them small enough that you could do them on a difficult day. Afterwards, rate each one from 0 to 10 for enjoyment and for sense of achievement.",
                    purpose: "Planning activities in advance means you do not have to rely on feeling motivated in the moment, and your ratings help us see what lifts your mood.",
                    minutes: 30,
                    due_in_days: 7,
                }],
                check_ins: &[
                    StarterCheckIn {
                        prompt: "Have you managed any of your planned activities yet? How did you feel before and after?",
                        due_in_days: 3,
                    },
                    StarterCheckIn {
                        prompt: "Looking at the week so far, is there anything that made it harder to stick to your plan?",
                        due_in_days: 6,
                    },
                ],
                resources: &[StarterResource {
                    title: "Weekly activity planner",
                    kind: ResourceKind::Worksheet,
                    description: "A weekly grid for writing planned activities into specific times, with columns to rate enjoyment and achievement afterwards.",
                }],
                measure: None,
            },
            StarterModule {
                title: "4. Building a routine, one step at a time",
                summary: "A steady daily rhythm of sleep, meals and activity supports mood. In this module you will build a simple routine and break larger tasks you have been putting off into small, manageable steps.",
                unlock: Unlock::PreviousDone,
                homework: &[
                    StarterHomework {
                        title: "Anchor your day",
                        kind: HomeworkKind::BehavioralActivation,
                        instructions: "Choose a regular time to get up, to eat your main meals and to go to bed, and try to keep to them on most days this week, including weekends. Tick each anchor you kept in your planner. If you miss one, simply pick it up again at the next one.",
                        purpose: "Regular anchors in the day steady your sleep and energy, which makes it easier to fit in the activities that matter to you.",
                        minutes: 5,
                        due_in_days: 7,
                    },
                    StarterHomework {
                        title: "Break one task into steps",
                        kind: HomeworkKind::BehavioralActivation,
                        instructions: "Pick one task you have been putting off. Break it into steps small enough that each takes no more than 15 minutes, and write them in order. Do the first one or two steps this week and note how it felt to make a start.",
                        purpose: "Large tasks can feel overwhelming when mood is low; small steps make starting possible, and each finished step builds a sense of achievement.",
                        minutes: 20,
                        due_in_days: 7,
                    },
                ],
                check_ins: &[StarterCheckIn {
                    prompt: "Which part of your new routine is working best so far, and which part is the hardest to keep?",
                    due_in_days: 4,
                }],
                resources: &[StarterResource {
                    title: "Breaking tasks into steps",
                    kind: ResourceKind::Worksheet,
                    description: "A step-by-step sheet for splitting a daunting task into small, ordered actions and ticking them off as you go.",
                }],
                measure: Some(Instrument::Phq9),
            },
            StarterModule {
                title: "5. Getting past the barriers",
                summary: "Everyone runs into obstacles, and avoidance can be a quiet one: putting things off brings relief now but keeps mood low. This module helps you spot what gets in the way and try practical solutions.",
                unlock: Unlock::AfterDays(7),
                homework: &[
                    StarterHomework {
                        title: "Spot the avoidance pattern",
                        kind: HomeworkKind::Journaling,
                        instructions: "When you notice yourself putting something off this week, write down the situation, what you did instead, how you felt straight afterwards, and how you felt later. Try to catch at least three moments. There is no need to change anything yet; just notice.",
                        purpose: "Seeing the short-term relief and the longer-term cost of avoidance side by side makes it easier to choose a different response next time.",
                        minutes: 10,
                        due_in_days: 7,
                    },
                    StarterHomework {
                        title: "Solve one barrier",
                        kind: HomeworkKind::SkillPractice,
                        instructions: "Choose one barrier that keeps stopping a planned activity. Write down the problem in one sentence, list as many possible solutions as you can without judging them, then pick one to try. Afterwards, note what happened and what you might adjust.",
                        purpose: "Working through a barrier step by step turns a stuck point into something you can act on, and practises a skill you can use long after the programme ends.",
                        minutes: 20,
                        due_in_days: 7,
                    },
                ],
                check_ins: &[StarterCheckIn {
                    prompt: "What has been the biggest thing getting in the way of your plans this week?",
                    due_in_days: 3,
                }],
                resources: &[StarterResource {
                    title: "Problem-solving steps",
                    kind: ResourceKind::Worksheet,
                    description: "A worksheet that walks you through defining a problem, listing options, choosing one to try and reviewing how it went.",
                }],
                measure: None,
            },
            StarterModule {
                title: "6. Keeping your momentum",
                summary: "You have built new habits over the past weeks. This last module helps you notice what has helped, recognise early signs that mood is slipping, and plan how to respond if it does.",
                unlock: Unlock::ByTherapist,
                homework: &[
                    StarterHomework {
                        title: "Write your keep-going plan",
                        kind: HomeworkKind::Other,
                        instructions: "Write down the activities and routines that have helped you most, your early signs that mood is starting to dip (for example sleeping more, cancelling plans), and two or three things you will do if you notice those signs. Keep the plan somewhere you will see it.",
                        purpose: "Having a plan ready in your own words makes it easier to act early if mood dips again, so a bad week stays a bad week rather than becoming a slide.",
                        minutes: 25,
                        due_in_days: 7,
                    },
                    StarterHomework {
                        title: "Plan the next month",
                        kind: HomeworkKind::BehavioralActivation,
                        instructions: "Choose one activity linked to each of your values that you want to keep doing over the next month. Put each into your calendar on a regular day, and note one thing you will look forward to.",
                        purpose: "Building your valued activities into the weeks ahead keeps the progress going once our regular sessions are over.",
                        minutes: 15,
                        due_in_days: 5,
                    },
                ],
                check_ins: &[StarterCheckIn {
                    prompt: "Looking back over the programme, what is one change you are proud of?",
                    due_in_days: 5,
                }],
                resources: &[StarterResource {
                    title: "Keep-going plan template",
                    kind: ResourceKind::Worksheet,
                    description: "A template for writing down what has helped, your early warning signs, and the steps you will take if mood starts to slip.",
                }],
                measure: Some(Instrument::Phq9),
            },
        ],
    },
    StarterProgram {
        title: "Worry management",
        description: "A five-module programme for clients who spend much of their day worrying and find it hard to stop. The client learns to notice worry, postpone it to a set worry time, sort practical from hypothetical worries and solve the practical ones, loosen worry's hold by tolerating uncertainty, and plan how to keep using the skills. GAD-7 at the start, the midpoint and the end.",
        modules: &[
            StarterModule {
                title: "1. Noticing your worry",
                summary: "Worry often runs in the background, so the first step is to catch it. This week you will keep a simple worry diary to learn when, where and about what you worry.",
                unlock: Unlock::PreviousDone,
                homework: &[StarterHomework {
                    title: "Worry diary",
                    kind: HomeworkKind::Journaling,
                    instructions: "Three times a day, pause and note whether you have been worrying. If so, write down what the worry was about, where you were, roughly how long it lasted, and how anxious you felt from 0 to 10. A few words per entry is enough.",
                    purpose: "Catching worry as it happens shows its patterns and triggers, which is the foundation for everything else we do in this programme.",
                    minutes: 10,
                    due_in_days: 7,
                }],
                check_ins: &[StarterCheckIn {
                    prompt: "What have you noticed so far about when and where your worries tend to show up?",
                    due_in_days: 3,
                }],
                resources: &[StarterResource {
                    title: "Understanding worry",
                    kind: ResourceKind::Article,
                    description: "A short read on what worry is, why it can feel helpful even when it is not, and how it keeps itself going.",
                }],
                measure: Some(Instrument::Gad7),
            },
            StarterModule {
                title: "2. Setting a worry time",
                summary: "Instead of trying to stop worries, you will practise putting them off to a set time each day. Many people find this gives them more control than they expected.",
                unlock: Unlock::PreviousDone,
                homework: &[StarterHomework {
                    title: "Daily worry time",
                    kind: HomeworkKind::SkillPractice,
                    instructions: "Pick a 15-minute worry time each day, at the same time and place, not too close to bedtime. When a worry comes up during the day, jot it down in a word or two and gently bring your attention back to what you were doing. At worry time, look at your list and worry on purpose about anything that still feels important; when the time is up, stop.",
                    purpose: "Postponing worry shows you that you can set worries aside, and often that they feel less urgent later, which weakens the sense that worry is uncontrollable.",
                    minutes: 15,
                    due_in_days: 7,
                }],
                check_ins: &[
                    StarterCheckIn {
                        prompt: "How easy or hard has it been to put worries off until your worry time?",
                        due_in_days: 3,
                    },
                    StarterCheckIn {
                        prompt: "When you reached your worry time, did the worries on your list feel as important as they did earlier?",
                        due_in_days: 6,
                    },
                ],
                resources: &[],
                measure: None,
            },
            StarterModule {
                title: "3. Practical and hypothetical worries",
                summary: "Some worries are about real problems you can act on now; others are about what might happen one day. This module helps you tell them apart and tackle the practical ones step by step.",
                unlock: Unlock::PreviousDone,
                homework: &[
                    StarterHomework {
                        title: "Sort your worries",
                        kind: HomeworkKind::Other,
                        instructions: "During your worry time, go through your list and ask of each worry: is this about a problem happening now that I can do something about? Mark it practical if yes, and hypothetical if it is a \"what if\" about the future. Count how many fall into each group.",
                        purpose: "Sorting worries shows where action will help and where more worrying will not, so you can spend your energy where it makes a difference.",
                        minutes: 10,
                        due_in_days: 5,
                    },
                    StarterHomework {
                        title: "Solve one practical worry",
                        kind: HomeworkKind::SkillPractice,
                        instructions: "Choose one practical worry. Describe the problem in one sentence, list possible solutions without judging them, choose the most workable one, and break it into steps. Do the first step this week and note how it went.",
                        purpose: "Turning a practical worry into a plan replaces going round in circles with action, and often eases the worry itself.",
                        minutes: 20,
                        due_in_days: 7,
                    },
                ],
                check_ins: &[StarterCheckIn {
                    prompt: "Are most of your worries this week practical or hypothetical? Did anything about that surprise you?",
                    due_in_days: 4,
                }],
                resources: &[StarterResource {
                    title: "Worry sorting and problem-solving sheet",
                    kind: ResourceKind::Worksheet,
                    description: "A worksheet with a simple question to sort each worry, and space to work through the steps of solving a practical one.",
                }],
                measure: Some(Instrument::Gad7),
            },
            StarterModule {
                title: "4. Living with uncertainty",
                summary: "Hypothetical worries often come from wanting to be certain about things that cannot be known. This module helps you question your worries and practise letting uncertainty be, a little at a time.",
                unlock: Unlock::AfterDays(7),
                homework: &[
                    StarterHomework {
                        title: "Question one worry",
                        kind: HomeworkKind::ThoughtRecord,
                        instructions: "Pick one hypothetical worry. Write down what you fear will happen and how likely it feels from 0 to 100. Then write the evidence for and against it, what you would do if it did happen, and a more balanced view. Rate how likely it feels again.",
                        purpose: "Looking at a worry on paper often shows it is less likely, or more manageable, than it feels in your head, which loosens its grip.",
                        minutes: 15,
                        due_in_days: 7,
                    },
                    StarterHomework {
                        title: "Small uncertainty experiments",
                        kind: HomeworkKind::Exposure,
                        instructions: "Choose a few small everyday things where you usually seek certainty, such as checking a message twice, asking for reassurance or planning every detail. Try doing one of them differently each day and note how anxious you felt from 0 to 10, and what actually happened.",
                        purpose: "Practising small doses of uncertainty shows you that you can cope with not knowing, which makes hypothetical worries lose some of their pull.",
                        minutes: 10,
                        due_in_days: 7,
                    },
                ],
                check_ins: &[StarterCheckIn {
                    prompt: "What happened when you let something stay uncertain this week? How did it compare with what you expected?",
                    due_in_days: 4,
                }],
                resources: &[StarterResource {
                    title: "Tolerating uncertainty",
                    kind: ResourceKind::Article,
                    description: "A short read on why uncertainty feels so uncomfortable, and how small, planned experiments can make it easier to live with.",
                }],
                measure: None,
            },
            StarterModule {
                title: "5. Keeping it going",
                summary: "Worry may still visit from time to time, and that is normal. This last module helps you bring together what has worked and plan how to use your skills when worry rises again.",
                unlock: Unlock::PreviousDone,
                homework: &[StarterHomework {
                    title: "Write your worry toolkit",
                    kind: HomeworkKind::Other,
                    instructions: "Write down the skills that have helped you most in this programme, the situations in which worry is likely to rise again, and your early signs that it is building. For each sign, note which skill you will use. Keep the toolkit somewhere easy to find.",
                    purpose: "A plan in your own words helps you respond early when worry returns, so you can rely on the skills you have built rather than starting again.",
                    minutes: 20,
                    due_in_days: 7,
                }],
                check_ins: &[StarterCheckIn {
                    prompt: "Compared with when you started, how much of your day does worry take up now?",
                    due_in_days: 5,
                }],
                resources: &[StarterResource {
                    title: "Worry toolkit template",
                    kind: ResourceKind::Worksheet,
                    description: "A template for listing your most helpful skills, your early signs of rising worry, and what you will do when you notice them.",
                }],
                measure: Some(Instrument::Gad7),
            },
        ],
    },
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn check_str(s: &str, what: &str) {
        assert!(!s.trim().is_empty(), "empty string: {what}");
        assert!(s.chars().count() <= 2000, "too long: {what}");
    }

    #[test]
    fn starter_programs_are_well_formed() {
        assert_eq!(STARTER_PROGRAMS.len(), 2);
        assert_eq!(STARTER_PROGRAMS[0].modules.len(), 6);
        assert_eq!(STARTER_PROGRAMS[1].modules.len(), 5);
        for program in STARTER_PROGRAMS {
            check_str(program.title, "programme title");
            check_str(program.description, program.title);
            let mut titles = HashSet::new();
            for module in program.modules {
                assert!(
                    titles.insert(module.title),
                    "duplicate module title: {}",
                    module.title
                );
                check_str(module.title, "module title");
                check_str(module.summary, module.title);
                assert!(!module.homework.is_empty(), "no homework: {}", module.title);
                assert!(
                    !module.check_ins.is_empty(),
                    "no check-in: {}",
                    module.title
                );
                for homework in module.homework {
                    check_str(homework.title, module.title);
                    check_str(homework.instructions, homework.title);
                    check_str(homework.purpose, homework.title);
                    assert!(homework.minutes > 0, "minutes: {}", homework.title);
                    assert!(
                        (1..=14).contains(&homework.due_in_days),
                        "due: {}",
                        homework.title
                    );
                }
                for check_in in module.check_ins {
                    check_str(check_in.prompt, module.title);
                    assert!(
                        (1..=14).contains(&check_in.due_in_days),
                        "due: {}",
                        check_in.prompt
                    );
                }
                for resource in module.resources {
                    check_str(resource.title, module.title);
                    check_str(resource.description, resource.title);
                }
            }
        }
    }
}
