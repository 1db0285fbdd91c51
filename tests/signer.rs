//! The signer trait (issue 15 §1; docs/decisions.md D141, D142, D145): a
//! key with its certificate, checked to belong together, usable as
//! `&dyn Signer` and, through `SigningKey::from_signer`, by the signing
//! functions that take a `SigningKey` (TR 01201-3.4 §3.1.21).

use std::sync::Arc;

use demail::certificate::Certificate;
use demail::crypto::{CryptoError, DeviceError, HashAlgorithm, PublicKey, SignatureScheme, SigningKey};
use demail::envelope::Envelope;
use demail::integrity::{SignOptions, sign};
use demail::integrity::{Verdict, verify};
use demail::signer::{CertifiedKey, Signer, check_signer};

mod common;
use common::independent::{self, openssl};
use common::{cert, data, key, options, path, trust};

fn certified(name: &str) -> CertifiedKey {
    CertifiedKey::new(key(name), cert(name)).unwrap()
}

/// Every key type and scheme the TR allows (§3.1.21), through `&dyn Signer`.
const CASES: [(&str, SignatureScheme, HashAlgorithm); 8] = [
    ("rsa3072", SignatureScheme::Rsa, HashAlgorithm::Sha256),
    ("rsa3072", SignatureScheme::Rsa, HashAlgorithm::Sha512),
    ("rsa3072", SignatureScheme::RsassaPss, HashAlgorithm::Sha384),
    ("p256", SignatureScheme::EcDsa, HashAlgorithm::Sha256),
    ("p256", SignatureScheme::EcDsa, HashAlgorithm::Sha512),
    ("p384", SignatureScheme::EcDsa, HashAlgorithm::Sha384),
    ("bp256", SignatureScheme::EcDsa, HashAlgorithm::Sha256),
    ("bp384", SignatureScheme::EcDsa, HashAlgorithm::Sha384),
];

#[test]
fn certified_key_signs_through_dyn_signer_and_verifies_with_the_certificate() {
    for (name, scheme, hash) in CASES.into_iter().filter(|c| common::build_signs(c.0, c.2)) {
        let signer = certified(name);
        let signer: &dyn Signer = &signer;
        let signature = signer.sign(scheme, hash, b"De-Mail").unwrap();
        signer
            .certificate()
            .public_key
            .verify(scheme, hash, b"De-Mail", &signature)
            .unwrap_or_else(|e| panic!("{name} {scheme:?} {hash:?}: {e}"));
        assert_eq!(
            signer
                .certificate()
                .public_key
                .verify(scheme, hash, b"De-mail", &signature),
            Err(CryptoError::BadSignature),
            "{name}: another message must not verify"
        );
    }
}

#[test]
fn default_scheme_follows_the_key_type() {
    assert_eq!(certified("rsa3072").default_scheme(), SignatureScheme::Rsa);
    assert_eq!(certified("p384").default_scheme(), SignatureScheme::EcDsa);
    if cfg!(feature = "brainpool") {
        assert_eq!(certified("bp256").default_scheme(), SignatureScheme::EcDsa);
    }
}

/// D142: a key and a certificate that do not belong together are refused
/// when paired, with both keys named.
#[test]
fn key_certificate_mismatch_is_refused_when_pairing() {
    for (key_name, cert_name) in [("p256", "p384"), ("rsa3072", "rsa2048"), ("rsa3072", "p256")] {
        let error = CertifiedKey::new(key(key_name), cert(cert_name)).unwrap_err();
        let CryptoError::CertificateMismatch { key, certificate } = &error else {
            panic!("{key_name}/{cert_name}: {error:?}");
        };
        assert_eq!(key, &common::key(key_name).public_key().describe());
        assert_eq!(certificate, &cert(cert_name).public_key);
    }
}

/// A signer from elsewhere whose certificate is not its key's.
#[derive(Debug)]
struct Lying {
    key: SigningKey,
    certificate: Certificate,
}

impl Signer for Lying {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn sign(
        &self,
        scheme: SignatureScheme,
        hash: HashAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.key.sign(scheme, hash, message)
    }
}

