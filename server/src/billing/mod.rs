//! Billing: the cloud's usage records become monthly statements (see `rule` for the rule), shown on
//! the Billing page and each instance page, and exported as CSV that reconciles line by line with
//! `listUsageRecords`.

pub mod export;
pub mod ingest;
pub mod prices;
pub mod repo;
pub mod rule;
pub mod statement;

use crate::cloud::catalog::Catalog;
use crate::cloud::CloudStack;
use crate::db::Db;
use crate::tenancy::Tenancy;
use app::error::AppError;
use app::model::billing::{IngestOutcome, InstanceCost, Month, Statement};
use app::model::{Currency, InstanceId};
use app::ports::{Principal, Staff};
use std::sync::Arc;

crate::feature_error! {
    pub enum BillingError {
        /// No such instance, or another customer's, or one with no cost to show this month.
        #[error("Not found.")]
        NotFound,
    }
    causes { Denied(app::ports::Denied) }
}

impl From<BillingError> for AppError {
    fn from(e: BillingError) -> AppError {
        match e {
            BillingError::NotFound => AppError::NotFound,
            BillingError::Denied(d) => d.into(),
            BillingError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

/// VAT as basis points (21% = 2100), so a rate like 20.5% stays exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VatRate(pub u32);

impl VatRate {
    /// "21", "20.5", "0": a percentage with at most two decimals, 0 to 100.
    pub fn parse(s: &str) -> Result<VatRate, String> {
        let t = s.trim().trim_end_matches('%');
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let bad = || format!("{s:?} is not a VAT rate: give a percentage such as 21 or 20.5");
        if whole.is_empty() || frac.len() > 2 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let bp = whole.parse::<u32>().map_err(|_| bad())? * 100 + format!("{frac:0<2}").parse::<u32>().map_err(|_| bad())?;
        if bp > 10_000 {
            return Err(bad());
        }
        Ok(VatRate(bp))
    }

    /// VAT on `minor`, rounded half up to the minor unit.
    pub fn on(self, minor: i64) -> i64 {
        (minor * self.0 as i64 + 5_000).div_euclid(10_000)
    }
}

#[derive(Clone)]
pub struct Billing {
    pub(crate) db: Db,
    pub(crate) admin: CloudStack,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) tenancy: Arc<Tenancy>,
    pub(crate) currency: Currency,
    pub(crate) vat: VatRate,
    /// For the statement and spend notices each ingestion may call for.
    pub(crate) mail: Arc<crate::mail::MailSettings>,
}

impl Billing {
    pub fn new(
        db: Db,
        tenancy: Arc<Tenancy>,
        catalog: Arc<Catalog>,
        currency: Currency,
        vat: VatRate,
        mail: Arc<crate::mail::MailSettings>,
    ) -> Billing {
        Billing { db, admin: tenancy.admin().clone(), catalog, tenancy, currency, vat, mail }
    }

    /// The month usage has been counted into (the panel's clock until the first ingestion).
    pub(crate) async fn current_month(&self) -> Result<Month, BillingError> {
        use chrono::Datelike;
        let t = self.counted_until().await?.unwrap_or_else(chrono::Utc::now);
        Ok(Month { year: t.year(), month: t.month() })
    }
}

#[async_trait::async_trait]
impl app::api::billing::BillingPort for Billing {
    async fn statement(&self, p: &Principal, month: Option<Month>) -> Result<Statement, AppError> {
        let customer = p.customer()?;
        let month = match month {
            Some(m) => m,
            None => self.current_month().await?,
        };
        Ok(Billing::statement(self, customer, month).await?)
    }

    async fn instance_cost(&self, p: &Principal, id: &InstanceId) -> Result<InstanceCost, AppError> {
        let customer = p.customer()?;
        // Its size now, from the cloud, which also answers whether it is the customer's at all.
        let cloud = self.tenancy.ensure(customer).await?;
        let vm = self.tenancy.owned_vm(&cloud, customer, id).await?.ok_or(AppError::NotFound)?;
        Ok(Billing::instance_cost(self, customer, id, &vm.serviceofferingname).await?)
    }

    async fn ingest(&self, s: &Staff<'_>) -> Result<IngestOutcome, AppError> {
        s.admin("run usage ingestion")?;
        let done = Billing::ingest(self).await.map_err(BillingError::from)?;
        Ok(IngestOutcome { records_added: done.records_added })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_rates_are_exact_percentages_and_round_half_up() {
        assert_eq!(VatRate::parse("21"), Ok(VatRate(2100)));
        assert_eq!(VatRate::parse("20.5%"), Ok(VatRate(2050)));
        assert_eq!(VatRate::parse("0"), Ok(VatRate(0)));
        for bad in ["", "-1", "101", "21.555", "abc", "1e2"] {
            assert!(VatRate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(VatRate(2100).on(1000), 210);
        assert_eq!(VatRate(2100).on(50), 11, "10.5 cents rounds up");
        assert_eq!(VatRate(2100).on(0), 0);
    }
}
