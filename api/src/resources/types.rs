//! GraphQL types of resources and support contacts.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::domain::ResourceKind;

/// What kind of resource it is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::ResourceKind")]
pub enum ResourceKindValue {
    /// An article to read.
    Article,
    /// A book.
    Book,
    /// A website.
    Website,
    /// A video.
    Video,
    /// A worksheet to fill in.
    Worksheet,
    /// A support group.
    SupportGroup,
    /// A crisis line to call or text in an emergency.
    CrisisLine,
    /// A phone app.
    App,
}

/// A resource in the practice's library.
pub struct Resource {
    pub model: entity::resource::Model,
}

impl From<entity::resource::Model> for Resource {
    fn from(model: entity::resource::Model) -> Self {
        Self { model }
    }
}

/// A resource in the practice's library: reading, a website, a group, a crisis line.
#[Object]
impl Resource {
    /// The resource's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// Its title.
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// What kind of resource it is.
    async fn kind(&self) -> Option<ResourceKindValue> {
        ResourceKind::parse(&self.model.kind).map(Into::into)
    }
    /// Where to find it (http or https).
    async fn url(&self) -> Option<&str> {
        self.model.url.as_deref()
    }
    /// What it is and who it helps.
    async fn description(&self) -> &str {
        &self.model.description
    }
    /// Lower-case tags, e.g. `sleep`, `anxiety`.
    async fn tags(&self) -> Vec<String> {
        serde_json::from_value(self.model.tags.clone()).unwrap_or_default()
    }
    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// A resource shared with a client.
pub struct ResourceShare {
    pub share: entity::resource_share::Model,
    pub resource: entity::resource::Model,
}

/// A resource shared with a client, and whether they opened it.
#[Object]
impl ResourceShare {
    /// The share's id (for `markResourceOpened`).
    async fn id(&self) -> ID {
        ID(self.share.id.to_string())
    }
    /// The resource.
    async fn resource(&self) -> Resource {
        self.resource.clone().into()
    }
    /// Why the care team shared it.
    async fn note(&self) -> Option<&str> {
        self.share.note.as_deref()
    }
    /// Who shared it.
    async fn shared_by(&self) -> ID {
        ID(self.share.shared_by.to_string())
    }
    /// When it was shared.
    async fn shared_at(&self) -> DateTime<Utc> {
        self.share.created_at
    }
    /// Whether the client opened it.
    async fn opened(&self) -> bool {
        self.share.opened_at.is_some()
    }
    /// When the client first opened it.
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.share.opened_at
    }
}

/// Someone in a client's support network.
#[derive(SimpleObject)]
pub struct SupportContact {
    /// The contact's id.
    pub id: ID,
    /// Their name.
    pub name: String,
    /// Who they are to the client, e.g. "sister".
    pub relationship: String,
    /// How they help.
    pub how_they_help: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<entity::support_contact::Model> for SupportContact {
    fn from(c: entity::support_contact::Model) -> Self {
        Self {
            id: ID(c.id.to_string()),
            name: c.name,
            relationship: c.relationship,
            how_they_help: c.how_they_help,
            phone: c.phone,
            version: c.version,
            updated_at: c.updated_at,
        }
    }
}

/// Add a resource to the practice's library.
#[derive(InputObject)]
pub struct CreateResourceInput {
    /// Its title (1 to 200 characters).
    pub title: String,
    /// What kind of resource it is.
    pub kind: ResourceKindValue,
    /// Where to find it: an http or https address.
    pub url: Option<String>,
    /// What it is and who it helps (1 to 2,000 characters).
    pub description: String,
    /// Up to 10 tags of up to 40 characters.
    pub tags: Option<Vec<String>>,
}

/// Share a library resource with a client.
#[derive(InputObject)]
pub struct ShareResourceInput {
    /// The client.
    pub client_id: ID,
    /// The resource.
    pub resource_id: ID,
    /// Why you share it (at most 1,000 characters).
    pub note: Option<String>,
}

/// Mark a shared resource opened.
#[derive(InputObject)]
pub struct MarkResourceOpenedInput {
    /// The share (`ResourceShare.id`).
    pub share_id: ID,
}

/// Add someone to your support network.
#[derive(InputObject)]
pub struct AddSupportContactInput {
    /// Their name (1 to 120 characters).
    pub name: String,
    /// Who they are to you, e.g. "sister" (1 to 60 characters).
    pub relationship: String,
    /// How they help (at most 1,000 characters).
    pub how_they_help: Option<String>,
    /// A phone number (at most 40 characters).
    pub phone: Option<String>,
}

/// Change a support contact. Omitted fields stay; null clears an optional one.
#[derive(InputObject)]
pub struct UpdateSupportContactInput {
    /// The contact.
    pub contact_id: ID,
    /// The `version` you last read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// New name (cannot be null).
    pub name: MaybeUndefined<String>,
    /// New relationship (cannot be null).
    pub relationship: MaybeUndefined<String>,
    /// How they help.
    pub how_they_help: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
}

/// Remove a support contact.
#[derive(InputObject)]
pub struct RemoveSupportContactInput {
    /// The contact.
    pub contact_id: ID,
}

/// The resource after a change.
#[derive(SimpleObject)]
pub struct ResourcePayload {
    /// The resource.
    pub resource: Resource,
}

/// The share after a change.
#[derive(SimpleObject)]
pub struct ResourceSharePayload {
    /// The share.
    pub share: ResourceShare,
}

/// The contact after a change.
#[derive(SimpleObject)]
pub struct SupportContactPayload {
    /// The contact.
    pub contact: SupportContact,
}

/// The removed contact.
#[derive(SimpleObject)]
pub struct RemoveSupportContactPayload {
    /// The id of the removed contact.
    pub removed_id: ID,
}
