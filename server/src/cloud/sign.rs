//! Request signing exactly as CloudStack's `ApiServer.verifyRequest` recomputes it.
//!
//! Parameters (every one but `signature`) are sorted by their original-case names in Java `String`
//! order, joined as `name=value` with each value encoded like Java's `URLEncoder` (then `+` → `%20`),
//! the whole string lower-cased, HMAC-SHA1'd with the secret key and base64'd. The simulator verifies
//! with the same functions, so client and server can only agree by both being right: the published
//! vectors below pin them to CloudStack itself.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Java `URLEncoder.encode(v, "UTF-8")` followed by `replace("+", "%20")`: the unreserved set is
/// exactly `A-Z a-z 0-9 . - * _`; every other byte of the UTF-8 encoding becomes `%XX`.
pub fn java_urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3 / 2);
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            _ => {
                out.push('%');
                out.push(char::from(HEX[(b >> 4) as usize]));
                out.push(char::from(HEX[(b & 0xf) as usize]));
            }
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The lower-cased string CloudStack signs. Repeated names keep their first value, as the servlet does.
pub fn string_to_sign<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, v) in params {
        if k.eq_ignore_ascii_case("signature") || pairs.iter().any(|(seen, _)| *seen == k) {
            continue;
        }
        pairs.push((k, v));
    }
    // Java compares UTF-16 code units; parameter names are ASCII, where that equals byte order.
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let joined = pairs.iter().map(|(k, v)| format!("{k}={}", java_urlencode(v))).collect::<Vec<_>>().join("&");
    joined.to_lowercase()
}

