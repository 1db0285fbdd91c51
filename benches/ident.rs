//! Ident confirmation build and check (TR 01201 ID IO §2): the whole
//! `build_ident_confirmation` (assertion, XML-DSig, PDF, integrity) and
//! `check_ident_confirmation` (integrity, assertion signature and chain,
//! the agreements), and the assertion parse alone.
//!
//! `cargo bench --bench ident`

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::crypto::SigningKey;
use demail::fields::DateTime;
use demail::ident::{
    CardField, CardType, IdentAssertion, IdentCard, IdentRequest, build_ident_confirmation,
    check_ident_confirmation,
};
use demail::provider::Issuer;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;

const KEY: &str = include_str!("../tests/data/keys/p256.key.pem");
const CERT: &str = include_str!("../tests/data/keys/p256.cert.pem");
const CA: &str = include_str!("../tests/data/keys/ca.cert.pem");
const INTERMEDIATE: &str = include_str!("../tests/data/keys/intermediate.cert.pem");
const HOLDER: &str = "max.mustermann@dmda-a.de-mail.de";
const AUDIENCE: &str = "identitaet@bank.de-mail.de";

fn card() -> IdentCard {
    let t = DateTime::parse_rfc3339("2026-11-20T10:00:00+01:00").expect("time");
    let fields = [
        ("personalTitle", "Dr."),
        ("surname", "Mustermann"),
        ("givenname", "Max"),
        ("street", "Heidestraße 17"),
        ("locationOfBirth", "Berlin"),
        ("dateOfBirth", "12.08.1964"),
        ("locality", "Köln"),
        ("country", "DE"),
        ("age", "62"),
        ("de-mail-address", HOLDER),
    ]
    .into_iter()
    .map(|(n, v)| CardField::new(n, v, t))
    .collect();
    IdentCard::new(CardType::NaturalPerson, fields).expect("card")
}

fn bench(c: &mut Criterion) {
    let key = SigningKey::from_pkcs8_pem(KEY).expect("key");
    let cert = Certificate::from_pem(CERT).expect("certificate");
    let signer = CertifiedKey::new(key, cert).expect("key and certificate");
    let anchors = Certificate::all_from_pem(CA).expect("ca");
    let intermediates = [Certificate::from_pem(INTERMEDIATE).expect("intermediate")];
    let card = card();
    let issuer = Issuer::new(
        "DMDA A",
        DeMailAddress::parse("Ident-Bestaetigung@dmda-a.de-mail.de").expect("address"),
    );
    let request = IdentRequest::new(
        &card,
        &issuer,
        DeMailAddress::parse(HOLDER).expect("holder"),
        DeMailAddress::parse(AUDIENCE).expect("audience"),
        DateTime::parse_rfc5322("Fri, 20 Nov 2026 10:05:00 +0100").expect("date"),
    );
    let message = build_ident_confirmation(&request, &signer).expect("build");
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        ..VerifyOptions::default()
    };
    assert!(
        check_ident_confirmation(&message, Some(AUDIENCE), &options)
            .expect("check")
            .passed()
    );
    let assertion = demail::ident::read_ident_confirmation(&message).expect("read");
    let signed = assertion.sign(&signer).expect("sign");

    let mut group = c.benchmark_group("ident");
    group.bench_function("build_natural_person", |b| {
        b.iter(|| build_ident_confirmation(black_box(&request), &signer).expect("build"))
    });
    group.bench_function("check_natural_person", |b| {
        b.iter(|| check_ident_confirmation(black_box(&message), Some(AUDIENCE), &options).expect("check"))
    });
    group.bench_function("parse_signed_assertion", |b| {
        b.iter(|| IdentAssertion::parse(black_box(&signed)).expect("parse"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
