//! S/MIME protect and open (RFC 8551) for a 4 KB and a 10 MB content, per
//! cipher and recipient key, against the floor of the content cipher alone
//! (ring AES-256-GCM sealing of the same bytes).
//!
//! `cargo bench --features smime --bench smime`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use demail::certificate::Certificate;
use demail::smime::{Cipher, DecryptionKey, OpenOptions, ProtectOptions, open, protect};

const DRAFT: &[u8] = include_bytes!("../tests/data/e2e/draft.eml");

fn cert(pem: &str) -> Certificate {
    Certificate::from_pem(pem).expect("test certificate")
}

/// The draft with its body grown to about `size` bytes.
fn message(size: usize) -> Vec<u8> {
    let mut message = DRAFT.to_vec();
    let line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
    while message.len() < size {
        message.extend_from_slice(line);
    }
    message
}

fn smime(c: &mut Criterion) {
    let recipients = [
        (
            "p256",
            cert(include_str!("../tests/data/keys/p256-enc.cert.pem")),
            DecryptionKey::from_pkcs8_pem(include_str!("../tests/data/keys/p256-enc.key.pem")).expect("key"),
        ),
        (
            "rsa2048",
            cert(include_str!("../tests/data/keys/rsa2048-enc.cert.pem")),
            DecryptionKey::from_pkcs8_pem(include_str!("../tests/data/keys/rsa2048-enc.key.pem"))
                .expect("key"),
        ),
    ];
    for (label, size) in [("4k", 4 * 1024), ("10m", 10 * 1024 * 1024)] {
        let input = message(size);
        let mut group = c.benchmark_group(format!("smime_{label}"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        if size > 1024 * 1024 {
            group.sample_size(10);
        }
        for (name, certificate, key) in &recipients {
            for cipher in [Cipher::Aes256Gcm, Cipher::Aes256Cbc] {
                let mut options = ProtectOptions::new(vec![certificate.clone()]);
                options.cipher = cipher;
                let protected = protect(&input, &options).expect("protect");
                let opened = open(&protected, key, certificate, &OpenOptions::default()).expect("open");
                assert!(opened.report.signatures.is_empty());
                group.bench_function(format!("protect/{name}/{}", cipher.as_str()), |b| {
                    b.iter(|| protect(black_box(&input), &options).expect("protect"))
                });
                group.bench_function(format!("open/{name}/{}", cipher.as_str()), |b| {
                    b.iter(|| {
                        open(black_box(&protected), key, certificate, &OpenOptions::default()).expect("open")
                    })
                });
            }
        }
        let key = ring::aead::LessSafeKey::new(
            ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &[7u8; 32]).expect("key"),
        );
        group.bench_function("ring_aes256_gcm_seal_floor", |b| {
            b.iter(|| {
                let mut data = black_box(&input).clone();
                key.seal_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key([1u8; 12]),
                    ring::aead::Aad::empty(),
                    &mut data,
                )
                .expect("seal")
            })
        });
        group.finish();
    }
}

criterion_group!(benches, smime);
criterion_main!(benches);
