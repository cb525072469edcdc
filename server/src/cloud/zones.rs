//! Running the same call in every zone at once, each with its own deadline, so one slow or dead zone
//! never blanks or slows the rest of a page.

use super::error::CloudError;
use std::future::Future;
use std::time::{Duration, Instant};

/// One zone's answer.
#[derive(Debug)]
pub struct ZoneOutcome<Z, T> {
    pub zone: Z,
    pub result: Result<T, CloudError>,
    pub elapsed: Duration,
}

/// Calls `f` for every zone concurrently; a zone that exceeds `deadline` yields `CloudError::Timeout`
/// without holding up the others. Results come back in the order of `zones`.
pub async fn across_zones<Z, T, F, Fut>(zones: Vec<Z>, deadline: Duration, label: &str, f: F) -> Vec<ZoneOutcome<Z, T>>
where
    Z: Clone,
    F: Fn(Z) -> Fut,
    Fut: Future<Output = Result<T, CloudError>>,
{
    let calls = zones.into_iter().map(|zone| {
        let fut = f(zone.clone());
        async move {
            let started = Instant::now();
            let result = match tokio::time::timeout(deadline, fut).await {
                Ok(r) => r,
                Err(_) => Err(CloudError::Timeout { command: label.to_string(), after: deadline }),
            };
            ZoneOutcome { zone, result, elapsed: started.elapsed() }
        }
    });
    futures::future::join_all(calls).await
}
