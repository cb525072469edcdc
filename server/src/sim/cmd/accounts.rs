//! Identity: createAccount, listAccounts, listUsers, registerUserKeys, getUserKeys, listDomains,
//! createDomain. Every new account gets its `default` security group.

use super::{Answer, Call};
use crate::sim::protocol::{object_body, ApiError};
use crate::sim::world::*;
use serde_json::json;

/// CloudStack API keys are 86 URL-safe characters.
fn api_token() -> String {
    random_token(86)
}

pub fn create(w: &mut World, c: &mut Call) -> Answer {
    c.require_admin()?;
    let username = c.required("username")?.to_string();
    c.required("password")?;
    let email = c.required("email")?.to_string();
    let first = c.required("firstname")?.to_string();
    let last = c.required("lastname")?.to_string();
    let account_type: i64 = match c.p.value("accounttype") {
        Some(t) => t.parse().map_err(|_| ApiError::no_entity(c.command, "accounttype", t))?,
        None if c.p.value("roleid").is_some() => 0,
        None => return Err(ApiError::param("Either accounttype or roleid must be specified")),
    };
    let domain_id = match c.p.value("domainid") {
        Some(d) => w.domain(d).map(|d| d.id.clone()).ok_or_else(|| ApiError::no_entity(c.command, "domainid", d))?,
        None => {
            w.domains.iter().find(|d| d.parent_id.is_none()).map(|d| d.id.clone()).ok_or_else(|| ApiError::internal("no ROOT domain"))?
        }
    };
    let name = c.p.value("account").unwrap_or(&username).to_string();
    if w.accounts.iter().any(|a| a.name == name && a.domain_id == domain_id) {
        return Err(ApiError::param(format!("The specified account: {name} already exists")));
    }
    if w.users.iter().any(|u| u.username == username && w.account(&u.account_id).is_some_and(|a| a.domain_id == domain_id)) {
        let dom = w.domain(&domain_id).map(|d| d.name.clone()).unwrap_or_default();
        return Err(ApiError::param(format!("The user {username} already exists in domain {dom}")));
    }
    let now = w.now();
    let account = Account { id: new_id(), name, domain_id, account_type, state: "enabled".into(), created: now };
    w.users.push(User {
        id: new_id(),
        account_id: account.id.clone(),
        username,
        email,
        first_name: first,
        last_name: last,
        api_key: None,
        secret_key: None,
        created: now,
    });
    w.security_groups.push(SecurityGroup::default_for(&account.id));
    w.accounts.push(account);
    let stored = w.accounts.last().expect("just pushed");
    Ok(object_body(c.command, json!({"account": w.account_json(stored)})))
}

pub fn list(w: &mut World, c: &mut Call) -> Answer {
    let items = w
        .accounts
        .iter()
        .filter(|a| c.caller.is_admin || a.id == c.caller.account_id)
        .filter(|a| c.p.value("id").is_none_or(|id| id == a.id))
        .filter(|a| c.p.value("name").is_none_or(|n| n == a.name))
        .filter(|a| c.p.value("domainid").is_none_or(|d| d == a.domain_id))
        .filter(|a| c.p.value("accounttype").is_none_or(|t| t == a.account_type.to_string()))
        .filter(|a| c.p.value("keyword").is_none_or(|k| a.name.contains(k)))
        .map(|a| w.account_json(a))
        .collect();
    c.list("account", items)
}

pub fn list_users(w: &mut World, c: &mut Call) -> Answer {
    let mut items = Vec::new();
    for u in &w.users {
        let Some(a) = w.account(&u.account_id) else {
            continue;
        };
        let visible = c.caller.is_admin || a.id == c.caller.account_id;
        let wanted = c.p.value("id").is_none_or(|id| id == u.id)
            && c.p.value("username").is_none_or(|n| n == u.username)
            && c.p.value("account").is_none_or(|n| n == a.name)
            && c.p.value("domainid").is_none_or(|d| d == a.domain_id);
        if visible && wanted {
            items.push(w.user_json(u, a));
        }
    }
    c.list("user", items)
}

fn own_user(w: &World, c: &Call) -> Result<usize, ApiError> {
    let id = c.required("id")?;
    let i = w.users.iter().position(|u| u.id == id).ok_or_else(|| ApiError::no_entity(c.command, "id", id))?;
    if !c.caller.is_admin && w.users[i].id != c.caller.user_id {
        return Err(ApiError::denied("Account does not have permission to access this user's keys"));
    }
    Ok(i)
}

pub fn register_keys(w: &mut World, c: &mut Call) -> Answer {
    let i = own_user(w, c)?;
    let (key, secret) = (api_token(), api_token());
    w.users[i].api_key = Some(key.clone());
    w.users[i].secret_key = Some(secret.clone());
    Ok(object_body(c.command, json!({"userkeys": {"apikey": key, "secretkey": secret}})))
}

pub fn get_keys(w: &mut World, c: &mut Call) -> Answer {
    let i = own_user(w, c)?;
    let u = &w.users[i];
    let mut keys = serde_json::Map::new();
    if let (Some(k), Some(s)) = (&u.api_key, &u.secret_key) {
        keys.insert("apikey".into(), json!(k));
        keys.insert("secretkey".into(), json!(s));
    }
    Ok(object_body(c.command, json!({"userkeys": keys})))
}

pub fn list_domains(w: &mut World, c: &mut Call) -> Answer {
    let own_domain = w.account(&c.caller.account_id).map(|a| a.domain_id.clone()).unwrap_or_default();
    let items = w
        .domains
        .iter()
        .filter(|d| c.caller.is_admin || d.id == own_domain)
        .filter(|d| c.p.value("id").is_none_or(|id| id == d.id))
        .filter(|d| c.p.value("name").is_none_or(|n| n == d.name))
        .map(|d| w.domain_json(d))
        .collect();
    c.list("domain", items)
}

pub fn create_domain(w: &mut World, c: &mut Call) -> Answer {
    c.require_admin()?;
    let name = c.required("name")?.to_string();
    let parent = match c.p.value("parentdomainid") {
        Some(p) => w.domain(p).cloned().ok_or_else(|| ApiError::no_entity(c.command, "parentdomainid", p))?,
        None => w.domains.iter().find(|d| d.parent_id.is_none()).cloned().ok_or_else(|| ApiError::internal("no ROOT domain"))?,
    };
    if w.domains.iter().any(|d| d.parent_id.as_deref() == Some(&parent.id) && d.name.eq_ignore_ascii_case(&name)) {
        return Err(ApiError::param(format!("Domain with name {name} already exists for the parent id={}", parent.id)));
    }
    let d = Domain { id: new_id(), name: name.clone(), parent_id: Some(parent.id.clone()), path: format!("{}/{name}", parent.path) };
    let body = object_body(c.command, json!({"domain": w.domain_json(&d)}));
    w.domains.push(d);
    Ok(body)
}
