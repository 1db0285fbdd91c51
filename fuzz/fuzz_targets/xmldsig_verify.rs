//! XML-DSig verification of arbitrary bytes: never a panic, and a pass
//! always means the digest and the signature matched and the signer chained
//! to the test CA; in the XAdES profile (D213) also that the
//! SignedProperties digest and the signing certificate matched.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use demail::trust::VerifyOptions;
use demail::xmldsig::{XmlProfile, verify_with};
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
    for profile in [XmlProfile::Enveloped, XmlProfile::EnvelopedOrXades] {
        match verify_with(data, &options, profile) {
            Ok(report) => {
                if report.passed() {
                    assert!(report.digest_ok && report.signature_ok);
                    assert_eq!(report.trusted, Some(true));
                    if let Some(xades) = &report.xades {
                        assert!(profile == XmlProfile::EnvelopedOrXades);
                        assert!(xades.signed_properties_digest_ok && xades.signing_certificate_ok);
                    }
                }
                for failure in &report.failures {
                    let _ = failure.to_string();
                }
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
});
