//! What every function shares at start and in its retry loops.
//!
//! Each Lambda function starts the same way: [`logging::init`], its typed configuration read once
//! through an [`Env`], its SDK clients built by the first request that
//! uses them ([`SdkClient`] over a [`LazySdk`], whose HTTPS client reads no trust store before a
//! request needs it); and each retry loop waits the same way: a
//! [`Backoff`] with jitter. One copy of each, so the functions differ only where they really do.

pub mod backoff;
pub mod env;
pub mod lazy_credentials;
pub mod logging;
pub mod sdk;
pub mod sdk_client;
pub mod tls_on_first_use;

pub use backoff::Backoff;
pub use env::{Env, EnvError};
pub use lazy_credentials::LazyCredentials;
pub use sdk::LazySdk;
pub use sdk_client::SdkClient;
pub use tls_on_first_use::TlsOnFirstUse;