/// D142: the possession check signs and verifies with the certificate, so it
/// catches a key whose public half is not at hand (an HSM's).
#[test]
fn check_signer_detects_a_key_that_does_not_belong_to_the_certificate() {
    check_signer(&certified("p384")).unwrap();
    let lying = Lying {
        key: key("p256"),
        certificate: cert("untrusted"),
    };
    assert!(matches!(cert("untrusted").public_key, PublicKey::Ec { .. }));
    assert!(matches!(
        check_signer(&lying),
        Err(CryptoError::CertificateMismatch { certificate, .. }) if certificate == cert("untrusted").public_key
    ));
}

/// A device failure keeps the backend's typed error.
#[test]
fn device_error_keeps_the_backend_error() {
    let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "token did not answer");
    let error = CryptoError::Device(DeviceError::new(io));
    let CryptoError::Device(device) = &error else {
        unreachable!()
    };
    assert_eq!(
        device.downcast_ref::<std::io::Error>().map(std::io::Error::kind),
        Some(std::io::ErrorKind::TimedOut)
    );
    assert_eq!(error.clone(), error, "the same occurrence is equal");
    let other = CryptoError::Device(DeviceError::new(std::io::Error::other("token did not answer")));
    assert_ne!(error, other, "another occurrence is not");
}

/// D145: a signer behind `SigningKey::from_signer` signs a whole message
/// with `integrity::sign`; the crate verifies it, and openssl verifies the
/// signature over independently computed canonical bytes (§3.1.21).
#[test]
fn message_signed_through_a_dyn_signer_verifies_with_the_crate_and_openssl() {
    let certificate = cert("p256");
    let bridged = SigningKey::from_signer(Arc::new(certified("p256")));
    assert_eq!(bridged.public_key(), certificate.public_key);
    let signed = sign(&data("normal.eml"), &SignOptions::signed(&bridged, &certificate)).unwrap();
    let trust = trust();
    let report = verify(&Envelope::parse(&signed).unwrap(), &options(&trust));
    assert_eq!(report.verdict, Verdict::Pass);

    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("signer-openssl");
    std::fs::create_dir_all(&dir).unwrap();
    let envelope = Envelope::parse(&signed).unwrap();
    let value = envelope.metadata().integrity.as_deref().unwrap().to_owned();
    let signature = demail::integrity::IntegrityTags::parse(&value).unwrap().value;
    std::fs::write(dir.join("input"), independent::header_input(&signed)).unwrap();
    std::fs::write(dir.join("sig"), signature).unwrap();
    let public = openssl(
        &[
            "x509",
            "-pubkey",
            "-noout",
            "-in",
            path("keys/p256.cert.pem").to_str().unwrap(),
        ],
        b"",
    );
    std::fs::write(dir.join("pub.pem"), public).unwrap();
    let out = openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            dir.join("pub.pem").to_str().unwrap(),
            "-signature",
            dir.join("sig").to_str().unwrap(),
            dir.join("input").to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&out).trim(), "Verified OK");
}

/// D145: the certificate passed next to a bridged key must still be the
/// signer's (integrity's own pair check).
#[test]
fn bridged_key_with_another_certificate_is_refused() {
    let bridged = SigningKey::from_signer(Arc::new(certified("p256")));
    let other = cert("p384");
    assert!(matches!(
        sign(&data("normal.eml"), &SignOptions::signed(&bridged, &other)),
        Err(demail::integrity::IntegrityError::KeyCertificateMismatch { .. })
    ));
}

#[test]
fn signers_are_send_and_sync() {
    fn shared<T: Send + Sync + ?Sized>() {}
    shared::<dyn Signer>();
    shared::<CertifiedKey>();
    shared::<SigningKey>();
    let signer: Arc<dyn Signer> = Arc::new(certified("p384"));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let signer = Arc::clone(&signer);
            std::thread::spawn(move || {
                let message = format!("message {i}");
                let signature = signer
                    .sign(SignatureScheme::EcDsa, HashAlgorithm::Sha384, message.as_bytes())
                    .unwrap();
                signer.certificate().public_key.verify(
                    SignatureScheme::EcDsa,
                    HashAlgorithm::Sha384,
                    message.as_bytes(),
                    &signature,
                )
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
}
