//! XML-DSig: canonicalization throughput (MB/s) on generated ~100 KB and
//! ~1 MB documents, and verification of signed documents (RSA-3072, P-256).
//!
//! `cargo bench --bench xmldsig`. The generated documents are also written
//! to `target/tmp/xmldsig-bench-{100k,1m}.xml`, so that `xmllint --c14n`
//! can be timed on the same bytes for scale (see docs/decisions.md D29).

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use demail::certificate::Certificate;
use demail::crypto::SigningKey;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::xmldsig::{Canonicalization, XmlSignOptions, canonicalize, sign_enveloped, verify};

/// An archive-like document of about `target` bytes: a default and a
/// prefixed namespace, attributes to sort, references, comments, CR LF.
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

fn save(name: &str, doc: &[u8]) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::write(path, doc);
}

fn c14n(c: &mut Criterion) {
    for (name, size) in [("100k", 100 * 1024), ("1m", 1024 * 1024)] {
        let doc = document(size);
        save(&format!("xmldsig-bench-{name}.xml"), &doc);
        let mut group = c.benchmark_group(format!("c14n_{name}"));
        group.throughput(Throughput::Bytes(doc.len() as u64));
        if size > 500 * 1024 {
            group.sample_size(20);
        }
        for (label, method) in [
            ("inclusive", Canonicalization::Inclusive),
            ("inclusive_with_comments", Canonicalization::InclusiveWithComments),
            (
                "exclusive",
                Canonicalization::Exclusive {
                    inclusive_prefixes: vec![],
                },
            ),
        ] {
            group.bench_function(label, |b| {
                b.iter(|| canonicalize(black_box(&doc), &method).expect("canonical"))
            });
        }
        group.finish();
    }
}

fn verification(c: &mut Criterion) {
    let anchors = vec![Certificate::from_pem(include_str!("../tests/data/keys/ca.cert.pem")).expect("ca")];
    let intermediates =
        vec![Certificate::from_pem(include_str!("../tests/data/keys/intermediate.cert.pem")).expect("ca")];
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        ..VerifyOptions::default()
    };
    let small = br#"<?xml version="1.0" encoding="UTF-8"?>
<Acknowledge xmlns="urn:example:ack" xmlns:x="urn:example:x"><MessageId>&lt;m-1@dmda-a.de-mail.de&gt;</MessageId><x:Status code="0">delivered</x:Status></Acknowledge>
"#;
    let large = document(100 * 1024);
    let signers = [
        (
            "rsa3072",
            include_str!("../tests/data/keys/rsa3072.key.pem"),
            include_str!("../tests/data/keys/rsa3072.cert.pem"),
        ),
        (
            "p256",
            include_str!("../tests/data/keys/p256.key.pem"),
            include_str!("../tests/data/keys/p256.cert.pem"),
        ),
    ];
    let mut group = c.benchmark_group("xmldsig_verify");
    for (name, key, cert) in signers {
        let key = SigningKey::from_pkcs8_pem(key).expect("key");
        let certificate = Certificate::from_pem(cert).expect("certificate");
        let signer = CertifiedKey::new(key, certificate).expect("key and certificate");
        for (size, doc) in [("small", &small[..]), ("100k", &large[..])] {
            let signed = sign_enveloped(doc, &XmlSignOptions::new(&signer)).expect("sign");
            assert!(verify(&signed, &options).expect("verify").passed());
            group.bench_function(format!("{name}_{size}"), |b| {
                b.iter(|| verify(black_box(&signed), &options).expect("verify"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, c14n, verification);
criterion_main!(benches);
