//! The catalogue customers choose from: zones, sizes with their prices, images. Zones, offerings and
//! templates come from the cloud (cached, see `cloud::catalog`); prices are Zenith's own.

pub mod repo;

use crate::cloud::catalog::Catalog;
use crate::cloud::types::ServiceOffering;
use crate::cloud::{CloudFailure, InZone};
use crate::db::Db;
use app::error::AppError;
use app::model::{Currency, Money, Offering, Template, Tier, Zone, ZoneId};
use app::ports::Principal;
use std::sync::Arc;

crate::feature_error! {
    pub enum CatalogError {
        #[error("There is no such zone.")]
        NoSuchZone,
    }
    causes { Cloud(CloudFailure) }
}

impl From<CatalogError> for AppError {
    fn from(e: CatalogError) -> AppError {
        match e {
            CatalogError::NoSuchZone => AppError::invalid("zone_id", e.to_string()),
            CatalogError::Cloud(f) => f.into(),
            CatalogError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

/// A price list: hourly price and monthly cap per offering name.
#[derive(Debug, Clone, Default)]
pub struct Prices(Vec<repo::PriceRow>);

impl Prices {
    pub fn of(&self, offering_name: &str, currency: Currency) -> Option<(Money, Money)> {
        self.0
            .iter()
            .find(|p| p.offering_name == offering_name)
            .map(|p| (Money::new(p.hourly_minor, currency), Money::new(p.monthly_minor, currency)))
    }
}

#[derive(Clone)]
pub struct CatalogService {
    pub(crate) db: Db,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) currency: Currency,
}

/// What the panel shows of an offering; `None` for one that is neither Agile nor Stamina.
pub fn offering_view(o: &ServiceOffering, price: Option<(Money, Money)>) -> Option<Offering> {
    Some(Offering {
        id: o.id.clone(),
        name: o.name.clone(),
        tier: Tier::from_storage_type(&o.storagetype)?,
        cpu: o.cpunumber,
        memory_mb: o.memory,
        disk_gb: o.rootdisksize.unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
        price_hourly: price.map(|p| p.0),
        price_monthly: price.map(|p| p.1),
    })
}

impl CatalogService {
    pub fn new(db: Db, catalog: Arc<Catalog>, currency: Currency) -> CatalogService {
        CatalogService { db, catalog, currency }
    }

    pub async fn prices(&self) -> Result<Prices, CatalogError> {
        Ok(Prices(repo::all(&self.db.pool).await?))
    }

    /// The zone's name, for messages; its id when the catalogue cannot say.
    pub async fn zone_name(&self, zone: &ZoneId) -> String {
        match self.catalog.zone(zone).await {
            Ok(Some(z)) => z.name,
            _ => zone.to_string(),
        }
    }

    async fn known_zone(&self, zone: &ZoneId) -> Result<String, CatalogError> {
        match self.catalog.zone(zone).await.in_zone(None)? {
            Some(z) => Ok(z.name),
            None => Err(CatalogError::NoSuchZone),
        }
    }
}

#[async_trait::async_trait]
impl app::api::catalog::CatalogPort for CatalogService {
    async fn zones(&self, _p: &Principal) -> Result<Vec<Zone>, AppError> {
        let zones = self.catalog.zones().await.in_zone(None).map_err(CatalogError::from)?;
        Ok(zones.iter().map(|z| Zone { id: z.id.clone(), name: z.name.clone() }).collect())
    }

    async fn offerings(&self, _p: &Principal, zone: &ZoneId) -> Result<Vec<Offering>, AppError> {
        self.known_zone(zone).await?;
        let offerings = self.catalog.offerings().await.in_zone(None).map_err(CatalogError::from)?;
        let prices = self.prices().await?;
        let mut out: Vec<Offering> = offerings.iter().filter_map(|o| offering_view(o, prices.of(&o.name, self.currency))).collect();
        out.sort_by_key(|o| (o.tier.slug(), o.cpu, o.memory_mb));
        Ok(out)
    }

    async fn templates(&self, _p: &Principal, zone: &ZoneId) -> Result<Vec<Template>, AppError> {
        let zone_name = self.known_zone(zone).await?;
        let templates = self.catalog.templates(zone).await.in_zone(Some(&zone_name)).map_err(CatalogError::from)?;
        Ok(templates
            .iter()
            .map(|t| Template {
                id: t.id.clone(),
                name: t.name.clone(),
                password_enabled: t.passwordenabled,
                ssh_key_enabled: t.sshkeyenabled,
            })
            .collect())
    }
}
