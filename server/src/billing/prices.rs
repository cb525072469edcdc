//! The price list: per CloudStack service offering (by name), an hourly price and a monthly cap in
//! integer minor units, and snapshot storage's price per GiB-month (the row `Snapshot storage`, its
//! price in `gib_month_minor`). Loaded with `zenith prices import FILE`, a CSV file
//! (`offering,hourly_minor,monthly_cap_minor[,gib_month_minor][,currency]`) or a TOML file:
//!
//! ```toml
//! currency = "EUR"
//! [[price]]
//! offering = "Agile S"
//! hourly_minor = 2
//! monthly_cap_minor = 700
//! [[price]]
//! offering = "Snapshot storage"
//! gib_month_minor = 5
//! ```
//!
//! A file is checked whole before anything is written, and written in one transaction: a bad line
//! changes nothing. Offerings not in the file keep their prices.

use anyhow::Context as _;
use app::model::Currency;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Price {
    pub offering: String,
    #[serde(default)]
    pub hourly_minor: i64,
    #[serde(default)]
    pub monthly_cap_minor: i64,
    /// Storage's price per GiB-month (the `Snapshot storage` row only).
    #[serde(default)]
    pub gib_month_minor: Option<i64>,
}

#[derive(serde::Deserialize)]
struct TomlFile {
    currency: Option<String>,
    #[serde(default)]
    price: Vec<Price>,
}

/// Reads a price file (CSV, or TOML when the name ends in `.toml`) in `currency`.
pub fn parse(name: &str, text: &str, currency: Currency) -> Result<Vec<Price>, String> {
    let (file_currency, prices) = if name.ends_with(".toml") {
        let f: TomlFile = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        (f.currency, f.price)
    } else {
        parse_csv(name, text)?
    };
    if let Some(c) = file_currency {
        let c = Currency::parse(&c).map_err(|e| format!("{name}: {e}"))?;
        if c != currency {
            return Err(format!("{name} is priced in {}, but Zenith bills in {} (ZENITH_CURRENCY)", c.code(), currency.code()));
        }
    }
    check(name, &prices)?;
    Ok(prices)
}

fn parse_csv(name: &str, text: &str) -> Result<(Option<String>, Vec<Price>), String> {
    let rows = crate::csv::parse(text.trim_start_matches('\u{feff}')).map_err(|e| format!("{name} {e}"))?;
    let mut rows = rows.into_iter().filter(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    let header: Vec<String> = rows.next().ok_or_else(|| format!("{name} is empty"))?.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(o), Some(h), Some(m)) = (col("offering"), col("hourly_minor"), col("monthly_cap_minor")) else {
        return Err(format!("{name}: the header must name offering, hourly_minor and monthly_cap_minor (and may name currency)"));
    };
    let c = col("currency");
    let g = col("gib_month_minor");
    let mut currency: Option<String> = None;
    let mut prices = Vec::new();
    for (i, r) in rows.enumerate() {
        let line = i + 2;
        let get = |k: usize| r.get(k).map(|s| s.trim()).unwrap_or("");
        let num = |k: usize, what: &str| {
            get(k).parse::<i64>().map_err(|_| format!("{name} line {line}: {what} {:?} is not a whole number of minor units", get(k)))
        };
        if let Some(c) = c {
            let this = get(c).to_uppercase();
            if currency.as_ref().is_some_and(|prev| *prev != this) {
                return Err(format!("{name} line {line}: one file, one currency"));
            }
            currency = Some(this);
        }
        let gib_month_minor = g.filter(|g| !get(*g).is_empty()).map(|g| num(g, "gib_month_minor")).transpose()?;
        let maybe = |k: usize, what: &str| if gib_month_minor.is_some() && get(k).is_empty() { Ok(0) } else { num(k, what) };
        prices.push(Price {
            offering: get(o).to_string(),
            hourly_minor: maybe(h, "hourly_minor")?,
            monthly_cap_minor: maybe(m, "monthly_cap_minor")?,
            gib_month_minor,
        });
    }
    Ok((currency, prices))
}

fn check(name: &str, prices: &[Price]) -> Result<(), String> {
    if prices.is_empty() {
        return Err(format!("{name} has no prices"));
    }
    let mut seen = std::collections::HashSet::new();
    for p in prices {
        if p.offering.trim().is_empty() || p.offering.chars().count() > 255 || p.offering.chars().any(char::is_control) {
            return Err(format!("{name}: an offering name must be 1 to 255 printable characters ({:?})", p.offering));
        }
        if p.hourly_minor < 0 || p.monthly_cap_minor < 0 {
            return Err(format!("{name}: {} has a negative price", p.offering));
        }
        if p.hourly_minor > 100_000_000 || p.monthly_cap_minor > 100_000_000_000 {
            return Err(format!("{name}: {}'s price is beyond any plausible price; minor units are cents", p.offering));
        }
        let storage = p.offering.trim() == super::repo::SNAPSHOT_PRICE;
        match p.gib_month_minor {
            Some(_) if !storage => {
                return Err(format!("{name}: only {} is priced per GiB-month, not {}", super::repo::SNAPSHOT_PRICE, p.offering))
            }
            None if storage => return Err(format!("{name}: {} needs its price per GiB-month in gib_month_minor", p.offering)),
            Some(g) if g < 0 || g > 100_000_000 => return Err(format!("{name}: {}'s price per GiB-month is out of range", p.offering)),
            Some(_) if p.hourly_minor != 0 || p.monthly_cap_minor != 0 => {
                return Err(format!(
                    "{name}: {} has a price per GiB-month only; leave hourly_minor and monthly_cap_minor empty",
                    p.offering
                ))
            }
            _ => {}
        }
        if !seen.insert(p.offering.trim()) {
            return Err(format!("{name}: {} is priced twice", p.offering));
        }
    }
    Ok(())
}