/// base64(HMAC-SHA1(secret, string_to_sign(params))).
pub fn signature<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, secret: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign(params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Constant-time check of a received signature (the simulator's side).
pub fn verify<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, secret: &str, received: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = signature(params, secret);
    expected.as_bytes().ct_eq(received.as_bytes()).into()
}

/// The `expires` value for `signatureVersion=3`, in the form CloudStack documents and `cs` sends.
pub fn expires_at(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(params: &[(&str, &str)], secret: &str) -> String {
        signature(params.iter().copied(), secret)
    }

    #[test]
    fn the_developer_guide_deploy_example_signs_to_its_published_signature() {
        let key = "miVr6X7u6bN_sdahOBpjNejPgEsT35eXq-jB8CG20YI3yaxXcgpyuaIRmFI_EJTVwZ0nUkkJbPmY3y2bciKwFQ";
        let secret = "AdpTvsQMZwv9MNvfqDcQhWSL9pHQvq7z13CFP2SU1iToDkkM3d8iZciWEKsGREhMtV9yLVMxmbbJJgrXo8O5jg";
        let params = [
            ("command", "deployVirtualMachine"),
            ("serviceOfferingId", "1"),
            ("diskOfferingId", "1"),
            ("templateId", "2"),
            ("zoneId", "4"),
            ("apiKey", key),
        ];
        assert_eq!(
            string_to_sign(params.iter().copied()),
            "apikey=mivr6x7u6bn_sdahobpjnejpgest35exq-jb8cg20yi3yaxxcgpyuairmfi_ejtvwz0nukkjbpmy3y2bcikwfq&command=deployvirtualmachine&diskofferingid=1&serviceofferingid=1&templateid=2&zoneid=4"
        );
        assert_eq!(sig(&params, secret), "Lxx1DM40AjcXU/caiK8RAP0O1hU=");
    }

    #[test]
    fn the_developer_guide_python_example_signs_to_its_published_signature() {
        let key = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg";
        let secret = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ";
        let params = [("command", "listUsers"), ("response", "json"), ("apikey", key)];
        assert_eq!(sig(&params, secret), "TTpdDq/7j/J58XCRHomKoQXEQds=");
    }

    #[test]
    fn libcloud_vectors_including_a_plus_in_a_value() {
        let base = [("apiKey", "fnord"), ("response", "json")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            sig(&v, "abracadabra")
        };
        assert_eq!(with(&[("command", "listVirtualMachines")]), "z/a9Y7J52u48VpqIgiwaGUMCso0=");
        let deploy = [
            ("command", "deployVirtualMachine"),
            ("name", "fred"),
            ("displayname", "George"),
            ("serviceofferingid", "5"),
            ("templateid", "17"),
            ("zoneid", "23"),
            ("networkids", "42"),
        ];
        assert_eq!(with(&deploy), "gHTo7mYmadZ+zluKHzlEKb1i/QU=");
        let mut plus = deploy.to_vec();
        plus[2] = ("displayname", "George+Ringo");
        assert_eq!(with(&plus), "tAgfrreI1ZvWlWLClD3gu4+aKv4=");
    }

    #[test]
    fn cs_vectors_sort_by_original_case_then_lower_case() {
        let p = [
            ("apiKey", "foo"),
            ("command", "listVirtualMachines"),
            ("response", "json"),
            ("zoneId", "2"),
            ("templateId", "3"),
            ("temPlateidd", "4"),
            ("pageSize", "10"),
            ("page", "1"),
        ];
        assert_eq!(
            string_to_sign(p.iter().copied()),
            "apikey=foo&command=listvirtualmachines&page=1&pagesize=10&response=json&templateidd=4&templateid=3&zoneid=2"
        );
        assert_eq!(sig(&p, "bar"), "mMS7XALuGkCXk7kj5SywySku0Z0=");
    }

    #[test]
    fn non_ascii_empty_and_map_style_parameters() {
        let unicode =
            [("apiKey", "foo"), ("command", "listVirtualMachines"), ("response", "json"), ("listall", "1"), ("unicode_param", "éèààû")];
        assert!(string_to_sign(unicode.iter().copied()).contains("unicode_param=%c3%a9%c3%a8%c3%a0%c3%a0%c3%bb"));
        assert_eq!(sig(&unicode, "bar"), "gABU/KFJKD3FLAgKDuxQoryu4sA=");
        let empty = [("apiKey", "foo"), ("command", "createNetwork"), ("response", "json"), ("name", ""), ("display_text", "")];
        assert_eq!(sig(&empty, "bar"), "CistTEiPt/4Rv1v4qSyILvPbhmg=");
        let map = [
            ("apiKey", "foo"),
            ("command", "scaleVirtualMachine"),
            ("response", "json"),
            ("id", "a"),
            ("details[0].cpunumber", "1000"),
            ("details[0].memory", "640k"),
        ];
        assert_eq!(sig(&map, "bar"), "ZNl66z3gFhnsx2Eo3vvCIM0kAgI=");
    }

    #[test]
    fn spaces_plus_star_slash_equals_and_tilde_encode_like_java() {
        assert_eq!(java_urlencode("a b+c*~/="), "a%20b%2Bc*%7E%2F%3D");
        let p = [("apiKey", "foo"), ("command", "listZones"), ("response", "json"), ("keyword", "a b+c*~")];
        assert_eq!(string_to_sign(p.iter().copied()), "apikey=foo&command=listzones&keyword=a%20b%2bc*%7e&response=json");
        assert_eq!(sig(&p, "bar"), "7+7oqrW8gM6NkigBFc8RfZlqMBg=");
        let cidrs = [
            ("apiKey", "foo"),
            ("response", "json"),
            ("command", "authorizeSecurityGroupIngress"),
            ("securitygroupid", "1b6d1c6e-8a5e-4bd2-9b1c-0f3f5a0e6d11"),
            ("protocol", "tcp"),
            ("startport", "22"),
            ("endport", "22"),
            ("cidrlist", "0.0.0.0/0,::/0"),
        ];
        assert_eq!(sig(&cidrs, "bar"), "hqJbl+WcjZW9orCXgeLm9gIQu48=");
    }

    #[test]
    fn signature_version_3_signs_the_expiry_too() {
        let p = [
            ("apiKey", "foo"),
            ("command", "listZones"),
            ("response", "json"),
            ("signatureVersion", "3"),
            ("expires", "2030-01-01T00:00:00+0000"),
        ];
        assert_eq!(sig(&p, "bar"), "S0OtoIAS+Tu8ylB/nsQh4B370TM=");
        let t = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(expires_at(t), "2030-01-01T00:00:00+0000");
    }

    #[test]
    fn the_signature_parameter_itself_and_repeats_are_left_out() {
        let p = [("apiKey", "foo"), ("command", "listZones"), ("Signature", "zzz"), ("command", "deleteAccount")];
        assert_eq!(string_to_sign(p.iter().copied()), "apikey=foo&command=listzones");
        assert!(verify(p.iter().copied(), "bar", "vRCL4rttwUS7s3a3m53Py1iHaAw="));
        assert!(!verify(p.iter().copied(), "baz", "vRCL4rttwUS7s3a3m53Py1iHaAw="));
    }
}
