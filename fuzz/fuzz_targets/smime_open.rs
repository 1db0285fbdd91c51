//! The S/MIME reader (RFC 8551, RFC 5652 CMS over RustCrypto `cms`/`der`):
//! arbitrary bytes as a protected message, as a bare CMS object behind an
//! `application/pkcs7-mime` part, and as a signed entity. `open` and
//! `verify_signed_entity` return a value or a typed error and never panic;
//! a passing signature always has a valid signature value and a signer.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use demail::certificate::Certificate;
use demail::smime::{DecryptionKey, OpenOptions, open, verify_signed_entity};
use demail::trust::VerifyOptions;
use libfuzzer_sys::fuzz_target;

#[path = "common/test_pki.rs"]
mod test_pki;
use test_pki::{anchors, intermediates};

/// The P-256 test recipient (tests/data/keys/p256.*).
fn recipient() -> &'static (DecryptionKey, Certificate) {
    static RECIPIENT: OnceLock<(DecryptionKey, Certificate)> = OnceLock::new();
    RECIPIENT.get_or_init(|| {
        (
            DecryptionKey::from_pkcs8_pem(include_str!("../../tests/data/keys/p256.key.pem")).expect("test key"),
            Certificate::from_pem(include_str!("../../tests/data/keys/p256.cert.pem")).expect("test cert"),
        )
    })
}

fn wrapped(content_type: &str, der: &[u8]) -> Vec<u8> {
    let mut message = format!(
        "From: a@dmda-a.de-mail.de\r\nSubject: x\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    message.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(der).as_bytes());
    message.extend_from_slice(b"\r\n");
    message
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let verify = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: anchors(),
        intermediates: intermediates(),
        ..VerifyOptions::default()
    };
    let (key, cert) = recipient();
    // Bit 2 of the mode byte: accept unauthenticated (CBC) content, so both
    // paths of D67 are fuzzed.
    let options = OpenOptions {
        verify,
        allow_unauthenticated: mode & 4 != 0,
    };
    let senders = ["max.mustermann@dmda-a.de-mail.de".to_owned()];
    let reports = match mode % 4 {
        0 => open(rest, key, cert, &options).map(|o| o.report.signatures),
        1 => open(
            &wrapped("application/pkcs7-mime; smime-type=authEnveloped-data", rest),
            key,
            cert,
            &options,
        )
        .map(|o| o.report.signatures),
        2 => verify_signed_entity(rest, &senders, &options.verify),
        _ => verify_signed_entity(
            &wrapped("application/pkcs7-mime; smime-type=signed-data", rest),
            &senders,
            &options.verify,
        ),
    };
    match reports {
        Ok(reports) => {
            for report in reports {
                if report.passed() {
                    assert!(report.signature_valid && report.signer.is_some());
                }
                if let Some(failure) = &report.failure {
                    let _ = (failure.to_string(), failure.code(), failure.case().code());
                }
            }
        }
        Err(error) => {
            let _ = (error.to_string(), error.code());
        }
    }
});
