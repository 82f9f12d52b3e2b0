//! The AWS emulator the stage provisions and its clients call: moto server (or the emulator at the
//! given endpoint), with the PutRecord guard in front of its Kinesis.

use std::net::Ipv4Addr;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StageError;
use crate::options::Options;
use crate::put_record_guard;
use crate::server::{bind, serve};

/// Starts moto server unless the options name an emulator; returns it (kept alive by the stage) and
/// the endpoint.
pub(super) fn start(options: &Options) -> Result<(Option<motoserver::Moto>, String), StageError> {
    Ok(match &options.endpoint {
        Some(endpoint) => (None, endpoint.clone()),
        None => {
            let moto = motoserver::Moto::start_on(&motoserver::moto_python(), options.moto_port)?;
            let endpoint = moto.endpoint().to_string();
            (Some(moto), endpoint)
        }
    })
}

/// Serves the PutRecord guard in front of the emulator's Kinesis (its server joins `tasks`); returns
/// its URL. Every Kinesis client of the stage goes through it (see [`put_record_guard`]).
pub(super) async fn put_record_guard(
    endpoint: &str,
    http: &httpclient::HttpClient,
    stopping: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<String, StageError> {
    let (listener, kinesis_url) = bind("Kinesis PutRecord guard", (Ipv4Addr::LOCALHOST, 0).into()).await?;
    tasks.push(serve(
        listener,
        put_record_guard::router(endpoint, http.clone()),
        stopping.clone(),
    ));
    Ok(kinesis_url)
}
