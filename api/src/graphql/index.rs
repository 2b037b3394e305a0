//! What the checks before execution need to know of the schema, read once from its own SDL:
//! each field's arguments and result, each input object's fields, the root types and which
//! types are connections. The input rules (`inputs`) and the cost (`cost`) walk documents
//! with it, so a field added to the schema is covered without anyone listing it.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

/// One output field.
#[derive(Debug, Clone)]
pub struct FieldInfo {
    /// Argument → its named type.
    pub args: HashMap<String, String>,
    /// The named type under lists and non-nulls.
    pub result: String,
    /// Whether the field returns a list.
    pub list: bool,
}

/// The schema, indexed for walking documents.
#[derive(Debug, Default)]
pub struct SchemaIndex {
    /// (type, field) → the field.
    pub(super) fields: HashMap<(String, String), FieldInfo>,
    /// Input object → (field → its named type).
    pub(super) inputs: HashMap<String, HashMap<String, String>>,
    /// The query, mutation and subscription root types.
    pub(super) roots: [String; 3],
    /// Types with `pageInfo` (Relay connections).
    pub(super) connections: HashSet<String>,
}

/// The named type under any list and non-null wrappers.
pub fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

impl SchemaIndex {
    /// The index of the schema whose SDL is `sdl` (empty if it does not parse).
    pub fn of(sdl: &str) -> Self {
        let mut index = Self {
            roots: [
                "QueryRoot".to_owned(),
                "MutationRoot".to_owned(),
                "SubscriptionRoot".to_owned(),
            ],
            ..Self::default()
        };
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            return index;
        };
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    let s = s.node;
                    for (i, root) in [s.query, s.mutation, s.subscription]
                        .into_iter()
                        .enumerate()
                    {
                        if let Some(name) = root {
                            index.roots[i] = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    let name = t.name.node.to_string();
                    let fields = match t.kind {
                        TypeKind::Object(o) => o.fields,
                        TypeKind::Interface(i) => i.fields,
                        TypeKind::InputObject(i) => {
                            let fields = i
                                .fields
                                .into_iter()
                                .map(|f| {
                                    let f = f.node;
                                    (f.name.node.to_string(), named(&f.ty.node).to_owned())
                                })
                                .collect();
                            index.inputs.insert(name, fields);
                            continue;
                        }
                        _ => continue,
                    };
                    for f in fields {
                        let f = f.node;
                        if f.name.node == "pageInfo" {
                            index.connections.insert(name.clone());
                        }
                        let args = f
                            .arguments
                            .iter()
                            .map(|a| {
                                let a = &a.node;
                                (a.name.node.to_string(), named(&a.ty.node).to_owned())
                            })
                            .collect();
                        let list = is_list(&f.ty.node);
                        index.fields.insert(
                            (name.clone(), f.name.node.to_string()),
                            FieldInfo {
                                args,
                                result: named(&f.ty.node).to_owned(),
                                list,
                            },
                        );
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        index
    }

    /// The root type of an operation of kind `ty`.
    pub fn root(&self, ty: async_graphql::parser::types::OperationType) -> &str {
        use async_graphql::parser::types::OperationType;
        &self.roots[match ty {
            OperationType::Query => 0,
            OperationType::Mutation => 1,
            OperationType::Subscription => 2,
        }]
    }

    /// The field `field` of type `parent`, if the schema has it.
    pub fn field(&self, parent: &str, field: &str) -> Option<&FieldInfo> {
        self.fields.get(&(parent.to_owned(), field.to_owned()))
    }

    /// Whether `ty` is a connection.
    pub fn is_connection(&self, ty: &str) -> bool {
        self.connections.contains(ty)
    }

    /// Every (type, field) that returns a plain list of objects (not a connection's
    /// `edges` or `nodes`), for the cost's declared maxima.
    pub fn object_lists(&self) -> Vec<(String, String)> {
        let objects: HashSet<&str> = self.fields.keys().map(|(t, _)| t.as_str()).collect();
        let mut out: Vec<(String, String)> = self
            .fields
            .iter()
            .filter(|((t, _), f)| {
                f.list && objects.contains(f.result.as_str()) && !self.connections.contains(t)
            })
            .map(|(k, _)| k.clone())
            .collect();
        out.sort();
        out
    }
}

fn is_list(ty: &Type) -> bool {
    matches!(ty.base, BaseType::List(_))
}
