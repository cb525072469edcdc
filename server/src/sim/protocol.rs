//! CloudStack's wire protocol as the simulator answers it: parameters from query and form body (first
//! value wins, names matched case-insensitively), signature verification, envelopes, error bodies
//! with HTTP status = error code, and the paging rules of `BaseListCmd`.

use crate::cloud::sign;
use serde_json::{json, Map, Value};

/// The request's parameters: in arrival order for the signature, and by lower-cased name for lookup.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>, form_body: Option<&[u8]>) -> Params {
        let mut pairs = Vec::new();
        if let Some(q) = query {
            pairs.extend(form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())));
        }
        if let Some(b) = form_body {
            pairs.extend(form_urlencoded::parse(b).map(|(k, v)| (k.into_owned(), v.into_owned())));
        }
        Params { pairs }
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        Params { pairs }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A non-empty value.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// Map-style parameters `name[i].key=value`, grouped by index.
    pub fn indexed(&self, name: &str) -> Vec<Vec<(String, String)>> {
        let prefix = format!("{}[", name.to_ascii_lowercase());
        let mut groups: std::collections::BTreeMap<u32, Vec<(String, String)>> = Default::default();
        for (k, v) in &self.pairs {
            let lk = k.to_ascii_lowercase();
            if let Some(rest) = lk.strip_prefix(&prefix) {
                if let Some((idx, key)) = rest.split_once("].") {
                    if let Ok(i) = idx.parse() {
                        groups.entry(i).or_default().push((key.to_string(), v.clone()));
                    }
                }
            }
        }
        groups.into_values().collect()
    }

    /// Verifies `signature` against `secret` the way `ApiServer.verifyRequest` does.
    pub fn signature_ok(&self, secret: &str) -> bool {
        let Some(received) = self.get("signature") else {
            return false;
        };
        sign::verify(self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), secret, received)
    }
}

/// An error CloudStack would answer with. `code` is also the HTTP status.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub cs: Option<u32>,
    pub text: String,
    /// Wrap in `errorresponse` instead of the command's envelope.
    pub generic_envelope: bool,
}

impl ApiError {
    fn new(code: u16, cs: Option<u32>, text: impl Into<String>) -> ApiError {
        ApiError { code, cs, text: text.into(), generic_envelope: false }
    }

    /// Any error, as a fault injection asks for it.
    pub fn injected(code: u16, text: impl Into<String>) -> ApiError {
        ApiError::new(code, Some(9999), text)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, None, "unable to verify user credentials and/or request signature")
    }

    pub fn unknown_command(command: &str) -> ApiError {
        ApiError {
            generic_envelope: true,
            ..ApiError::new(401, None, format!("The given command '{command}' either does not exist, is not available for user."))
        }
    }

    pub fn unsupported(text: impl Into<String>) -> ApiError {
        ApiError { generic_envelope: true, ..ApiError::new(432, Some(9999), text) }
    }

    pub fn missing(command: &str, param: &str) -> ApiError {
        ApiError::new(
            431,
            Some(9999),
            format!("Unable to execute API command {} due to missing parameter {param}", command.to_ascii_lowercase()),
        )
    }

    /// Unknown or malformed id, or an expunged object: CloudStack's ParamProcessWorker text.
    pub fn no_entity(command: &str, param: &str, value: &str) -> ApiError {
        ApiError::new(
            431,
            Some(9999),
            format!(
                "Unable to execute API command {} due to invalid value. Invalid parameter {param} value={value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.",
                command.to_ascii_lowercase()
            ),
        )
    }

    /// InvalidParameterValueException.
    pub fn param(text: impl Into<String>) -> ApiError {
        ApiError::new(431, Some(4350), text)
    }

    /// PermissionDeniedException: the object exists but is not the caller's.
    pub fn denied(text: impl Into<String>) -> ApiError {
        ApiError::new(531, Some(4365), text)
    }

    pub fn limit(text: impl Into<String>) -> ApiError {
        ApiError::new(532, Some(4280), text)
    }

    pub fn capacity(text: impl Into<String>) -> ApiError {
        ApiError::new(533, Some(4325), text)
    }

    pub fn in_use(text: impl Into<String>) -> ApiError {
        ApiError::new(536, Some(4375), text)
    }

    pub fn internal(text: impl Into<String>) -> ApiError {
        ApiError::new(530, Some(4250), text)
    }

    pub fn body(&self, command: &str) -> Value {
        let mut inner = Map::new();
        inner.insert("uuidList".into(), json!([]));
        inner.insert("errorcode".into(), json!(self.code));
        if let Some(cs) = self.cs {
            inner.insert("cserrorcode".into(), json!(cs));
        }
        inner.insert("errortext".into(), json!(self.text));
        let key = if self.generic_envelope { "errorresponse".to_string() } else { envelope(command) };
        json!({ key: Value::Object(inner) })
    }
}

