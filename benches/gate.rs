//! The benchmark regression gate (issue 18): instruction counts (Callgrind)
//! and heap allocations (DHAT) of the hot paths, measured under Valgrind with
//! gungraun, which count the same on an idle and on a loaded machine.
//!
//! Every input is built in a setup function (not counted) and checked there
//! to take the real path (parses without a violation, verifies); the
//! benchmark function then runs one call. `.ci/run` compares the figures with
//! `benches/gate-baseline.tsv` (`benches/gate-compare.sh`, see BENCHMARKS.md):
//!
//! ```text
//! cargo bench --bench gate -- --save-summary=json       # measure
//! bash benches/gate-compare.sh check                    # compare, fails above 3 %
//! bash benches/gate-compare.sh update                   # re-set the baseline
//! ```
//!
//! Needs valgrind and `gungraun-runner` of the same version as the
//! `gungraun` dev-dependency (`.ci/run` installs both).

use std::hint::black_box;
use std::io::Cursor;
use std::time::SystemTime;

use gungraun::prelude::*;
use gungraun::{Dhat, LibraryBenchmarkConfig};

use demail::certificate::Certificate;
use demail::confirmation::{AcknowledgeMessage, ConfirmationKind, ConfirmationRequest, build_confirmation};
use demail::crypto::{SignatureScheme, SigningKey};
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::fields::FieldName;
use demail::integrity::{IntegrityTags, SignOptions, SignedMode, header_input, sign};
use demail::integrity::{Verdict, verify};
use demail::mbox::{DEFAULT_MAX_MESSAGE, FromLine, MboxReader, MboxWriter};
use demail::provider::Issuer;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::verifier::Verifier;
use demail::xmldsig::{Canonicalization, canonicalize};

/// The 4.7 KB De-Mail message of the criterion benches (29 fields).
const NORMAL: &[u8] = include_bytes!("../tests/data/normal.eml");
/// A signed original, as a PVD archives it.
const SIGNED: &[u8] = include_bytes!("../tests/data/signed/normal-rsa3072.eml");
const MINIMAL: &[u8] = include_bytes!("../tests/data/normal-minimal.eml");

/// `base` with body lines appended until it is at least `target` bytes.
fn grown(base: &[u8], target: usize) -> Vec<u8> {
    let mut message = base.to_vec();
    let line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
    while message.len() < target {
        message.extend_from_slice(line);
    }
    message
}

/// A message that parses and validates without a violation (TR 01201-3.4
/// §3.1), `target` bytes long.
fn valid_message(target: usize) -> Vec<u8> {
    let message = grown(NORMAL, target);
    let envelope = Envelope::parse(&message).expect("the gate message parses");
    assert!(envelope.field_errors().is_empty() && envelope.warnings().is_empty());
    assert!(envelope.validate().violations().is_empty());
    message
}

/// A hash-only protected message (TR 01201-3.4 §3.1.21) of `target` bytes.
fn hash_only_message(target: usize) -> Vec<u8> {
    let signed = sign(&grown(MINIMAL, target), &SignOptions::hash_only()).expect("hash-only signing");
    let envelope = Envelope::parse(&signed).expect("parse");
    assert_eq!(
        verify(&envelope, &VerifyOptions::default()).verdict,
        Verdict::Pass
    );
    signed
}

/// A message signed with the test key `name` (no chain: no trust anchors).
fn signed_message(name: &str) -> Vec<u8> {
    let (key, cert, scheme) = match name {
        "rsa3072" => (
            include_str!("../tests/data/keys/rsa3072.key.pem"),
            include_str!("../tests/data/keys/rsa3072.cert.pem"),
            SignatureScheme::Rsa,
        ),
        _ => (
            include_str!("../tests/data/keys/p256.key.pem"),
            include_str!("../tests/data/keys/p256.cert.pem"),
            SignatureScheme::EcDsa,
        ),
    };
    let key = SigningKey::from_pkcs8_pem(key).expect("key");
    let certificate = Certificate::from_pem(cert).expect("certificate");
    let signer = CertifiedKey::new(key, certificate).expect("key and certificate");
    let options = SignOptions {
        signer: Some(SignedMode {
            signer: &signer,
            scheme,
        }),
        ..SignOptions::hash_only()
    };
    let signed = sign(MINIMAL, &options).expect("sign");
    let envelope = Envelope::parse(&signed).expect("parse");
    assert_eq!(
        verify(&envelope, &VerifyOptions::default()).verdict,
        Verdict::SignatureValidUntrusted
    );
    signed
}

