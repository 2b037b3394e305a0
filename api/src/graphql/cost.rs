//! The cost of a document before it runs, weighted by how many of each thing it can return.
//!
//! Every field costs 1. What a field selects below it is multiplied by how many of the
//! field there can be:
//!
//! - a connection: its `first` or `last` (inline or from a variable), else the default page
//!   ([`DEFAULT_PAGE`]), at most [`MAX_PAGE`]; the multiple applies to `edges` and `nodes`,
//!   not to `totalCount` or `pageInfo`;
//! - a plain list of objects: its declared maximum ([`maximum`]), which the service enforces
//!   (a cap on creation, or in the SQL that loads it);
//! - anything else: 1.
//!
//! A cycle (goals → plans → goal → plans …) is costed at every level it is spelled, so a
//! document that would fan out is refused before it runs, however each level is written.
//! The document's cost is at most `MOMENTUM_MAX_COMPLEXITY`.

use std::collections::HashMap;

use async_graphql::{
    Variables,
    parser::types::{DocumentOperations, ExecutableDocument, Field, Selection, SelectionSet},
};
use async_graphql_value::{ConstValue, Value};

use super::index::SchemaIndex;
use crate::{
    alerts, automations, briefs, checkins, clients, goals, homework, insights, measures,
    pagination::{DEFAULT_PAGE, MAX_PAGE},
    plans, programs, reminders, reports, resources, tracking, webhooks,
};

/// One per instrument (PHQ-9, GAD-7), one per obstacle kind.
const INSTRUMENTS: u64 = measures::domain::Instrument::ALL.len() as u64;
const OBSTACLE_KINDS: u64 = plans::domain::ObstacleKind::ALL.len() as u64;

