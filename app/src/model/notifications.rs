//! The mail a customer may turn off, and the spend thresholds they want to hear about. (Security
//! notices are not here: they always go.)

use super::Money;
use serde::{Deserialize, Serialize};

/// The most spend thresholds an account keeps.
pub const MAX_SPEND_THRESHOLDS: usize = 5;
/// The largest threshold, in minor units (ten million in the panel's currency).
pub const MAX_THRESHOLD_MINOR: i64 = 1_000_000_000;

/// `/api/account/notifications`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    /// A deploy or an action on an instance failed.
    pub action_failed: bool,
    /// Last month's statement is final.
    pub statement_ready: bool,
    /// Month-to-date totals (VAT included) each mailed once a month when crossed, lowest first.
    pub spend_thresholds: Vec<Money>,
    /// The currency the account is billed in, which thresholds are set in.
    pub currency: super::Currency,
}

/// `/api/account/notifications/set`: what the customer chose (the currency is the panel's, not theirs
/// to choose; each amount names its own and is checked against it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationChoices {
    pub action_failed: bool,
    pub statement_ready: bool,
    pub spend_thresholds: Vec<Money>,
}

/// Spend thresholds as typed: at most [`MAX_SPEND_THRESHOLDS`], each above zero and at most
/// [`MAX_THRESHOLD_MINOR`], all in `currency`; sorted, duplicates dropped.
pub fn spend_thresholds(given: &[Money], currency: super::Currency) -> Result<Vec<Money>, String> {
    if given.len() > MAX_SPEND_THRESHOLDS {
        return Err(format!("Set at most {MAX_SPEND_THRESHOLDS} spend thresholds."));
    }
    let mut out = Vec::with_capacity(given.len());
    for m in given {
        if m.currency != currency {
            return Err(format!("Thresholds are in {}, the currency you are billed in.", currency.code()));
        }
        if m.minor <= 0 || m.minor > MAX_THRESHOLD_MINOR {
            return Err(format!("A threshold is more than 0 and at most {}.", Money::new(MAX_THRESHOLD_MINOR, currency).decimal()));
        }
        out.push(*m);
    }
    out.sort_by_key(|m| m.minor);
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Currency;

    #[test]
    fn thresholds_are_positive_bounded_in_the_billing_currency_sorted_and_once_each() {
        let eur = Currency::parse("EUR").unwrap();
        let usd = Currency::parse("USD").unwrap();
        let m = |minor| Money::new(minor, eur);
        assert_eq!(spend_thresholds(&[m(5000), m(1000), m(5000)], eur), Ok(vec![m(1000), m(5000)]));
        assert!(spend_thresholds(&[m(0)], eur).is_err());
        assert!(spend_thresholds(&[m(-5)], eur).is_err());
        assert!(spend_thresholds(&[m(MAX_THRESHOLD_MINOR + 1)], eur).is_err());
        assert!(spend_thresholds(&[Money::new(100, usd)], eur).unwrap_err().contains("EUR"));
        assert!(spend_thresholds(&[m(1), m(2), m(3), m(4), m(5), m(6)], eur).is_err());
        assert_eq!(spend_thresholds(&[], eur), Ok(vec![]));
    }
}