/// A [`Verifier`] that has verified the message signed with `name` once,
/// so that its certificate is in the cache (issue 13 §1), and the message.
fn warm_verifier(name: &str) -> (Verifier, Vec<u8>, SystemTime) {
    let signed = signed_message(name);
    let verifier = Verifier::builder().build();
    let at = SystemTime::now();
    let report = verifier.verify_envelope(&signed, at).expect("parse");
    assert_eq!(report.verdict, Verdict::SignatureValidUntrusted);
    (verifier, signed, at)
}

/// What ring's raw verification of the same signature needs: the
/// algorithm, the public key, the signed header input and the signature.
type RingInput = (
    &'static dyn ring::signature::VerificationAlgorithm,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
);

/// The signature of the message signed with `name`, for ring alone: the
/// reference of issue 13's goal (a warm verification at most 1.15× this).
fn ring_input(name: &str) -> RingInput {
    use demail::crypto::PublicKey;
    use ring::signature::{ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256};
    let signed = signed_message(name);
    let envelope = Envelope::parse(&signed).expect("parse");
    let value = envelope.metadata().integrity.as_deref().expect("integrity field");
    let tags = IntegrityTags::parse(value).expect("tags");
    let field = envelope.field(FieldName::Integrity).expect("integrity field");
    let input = header_input(envelope.fields(), &tags.headers, field);
    let text = envelope
        .metadata()
        .signature_certificate
        .as_deref()
        .expect("certificate field");
    let input_key = match Certificate::from_base64(text).expect("certificate").public_key {
        PublicKey::Rsa { der, .. } => (&RSA_PKCS1_2048_8192_SHA256 as _, der),
        PublicKey::Ec { point, .. } => (&ECDSA_P256_SHA256_ASN1 as _, point),
        other => panic!("unexpected key {other:?}"),
    };
    let (algorithm, key) = input_key;
    ring::signature::UnparsedPublicKey::new(algorithm, &key)
        .verify(&input, &tags.value)
        .expect("ring verifies the signature");
    (algorithm, key, input, tags.value)
}

