//! The `streamgate` command line: the local stage (`streamgate local`), and tools around the API.

pub mod item;
pub mod local;
pub mod post;
