//! SSH key pairs: register (real parsing, real MD5 fingerprint), create (a real generated key, its
//! private half returned once), list, delete. Names are unique per account.

use super::{Answer, Call};
use crate::sim::protocol::{object_body, ApiError};
use crate::sim::world::*;
use crate::sshkey;
use serde_json::json;

fn account_label(w: &World, account_id: &str) -> (String, String) {
    let a = w.account(account_id);
    (a.map(|a| a.name.clone()).unwrap_or_default(), a.map(|a| a.domain_id.clone()).unwrap_or_default())
}

pub fn list(w: &mut World, c: &mut Call) -> Answer {
    let scope = c.scope(w)?;
    let items = w
        .key_pairs
        .iter()
        .filter(|k| scope.includes(&k.account_id))
        .filter(|k| c.p.value("name").is_none_or(|n| n == k.name))
        .filter(|k| c.p.value("fingerprint").is_none_or(|f| f == k.fingerprint))
        .filter(|k| c.p.value("keyword").is_none_or(|kw| k.name.contains(kw)))
        .map(|k| w.key_pair_json(k))
        .collect();
    c.list("sshkeypair", items)
}

fn check_new_name(w: &World, c: &Call, owner: &str) -> Result<String, ApiError> {
    let name = c.required("name")?.to_string();
    if w.key_pairs.iter().any(|k| k.account_id == owner && k.name == name) {
        let (acct, dom) = account_label(w, owner);
        return Err(ApiError::param(format!(
            "A key pair with name '{name}' already exists for account {acct} in specified domain id {dom}"
        )));
    }
    Ok(name)
}

pub fn register(w: &mut World, c: &mut Call) -> Answer {
    let owner = c.owner(w)?;
    let name = check_new_name(w, c, &owner)?;
    let text = c.required("publickey")?;
    let key = sshkey::parse_any(text).map_err(|_| ApiError::param("Public key is invalid"))?;
    let kp = KeyPair {
        id: new_id(),
        account_id: owner,
        name,
        fingerprint: sshkey::md5_fingerprint(&key),
        public_key: key.to_openssh().unwrap_or_default(),
    };
    let body = object_body(c.command, json!({"keypair": w.key_pair_json(&kp)}));
    w.key_pairs.push(kp);
    Ok(body)
}

pub fn create(w: &mut World, c: &mut Call) -> Answer {
    let owner = c.owner(w)?;
    let name = check_new_name(w, c, &owner)?;
    let private =
        ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519).map_err(|e| ApiError::internal(e.to_string()))?;
    let pem = private.to_openssh(ssh_key::LineEnding::LF).map_err(|e| ApiError::internal(e.to_string()))?;
    let public = private.public_key().clone();
    let kp = KeyPair {
        id: new_id(),
        account_id: owner,
        name,
        fingerprint: sshkey::md5_fingerprint(&public),
        public_key: public.to_openssh().unwrap_or_default(),
    };
    let mut j = w.key_pair_json(&kp);
    j.as_object_mut().expect("object").insert("privatekey".into(), json!(pem.as_str()));
    w.key_pairs.push(kp);
    Ok(object_body(c.command, json!({"keypair": j})))
}

pub fn delete(w: &mut World, c: &mut Call) -> Answer {
    let owner = c.owner(w)?;
    let name = c.required("name")?.to_string();
    let before = w.key_pairs.len();
    w.key_pairs.retain(|k| !(k.account_id == owner && k.name == name));
    if w.key_pairs.len() == before {
        let (acct, dom) = account_label(w, &owner);
        return Err(ApiError::param(format!(
            "A key pair with name '{name}' does not exist for account {acct} in specified domain id {dom}"
        )));
    }
    Ok(object_body(c.command, json!({"success": "true"})))
}