/// The declared most items of each plain list of objects, and where that is enforced. A
/// test checks that every such list of the schema is here.
pub const LIST_MAXIMA: &[(&str, &str, u64)] = &[
    // Capped where they are written (a count or a validation before every insert).
    ("ActionPlan", "actions", plans::domain::ACTIONS_MAX as u64),
    (
        "ActionPlan",
        "obstacles",
        plans::domain::OBSTACLES_MAX as u64,
    ),
    (
        "ActionPlanRevision",
        "actions",
        plans::domain::ACTIONS_MAX as u64,
    ),
    (
        "ActionPlanRevision",
        "obstacles",
        plans::domain::OBSTACLES_MAX as u64,
    ),
    ("Client", "goals", goals::domain::GOALS_PER_CLIENT_MAX),
    ("Client", "supportContacts", resources::domain::CONTACTS_MAX),
    ("Goal", "steps", goals::domain::STEPS_MAX),
    ("Goal", "actionPlans", plans::domain::PLANS_PER_GOAL_MAX),
    (
        "Homework",
        "occurrences",
        homework::domain::OCCURRENCES_MAX as u64,
    ),
    (
        "BriefHomeworkToReview",
        "submissions",
        homework::domain::OCCURRENCES_MAX as u64,
    ),
    ("ReorderGoalStepsPayload", "steps", goals::domain::STEPS_MAX),
    (
        "ScheduleCheckInPayload",
        "checkIns",
        checkins::domain::OCCURRENCES_MAX as u64,
    ),
    (
        "LogEntriesPayload",
        "results",
        tracking::domain::BATCH_MAX as u64,
    ),
    (
        "ThoughtRecord",
        "emotions",
        tracking::domain::EMOTIONS_MAX as u64,
    ),
    ("SessionBrief", "goals", goals::domain::GOALS_PER_CLIENT_MAX),
    // Capped in the SQL that loads them (a per-parent window, or LIMIT).
    ("ActionPlan", "revisions", plans::service::REVISIONS_LISTED),
    (
        "Client",
        "actionPlans",
        plans::service::PLANS_PER_CLIENT_LISTED,
    ),
    ("Client", "careTeam", clients::service::CARE_TEAM_LISTED),
    ("Client", "homework", homework::service::HOMEWORK_LISTED),
    (
        "Client",
        "homeworkToReview",
        homework::service::TO_REVIEW_LISTED,
    ),
    ("Client", "resources", resources::service::SHARES_LISTED),
    ("Client", "trackers", tracking::service::TRACKERS_LISTED),
    ("Client", "checkIns", checkins::service::LIST_MAX),
    (
        "Client",
        "upcomingReminders",
        reminders::service::UPCOMING_MAX,
    ),
    ("Client", "programs", programs::service::ENROLLMENTS_LISTED),
    ("QueryRoot", "programs", programs::domain::PROGRAMS_MAX),
    ("Program", "modules", programs::domain::MODULES_MAX as u64),
    (
        "ProgramEnrollment",
        "modules",
        programs::domain::MODULES_MAX as u64,
    ),
    (
        "ProgramModule",
        "homework",
        programs::domain::WORK_MAX as u64,
    ),
    (
        "ProgramModule",
        "checkIns",
        programs::domain::WORK_MAX as u64,
    ),
    ("QueryRoot", "automations", automations::service::RULES_MAX),
    (
        "QueryRoot",
        "automationVersions",
        automations::service::VERSIONS_LISTED,
    ),
    (
        "QueryRoot",
        "automationFirings",
        automations::service::FIRINGS_LISTED,
    ),
    (
        "AutomationDryRun",
        "wouldFire",
        automations::service::DRY_RUN_EVENTS_MAX,
    ),
    (
        "AutomationRule",
        "conditions",
        automations::domain::PARTS_MAX as u64,
    ),
    (
        "AutomationRule",
        "actions",
        automations::domain::PARTS_MAX as u64,
    ),
    (
        "AutomationRuleVersion",
        "conditions",
        automations::domain::PARTS_MAX as u64,
    ),
    (
        "AutomationRuleVersion",
        "actions",
        automations::domain::PARTS_MAX as u64,
    ),
    ("Client", "measureHistory", measures::service::HISTORY_MAX),
    ("Client", "alerts", alerts::domain::CLIENT_LIST_MAX),
    (
        "SessionBrief",
        "openAlerts",
        alerts::domain::CLIENT_LIST_MAX,
    ),
    ("SessionBrief", "trackers", briefs::domain::TRACKERS_MAX),
    ("BriefCheckIns", "answers", briefs::domain::CHECK_INS_MAX),
    ("BriefHomework", "toReview", briefs::domain::TO_REVIEW_MAX),
    ("BriefMeasures", "responses", briefs::domain::MEASURES_MAX),
    (
        "TherapySession",
        "homeworkToReview",
        homework::service::TO_REVIEW_LISTED,
    ),
    (
        "WebhookDelivery",
        "attempts",
        webhooks::service::ATTEMPTS_LISTED,
    ),
    ("PracticeReport", "rows", reports::service::ROWS_MAX as u64),
    (
        "SubmitMeasurePayload",
        "crisisResources",
        measures::service::CRISIS_RESOURCES_MAX,
    ),
    ("Tracker", "topContexts", tracking::trends::CONTEXTS_MAX),
    (
        "Tracker",
        "series",
        tracking::domain::SERIES_BUCKETS_MAX as u64,
    ),
    // Fixed sets.
    ("BriefMeasures", "changes", INSTRUMENTS),
    ("Client", "measuresDue", INSTRUMENTS),
    ("PracticeReportRow", "outcomes", INSTRUMENTS),
    ("QueryRoot", "instruments", INSTRUMENTS),
    ("Client", "obstacleSummary", OBSTACLE_KINDS),
    ("SessionBrief", "obstacles", OBSTACLE_KINDS),
    ("SessionBrief", "agenda", briefs::domain::AGENDA_MAX as u64),
    (
        "Tracker",
        "timeOfDay",
        tracking::domain::PartOfDay::ALL.len() as u64,
    ),
    (
        "Momentum",
        "components",
        insights::domain::COMPONENTS as u64,
    ),
    // The instruments' own tables (PHQ-9: 9 items, 4 options, 5 bands).
    ("InstrumentInfo", "items", 9),
    ("InstrumentInfo", "options", 4),
    ("InstrumentInfo", "bands", 5),
];

/// The declared maximum of the plain list `parent.field`, if declared.
pub fn maximum(parent: &str, field: &str) -> Option<u64> {
    LIST_MAXIMA
        .iter()
        .find(|(t, f, _)| *t == parent && *f == field)
        .map(|(_, _, n)| *n)
}

/// A plain list nobody declared a maximum for counts as this many (a test keeps the table
/// complete, so this only guards against a list added without one).
const UNDECLARED_LIST: u64 = MAX_PAGE;

impl SchemaIndex {
    /// The cost of `doc`'s operation (`operation`, or every one when it has several and
    /// none is named), with `variables`.
    pub fn cost(
        &self,
        doc: &ExecutableDocument,
        operation: Option<&str>,
        variables: &Variables,
    ) -> u64 {
        let ops: Vec<_> = match (&doc.operations, operation) {
            (DocumentOperations::Single(op), _) => vec![op],
            (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).into_iter().collect(),
            (DocumentOperations::Multiple(ops), None) => ops.values().collect(),
        };
        ops.iter()
            .map(|op| {
                let defaults = op
                    .node
                    .variable_definitions
                    .iter()
                    .filter_map(|d| {
                        Some((
                            d.node.name.node.as_str(),
                            &d.node.default_value.as_ref()?.node,
                        ))
                    })
                    .collect();
                let walk = Walk {
                    index: self,
                    doc,
                    variables,
                    defaults,
                };
                walk.set(self.root(op.node.ty), &op.node.selection_set.node, 0, None)
            })
            .fold(0, u64::saturating_add)
    }
}

