//! Zones, service offerings and templates change rarely and every page needs them: they are read with
//! the admin credential and cached for a minute, shared by all requests. When many requests miss at
//! once, one of them calls the cloud and the others wait for its answer.

use super::client::CloudStack;
use super::error::CloudError;
use super::types::{ServiceOffering, Template, Zone};
use app::model::{OfferingId, ZoneId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A value loaded on demand and kept for `ttl`; concurrent misses share one load.
pub struct Cached<T> {
    ttl: Duration,
    slot: tokio::sync::Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> Cached<T> {
    pub fn new(ttl: Duration) -> Self {
        Cached { ttl, slot: tokio::sync::Mutex::new(None) }
    }

    pub async fn get_or_load<F, Fut>(&self, load: F) -> Result<Arc<T>, CloudError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, CloudError>>,
    {
        // Holding the lock across the load is what makes concurrent misses wait for one answer.
        let mut slot = self.slot.lock().await;
        if let Some((at, v)) = slot.as_ref() {
            if at.elapsed() < self.ttl {
                return Ok(v.clone());
            }
        }
        let v = Arc::new(load().await?);
        *slot = Some((Instant::now(), v.clone()));
        Ok(v)
    }
}

pub struct Catalog {
    admin: CloudStack,
    ttl: Duration,
    zones: Cached<Vec<Zone>>,
    offerings: Cached<Vec<ServiceOffering>>,
    templates: Mutex<HashMap<ZoneId, Arc<Cached<Vec<Template>>>>>,
}

impl Catalog {
    pub fn new(admin: CloudStack, ttl: Duration) -> Catalog {
        Catalog { admin, ttl, zones: Cached::new(ttl), offerings: Cached::new(ttl), templates: Mutex::new(HashMap::new()) }
    }

    /// Zones open for deployment, in the cloud's order.
    pub async fn zones(&self) -> Result<Arc<Vec<Zone>>, CloudError> {
        self.zones.get_or_load(|| self.admin.list_zones()).await
    }

    pub async fn zone(&self, id: &ZoneId) -> Result<Option<Zone>, CloudError> {
        Ok(self.zones().await?.iter().find(|z| &z.id == id).cloned())
    }

    pub async fn offerings(&self) -> Result<Arc<Vec<ServiceOffering>>, CloudError> {
        self.offerings.get_or_load(|| self.admin.list_service_offerings()).await
    }

    pub async fn offering(&self, id: &OfferingId) -> Result<Option<ServiceOffering>, CloudError> {
        Ok(self.offerings().await?.iter().find(|o| &o.id == id).cloned())
    }

    /// Public templates ready to deploy in `zone_id`.
    pub async fn templates(&self, zone_id: &ZoneId) -> Result<Arc<Vec<Template>>, CloudError> {
        let cell = {
            let mut map = self.templates.lock().expect("catalog lock");
            map.entry(zone_id.clone()).or_insert_with(|| Arc::new(Cached::new(self.ttl))).clone()
        };
        cell.get_or_load(|| async {
            let all = self.admin.list_templates("featured", Some(zone_id)).await?;
            Ok(all.into_iter().filter(|t| t.isready).collect())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn many_concurrent_misses_make_one_load() {
        let cache = Arc::new(Cached::<u32>::new(Duration::from_secs(60)));
        let loads = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (cache, loads) = (cache.clone(), loads.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_load(|| async {
                            loads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(7)
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(*t.await.unwrap(), 7);
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_load_is_not_cached_and_an_expired_value_reloads() {
        let cache = Cached::<u32>::new(Duration::from_millis(10));
        let err = cache.get_or_load(|| async { Err(CloudError::Http { command: "listZones".into(), status: 503 }) }).await;
        assert!(err.is_err());
        assert_eq!(*cache.get_or_load(|| async { Ok(1) }).await.unwrap(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(*cache.get_or_load(|| async { Ok(2) }).await.unwrap(), 2);
    }
}
