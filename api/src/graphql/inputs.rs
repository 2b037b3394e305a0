//! One check of every input value of a document before it executes, wherever the value is
//! written: inline in an argument, in a variable, or in a variable's default.
//!
//! - **Text**: no string may contain U+0000. PostgreSQL cannot store it in `text`, and no
//!   field of this API means it; it is refused as `BAD_USER_INPUT` naming the field, on both
//!   databases alike, before anything reads or writes.
//! - **Time**: every `DateTime` and `NaiveDate` lies in the supported range,
//!   [`values::EARLIEST`] to [`values::LATEST`] (1900-01-01 to 2200-12-31, UTC). PostgreSQL
//!   stores nothing before 4713 BC and SQLite would store year -5000; neither is a time of
//!   therapy.
//!
//! The types come from the schema's own SDL ([`SchemaIndex::of`]), so a new argument or input
//! field is covered without anyone listing it. Items of a batch that reports each item's own
//! outcome (`LogEntriesInput.entries`) are left to the service, which checks each one with
//! the same rules and stores the good ones.

use std::collections::{HashMap, HashSet};

use async_graphql::{
    Name, ServerError, Variables,
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
    },
};
use async_graphql_value::{ConstValue, Value};
use chrono::{DateTime, NaiveDate, Utc};

use super::index::{FieldInfo, SchemaIndex};
use crate::{error::ServiceError, values};

/// Input fields whose list items report their own errors (see the module's text).
const ITEMISED: &[(&str, &str)] = &[("LogEntriesInput", "entries")];

impl SchemaIndex {
    /// `BAD_USER_INPUT` naming the first value of `doc`'s operation (`operation`, or its only
    /// one) that breaks a rule of this module; variables are those sent with it.
    pub fn check_inputs(
        &self,
        doc: &ExecutableDocument,
        operation: Option<&str>,
        variables: &Variables,
    ) -> Result<(), ServerError> {
        let ops: Vec<_> = match (&doc.operations, operation) {
            (DocumentOperations::Single(op), _) => vec![op],
            (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).into_iter().collect(),
            // Several operations and no name (execution refuses it): all of them.
            (DocumentOperations::Multiple(ops), None) => ops.values().collect(),
        };
        for op in ops {
            self.check_operation(doc, &op.node, variables)?;
        }
        Ok(())
    }

    fn check_operation<'a>(
        &'a self,
        doc: &'a ExecutableDocument,
        op: &'a OperationDefinition,
        variables: &'a Variables,
    ) -> Result<(), ServerError> {
        let defaults = op
            .variable_definitions
            .iter()
            .filter_map(|d| Some((&d.node.name.node, &d.node.default_value.as_ref()?.node)))
            .collect();
        let mut checker = Checker {
            types: self,
            seen_fragments: HashSet::new(),
            doc,
            variables,
            defaults,
        };
        let root = self.root(op.ty);
        checker
            .selections(root, &op.selection_set.node)
            .map_err(to_server_error)
    }
}

fn to_server_error(e: ServiceError) -> ServerError {
    let gql: async_graphql::Error = crate::error::GqlError::from(e).into();
    gql.into_server_error(async_graphql::Pos::default())
}

struct Checker<'a> {
    types: &'a SchemaIndex,
    seen_fragments: HashSet<&'a Name>,
    doc: &'a ExecutableDocument,
    /// The variables sent, and the operation's defaults for those not sent.
    variables: &'a Variables,
    defaults: HashMap<&'a Name, &'a ConstValue>,
}

impl<'a> Checker<'a> {
    fn selections(&mut self, parent: &str, set: &'a SelectionSet) -> Result<(), ServiceError> {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let Some(FieldInfo { args, result, .. }) =
                        self.types.field(parent, f.name.node.as_str())
                    else {
                        // Unknown fields (and __typename, __schema): validation reports them.
                        for (name, value) in &f.arguments {
                            self.value("", &value.node, name.node.as_str())?;
                        }
                        continue;
                    };
                    for (name, value) in &f.arguments {
                        let ty = args.get(name.node.as_str()).map_or("", String::as_str);
                        // Named as the services name fields: from the argument down.
                        self.value(ty, &value.node, name.node.as_str())?;
                    }
                    self.selections(result, &f.selection_set.node)?;
                }
                Selection::InlineFragment(fr) => {
                    let fr = &fr.node;
                    let on = fr
                        .type_condition
                        .as_ref()
                        .map_or(parent.to_owned(), |c| c.node.on.node.to_string());
                    self.selections(&on, &fr.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    // A fragment's type condition fixes its parent: once is enough.
                    if !self.seen_fragments.insert(name) {
                        continue;
                    }
                    if let Some(def) = self.doc.fragments.get(name) {
                        let def = &def.node;
                        let on = def.type_condition.node.on.node.to_string();
                        self.selections(&on, &def.selection_set.node)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A value written in the document, or sent as a variable used there: either way errors
    /// name the argument's path (`input.title`), as the services name fields.
    fn value(&self, ty: &str, value: &Value, path: &str) -> Result<(), ServiceError> {
        match value {
            Value::Variable(name) => match self
                .variables
                .get(name)
                .or_else(|| self.defaults.get(name).copied())
            {
                Some(v) => self.value(ty, &v.clone().into_value(), path),
                None => Ok(()),
            },
            Value::String(s) => scalar(ty, s, path),
            Value::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| self.value(ty, v, &format!("{path}.{i}"))),
            Value::Object(fields) => {
                for (name, v) in fields {
                    if ITEMISED.contains(&(ty, name.as_str())) {
                        continue;
                    }
                    let field_ty = self.field_type(ty, name);
                    self.value(field_ty, v, &format!("{path}.{name}"))?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn field_type(&self, input: &str, field: &Name) -> &'a str {
        self.types
            .inputs
            .get(input)
            .and_then(|fields| fields.get(field.as_str()))
            .map_or("", String::as_str)
    }
}

/// The rules for one string of type `ty` (a name from the schema, or empty if unknown).
fn scalar(ty: &str, s: &str, path: &str) -> Result<(), ServiceError> {
    values::storable_text(s, path)?;
    match ty {
        "DateTime" => {
            if let Ok(t) = s.parse::<DateTime<Utc>>() {
                values::supported_instant(t, path)?;
            }
        }
        "NaiveDate" => {
            if let Ok(d) = s.parse::<NaiveDate>() {
                values::supported_date(d, path)?;
            }
        }
        _ => {}
    }
    Ok(())
}