struct Walk<'a> {
    index: &'a SchemaIndex,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    /// The operation's variable defaults, for variables not sent.
    defaults: HashMap<&'a str, &'a ConstValue>,
}

/// Fragment spreads deeper than this count nothing more (validation refuses cycles; the
/// field cap, checked first, bounds the rest).
const MAX_SPREADS: usize = 64;

impl Walk<'_> {
    /// The cost of `set` on type `parent`. `page` is `Some(n)` when `parent` is a connection
    /// of `n` items: its `edges` and `nodes` then count `n` times, wherever they are spelled
    /// (inside fragments too); `totalCount` and `pageInfo` once.
    fn set(&self, parent: &str, set: &SelectionSet, spreads: usize, page: Option<u64>) -> u64 {
        let mut total: u64 = 0;
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(f) => match page {
                    Some(n) if matches!(f.node.name.node.as_str(), "edges" | "nodes") => {
                        // A list of `n`: its items' selection `n` times (not its own maximum).
                        let item = self
                            .index
                            .field(parent, f.node.name.node.as_str())
                            .map_or("", |i| i.result.as_str());
                        1u64.saturating_add(
                            self.set(item, &f.node.selection_set.node, spreads, None)
                                .saturating_mul(n),
                        )
                    }
                    _ => self.field(parent, &f.node, spreads),
                },
                Selection::InlineFragment(fr) => {
                    let on = fr
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.set(on, &fr.node.selection_set.node, spreads, page)
                }
                Selection::FragmentSpread(spread) => {
                    if spreads >= MAX_SPREADS {
                        continue;
                    }
                    match self.doc.fragments.get(&spread.node.fragment_name.node) {
                        Some(def) => self.set(
                            def.node.type_condition.node.on.node.as_str(),
                            &def.node.selection_set.node,
                            spreads + 1,
                            page,
                        ),
                        None => 0,
                    }
                }
            };
            total = total.saturating_add(cost);
        }
        total
    }

    fn field(&self, parent: &str, f: &Field, spreads: usize) -> u64 {
        let name = f.name.node.as_str();
        let Some(info) = self.index.field(parent, name) else {
            // `__typename`, introspection and unknown fields (validation reports those).
            return 1u64.saturating_add(self.set("", &f.selection_set.node, spreads, None));
        };
        if self.index.is_connection(&info.result) {
            let n = self.page_size(f);
            return 1u64.saturating_add(self.set(
                &info.result,
                &f.selection_set.node,
                spreads,
                Some(n),
            ));
        }
        let times = if info.list && !f.selection_set.node.items.is_empty() {
            maximum(parent, name).unwrap_or(UNDECLARED_LIST)
        } else {
            1
        };
        1u64.saturating_add(
            self.set(&info.result, &f.selection_set.node, spreads, None)
                .saturating_mul(times),
        )
    }

    /// `first` or `last` of a connection field, inline or from a variable; the default
    /// page when neither is given; never more than a page can hold.
    fn page_size(&self, f: &Field) -> u64 {
        let given = f
            .arguments
            .iter()
            .filter(|(name, _)| matches!(name.node.as_str(), "first" | "last"))
            .filter_map(|(_, value)| match &value.node {
                Value::Number(n) => n.as_u64(),
                Value::Variable(v) => match self
                    .variables
                    .get(v)
                    .or_else(|| self.defaults.get(v.as_str()).copied())
                {
                    Some(ConstValue::Number(n)) => n.as_u64(),
                    _ => None,
                },
                _ => None,
            })
            .max();
        given.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plain_list_of_objects_in_the_schema_declares_its_maximum() {
        let index = SchemaIndex::of(&crate::schema::sdl());
        let lists = index.object_lists();
        assert!(lists.len() > 20, "{lists:?}");
        let missing: Vec<String> = lists
            .iter()
            .filter(|(t, f)| maximum(t, f).is_none())
            .map(|(t, f)| format!("{t}.{f}"))
            .collect();
        assert!(
            missing.is_empty(),
            "declare these lists' maxima in LIST_MAXIMA (and enforce them): {missing:?}"
        );
        let stale: Vec<String> = LIST_MAXIMA
            .iter()
            .filter(|(t, f, _)| !lists.contains(&((*t).to_owned(), (*f).to_owned())))
            .map(|(t, f, _)| format!("{t}.{f}"))
            .collect();
        assert!(stale.is_empty(), "not plain lists of the schema: {stale:?}");
    }
}
