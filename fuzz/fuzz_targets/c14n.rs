//! Canonical XML 1.0 and Exc-C14N 1.0 on arbitrary bytes: never a panic,
//! and the canonical form is a fixed point (canonicalizing it again gives
//! the same bytes), for every method.
#![no_main]

use demail::xmldsig::{Canonicalization, canonicalize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let methods = [
        Canonicalization::Inclusive,
        Canonicalization::InclusiveWithComments,
        Canonicalization::Exclusive {
            inclusive_prefixes: vec![],
        },
        Canonicalization::ExclusiveWithComments {
            inclusive_prefixes: vec!["a".into(), "#default".into()],
        },
    ];
    for method in &methods {
        let Ok(once) = canonicalize(data, method) else {
            continue;
        };
        match canonicalize(&once, method) {
            Ok(twice) => assert_eq!(
                String::from_utf8_lossy(&once),
                String::from_utf8_lossy(&twice),
                "not idempotent with {method:?}"
            ),
            Err(error) => panic!("canonical form rejected with {method:?}: {error}"),
        }
    }
});
