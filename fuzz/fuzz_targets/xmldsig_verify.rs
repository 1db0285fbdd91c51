//! XML-DSig verification of arbitrary bytes: never a panic, and a pass
//! always means the digest and the signature matched and the signer chained
//! to the test CA.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use demail::trust::VerifyOptions;
use demail::xmldsig::verify;
use libfuzzer_sys::fuzz_target;

#[path = "common/test_pki.rs"]
mod test_pki;
use test_pki::{anchors, intermediates};

fuzz_target!(|data: &[u8]| {
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: anchors(),
        intermediates: intermediates(),
        ..VerifyOptions::default()
    };
    match verify(data, &options) {
        Ok(report) => {
            if report.passed() {
                assert!(report.digest_ok && report.signature_ok);
                assert_eq!(report.trusted, Some(true));
            }
            for failure in &report.failures {
                let _ = failure.to_string();
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
