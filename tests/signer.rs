//! The signer trait (issue 15 §1; docs/decisions.md D141, D142, D178): a
//! key with its certificate, checked to belong together where it is made,
//! passed as `&dyn Signer` to every signing function (TR 01201-3.4
//! §3.1.21, §3.5).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use demail::certificate::Certificate;
use demail::crypto::{
    CryptoError, DeviceError, HashAlgorithm, KeyError, PublicKey, SignatureScheme, SigningKey,
};
use demail::envelope::Envelope;
use demail::integrity::{Failure, Verdict, verify};
use demail::integrity::{SignOptions, sign};
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
        assert_eq!(key, &Some(common::key(key_name).kind()));
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

/// D178: a `&dyn Signer` signs a whole message with `integrity::sign`; the
/// crate verifies it, and openssl verifies the signature over independently
/// computed canonical bytes (§3.1.21).
#[test]
fn message_signed_through_a_dyn_signer_verifies_with_the_crate_and_openssl() {
    let certified = certified("p256");
    let signer: &dyn Signer = &certified;
    let signed = sign(&data("normal.eml"), &SignOptions::signed(signer)).unwrap();
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

/// A signer defined outside the crate, as an HSM or remote-signing backend
/// would be: it counts the signatures it makes.
#[derive(Debug)]
#[cfg_attr(not(all(feature = "provider", feature = "smime")), allow(dead_code))]
struct Counting {
    inner: CertifiedKey,
    signatures: AtomicUsize,
}

impl Signer for Counting {
    fn certificate(&self) -> &Certificate {
        self.inner.certificate()
    }

    fn sign(
        &self,
        scheme: SignatureScheme,
        hash: HashAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.signatures.fetch_add(1, Ordering::SeqCst);
        self.inner.sign(scheme, hash, message)
    }
}

/// Issue 15 §1, D178: one way to pass a signer. The same `&dyn Signer` (one
/// defined outside the crate) signs the integrity field (§3.1.21), an
/// XML-DSig document (§3.5), a confirmation (§3.5.1: XML and integrity), a
/// notification (§3.5.2), the BCC copies (§3.1.8), an ident confirmation
/// (ID IO §2.6: assertion and integrity) and an S/MIME message (RFC 8551);
/// each signature is made through the trait and each result verifies.
#[test]
#[cfg(all(feature = "provider", feature = "smime"))]
fn one_dyn_signer_signs_integrity_xml_every_builder_and_smime() {
    use demail::address::DeMailAddress;
    use demail::confirmation::{ConfirmationKind, ConfirmationRequest, build_confirmation};
    use demail::fields::DateTime;
    use demail::ident::{CardField, CardType, IdentCard, IdentRequest, build_ident_confirmation};
    use demail::notification::{NotificationKind, NotificationRequest, build_notification};
    use demail::provider::Issuer;
    use demail::xmldsig::{XmlSignOptions, sign_enveloped};

    let counting = Counting {
        inner: certified("p256"),
        signatures: AtomicUsize::new(0),
    };
    let signer: &dyn Signer = &counting;
    let trust = trust();
    let passes = |message: &[u8]| {
        let report = verify(&Envelope::parse(message).unwrap(), &options(&trust));
        assert_eq!(report.verdict, Verdict::Pass, "{report:?}");
    };
    let count = || counting.signatures.load(Ordering::SeqCst);

    passes(&sign(&data("normal.eml"), &SignOptions::signed(signer)).unwrap());
    assert_eq!(count(), 1, "integrity");

    let xml = sign_enveloped(b"<doc><a>1</a></doc>", &XmlSignOptions::new(signer)).unwrap();
    assert!(demail::xmldsig::verify(&xml, &options(&trust)).unwrap().passed());
    assert_eq!(count(), 2, "XML-DSig");

    let original = data("signed/normal-rsa3072.eml");
    let original = Envelope::parse(&original).unwrap();
    let time = DateTime::parse_rfc5322("Wed, 13 Mar 2024 08:00:00 +0100").unwrap();
    let issuer = Issuer::new(
        "DMDA A",
        DeMailAddress::parse("Versandbestaetigung@dmda-a.de-mail.de").unwrap(),
    );
    let request = ConfirmationRequest {
        kind: ConfirmationKind::Dispatch,
        issuer: &issuer,
        time,
        delivery_time: None,
        message_id: None,
    };
    passes(&build_confirmation(&original, &request, signer).unwrap());
    assert_eq!(count(), 4, "confirmation: XML and integrity");

    let issuer = Issuer::new(
        "DMDA B",
        DeMailAddress::parse("Meldung@dmda-b.de-mail.de").unwrap(),
    );
    let request = NotificationRequest::new(NotificationKind::UnknownRecipient, &issuer, time);
    passes(&build_notification(&original, &request, Some(signer)).unwrap());
    assert_eq!(count(), 5, "notification");

    let copies = demail::bcc::split_bcc(&data("normal.eml"), &SignOptions::signed(signer)).unwrap();
    for copy in &copies {
        passes(&copy.message);
    }
    assert_eq!(count(), 5 + copies.len(), "one signature per BCC copy");
    let before_ident = count();

    let holder = "max.mustermann@dmda-a.de-mail.de";
    let card = IdentCard::new(
        CardType::DeMailAddress,
        vec![CardField::new("de-mail-address", holder, time)],
    )
    .unwrap();
    let issuer = Issuer::new(
        "DMDA A",
        DeMailAddress::parse("Ident-Bestaetigung@dmda-a.de-mail.de").unwrap(),
    );
    let request = IdentRequest::new(
        &card,
        &issuer,
        DeMailAddress::parse(holder).unwrap(),
        DeMailAddress::parse("bank@bank.de-mail.de").unwrap(),
        time,
    );
    passes(&build_ident_confirmation(&request, signer).unwrap());
    assert_eq!(count(), before_ident + 2, "ident: assertion and integrity");

    let mut protect = demail::smime::ProtectOptions::new(vec![cert("p256-enc")]);
    protect.sign = Some(demail::smime::SenderSignature {
        signer,
        form: demail::smime::SignatureForm::Detached,
    });
    demail::smime::protect(&common::smime::draft(), &protect).unwrap();
    assert_eq!(count(), before_ident + 3, "S/MIME");
}

/// D178: the builders do not check the pair again; a signer from elsewhere
/// that breaks the contract (and was not passed through `check_signer`)
/// signs, and the verifier fails the message closed (§3.1.21, FC-01).
#[test]
fn a_lying_signer_makes_messages_that_fail_verification() {
    let lying = Lying {
        key: key("p256"),
        certificate: cert("p384"),
    };
    let signed = sign(&data("normal.eml"), &SignOptions::signed(&lying)).unwrap();
    let trust = trust();
    let report = verify(&Envelope::parse(&signed).unwrap(), &options(&trust));
    assert!(
        matches!(report.verdict, Verdict::Fail(Failure::BadSignature(_))),
        "{report:?}"
    );
}

/// A PKCS#8 key that cannot be used names why, with the typed cause
/// (issue 15 §2): no PEM block, not PKCS#8, an unsupported algorithm
/// (Ed25519, RFC 8410), an RSA key ring refuses (1024 bits, TR 02102-1), a
/// malformed EC key.
#[test]
fn unusable_private_keys_name_the_typed_reason() {
    use std::error::Error as _;
    let bad = |result: Result<SigningKey, CryptoError>| match result {
        Err(CryptoError::BadKey(reason)) => reason,
        other => panic!("{other:?}"),
    };
    assert_eq!(bad(SigningKey::from_pkcs8_pem("no key")), KeyError::NoPemBlock);
    assert_eq!(bad(SigningKey::from_pkcs8_der(&[0x30, 0x00])), KeyError::NotPkcs8);
    let mut ed25519 = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ];
    ed25519.extend([7; 32]);
    assert_eq!(
        bad(SigningKey::from_pkcs8_der(&ed25519)),
        KeyError::Unsupported {
            algorithm: "1.3.101.112".into(),
            curve: None
        }
    );
    let rsa1024 = bad(SigningKey::from_pkcs8_pem(&common::text("keys/rsa1024.key.pem")));
    assert!(matches!(rsa1024, KeyError::Rsa(_)), "{rsa1024:?}");
    let error = CryptoError::BadKey(rsa1024);
    assert!(error.source().is_some(), "the cause is kept");
    // A P-256 PrivateKeyInfo (RFC 5915, RFC 5208) whose ECPrivateKey is an
    // empty SEQUENCE.
    let empty_ec_key = [
        0x30, 0x1c, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
        0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x02, 0x30, 0x00,
    ];
    let reason = bad(SigningKey::from_pkcs8_der(&empty_ec_key));
    #[cfg(feature = "ecdsa-prehash")]
    assert!(matches!(reason, KeyError::Pkcs8(_)), "{reason:?}");
    // Without feature `ecdsa-prehash` ring reads the NIST keys (D188).
    #[cfg(not(feature = "ecdsa-prehash"))]
    assert!(matches!(reason, KeyError::Ec(_)), "{reason:?}");
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
