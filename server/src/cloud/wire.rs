//! Lenient decoding of CloudStack JSON, the way real clouds need it.
//!
//! Different CloudStack versions (and forks) send numbers as strings (`"rawusage":"24"`), booleans as
//! strings (sync `"success":"true"`), omit null fields, add fields, and use three date formats. Every
//! typed response uses these helpers so none of that ever fails a page.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{de, Deserialize, Deserializer};

/// A JSON number, or a string holding one (`"24"`, `"1.78%"` → 1.78 when a float is asked for).
#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrString {
    I(i64),
    U(u64),
    F(f64),
    S(String),
}

fn parse_num<E: de::Error>(v: NumOrString) -> Result<Option<f64>, E> {
    Ok(match v {
        NumOrString::I(i) => Some(i as f64),
        NumOrString::U(u) => Some(u as f64),
        NumOrString::F(f) => Some(f),
        NumOrString::S(s) => {
            let t = s.trim().trim_end_matches('%').trim();
            if t.is_empty() {
                None
            } else {
                Some(t.parse::<f64>().map_err(|_| E::custom(format!("not a number: {s:?}")))?)
            }
        }
    })
}

pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<NumOrString>::deserialize(d)? {
        None => Ok(None),
        Some(NumOrString::I(i)) => Ok(Some(i)),
        Some(NumOrString::U(u)) => i64::try_from(u).map(Some).map_err(de::Error::custom),
        Some(NumOrString::S(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(other) => Ok(parse_num::<D::Error>(other)?.map(|f| f as i64)),
    }
}

pub fn i64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_i64(d)?.unwrap_or(0))
}

pub fn u32_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    Ok(opt_i64(d)?.unwrap_or(0).clamp(0, u32::MAX as i64) as u32)
}

pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<NumOrString>::deserialize(d)? {
        None => Ok(None),
        Some(v) => parse_num::<D::Error>(v),
    }
}

/// `true`, `"true"`, `"True"`, `1`.
pub fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    Ok(match Option::<Flag>::deserialize(d)? {
        None => false,
        Some(Flag::Bool(b)) => b,
        Some(Flag::Int(i)) => i != 0,
        Some(Flag::Text(s)) => s.trim().eq_ignore_ascii_case("true") || s.trim() == "1",
    })
}

/// An id that older clouds send as a number.
pub fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_id_string(d)?.unwrap_or_default())
}

/// A decimal as the cloud wrote it (`"2.95288"`, or a bare number in some versions), kept as text
/// so that whoever needs it exact (billing) reads every digit.
pub fn opt_decimal_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(Option::<N>::deserialize(d)?.map(|v| match v {
        N::S(s) => s,
        N::I(i) => i.to_string(),
        N::F(f) => {
            let s = format!("{f:.6}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }))
}

pub fn opt_id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        I(i64),
    }
    Ok(Option::<Id>::deserialize(d)?.map(|v| match v {
        Id::S(s) => s,
        Id::I(i) => i.to_string(),
    }))
}

/// A typed id (`InstanceId`, `ZoneId`, …), from a string or a number: refused when it is not an id.
pub fn typed_id<'de, D: Deserializer<'de>, T: TryFrom<String, Error = String>>(d: D) -> Result<T, D::Error> {
    let raw = opt_id_string(d)?.ok_or_else(|| de::Error::custom("an id is missing"))?;
    T::try_from(raw).map_err(de::Error::custom)
}

pub fn opt_typed_id<'de, D: Deserializer<'de>, T: TryFrom<String, Error = String>>(d: D) -> Result<Option<T>, D::Error> {
    opt_id_string(d)?.filter(|s| !s.is_empty()).map(|raw| T::try_from(raw).map_err(de::Error::custom)).transpose()
}

pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => parse_date(&s).map(Some).ok_or_else(|| de::Error::custom(format!("unrecognised date {s:?}"))),
    }
}

/// Every date form CloudStack emits, normalised to UTC:
/// - `2011-06-23T05:48:31+0000` (the API's usual `yyyy-MM-dd'T'HH:mm:ssZ`),
/// - `2018-03-01'T'00:00:00+01:00` (usage records: a literal quoted T and a colon offset),
/// - `2030-01-01T00:00:00Z` / `+00:00` (ISO 8601, newer versions),
/// - `2018-03-01 10:00:00` (no zone: taken as UTC), `2018-03-01` (a day).
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim().replace("'T'", "T").replace('\'', "");
    if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z"] {
        if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(&s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&s, fmt) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| Utc.from_utc_datetime(&t))
}

/// The date format CloudStack's API emits (`2011-06-23T05:48:31+0000`).
pub fn format_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

/// The quirky usage-record format (`2018-03-01'T'00:00:00+00:00`).
pub fn format_usage_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d'T'%H:%M:%S+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "opt_f64")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "flexible_bool")]
        b: bool,
        #[serde(default, deserialize_with = "id_string")]
        id: String,
        #[serde(default, deserialize_with = "opt_date")]
        at: Option<DateTime<Utc>>,
    }

    fn parse(j: &str) -> Sample {
        serde_json::from_str(j).unwrap()
    }

    #[test]
    fn numbers_may_arrive_as_strings_and_percentages() {
        assert_eq!(parse(r#"{"n":"24"}"#).n, Some(24));
        assert_eq!(parse(r#"{"n":24}"#).n, Some(24));
        assert_eq!(parse(r#"{"f":"1.78%"}"#).f, Some(1.78));
        assert_eq!(parse(r#"{"f":"2.95288"}"#).f, Some(2.95288));
        assert_eq!(parse(r#"{}"#).n, None);
    }

    #[test]
    fn booleans_and_ids_in_every_historic_shape() {
        assert!(parse(r#"{"b":"true"}"#).b);
        assert!(parse(r#"{"b":true}"#).b);
        assert!(!parse(r#"{"b":"false"}"#).b);
        assert_eq!(parse(r#"{"id":17164}"#).id, "17164");
        assert_eq!(parse(r#"{"id":"6b0b5ea7"}"#).id, "6b0b5ea7");
    }

    #[test]
    fn all_of_cloudstacks_date_formats_land_in_utc() {
        let want = Utc.with_ymd_and_hms(2018, 3, 1, 9, 0, 0).unwrap();
        for s in [
            "2018-03-01T10:00:00+0100",
            "2018-03-01'T'10:00:00+01:00",
            "2018-03-01T09:00:00Z",
            "2018-03-01T09:00:00+00:00",
            "2018-03-01 09:00:00",
        ] {
            assert_eq!(parse_date(s), Some(want), "{s}");
        }
        assert_eq!(parse_date("2018-03-01"), Some(Utc.with_ymd_and_hms(2018, 3, 1, 0, 0, 0).unwrap()));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse(r#"{"at":"2013-09-05T15:45:11+0200"}"#).at, Some(Utc.with_ymd_and_hms(2013, 9, 5, 13, 45, 11).unwrap()));
    }

    #[test]
    fn formatting_round_trips_through_parsing() {
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 10, 49, 52).unwrap();
        assert_eq!(format_date(t), "2026-11-26T10:49:52+0000");
        assert_eq!(format_usage_date(t), "2026-11-26'T'10:49:52+00:00");
        assert_eq!(parse_date(&format_usage_date(t)), Some(t));
    }
}
