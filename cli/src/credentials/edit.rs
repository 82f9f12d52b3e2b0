//! Reading the clients, and `add`/`remove`: one new version through [`clients::steps::apply`] (the
//! rotation function's createSecret, setSecret, testSecret and finishSecret in a row), so the new
//! version is checked before it becomes `AWSCURRENT` and nothing else ever writes the secret.

use anyhow::Context as _;
use clients::store::{CURRENT, VersionRef};
use clients::{Change, Document, Parsed, RoutePattern, SecretStore as _, steps};

use super::print;
use super::target::Target;

/// The current version's id and clients, read leniently (as the authorizer reads them).
async fn current(target: &Target) -> anyhow::Result<(String, Parsed)> {
    let version = target
        .store
        .get(VersionRef::Stage(CURRENT))
        .await
        .with_context(|| format!("reading the secret {} of {}", target.secret, target.place()))?
        .with_context(|| format!("the secret {} has no AWSCURRENT version", target.secret))?;
    let parsed = Document::parse(&version.text).with_context(|| format!("the secret {}", target.secret))?;
    Ok((version.id, parsed))
}

/// `list`.
pub async fn list(target: &Target) -> anyhow::Result<String> {
    let (version, parsed) = current(target).await?;
    Ok(print::list(&target.secret, &version, &parsed.document, &parsed.skipped))
}

/// `show NAME [--reveal]`.
pub async fn show(target: &Target, name: &str, reveal: bool) -> anyhow::Result<String> {
    let (version, parsed) = current(target).await?;
    let client = parsed
        .document
        .client(name)
        .with_context(|| format!("no client named {name:?} in {}", target.secret))?;
    Ok(print::show(client, &version, reveal, &target.flags()))
}

/// `add NAME [--routes ...] [--reveal]`.
pub async fn add(
    target: &Target,
    name: &str,
    routes: Option<Vec<RoutePattern>>,
    reveal: bool,
) -> anyhow::Result<String> {
    let change = Change::Add {
        username: name.to_string(),
        routes,
    };
    let applied = steps::apply(&target.store, &change)
        .await
        .with_context(|| format!("adding {name:?} to {} of {}", target.secret, target.place()))?;
    let mut text = format!("added {name} (version {} is AWSCURRENT)\n", applied.version);
    text.extend(applied.weak_warning());
    if reveal {
        let version = target
            .store
            .get(VersionRef::Id(&applied.version))
            .await?
            .context("the new version is gone")?;
        let document = Document::parse_strict(&version.text)?;
        let client = document.client(name).context("the new version lacks the client")?;
        text.push_str(&print::revealed(client));
    } else {
        text.push_str(&format!(
            "its password: streamgate credentials{} show {name} --reveal\n",
            target.flags()
        ));
    }
    Ok(text)
}

/// `remove NAME`.
pub async fn remove(target: &Target, name: &str) -> anyhow::Result<String> {
    let applied = steps::apply(&target.store, &Change::Remove(name.to_string()))
        .await
        .with_context(|| format!("removing {name:?} from {} of {}", target.secret, target.place()))?;
    let mut text = format!("removed {name} (version {} is AWSCURRENT)\n", applied.version);
    text.extend(applied.weak_warning());
    Ok(text)
}
