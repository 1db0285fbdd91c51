//! Integrity verification (TR 01201-3.4 §3.1.21) against its cryptographic
//! floor: hash-only verification versus a raw SHA-256 of the same bytes, and
//! signed verification versus ring's raw `UnparsedPublicKey::verify` on the
//! same key and data — with [`verify`] (the certificate parsed on every
//! call) and with a warm [`Verifier`] (certificate cache, and with a chain
//! the cached path; D191, D192).
//!
//! `cargo bench --bench integrity`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ring::signature::{self as ring_sig, UnparsedPublicKey};

use demail::Verifier;
use demail::certificate::Certificate;
use demail::crypto::{PublicKey, SignatureScheme, SigningKey};
use demail::envelope::Envelope;
use demail::integrity::{IntegrityTags, SignOptions, SignedMode, header_input, sign};
use demail::integrity::{Verdict, verify};
use demail::signer::{CertifiedKey, Signer};
use demail::trust::VerifyOptions;

const MESSAGE: &[u8] = include_bytes!("../tests/data/normal-minimal.eml");

/// A ~200 KB message: the minimal message with a long body, so hashing dominates.
fn large_message() -> Vec<u8> {
    let mut message = MESSAGE.to_vec();
    let line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
    while message.len() < 200 * 1024 {
        message.extend_from_slice(line);
    }
    message
}

fn hash_only(c: &mut Criterion) {
    let signed = sign(&large_message(), &SignOptions::hash_only()).expect("hash-only signing");
    let envelope = Envelope::parse(&signed).expect("parse");
    assert_eq!(
        verify(&envelope, &VerifyOptions::default()).verdict,
        Verdict::Pass
    );
    let mut group = c.benchmark_group("hash_only_200k");
    group.throughput(Throughput::Bytes(signed.len() as u64));
    group.bench_function("demail_parse_and_verify", |b| {
        b.iter(|| {
            let envelope = Envelope::parse(black_box(&signed)).expect("parse");
            verify(&envelope, &VerifyOptions::default())
        })
    });
    group.bench_function("ring_sha256_of_message", |b| {
        b.iter(|| ring::digest::digest(&ring::digest::SHA256, black_box(&signed)))
    });
    group.finish();
}

fn signed_case(c: &mut Criterion, name: &str, key_pem: &str, cert_pem: &str, scheme: SignatureScheme) {
    let key = SigningKey::from_pkcs8_pem(key_pem).expect("key");
    let certificate = Certificate::from_pem(cert_pem).expect("certificate");
    let signer = CertifiedKey::new(key, certificate).expect("key and certificate");
    let options = SignOptions {
        signer: Some(SignedMode {
            signer: &signer,
            scheme,
        }),
        ..SignOptions::hash_only()
    };
    let signed = sign(MESSAGE, &options).expect("sign");
    let envelope = Envelope::parse(&signed).expect("parse");
    let verify_options = VerifyOptions::default();
    assert_eq!(
        verify(&envelope, &verify_options).verdict,
        Verdict::SignatureValidUntrusted
    );

    // The same data and key for ring alone.
    let value = envelope
        .metadata()
        .integrity
        .as_deref()
        .expect("integrity")
        .to_owned();
    let tags = IntegrityTags::parse(&value).expect("tags");
    let field = envelope
        .field(demail::fields::FieldName::Integrity)
        .expect("field");
    let input = header_input(envelope.fields(), &tags.headers, field);
    let (algorithm, public_key): (&dyn ring_sig::VerificationAlgorithm, Vec<u8>) =
        match &signer.certificate().public_key {
            PublicKey::Rsa { der, .. } => (&ring_sig::RSA_PKCS1_2048_8192_SHA256, der.clone()),
            PublicKey::Ec { point, .. } => (&ring_sig::ECDSA_P256_SHA256_ASN1, point.clone()),
            PublicKey::Other(_) => unreachable!("test keys are RSA or EC"),
        };
    UnparsedPublicKey::new(algorithm, &public_key)
        .verify(&input, &tags.value)
        .expect("ring verifies the same signature");

    let mut group = c.benchmark_group(format!("signed_{name}"));
    group.throughput(Throughput::Elements(1));
    group.bench_function("demail_parse_and_verify", |b| {
        b.iter(|| {
            let envelope = Envelope::parse(black_box(&signed)).expect("parse");
            verify(&envelope, &verify_options)
        })
    });
    let at = std::time::SystemTime::now();
    let warm = Verifier::builder().build();
    assert_eq!(
        warm.verify_envelope(&signed, at).expect("parse").verdict,
        Verdict::SignatureValidUntrusted
    );
    group.bench_function("verifier_warm", |b| {
        b.iter(|| warm.verify_envelope(black_box(&signed), at))
    });
    let read = |name: &str| {
        Certificate::from_der(std::fs::read(format!("tests/data/keys/{name}.cert.der")).expect(name))
    };
    let chained = Verifier::builder()
        .trust_anchor(read("ca").expect("ca"))
        .intermediate(read("intermediate").expect("intermediate"))
        .build();
    assert_eq!(
        chained.verify_envelope(&signed, at).expect("parse").verdict,
        Verdict::Pass
    );
    let (anchors, intermediates) = (
        read("ca").expect("ca"),
        read("intermediate").expect("intermediate"),
    );
    let chain_options = VerifyOptions {
        time: at,
        trust_anchors: std::slice::from_ref(&anchors),
        intermediates: std::slice::from_ref(&intermediates),
        ..VerifyOptions::default()
    };
    group.bench_function("demail_parse_and_verify_chain", |b| {
        b.iter(|| {
            let envelope = Envelope::parse(black_box(&signed)).expect("parse");
            verify(&envelope, &chain_options)
        })
    });
    group.bench_function("verifier_warm_chain", |b| {
        b.iter(|| chained.verify_envelope(black_box(&signed), at))
    });
    group.bench_function("ring_verify_only", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(algorithm, &public_key).verify(black_box(&input), black_box(&tags.value))
        })
    });
    group.finish();
}

fn signed(c: &mut Criterion) {
    signed_case(
        c,
        "rsa3072",
        include_str!("../tests/data/keys/rsa3072.key.pem"),
        include_str!("../tests/data/keys/rsa3072.cert.pem"),
        SignatureScheme::Rsa,
    );
    signed_case(
        c,
        "p256",
        include_str!("../tests/data/keys/p256.key.pem"),
        include_str!("../tests/data/keys/p256.cert.pem"),
        SignatureScheme::EcDsa,
    );
}

criterion_group!(benches, hash_only, signed);
criterion_main!(benches);
