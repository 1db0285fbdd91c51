//! Full integrity verification (TR 01201-3.4 §3.1.21) of arbitrary bytes:
//! whatever the message, `verify` returns a report and never panics, and a
//! pass always means the body hash and the header hash or signature matched.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use demail::envelope::Envelope;
use demail::integrity::{Verdict, verify};
use demail::trust::VerifyOptions;
use libfuzzer_sys::fuzz_target;

#[path = "common/test_pki.rs"]
mod test_pki;
use test_pki::{anchors, intermediates};

fuzz_target!(|data: &[u8]| {
    let Ok(envelope) = Envelope::parse(data) else {
        return;
    };
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: anchors(),
        intermediates: intermediates(),
        ..VerifyOptions::default()
    };
    let report = verify(&envelope, &options);
    if report.verdict == Verdict::Pass {
        assert_eq!(report.body_hash_ok, Some(true));
        assert_eq!(report.header_ok, Some(true));
    }
    if let Verdict::Fail(failure) = &report.verdict {
        let _ = failure.to_string();
        let _ = failure.case().code();
    }
});
