//! The credentials secret's rotation function: Secrets Manager calls it with each of the four steps
//! ([`clients::steps`]) in turn; `streamgate credentials rotate` calls it the same way, naming the
//! clients to rotate.

pub mod config;
pub mod event;
pub mod handler;

pub use config::Config;
pub use event::{Request, RotationEvent};
pub use handler::{RotationError, handle};
