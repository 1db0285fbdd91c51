//! `IdentAssertion::parse` (TR 01201 ID IO §2.6, §2.7: the SAML assertion
//! and the ident card) on arbitrary bytes, then the round trip
//! `parse(to_xml(parse(x))) == parse(x)`.
//!
//! Checks: parsing never panics, every error formats, and an assertion that
//! parsed writes one that parses again to the same value. No skips.
#![no_main]

use demail::ident::IdentAssertion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let first = match IdentAssertion::parse(data) {
        Ok(first) => first,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    let xml = first.to_xml();
    let again = match IdentAssertion::parse(&xml) {
        Ok(again) => again,
        Err(error) => panic!("written assertion does not parse: {error}\n{}", xml.escape_ascii()),
    };
    assert_eq!(again, first, "round trip differs\n{}", xml.escape_ascii());
});