/// Writes the prices in one transaction; returns how many there were.
pub async fn import(db: &crate::db::Db, prices: &[Price]) -> anyhow::Result<usize> {
    let mut tx = db.begin_write().await?;
    for p in prices {
        // Storage is stored as its unit says: the GiB-month price where a size keeps its cap.
        let (hourly, monthly, unit) = match p.gib_month_minor {
            Some(g) => (0, g, "gib_month"),
            None => (p.hourly_minor, p.monthly_cap_minor, "hour"),
        };
        sqlx::query(
            "INSERT INTO prices (offering_name, hourly_minor, monthly_minor, unit) VALUES ($1, $2, $3, $4)
             ON CONFLICT (offering_name) DO UPDATE SET hourly_minor = $2, monthly_minor = $3, unit = $4",
        )
        .bind(p.offering.trim())
        .bind(hourly)
        .bind(monthly)
        .bind(unit)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("storing the price of {}", p.offering))?;
    }
    tx.commit().await.context("storing prices")?;
    Ok(prices.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_toml_price_files_read_the_same() {
        let csv = "offering,hourly_minor,monthly_cap_minor,currency\r\nAgile S,2,700,EUR\r\n\"Stamina S\",3,1000,EUR\r\n";
        let toml = "currency = \"EUR\"\n[[price]]\noffering = \"Agile S\"\nhourly_minor = 2\nmonthly_cap_minor = 700\n[[price]]\noffering = \"Stamina S\"\nhourly_minor = 3\nmonthly_cap_minor = 1000\n";
        let a = parse("p.csv", csv, Currency::Eur).unwrap();
        assert_eq!(a, parse("p.toml", toml, Currency::Eur).unwrap());
        assert_eq!(a[1], Price { offering: "Stamina S".into(), hourly_minor: 3, monthly_cap_minor: 1000, gib_month_minor: None });
    }

    #[test]
    fn snapshot_storage_is_priced_per_gib_month_in_either_format() {
        let csv = "offering,hourly_minor,monthly_cap_minor,gib_month_minor\nAgile S,2,700,\nSnapshot storage,,,6\n";
        let toml = "[[price]]\noffering = \"Agile S\"\nhourly_minor = 2\nmonthly_cap_minor = 700\n[[price]]\noffering = \"Snapshot storage\"\ngib_month_minor = 6\n";
        let a = parse("p.csv", csv, Currency::Eur).unwrap();
        assert_eq!(a, parse("p.toml", toml, Currency::Eur).unwrap());
        assert_eq!(a[1].gib_month_minor, Some(6));
        let e = |t: &str| parse("p.csv", t, Currency::Eur).unwrap_err();
        assert!(e("offering,hourly_minor,monthly_cap_minor,gib_month_minor\nAgile S,2,700,5\n").contains("only Snapshot storage"));
        assert!(e("offering,hourly_minor,monthly_cap_minor\nSnapshot storage,0,5\n").contains("gib_month_minor"));
        assert!(e("offering,hourly_minor,monthly_cap_minor,gib_month_minor\nSnapshot storage,1,,5\n").contains("leave hourly_minor"));
    }

    #[test]
    fn a_bad_file_says_what_and_where() {
        let e = |t: &str| parse("p.csv", t, Currency::Eur).unwrap_err();
        assert!(e("offering,hourly_minor\nA,1\n").contains("header"));
        assert!(e("offering,hourly_minor,monthly_cap_minor\nA,0.5,100\n").contains("line 2"));
        assert!(e("offering,hourly_minor,monthly_cap_minor\nA,-1,100\n").contains("negative"));
        assert!(e("offering,hourly_minor,monthly_cap_minor\nA,1,100\nA,2,200\n").contains("twice"));
        assert!(e("offering,hourly_minor,monthly_cap_minor,currency\nA,1,100,USD\n").contains("bills in EUR"));
        assert!(parse("p.toml", "[[price]]\noffering = 1\n", Currency::Eur).is_err());
        assert_eq!(
            e("offering,hourly_minor,monthly_cap_minor\n\"Agile S,2,700\nStamina S,3,1000\n"),
            "p.csv line 2: a quoted field is never closed",
            "a quote left open does not swallow the lines after it"
        );
    }
}
