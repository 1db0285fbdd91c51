//! A fixed workload per operation, for instruction counts under callgrind
//! (BENCHMARKS.md, "Instruction counts"): envelope parse, C14N and
//! confirmation check, each repeated a fixed number of times.
//!
//! `cargo build --release --example icount --all-features`, then
//! `valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/icount envelope`
//! (or `c14n`, `check`); the figure is the `Collected` line's `Ir`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{ConfirmationKind, ConfirmationRequest, build_confirmation, check_confirmation};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::provider::Issuer;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::xmldsig::{Canonicalization, canonicalize};

const NORMAL: &[u8] = include_bytes!("../tests/data/normal.eml");
const ORIGINAL: &[u8] = include_bytes!("../tests/data/signed/normal-rsa3072.eml");
const KEY: &str = include_str!("../tests/data/keys/p256.key.pem");
const CERT: &str = include_str!("../tests/data/keys/p256.cert.pem");
const CA: &str = include_str!("../tests/data/keys/ca.cert.pem");
const INTERMEDIATE: &str = include_str!("../tests/data/keys/intermediate.cert.pem");

/// The archive-like document of benches/xmldsig.rs, about `target` bytes.
fn document(target: usize) -> Vec<u8> {
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Archive xmlns=\"urn:example:archive\" \
         xmlns:x=\"urn:example:x\" xml:lang=\"de\">\r\n",
    );
    let mut i = 0;
    while doc.len() < target {
        let _ = write!(
            doc,
            "  <Entry kind=\"receipt\" id=\"e{i}\" x:state=\"delivered\" date=\"2025-03-01T12:00:00Z\">\r\n    \
             <Subject>Zustellung &amp; Abholung Nr. {i} &lt;ok&gt;</Subject>\r\n    \
             <x:Note t=\"a&#9;b\">Grüße aus Bonn</x:Note><!-- entry {i} -->\r\n    <Empty/>\r\n  </Entry>\r\n"
        );
        i += 1;
    }
    doc.push_str("</Archive>\r\n");
    doc.into_bytes()
}

fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    match what.as_str() {
        "envelope" => {
            for _ in 0..10_000 {
                black_box(Envelope::parse(black_box(NORMAL)).expect("parse"));
            }
        }
        "c14n" => {
            let doc = document(1 << 20);
            for _ in 0..5 {
                black_box(canonicalize(black_box(&doc), &Canonicalization::Inclusive).expect("c14n"));
            }
        }
        "check" => {
            let key = SigningKey::from_pkcs8_pem(KEY).expect("key");
            let cert = Certificate::from_pem(CERT).expect("certificate");
            let signer = CertifiedKey::new(key, cert).expect("key and certificate");
            let issuer = Issuer::new(
                "DMDA B GmbH",
                DeMailAddress::parse("Eingangsbestaetigung@dmda-b.de-mail.de").expect("address"),
            );
            let request = ConfirmationRequest {
                kind: ConfirmationKind::Receipt,
                issuer: &issuer,
                time: DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:06 +0100").expect("date"),
                delivery_time: None,
                message_id: None,
            };
            let original = Envelope::parse(ORIGINAL).expect("original");
            let confirmation = build_confirmation(&original, &request, &signer).expect("confirmation");
            let anchors = Certificate::all_from_pem(CA).expect("ca");
            let intermediates = [Certificate::from_pem(INTERMEDIATE).expect("intermediate")];
            let options = VerifyOptions {
                time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
                trust_anchors: &anchors,
                intermediates: &intermediates,
                ..VerifyOptions::default()
            };
            for _ in 0..20 {
                let report = check_confirmation(black_box(&confirmation), ORIGINAL, &options).expect("check");
                assert!(report.passed(), "{report}");
            }
        }
        _ => {
            eprintln!("usage: icount envelope|c14n|check");
            std::process::exit(2);
        }
    }
}
