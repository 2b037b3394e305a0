//! GraphQL types of the FHIR export. The bundle travels as the `JSON` scalar: FHIR JSON is
//! its own standard, and an EHR hands it to its FHIR parser as it is.

use async_graphql::Json;

/// A FHIR R4 resource (here always a `Bundle`) as JSON.
pub type FhirJson = Json<serde_json::Value>;
