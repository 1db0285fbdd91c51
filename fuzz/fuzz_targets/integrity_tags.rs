//! `IntegrityTags::parse` (the `X-de-mail-integrity` tag list, TR 01201-3.4
//! §3.1.21) and `Algorithm::parse` on arbitrary text: never panic; a parsed
//! list keeps `h=` names without separators and decodes `b=`/`bh=`.
#![no_main]

use demail::integrity::{Algorithm, IntegrityTags, without_b_value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The b= deletion of RFC 6376 §3.7 works on raw field bytes.
    let deleted = without_b_value(data);
    assert!(deleted.len() <= data.len());
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Algorithm::parse(text);
    if let Ok(tags) = IntegrityTags::parse(text) {
        for name in &tags.headers {
            assert!(!name.is_empty() && !name.contains(':'), "h= name {name:?}");
        }
        let algorithm = tags.algorithm.to_string();
        assert_eq!(Algorithm::parse(&algorithm), Ok(tags.algorithm));
    }
});