/// `{"<command>response": …}` key, with CloudStack's irregular names.
pub fn envelope(command: &str) -> String {
    crate::cloud::client::envelope_name(command)
}

/// Applies `page`/`pagesize` as `BaseListCmd` does and builds the list body: `count` is the total,
/// and an empty result is `{}`.
pub fn list_body(command: &str, item_key: &str, p: &Params, items: Vec<Value>, max: usize) -> Result<Value, ApiError> {
    let page = p.value("page");
    let size = p.value("pagesize");
    let total = items.len();
    let window: Vec<Value> = match (page, size) {
        (None, None) => items.into_iter().take(max).collect(),
        (Some(_), None) => return Err(ApiError::param("\"pagesize\" parameter is required when \"page\" is specified")),
        (None, Some("-1")) => items,
        (Some(_), Some("-1")) => return Err(ApiError::param("Can't specify page parameter when pagesize is -1")),
        (None, Some(_)) => return Err(ApiError::param("\"page\" parameter is required when \"pagesize\" is specified")),
        (Some(page), Some(size)) => {
            let page: usize = page.parse().map_err(|_| ApiError::no_entity(command, "page", page))?;
            let size: usize = size.parse().map_err(|_| ApiError::no_entity(command, "pagesize", size))?;
            if size > max {
                return Err(ApiError::param(format!("Page size can't exceed max allowed page size value: {max}")));
            }
            if page == 0 || size == 0 {
                return Err(ApiError::param("page and pagesize must be positive"));
            }
            items.into_iter().skip(size * (page - 1)).take(size).collect()
        }
    };
    let inner = if total == 0 {
        json!({})
    } else if window.is_empty() {
        // Past the last page: CloudStack still reports the total.
        json!({ "count": total })
    } else {
        json!({ "count": total, item_key: window })
    };
    Ok(json!({ envelope(command): inner }))
}

/// A single-object or field answer.
pub fn object_body(command: &str, inner: Value) -> Value {
    json!({ envelope(command): inner })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Params {
        Params::parse(Some(q), None)
    }

    #[test]
    fn first_value_wins_and_names_match_in_any_case() {
        let params = p("command=listZones&zoneId=a&zoneid=b&apikey=k");
        assert_eq!(params.get("zoneid"), Some("a"));
        assert_eq!(params.get("apiKey"), Some("k"));
    }

    #[test]
    fn paging_follows_base_list_cmd() {
        let items: Vec<Value> = (0..7).map(|i| json!({ "id": i })).collect();
        let page2 = list_body("listZones", "zone", &p("page=2&pagesize=3"), items.clone(), 500).unwrap();
        assert_eq!(page2["listzonesresponse"]["count"], 7);
        assert_eq!(page2["listzonesresponse"]["zone"][0]["id"], 3);
        assert!(list_body("listZones", "zone", &p("page=1"), items.clone(), 500).is_err());
        assert!(list_body("listZones", "zone", &p("pagesize=3"), items.clone(), 500).is_err());
        assert!(list_body("listZones", "zone", &p("page=1&pagesize=501"), items.clone(), 500).is_err());
        assert!(
            list_body("listZones", "zone", &p("page=1&pagesize=500"), items.clone(), 200).is_err(),
            "a cloud with a lower default.page.size"
        );
        assert_eq!(
            list_body("listZones", "zone", &p(""), items.clone(), 5).unwrap()["listzonesresponse"]["zone"].as_array().unwrap().len(),
            5
        );
        let empty = list_body("listZones", "zone", &p(""), vec![], 500).unwrap();
        assert_eq!(empty, json!({"listzonesresponse": {}}));
    }

    #[test]
    fn map_parameters_group_by_index() {
        let g = p("details[0].cpuNumber=2&details[0].memory=512&details[1].x=y").indexed("details");
        assert_eq!(g.len(), 2);
        assert_eq!(g[0], vec![("cpunumber".to_string(), "2".to_string()), ("memory".to_string(), "512".to_string())]);
    }

    #[test]
    fn errors_carry_the_code_as_status_and_cloudstacks_envelope() {
        let e = ApiError::missing("queryAsyncJobResult", "jobid");
        assert_eq!(e.code, 431);
        assert_eq!(
            e.body("queryAsyncJobResult")["queryasyncjobresultresponse"]["errortext"],
            "Unable to execute API command queryasyncjobresult due to missing parameter jobid"
        );
        let u = ApiError::unauthorized().body("listZones");
        assert!(u["listzonesresponse"].get("cserrorcode").is_none());
        assert!(ApiError::unknown_command("fooBar").body("fooBar").get("errorresponse").is_some());
    }
}
