//! Confirmation parse and check throughput (TR 01201-3.4 §3.5.1, §3.5.3):
//! the whole `check_confirmation` of a received confirmation against its
//! original, the `Acknowledge-Message` parse alone, and, as the floor, the
//! integrity verification that the check includes.
//!
//! `cargo bench --bench confirmation`

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mail_parser::MimeHeaders;

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{
    AcknowledgeMessage, ConfirmationKind, ConfirmationRequest, build_confirmation, check_confirmation,
};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::integrity::verify;
use demail::pdf::Block;
use demail::provider::Issuer;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;

const ORIGINAL: &[u8] = include_bytes!("../tests/data/signed/normal-rsa3072.eml");
const KEY: &str = include_str!("../tests/data/keys/p256.key.pem");
const CERT: &str = include_str!("../tests/data/keys/p256.cert.pem");
const CA: &str = include_str!("../tests/data/keys/ca.cert.pem");
const INTERMEDIATE: &str = include_str!("../tests/data/keys/intermediate.cert.pem");

fn confirmation() -> Vec<u8> {
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
    build_confirmation(&original, &request, &signer).expect("confirmation")
}

fn xml_part(message: &[u8]) -> Vec<u8> {
    let parsed = mail_parser::MessageParser::default()
        .parse(message)
        .expect("MIME");
    parsed
        .attachments()
        .find(|p| p.content_type().is_some_and(|c| c.subtype() == Some("xml")))
        .expect("XML part")
        .contents()
        .to_vec()
}

fn check(c: &mut Criterion) {
    let confirmation = confirmation();
    let anchors = vec![Certificate::from_pem(CA).expect("CA")];
    let intermediates = vec![Certificate::from_pem(INTERMEDIATE).expect("intermediate")];
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        ..VerifyOptions::default()
    };
    let report = check_confirmation(&confirmation, ORIGINAL, &options).expect("check");
    assert!(report.passed(), "{report}");

    let mut group = c.benchmark_group("confirmation_check");
    group.throughput(Throughput::Bytes(confirmation.len() as u64));
    group.bench_function("check_confirmation", |b| {
        b.iter(|| check_confirmation(black_box(&confirmation), black_box(ORIGINAL), &options))
    });
    group.bench_function("integrity_verify_only", |b| {
        b.iter(|| {
            let envelope = Envelope::parse(black_box(&confirmation)).expect("parse");
            verify(&envelope, &options)
        })
    });
    group.finish();

    let xml = xml_part(&confirmation);
    let mut group = c.benchmark_group("acknowledge_message");
    group.throughput(Throughput::Bytes(xml.len() as u64));
    group.bench_function("parse", |b| b.iter(|| AcknowledgeMessage::parse(black_box(&xml))));
    let parsed = AcknowledgeMessage::parse(&xml).expect("parse");
    group.bench_function("serialize", |b| b.iter(|| black_box(&parsed).to_xml()));
    group.finish();
}

/// The blocks a confirmation's PDF shows (the same as the crate's own
/// `pdf_blocks`: text, the confirmation's fields, the original's metadata).
fn blocks(message: &AcknowledgeMessage) -> Vec<Block> {
    let mut blocks = vec![
        Block::Paragraph(message.text.clone()),
        Block::Heading("Angaben der Bestätigung".into()),
        Block::Field {
            label: "Aussteller".into(),
            value: message.sender.clone(),
        },
        Block::Field {
            label: "Betreff".into(),
            value: message.subject.clone(),
        },
        Block::Field {
            label: "Zeitpunkt".into(),
            value: message.time.to_string(),
        },
        Block::Field {
            label: "Hashwert".into(),
            value: message.hash.clone(),
        },
        Block::Heading("Metadaten der Nachricht".into()),
    ];
    blocks.extend(message.metadata.iter().map(|m| Block::Field {
        label: m.name.clone(),
        value: m.value.clone(),
    }));
    blocks
}

/// The PDF of one confirmation (TR 01201-3.4 §3.4.1), alone and as part of
/// the whole build. `cargo bench --bench confirmation -- pdf`
fn pdf(c: &mut Criterion) {
    let confirmation = confirmation();
    let xml = xml_part(&confirmation);
    let message = AcknowledgeMessage::parse(&xml).expect("parse");
    let blocks = blocks(&message);
    let mut group = c.benchmark_group("pdf");
    group.sample_size(20);
    group.bench_function("render_confirmation_pdf", |b| {
        b.iter(|| render_pdf(black_box(&message), black_box(&blocks), black_box(&xml)))
    });
    group.bench_function("build_confirmation_with_pdf", |b| b.iter(self::confirmation));
    group.finish();
}

criterion_group!(benches, check, pdf);
criterion_main!(benches);

fn render_pdf(message: &AcknowledgeMessage, blocks: &[Block], xml: &[u8]) -> Vec<u8> {
    let attachment = demail::pdf::PdfAttachment {
        file_name: "Acknowledge-Message.xml",
        xml,
    };
    demail::pdf::render(&message.subject, blocks, &message.time, &attachment).expect("pdf")
}
