//! Finding a customer by what a support request mentions: an email (or part of one), a CloudStack
//! account name or id, an instance name or id, or an address — IPv4, or IPv6 in any notation
//! (compressed, expanded, upper case, in brackets), compared in canonical form.

use super::{repo, Support, SupportError};
use crate::directory::repo::{self as directory, Found};
use app::api::support::QUERY_MAX_CHARS;
use app::model::firewall::canonical_ip;
use app::model::support::CustomerHit;
use app::model::{CustomerId, Email};
use std::net::IpAddr;

/// At most this many customers are listed: a search that matches more should be narrower.
const MAX_HITS: i64 = 50;

/// What the search text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Address(IpAddr),
    /// A UUID: a customer, CloudStack account or instance id.
    Id(String),
    /// Part of an email, account name or instance name (lower case).
    Text(String),
}

impl Query {
    pub fn parse(raw: &str) -> Result<Query, String> {
        let s = raw.trim();
        app::model::check_text(s, QUERY_MAX_CHARS, false)?;
        let bare = s.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(Query::Address(canonical_ip(ip)));
        }
        if let Ok(id) = uuid::Uuid::parse_str(s) {
            return Ok(Query::Id(id.hyphenated().to_string()));
        }
        if s.chars().count() < 2 {
            return Err("Type at least 2 characters: part of an email, an account or instance name, an id or an address.".into());
        }
        Ok(Query::Text(s.to_lowercase()))
    }
}

/// `%text%` for LIKE, with LIKE's own characters escaped.
fn contains(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Why an instance row matched, in words.
fn instance_reason(f: &Found, by: &str) -> String {
    let gone = if f.gone_at.is_some() { ", no longer exists" } else { "" };
    format!("instance {} ({by}{gone})", f.name)
}

/// How long a search waits for a sweep it asked for; after that it answers with what it has.
const SWEEP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The customers the query matches, and the directory rows it matches.
async fn lookup(svc: &Support, q: &Query) -> Result<(Vec<(repo::CustomerRow, String)>, Vec<(Found, String)>), SupportError> {
    let mut conn = svc.conn().await?;
    let mut hits: Vec<(repo::CustomerRow, String)> = Vec::new();
    let mut instances: Vec<(Found, String)> = Vec::new();
    let tagged = |rows: Vec<(repo::CustomerRow, &'static str)>| rows.into_iter().map(|(c, why)| (c, why.to_string()));
    match q {
        Query::Address(ip) => {
            let address = ip.to_string();
            let by = if ip.is_ipv6() { format!("IPv6 {address}") } else { format!("IPv4 {address}") };
            instances.extend(directory::by_address(&mut conn, &address, MAX_HITS).await?.into_iter().map(|f| (f, by.clone())));
        }
        Query::Id(id) => {
            hits.extend(tagged(repo::customers_matching(&mut conn, "", id, MAX_HITS).await?));
            instances.extend(directory::by_id(&mut conn, id).await?.into_iter().map(|f| (f, "id".to_string())));
        }
        Query::Text(t) => {
            let pattern = contains(t);
            hits.extend(tagged(repo::customers_matching(&mut conn, &pattern, "", MAX_HITS).await?));
            instances.extend(directory::by_name(&mut conn, &pattern, MAX_HITS).await?.into_iter().map(|f| (f, "name".to_string())));
        }
    }
    Ok((hits, instances))
}

pub async fn search(svc: &Support, raw: &str) -> Result<Vec<CustomerHit>, SupportError> {
    let q = Query::parse(raw).map_err(|reason| SupportError::BadQuery { reason })?;
    let (mut hits, mut instances) = lookup(svc, &q).await?;
    if hits.is_empty() && instances.is_empty() {
        // Perhaps an instance made since the last sweep: look again, now (one sweep at a time, not
        // more than one every few seconds, and not waited for forever).
        match tokio::time::timeout(SWEEP_WAIT, svc.directory.refresh()).await {
            Ok(Ok(())) => (hits, instances) = lookup(svc, &q).await?,
            Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "the directory could not be refreshed for a search"),
            Err(_) => tracing::info!("a directory sweep is taking long; answering from the directory as it is"),
        }
    }
    let owners: Vec<String> = instances.iter().map(|(f, _)| f.customer_id.clone()).collect();
    let customers = repo::customers_by_id(&mut *svc.conn().await?, &owners).await?;
    for (f, by) in &instances {
        if let Some(c) = customers.iter().find(|c| c.id == f.customer_id) {
            hits.push((c.clone(), instance_reason(f, by)));
        }
    }
    // One line per customer, every reason it matched.
    let mut out: Vec<CustomerHit> = Vec::new();
    for (c, why) in hits {
        if let Some(h) = out.iter_mut().find(|h| h.id.as_str() == c.id) {
            if !h.matched.contains(&why) {
                h.matched = format!("{}; {why}", h.matched);
            }
            continue;
        }
        let (Ok(id), Ok(email)) = (CustomerId::parse(&c.id), Email::parse(&c.email)) else { continue };
        out.push(CustomerHit { id, email, account: c.account, matched: why });
        if out.len() as i64 >= MAX_HITS {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_ipv6_address_in_any_notation_is_one_query() {
        let want = Query::Address("2001:db8::42".parse().unwrap());
        for typed in ["2001:db8::42", "2001:0DB8:0000:0000:0000:0000:0000:0042", " [2001:db8:0:0::42] ", "2001:DB8::42"] {
            assert_eq!(Query::parse(typed), Ok(want.clone()), "{typed}");
        }
        assert_eq!(Query::parse("::ffff:192.0.2.7"), Ok(Query::Address("192.0.2.7".parse().unwrap())));
    }

    #[test]
    fn ids_are_ids_and_the_rest_is_text() {
        assert_eq!(Query::parse("5D7B2C1E-0000-4000-8000-000000000001"), Ok(Query::Id("5d7b2c1e-0000-4000-8000-000000000001".into())));
        assert_eq!(Query::parse("Web-01"), Ok(Query::Text("web-01".into())));
        assert!(Query::parse("x").is_err());
        assert!(Query::parse("a\u{0}b").is_err());
        assert!(Query::parse(&"a".repeat(300)).is_err());
    }

    #[test]
    fn like_characters_are_searched_for_literally() {
        assert_eq!(contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    proptest! {
        #[test]
        fn any_text_is_a_query_or_an_error_never_a_panic(s in "\\PC{0,80}") {
            let _ = Query::parse(&s);
        }
    }
}