/// An archive-like XML document of about `target` bytes (the one of
/// `benches/xmldsig.rs`).
fn xml_document(target: usize) -> Vec<u8> {
    use std::fmt::Write as _;
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

/// The `Acknowledge-Message` XML (TR 01201-3.4 §3.5.3) of a receipt
/// confirmation built for [`SIGNED`].
fn confirmation_xml() -> Vec<u8> {
    use mail_parser::MimeHeaders;
    let key = SigningKey::from_pkcs8_pem(include_str!("../tests/data/keys/p256.key.pem")).expect("key");
    let cert = Certificate::from_pem(include_str!("../tests/data/keys/p256.cert.pem")).expect("cert");
    let signer = CertifiedKey::new(key, cert).expect("key and certificate");
    let issuer = Issuer::new(
        "DMDA B GmbH",
        demail::address::DeMailAddress::parse("Eingangsbestaetigung@dmda-b.de-mail.de").expect("address"),
    );
    let request = ConfirmationRequest {
        kind: ConfirmationKind::Receipt,
        issuer: &issuer,
        time: DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:06 +0100").expect("date"),
        delivery_time: None,
        message_id: None,
    };
    let original = Envelope::parse(SIGNED).expect("original");
    let message = build_confirmation(&original, &request, &signer).expect("confirmation");
    let parsed = mail_parser::MessageParser::default()
        .parse(&message)
        .expect("MIME");
    let xml = parsed
        .attachments()
        .find(|p| p.content_type().is_some_and(|c| c.subtype() == Some("xml")))
        .expect("XML part")
        .contents()
        .to_vec();
    AcknowledgeMessage::parse(&xml).expect("the confirmation XML parses");
    xml
}

/// About `target` bytes of mbox (RFC 4155) holding copies of [`SIGNED`],
/// some with body lines starting `From ` (quoted).
fn mbox_file(target: usize) -> Vec<u8> {
    let mut writer = MboxWriter::new(Vec::with_capacity(target + 64 * 1024));
    let mut count = 0;
    let mut written = 0;
    while written < target {
        let mut message = SIGNED.to_vec();
        for i in 0..[2, 40, 400][count % 3] {
            if i % 50 == 7 {
                message.extend_from_slice(b"From the archive: a line that must be quoted.\r\n");
            } else {
                message.extend_from_slice(
                    b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\r\n",
                );
            }
        }
        writer
            .write_message(&message, &FromLine::for_message(&message))
            .expect("write");
        written += message.len() + 60;
        count += 1;
    }
    writer.finish().expect("finish")
}

#[library_benchmark]
#[bench::k4(setup = valid_message, args = (4 * 1024))]
#[bench::k40(setup = valid_message, args = (40 * 1024))]
fn envelope_parse(raw: Vec<u8>) -> usize {
    black_box(Envelope::parse(black_box(&raw)).map_or(0, |e| e.fields().len()))
}

// The reference for the parse goal of issue 18: mail-parser's headers-only
// parse of the same 4 KB message (`Envelope::parse` should need at most a
// third of its instructions).
#[library_benchmark]
#[bench::k4(setup = valid_message, args = (4 * 1024))]
fn mail_parser_headers(raw: Vec<u8>) -> usize {
    black_box(
        mail_parser::MessageParser::default()
            .parse_headers(black_box(&raw))
            .map_or(0, |m| m.headers().len()),
    )
}

#[library_benchmark]
#[bench::k4(setup = valid_message, args = (4 * 1024))]
fn envelope_parse_validate(raw: Vec<u8>) -> usize {
    black_box(Envelope::parse(black_box(&raw)).map_or(0, |e| e.validate().violations().len()))
}

#[library_benchmark]
#[bench::k4(setup = hash_only_message, args = (4 * 1024))]
#[bench::k200(setup = hash_only_message, args = (200 * 1024))]
fn verify_hash_only(raw: Vec<u8>) -> bool {
    let envelope = Envelope::parse(black_box(&raw)).expect("parse");
    black_box(verify(&envelope, &VerifyOptions::default()).verdict == Verdict::Pass)
}

#[library_benchmark]
#[bench::rsa3072(setup = signed_message, args = ("rsa3072"))]
#[bench::p256(setup = signed_message, args = ("p256"))]
fn verify_signed(raw: Vec<u8>) -> bool {
    let envelope = Envelope::parse(black_box(&raw)).expect("parse");
    black_box(verify(&envelope, &VerifyOptions::default()).verdict == Verdict::SignatureValidUntrusted)
}

// Issue 13 §1: a warm `Verifier` (parse, tags, input, cached certificate,
// report) against ring's raw verify of the same signature.
#[library_benchmark]
#[bench::rsa3072(setup = warm_verifier, args = ("rsa3072"))]
#[bench::p256(setup = warm_verifier, args = ("p256"))]
fn verifier_warm((verifier, raw, at): (Verifier, Vec<u8>, SystemTime)) -> bool {
    let report = verifier.verify_envelope(black_box(&raw), at);
    black_box(report.is_ok_and(|r| r.verdict == Verdict::SignatureValidUntrusted))
}

#[library_benchmark]
#[bench::rsa3072(setup = ring_input, args = ("rsa3072"))]
#[bench::p256(setup = ring_input, args = ("p256"))]
fn ring_verify((algorithm, key, input, signature): RingInput) -> bool {
    let key = ring::signature::UnparsedPublicKey::new(algorithm, black_box(&key));
    black_box(key.verify(black_box(&input), black_box(&signature)).is_ok())
}

#[library_benchmark]
#[bench::k100(setup = xml_document, args = (100 * 1024))]
fn c14n_inclusive(doc: Vec<u8>) -> usize {
    black_box(canonicalize(black_box(&doc), &Canonicalization::Inclusive).map_or(0, |c| c.len()))
}

#[library_benchmark]
#[bench::receipt(setup = confirmation_xml)]
fn confirmation_xml_parse(xml: Vec<u8>) -> bool {
    black_box(AcknowledgeMessage::parse(black_box(&xml)).is_ok())
}

#[library_benchmark]
#[bench::m1(setup = mbox_file, args = (1024 * 1024))]
fn mbox_split(file: Vec<u8>) -> usize {
    MboxReader::new(Cursor::new(black_box(&file)), DEFAULT_MAX_MESSAGE)
        .map(|message| message.expect("message").data.len())
        .sum()
}

library_benchmark_group!(
    name = gate,
    benchmarks = [
        envelope_parse,
        mail_parser_headers,
        envelope_parse_validate,
        verify_hash_only,
        verify_signed,
        verifier_warm,
        ring_verify,
        c14n_inclusive,
        confirmation_xml_parse,
        mbox_split
    ]
);

main!(
    config = LibraryBenchmarkConfig::default().tool(Dhat::default()),
    library_benchmark_groups = gate
);
