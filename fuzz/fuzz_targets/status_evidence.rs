//! Certificate status (RFC 5280 §6.3 CRLs, RFC 6960 OCSP) from arbitrary
//! evidence bytes: the first byte says CRL (even) or OCSP response (odd),
//! the rest is the evidence for the test PKI's P-256 provider certificate.
//! `check_status` never panics, and every rejection has a code, a message
//! and an ETSI indication.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use demail::certificate::Certificate;
use demail::status::{CertificateStatus, Evidence, Indication, StatusOptions, TimeBasis, check_status};
use libfuzzer_sys::fuzz_target;

#[path = "common/test_pki.rs"]
#[allow(dead_code)] // the anchors are not needed here
mod test_pki;
use test_pki::intermediates;

fn provider() -> &'static Certificate {
    static PROVIDER: OnceLock<Certificate> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let pem = include_str!("../../tests/data/keys/p256.cert.pem");
        Certificate::from_pem(pem).expect("test provider certificate")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let mut evidence = Evidence::default();
    if kind % 2 == 0 {
        evidence.crls.push(bytes.to_vec());
    } else {
        evidence.ocsp_responses.push(bytes.to_vec());
    }
    let options = StatusOptions {
        nonce: (kind & 2 != 0).then(|| b"fuzz nonce".to_vec()),
        ..StatusOptions::default()
    };
    let time = UNIX_EPOCH + Duration::from_secs(1_795_478_400);
    let status = check_status(provider(), &intermediates()[0], time, &evidence, &options);
    let _ = status.error_case();
    let _ = Indication::of(&status, TimeBasis::Now).as_str();
    if let CertificateStatus::Unavailable(unavailable) = &status {
        assert_eq!(unavailable.rejected.len(), 1);
        for rejected in &unavailable.rejected {
            let _ = rejected.error.code();
            let _ = rejected.to_string();
        }
    }
});
