//! Text operations that both sides need and the browser already has.

/// `s` in lower case, by Unicode's default case mapping (`İ`, `Σ` at a word's end and all).
///
/// In the browser this is the browser's own `toLowerCase`, the same mapping: Rust's would bring
/// its case tables into the WebAssembly (about 5 KB compressed of the panel's first download,
/// measured for issue 15), for an email address and the instance list's search box.
pub fn lowercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(s).to_lower_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_cases_beyond_ascii_as_unicode_says() {
        assert_eq!(lowercase("Alice@Example.COM"), "alice@example.com");
        assert_eq!(lowercase("ÄRGER.Münster"), "ärger.münster");
        // A final sigma is written ς, as JavaScript's toLowerCase writes it too.
        assert_eq!(lowercase("ΟΔΟΣ"), "\u{3bf}\u{3b4}\u{3bf}\u{3c2}");
    }
}
