//! Reading `template.yaml`: the local stage's only source of routes, names and settings.
//!
//! [`yaml`] turns CloudFormation's short-form tags (`!Ref`, `!GetAtt`, `!Sub`, ...) into their long
//! JSON form; [`parameters`] applies `--parameter-overrides` after checking them against the
//! template's constraints; [`intrinsics::Resolver`] evaluates intrinsic functions against parameter
//! values and the local resources; [`plan::Plan`] is what the stage emulates, as typed specs, and
//! what it does not.

pub mod intrinsics;
pub mod parameters;
pub mod plan;
mod properties;
pub mod specs;
pub mod yaml;

use std::path::Path;

use serde_json::Value as Json;

pub use intrinsics::{LOCAL_STACK, Resolver, scalar_text};
pub use plan::Plan;
pub use specs::{
    AuthorizerSpec, FunctionSpec, Integration, LoggingSpec, MappingSpec, QueueSpec, RotationSpec, Route, SecretSpec,
    StreamSpec, TableSpec,
};

/// The template cannot be used by the local stage.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML does not parse.
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    /// A `--parameter-overrides` value the template does not allow (or an unknown parameter).
    #[error("parameter {name}: {message}")]
    Parameter {
        /// The parameter.
        name: String,
        /// Which constraint the value breaks.
        message: String,
    },
    /// Something the stage needs is missing or has an unexpected shape.
    #[error("template: {0}")]
    Shape(String),
}

pub(crate) fn shape(message: impl Into<String>) -> TemplateError {
    TemplateError::Shape(message.into())
}

/// Reads a template file into long-form JSON.
pub fn load(path: &Path) -> Result<Json, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    yaml::parse(&text)
}
