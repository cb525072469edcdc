use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code. Every currency Zenith prices in has two decimal places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Eur,
    Usd,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Currency::Eur => "€",
            Currency::Usd => "$",
        }
    }

    pub fn parse(code: &str) -> Result<Currency, String> {
        match code.trim().to_ascii_uppercase().as_str() {
            "EUR" => Ok(Currency::Eur),
            "USD" => Ok(Currency::Usd),
            other => Err(format!("unsupported currency {other:?} (EUR or USD)")),
        }
    }
}

/// An amount of money in integer minor units (cents). Never a float: sums must reconcile exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// An amount as a person types it: `50`, `49.9`, `49.95` (a comma for the point too); no sign,
    /// at most two decimals, at most 12 digits before the point.
    pub fn parse_decimal(raw: &str, currency: Currency) -> Result<Money, String> {
        let t = raw.trim().replace(',', ".");
        let bad = || format!("{raw:?} is not an amount: write it like 50 or 49.95.");
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || !digits(whole) || frac.len() > 2 || !digits(frac) {
            return Err(bad());
        }
        let cents = format!("{frac:0<2}").parse::<i64>().map_err(|_| bad())?;
        Ok(Money { minor: whole.parse::<i64>().map_err(|_| bad())? * 100 + cents, currency })
    }

    /// `12.34`: the plain decimal form used in exports and APIs.
    pub fn decimal(&self) -> String {
        let mut s = String::new();
        let _ = self.write_decimal(&mut s);
        s
    }

    /// [`Money::decimal`] appended to `out` (exports write millions of them).
    pub fn write_decimal(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(out, "{sign}{}.{:02}", abs / 100, abs % 100)
    }

    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.minor.checked_mul(n).map(|minor| Money { minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        self.minor.checked_sub(other.minor).map(|minor| Money { minor, ..self })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.decimal();
        match d.strip_prefix('-') {
            Some(abs) => write!(f, "-{}{abs}", self.currency.symbol()),
            None => write!(f, "{}{d}", self.currency.symbol()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_with_two_decimals_and_their_symbol() {
        assert_eq!(Money::new(1234, Currency::Eur).to_string(), "€12.34");
        assert_eq!(Money::new(5, Currency::Usd).to_string(), "$0.05");
        assert_eq!(Money::new(-250, Currency::Eur).to_string(), "-€2.50");
        assert_eq!(Money::new(700, Currency::Eur).decimal(), "7.00");
    }

    #[test]
    fn arithmetic_refuses_to_mix_currencies_or_overflow() {
        assert!(Money::new(1, Currency::Eur).checked_sub(Money::new(1, Currency::Usd)).is_none());
        assert!(Money::new(i64::MAX, Currency::Eur).checked_mul(2).is_none());
        assert_eq!(Money::new(3, Currency::Eur).checked_mul(730).unwrap().minor, 2190);
    }
}

#[cfg(test)]
mod typed_amounts {
    use super::*;

    #[test]
    fn an_amount_as_typed_is_whole_cents_or_refused() {
        let m = |s| Money::parse_decimal(s, Currency::Eur).map(|m| m.minor);
        assert_eq!(m("50"), Ok(5000));
        assert_eq!(m(" 49.9 "), Ok(4990));
        assert_eq!(m("49,95"), Ok(4995));
        assert_eq!(m("0.05"), Ok(5));
        for bad in ["", "-5", "1.234", "1e3", "abc", ".5", "1.2.3", "9999999999999"] {
            assert!(m(bad).is_err(), "{bad}");
        }
    }
}
