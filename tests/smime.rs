//! S/MIME protect and open (RFC 8551; TR 01201-3.4 §2.1.3 client-side
//! protection), cross-checked with `openssl cms` in both directions, and
//! the typed errors of PVD FU Schritt 64 (FC-01, FC-02, FC-03).
#![cfg(feature = "smime")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use demail::certificate::{Certificate, CertificateError};
use demail::integrity::ErrorCase;
use demail::smime::{
    Cipher, DecryptionKey, OpenOptions, ProtectOptions, RequiredKeyUsage, SenderSignature, SignatureFailure,
    SignatureForm, SmimeError, open, protect, verify_signed_entity,
};
use demail::trust::VerifyOptions;

mod common;
mod xmldsig_common;
use common::smime::{SIGNER_ADDRESS, draft, entity_of, keyfile, run};
use common::{cert, data};
use xmldsig_common::{temp_dir, tool_available};

fn decryption_key(name: &str) -> DecryptionKey {
    DecryptionKey::from_pkcs8_pem(&common::text(&format!("keys/{name}.key.pem"))).unwrap()
}

/// 2026-11-24, when every test certificate but `short-lived` is valid.
fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_478_400)
}

/// RSA (OAEP), NIST and brainpool curves (RFC 5639 with RFC 5753 ECDH).
const RECIPIENTS: [&str; 5] = ["rsa2048-enc", "p256-enc", "p384-enc", "bp256-enc", "bp384-enc"];
const CIPHERS: [Cipher; 2] = [Cipher::Aes256Gcm, Cipher::Aes256Cbc];

// RFC 8551 §3.3, RFC 5083/5084, RFC 8017, RFC 5753: openssl cms -decrypt
// opens what the crate protects, for RSA and EC recipients and both ciphers.
#[test]
fn openssl_decrypts_what_protect_writes() {
    if !tool_available("openssl") {
        return;
    }
    for name in RECIPIENTS {
        for cipher in CIPHERS {
            let mut options = ProtectOptions::new(vec![cert(name)]);
            options.cipher = cipher;
            let protected = protect(&draft(), &options).unwrap();
            let (ok, plain, err) = run(
                &[
                    "openssl",
                    "cms",
                    "-decrypt",
                    "-recip",
                    &keyfile(name, "cert"),
                    "-inkey",
                    &keyfile(name, "key"),
                ],
                &protected,
            );
            assert!(ok, "{name} {cipher:?}: {err}");
            assert_eq!(plain, entity_of(&draft()), "{name} {cipher:?}");
        }
    }
}

// RFC 8551 §3.7 sign then encrypt: openssl decrypts and verifies the inner
// signature of both forms against the test CA.
#[test]
fn openssl_verifies_the_inner_signature() {
    if !tool_available("openssl") {
        return;
    }
    // The SignedData carries the signer's certificate only; openssl gets
    // the root and the intermediate as its trust store.
    let bundle = temp_dir("smime-verify").join("ca-bundle.pem");
    std::fs::write(
        &bundle,
        common::text("keys/ca.cert.pem") + &common::text("keys/intermediate.cert.pem"),
    )
    .unwrap();
    let bundle = bundle.to_str().unwrap();
    for (signer, form) in [
        ("p256", SignatureForm::Detached),
        ("rsa2048", SignatureForm::Opaque),
        ("p384", SignatureForm::Detached),
    ] {
        let sender = common::signer(signer);
        let mut options = ProtectOptions::new(vec![cert("p256-enc")]);
        options.sign = Some(SenderSignature {
            signer: &sender,
            form,
        });
        let protected = protect(&draft(), &options).unwrap();
        let (ok, signed, err) = run(
            &[
                "openssl",
                "cms",
                "-decrypt",
                "-recip",
                &keyfile("p256-enc", "cert"),
                "-inkey",
                &keyfile("p256-enc", "key"),
            ],
            &protected,
        );
        assert!(ok, "{err}");
        let (ok, content, err) = run(
            &[
                "openssl",
                "cms",
                "-verify",
                "-CAfile",
                bundle,
                "-attime",
                "1795478400",
                "-purpose",
                "smimesign",
            ],
            &signed,
        );
        assert!(ok, "{signer} {form:?}: {err}");
        assert_eq!(content, entity_of(&draft()), "{signer} {form:?}");
    }
}

/// `openssl cms -encrypt` (optionally after `-sign`) of the draft's entity,
/// with the draft's other header fields in front.
fn openssl_protect(recipient: &str, cipher: &str, sign: Option<&str>, extra: &[&str]) -> Vec<u8> {
    let entity = entity_of(&draft());
    let inner = match sign {
        Some(signer) => {
            let (ok, signed, err) = run(
                &[
                    "openssl",
                    "cms",
                    "-sign",
                    "-signer",
                    &keyfile(signer, "cert"),
                    "-inkey",
                    &keyfile(signer, "key"),
                    "-md",
                    "sha256",
                ],
                &entity,
            );
            assert!(ok, "{err}");
            signed
        }
        None => entity,
    };
    let recip = keyfile(recipient, "cert");
    // -keyopt applies to the -recip before it.
    let mut args = vec!["openssl", "cms", "-encrypt", cipher, "-recip", &recip];
    args.extend_from_slice(extra);
    let (ok, encrypted, err) = run(&args, &inner);
    assert!(ok, "{err}");
    let text = String::from_utf8_lossy(&draft()).into_owned();
    let (header, _) = text.split_once("\r\n\r\n").unwrap();
    let mut message: Vec<u8> = header
        .split("\r\n")
        .filter(|l| {
            !l.to_ascii_lowercase().starts_with("content-")
                && !l.to_ascii_lowercase().starts_with("mime-version")
        })
        .flat_map(|l| format!("{l}\r\n").into_bytes())
        .collect();
    message.extend_from_slice(&encrypted);
    message
}

const OAEP: [&str; 4] = [
    "-keyopt",
    "rsa_padding_mode:oaep",
    "-keyopt",
    "rsa_oaep_md:sha256",
];

// RFC 8551 §2.7: the crate opens what openssl cms -encrypt writes, RSA-OAEP
// and ECDH recipients, GCM and CBC, with and without -sign.
#[test]
fn open_reads_what_openssl_encrypts() {
    if !tool_available("openssl") {
        return;
    }
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let options = OpenOptions {
        verify: trusted_options(&anchors, &intermediates),
        allow_unauthenticated: false,
    };
    let lenient = OpenOptions {
        verify: trusted_options(&anchors, &intermediates),
        allow_unauthenticated: true,
    };
    for recipient in RECIPIENTS {
        let extra: &[&str] = if recipient.starts_with("rsa") { &OAEP } else { &[] };
        for (cipher, name) in [("-aes-256-gcm", "aes256-gcm"), ("-aes-256-cbc", "aes256-cbc")] {
            for sign in [None, Some("p256"), Some("rsa2048")] {
                let message = openssl_protect(recipient, cipher, sign, extra);
                // D67: unsigned CBC content is refused unless allowed.
                let options = if name == "aes256-cbc" && sign.is_none() {
                    let refused = open(&message, &decryption_key(recipient), &cert(recipient), &options);
                    assert!(
                        matches!(refused, Err(SmimeError::ContentDecryption { .. })),
                        "{recipient}: {refused:?}"
                    );
                    &lenient
                } else {
                    &options
                };
                let opened = open(&message, &decryption_key(recipient), &cert(recipient), options)
                    .unwrap_or_else(|e| panic!("{recipient} {cipher} {sign:?}: {e}"));
                assert_eq!(opened.report.content_encryption, name);
                assert_eq!(
                    opened.entity,
                    entity_of(&draft()),
                    "{recipient} {cipher} {sign:?}"
                );
                assert_eq!(opened.report.recipients.len(), 1);
                assert!(opened.report.recipients[0].this_certificate);
                match sign {
                    None => assert!(opened.report.signatures.is_empty()),
                    Some(signer) => {
                        let report = &opened.report.signatures[0];
                        assert!(report.passed(), "{recipient} {cipher} {signer}: {report:?}");
                        assert!(report.signer.as_ref().unwrap().subject.contains(signer));
                    }
                }
            }
        }
    }
}

// RFC 5753 §7.1.4: openssl's default KDF for ECDH is SHA-1 (dhSinglePass-
// stdDH-sha1kdf-scheme); the crate reads it (docs/decisions.md D64).
#[test]
fn open_reads_openssl_ecdh_with_the_default_sha1_kdf() {
    if !tool_available("openssl") {
        return;
    }
    let message = openssl_protect("p256-enc", "-aes-256-gcm", None, &[]);
    let opened = open(
        &message,
        &decryption_key("p256-enc"),
        &cert("p256-enc"),
        &OpenOptions::default(),
    )
    .unwrap();
    assert!(
        opened.report.recipients[0]
            .key_management
            .starts_with("ecdh-x963-")
    );
}

// RUSTSEC-2023-0071 (Marvin): RSA PKCS#1 v1.5 key transport, openssl's
// default, is refused with its own error (docs/decisions.md D63).
#[test]
fn pkcs1v15_key_transport_is_refused() {
    if !tool_available("openssl") {
        return;
    }
    let message = openssl_protect("rsa2048-enc", "-aes-256-gcm", None, &[]);
    let error = open(
        &message,
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert_eq!(error, SmimeError::Pkcs1v15KeyTransport);
    let vector = data("e2e/smime-auth-encrypted.eml");
    let error = open(
        &vector,
        &decryption_key("rsa2048"),
        &cert("rsa2048"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert_eq!(error, SmimeError::Pkcs1v15KeyTransport);
}

fn protected_to(name: &str, cipher: Cipher) -> Vec<u8> {
    let mut options = ProtectOptions::new(vec![cert(name)]);
    options.cipher = cipher;
    protect(&draft(), &options).unwrap()
}

/// Flips one bit of the CMS object `from_end` bytes before its end.
fn tamper(message: &[u8], from_end: usize) -> Vec<u8> {
    use base64::Engine;
    let text = String::from_utf8_lossy(message).into_owned();
    let (header, body) = text.split_once("\r\n\r\n").unwrap();
    let clean: String = body.split_whitespace().collect();
    let mut der = base64::engine::general_purpose::STANDARD.decode(clean).unwrap();
    let at = der.len() - from_end;
    der[at] ^= 0x01;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    format!("{header}\r\n\r\n{encoded}\r\n").into_bytes()
}

// RFC 5084 §1 (GCM authenticates), RFC 5652 §6.3 (CBC padding): a changed
// ciphertext is a ContentDecryption error, never plaintext.
#[test]
fn tampered_ciphertext_is_a_content_decryption_error() {
    // GCM: the tag is the last field; flip a bit of the tag and of the ciphertext.
    for from_end in [1, 40] {
        let message = tamper(&protected_to("p256-enc", Cipher::Aes256Gcm), from_end);
        let error = open(
            &message,
            &decryption_key("p256-enc"),
            &cert("p256-enc"),
            &OpenOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(error, SmimeError::ContentDecryption { .. }), "{error:?}");
    }
    // CBC (RFC 5652 §6.3) does not authenticate: a bit flip in the last
    // block (byte −1) breaks the padding, one in the block before it
    // (byte −17) changes the plaintext under a valid padding. Both are the
    // same error with the same reason, so padding is no oracle, and
    // neither yields plaintext (docs/decisions.md D67).
    for from_end in [1, 17] {
        let message = tamper(&protected_to("rsa2048-enc", Cipher::Aes256Cbc), from_end);
        let error = open(
            &message,
            &decryption_key("rsa2048-enc"),
            &cert("rsa2048-enc"),
            &OpenOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            error,
            SmimeError::ContentDecryption {
                reason: demail::smime::UNAUTHENTICATED_CONTENT
            },
            "byte -{from_end}"
        );
    }
}

// RFC 5652 §6.3, RFC 8551 §2.7: AES-CBC content is unauthenticated. Without
// a passing inner signature it is refused by default, reported as
// content_authenticated = false when the caller allows it, and accepted
// when a trusted signature over it passes.
#[test]
fn unauthenticated_cbc_content_needs_a_passing_signature_or_explicit_consent() {
    let unsigned = protected_to("rsa2048-enc", Cipher::Aes256Cbc);
    let refused = open(
        &unsigned,
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &OpenOptions::default(),
    );
    assert_eq!(
        refused,
        Err(SmimeError::ContentDecryption {
            reason: demail::smime::UNAUTHENTICATED_CONTENT
        })
    );
    let allowed = open(
        &unsigned,
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &OpenOptions {
            allow_unauthenticated: true,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert!(!allowed.report.content_authenticated);
    assert_eq!(allowed.entity, entity_of(&draft()));

    // Signed by a trusted signer whose address is From: accepted.
    let sender = common::signer("p256");
    let mut options = ProtectOptions::new(vec![cert("rsa2048-enc")]);
    options.cipher = Cipher::Aes256Cbc;
    options.sign = Some(SenderSignature {
        signer: &sender,
        form: SignatureForm::Detached,
    });
    let signed = protect(&draft(), &options).unwrap();
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let opened = open(
        &signed,
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &OpenOptions {
            verify: trusted_options(&anchors, &intermediates),
            allow_unauthenticated: false,
        },
    )
    .unwrap();
    assert!(!opened.report.content_authenticated);
    assert!(opened.report.signatures[0].passed());
    // The same signed message without trust anchors: the signature cannot
    // pass, so the CBC content is refused.
    let untrusted = open(
        &signed,
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &OpenOptions::default(),
    );
    assert!(matches!(untrusted, Err(SmimeError::ContentDecryption { .. })));
    // GCM authenticates.
    let gcm = open(
        &protected_to("rsa2048-enc", Cipher::Aes256Gcm),
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &OpenOptions::default(),
    )
    .unwrap();
    assert!(gcm.report.content_authenticated);
}

// The wrong key for the certificate is its own error; a message encrypted
// to someone else names its recipients.
#[test]
fn wrong_key_and_other_recipient_have_their_own_errors() {
    let message = protected_to("p256-enc", Cipher::Aes256Gcm);
    let error = open(
        &message,
        &decryption_key("p384-enc"),
        &cert("p256-enc"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, SmimeError::KeyDoesNotMatchCertificate { .. }),
        "{error:?}"
    );
    let error = open(
        &message,
        &decryption_key("p384-enc"),
        &cert("p384-enc"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    match error {
        SmimeError::NotForThisRecipient { recipients, .. } => {
            assert_eq!(recipients.len(), 1);
            assert!(recipients[0].contains("serial=30:0b"), "{recipients:?}");
        }
        other => panic!("{other:?}"),
    }
    let error = open(
        &draft(),
        &decryption_key("p256-enc"),
        &cert("p256-enc"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, SmimeError::NotEncrypted { .. }), "{error:?}");
}

fn signed_and_opened(
    signer: &str,
    anchors: &[Certificate],
    time: SystemTime,
) -> demail::smime::SignatureReport {
    let sender = common::signer(signer);
    let mut options = ProtectOptions::new(vec![cert("rsa2048-enc")]);
    options.sign = Some(SenderSignature {
        signer: &sender,
        form: SignatureForm::Detached,
    });
    let protected = protect(&draft(), &options).unwrap();
    let intermediates = [cert("intermediate")];
    let open_options = OpenOptions {
        verify: VerifyOptions {
            time,
            trust_anchors: anchors,
            intermediates: &intermediates,
            ..VerifyOptions::default()
        },
        allow_unauthenticated: false,
    };
    let opened = open(
        &protected,
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &open_options,
    )
    .unwrap();
    assert_eq!(opened.entity, entity_of(&draft()));
    opened.report.signatures.into_iter().next().unwrap()
}

// PVD FU Schritt 64: a trusted, valid signer passes; an untrusted one is
// FC-02, an expired one FC-02 with its own cause; no anchors: never passes.
#[test]
fn signer_trust_and_validity_are_reported_with_fc_codes() {
    let anchors = [cert("ca")];
    let good = signed_and_opened("p256", &anchors, at());
    assert!(good.passed(), "{good:?}");
    assert_eq!(good.case(), None);

    let untrusted = signed_and_opened("untrusted", &anchors, at());
    assert!(untrusted.signature_valid);
    assert_eq!(untrusted.case(), Some(ErrorCase::Fc02CertificateInvalid));
    assert!(matches!(
        untrusted.failure,
        Some(SignatureFailure::Certificate(CertificateError::Untrusted(_)))
    ));

    let expired = signed_and_opened("short-lived", &anchors, at());
    assert_eq!(expired.case(), Some(ErrorCase::Fc02CertificateInvalid));
    assert!(matches!(
        expired.failure,
        Some(SignatureFailure::Certificate(CertificateError::Expired { .. }))
    ));

    let no_anchors = signed_and_opened("p256", &[], at());
    assert!(no_anchors.signature_valid && no_anchors.failure.is_none());
    assert_eq!(no_anchors.trusted, None);
    assert!(!no_anchors.passed());
}

// PVD FU Schritt 64, FC-01: content changed after signing.
#[test]
fn changed_signed_content_is_fc01() {
    let (ok, signed, err) = if tool_available("openssl") {
        run(
            &[
                "openssl",
                "cms",
                "-sign",
                "-signer",
                &keyfile("p256", "cert"),
                "-inkey",
                &keyfile("p256", "key"),
            ],
            &entity_of(&draft()),
        )
    } else {
        return;
    };
    assert!(ok, "{err}");
    let options = VerifyOptions {
        time: at(),
        ..VerifyOptions::default()
    };
    let senders = [SIGNER_ADDRESS.to_owned()];
    let reports = verify_signed_entity(&signed, &senders, &options).unwrap();
    assert!(
        reports[0].signature_valid && reports[0].failure.is_none(),
        "{:?}",
        reports[0]
    );
    let changed = String::from_utf8(signed)
        .unwrap()
        .replace("Kratzbaum", "Katzbaum!");
    let reports = verify_signed_entity(changed.as_bytes(), &senders, &options).unwrap();
    assert_eq!(reports[0].failure, Some(SignatureFailure::DigestMismatch));
    assert_eq!(reports[0].case(), Some(ErrorCase::Fc01IntegrityViolation));
}

// TR 01201-3.4 §2.1.3: only the content is replaced; every other field,
// the subject included, stays byte for byte, and the provider cannot read.
#[test]
fn protect_keeps_every_envelope_field_and_hides_the_content() {
    let protected = protected_to("p384-enc", Cipher::Aes256Gcm);
    let text = String::from_utf8(protected.clone()).unwrap();
    let original = String::from_utf8(draft()).unwrap();
    let (header, _) = original.split_once("\r\n\r\n").unwrap();
    for line in header
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("content-"))
    {
        assert!(text.contains(&format!("{line}\r\n")), "{line}");
    }
    assert!(
        !text.contains("Kratzbaum aus Ihrer Kleinanzeige noch"),
        "body is hidden"
    );
    assert!(
        text.contains("Subject: Kratzbaum aus Ihrer Kleinanzeige"),
        "subject is not"
    );
    let protection = demail::protection::analyze(&protected).unwrap();
    assert!(!protection.provider_can_read());
}

// TR 01201-3.4 §3.1.21: a sealed message is not protected (the integrity
// value would no longer match).
#[test]
fn protect_refuses_a_sealed_message_no_recipients_and_expired_recipients() {
    let options = ProtectOptions::new(vec![cert("p256-enc")]);
    assert_eq!(
        protect(&data("normal-minimal.eml"), &options),
        Err(SmimeError::AlreadySealed)
    );
    assert_eq!(
        protect(&draft(), &ProtectOptions::new(vec![])),
        Err(SmimeError::NoRecipients)
    );
    assert_eq!(protect(b"no header end", &options), Err(SmimeError::NotAMessage));
    // RFC 8550 §4.4: no encryption to an expired certificate (short-lived
    // ended 2025-06-30).
    let expired = protect(&draft(), &ProtectOptions::new(vec![cert("short-lived")]));
    assert!(
        matches!(
            expired,
            Err(SmimeError::Certificate {
                role: "recipient",
                source: CertificateError::Expired { .. }
            })
        ),
        "{expired:?}"
    );
}

// Several recipients and brainpool: each can open, the report lists all.
#[test]
fn every_recipient_can_open_and_is_listed() {
    let names = ["rsa2048-enc", "p256-enc", "p384-enc", "bp256-enc", "bp384-enc"];
    let options = ProtectOptions::new(names.iter().map(|n| cert(n)).collect());
    let protected = protect(&draft(), &options).unwrap();
    for name in names {
        let opened = open(
            &protected,
            &decryption_key(name),
            &cert(name),
            &OpenOptions::default(),
        )
        .unwrap();
        assert_eq!(opened.entity, entity_of(&draft()), "{name}");
        assert_eq!(opened.report.recipients.len(), names.len());
        assert_eq!(
            opened
                .report
                .recipients
                .iter()
                .filter(|r| r.this_certificate)
                .count(),
            1
        );
    }
}

// RFC 5652 §1.1 allows BER: openssl -stream writes indefinite lengths and
// segmented OCTET STRINGs (X.690 §8.7.3) in the enveloped and the opaque
// signed data; the crate joins the segments.
#[test]
fn open_reads_openssl_streaming_ber() {
    if !tool_available("openssl") {
        return;
    }
    let entity = entity_of(&draft());
    let (ok, signed, err) = run(
        &[
            "openssl",
            "cms",
            "-sign",
            "-stream",
            "-nodetach",
            "-signer",
            &keyfile("p256", "cert"),
            "-inkey",
            &keyfile("p256", "key"),
        ],
        &entity,
    );
    assert!(ok, "{err}");
    for (recipient, cipher) in [("p256-enc", "-aes-256-gcm"), ("rsa2048-enc", "-aes-256-cbc")] {
        let recip = keyfile(recipient, "cert");
        let mut args = vec!["openssl", "cms", "-encrypt", "-stream", cipher, "-recip", &recip];
        if recipient.starts_with("rsa") {
            args.extend_from_slice(&OAEP);
        }
        let (ok, encrypted, err) = run(&args, &signed);
        assert!(ok, "{err}");
        let mut encrypted = encrypted;
        encrypted.splice(0..0, format!("From: {SIGNER_ADDRESS}\r\n").into_bytes());
        let anchors = [cert("ca")];
        let intermediates = [cert("intermediate")];
        let options = OpenOptions {
            verify: trusted_options(&anchors, &intermediates),
            allow_unauthenticated: false,
        };
        let opened = open(&encrypted, &decryption_key(recipient), &cert(recipient), &options)
            .unwrap_or_else(|e| panic!("{recipient} {cipher}: {e}"));
        assert_eq!(opened.entity, entity, "{recipient} {cipher}");
        assert!(
            opened.report.signatures[0].passed(),
            "{:?}",
            opened.report.signatures[0]
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    // RFC 8551 §3.1.1: whatever the body and its line ends, open returns the
    // canonical (CRLF) entity that protect encrypted.
    #[test]
    fn open_returns_the_canonical_entity_of_any_body(
        body in proptest::collection::vec(proptest::prop_oneof![
            proptest::prelude::Just(b'\r'),
            proptest::prelude::Just(b'\n'),
            proptest::prelude::any::<u8>(),
        ], 0..2048),
        cbc in proptest::prelude::any::<bool>(),
    ) {
        let mut message = b"From: a@dmda-a.de-mail.de\r\nSubject: x\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
        message.extend_from_slice(&body);
        let mut options = ProtectOptions::new(vec![cert("p256-enc")]);
        options.cipher = if cbc { Cipher::Aes256Cbc } else { Cipher::Aes256Gcm };
        let protected = protect(&message, &options).unwrap();
        let lenient = OpenOptions { allow_unauthenticated: true, ..OpenOptions::default() };
        let opened = open(&protected, &decryption_key("p256-enc"), &cert("p256-enc"), &lenient).unwrap();
        proptest::prop_assert_eq!(opened.report.content_authenticated, !cbc);
        let mut expected = b"Content-Type: application/octet-stream\r\n\r\n".to_vec();
        // Every CRLF, bare CR and bare LF is one CRLF.
        let mut text = Vec::new();
        let mut i = 0;
        while i < body.len() {
            match body[i] {
                b'\r' if body.get(i + 1) == Some(&b'\n') => {
                    text.extend_from_slice(b"\r\n");
                    i += 1;
                }
                b'\r' | b'\n' => text.extend_from_slice(b"\r\n"),
                other => text.push(other),
            }
            i += 1;
        }
        expected.extend_from_slice(&text);
        proptest::prop_assert_eq!(opened.entity, expected);
    }
}

// PVD FU Schritt 63–64 on receipt: the protection report verifies detached
// and opaque S/MIME signatures made by openssl; against the right root they
// pass, against another root they are FC-02.
#[test]
fn verify_signatures_checks_detached_and_opaque_openssl_signatures() {
    let intermediates = [cert("intermediate")];
    for name in ["e2e/smime-signed.eml", "e2e/smime-opaque-signed.eml"] {
        for (root, passes) in [("ca", true), ("untrusted-ca", false)] {
            let anchors = [cert(root)];
            let options = VerifyOptions {
                time: at(),
                trust_anchors: &anchors,
                intermediates: &intermediates,
                ..VerifyOptions::default()
            };
            let message = String::from_utf8(data(name)).unwrap().replacen(
                "From: pn_katze@dmda-b.de-mail.de",
                &format!("From: {SIGNER_ADDRESS}"),
                1,
            );
            let (protection, checks) =
                demail::protection::verify_signatures(message.as_bytes(), &options).unwrap();
            assert!(protection.provider_can_read(), "{name}");
            assert_eq!(checks.len(), 1, "{name}");
            let reports = checks[0].result.as_ref().unwrap();
            assert!(reports[0].signature_valid, "{name}");
            assert_eq!(reports[0].passed(), passes, "{name} {root}: {:?}", reports[0]);
            if !passes {
                assert_eq!(reports[0].case(), Some(ErrorCase::Fc02CertificateInvalid));
            }
        }
    }
}

/// `smime-signed.eml` cut into its header (with the empty line), the signed
/// part and the signature part (each with its final line end), and the
/// boundary.
fn signed_fixture_parts() -> (String, String, String, String) {
    let text = String::from_utf8(data("e2e/smime-signed.eml")).unwrap();
    let boundary = "----CE1AFAD221C2D5B3072BF9A4C6B05EDF";
    let delimiter = format!("\r\n--{boundary}\r\n");
    let (head, rest) = text.split_once(&delimiter).unwrap();
    let (signed, rest) = rest.split_once(&delimiter).unwrap();
    let (signature, _) = rest.split_once(&format!("--{boundary}--")).unwrap();
    let header = head.split_once("\r\n\r\n").unwrap().0.to_owned() + "\r\n\r\n";
    (
        header,
        format!("{signed}\r\n"),
        signature.to_owned(),
        boundary.to_owned(),
    )
}

fn trusted_options<'a>(anchors: &'a [Certificate], intermediates: &'a [Certificate]) -> VerifyOptions<'a> {
    VerifyOptions {
        time: at(),
        trust_anchors: anchors,
        intermediates,
        ..VerifyOptions::default()
    }
}

/// The result of the receipt check (Schritt 64) of the only signed part.
fn receipt_check(message: &[u8]) -> Result<Vec<demail::smime::SignatureReport>, SmimeError> {
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let (_, checks) =
        demail::protection::verify_signatures(message, &trusted_options(&anchors, &intermediates)).unwrap();
    assert_eq!(checks.len(), 1);
    checks.into_iter().next().unwrap().result
}

// RFC 2046 §5.1.1 (a delimiter starts a line), RFC 8551 §3.5.3: the
// reviewer's attack. A parser that accepts `x--B` mid-line sees EVIL as the
// signed part and the real signature as the second; a line-start scanner
// finds the original signed part in the epilogue. Signed bytes and the part
// shown must come from one reading: the ambiguity is a signature-layer
// error, never "valid / trusted" for EVIL.
#[test]
fn multipart_signed_with_a_delimiter_mid_line_is_a_signature_layer_error() {
    let (header, signed, signature, b) = signed_fixture_parts();
    let evil = "Content-Type: text/plain; charset=us-ascii\r\n\r\nBitte zahlen Sie an DE00 6666.\r\n";
    let attack = format!("{header}x--{b}\r\n{evil}x--{b}\r\n{signature}--{b}--\r\n{signed}--{b}--\r\n");
    let result = receipt_check(attack.as_bytes());
    assert!(matches!(result, Err(SmimeError::SignatureLayer(_))), "{result:?}");
    // The untouched fixture still passes, so the check is not a blanket refusal.
    let genuine = format!("{header}--{b}\r\n{signed}--{b}\r\n{signature}--{b}--\r\n").replacen(
        "From: pn_katze@dmda-b.de-mail.de",
        &format!("From: {SIGNER_ADDRESS}"),
        1,
    );
    let reports = receipt_check(genuine.as_bytes()).unwrap();
    assert!(reports[0].passed(), "{:?}", reports[0]);
}

// RFC 8551 §3.5.3: multipart/signed has exactly two body parts; a third
// part after the signature is refused, not ignored.
#[test]
fn multipart_signed_with_a_third_part_is_a_signature_layer_error() {
    let (header, signed, signature, b) = signed_fixture_parts();
    let extra = "Content-Type: text/plain\r\n\r\nNachtrag: Konto geaendert.\r\n";
    let message = format!("{header}--{b}\r\n{signed}--{b}\r\n{signature}--{b}\r\n{extra}--{b}--\r\n");
    let result = receipt_check(message.as_bytes());
    assert!(matches!(result, Err(SmimeError::SignatureLayer(_))), "{result:?}");
    let direct = verify_signed_entity(message.as_bytes(), &[], &VerifyOptions::default());
    assert!(matches!(direct, Err(SmimeError::SignatureLayer(_))), "{direct:?}");
}

// RFC 8550 §3: the From or Sender address must be an e-mail address of the
// signer's certificate. A valid, trusted signature by another address is
// FC-02 `signer_address_mismatch`, on receipt and when opening.
#[test]
fn signer_certificate_must_name_the_from_or_sender_address() {
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let options = trusted_options(&anchors, &intermediates);
    // The fixture is signed by the p256 certificate but From someone else.
    let (_, checks) = demail::protection::verify_signatures(&data("e2e/smime-signed.eml"), &options).unwrap();
    let report = &checks[0].result.as_ref().unwrap()[0];
    assert!(report.signature_valid, "{report:?}");
    assert!(!report.passed());
    assert_eq!(report.case(), Some(ErrorCase::Fc02CertificateInvalid));
    assert_eq!(
        report.failure,
        Some(SignatureFailure::SignerAddressMismatch {
            senders: vec!["pn_katze@dmda-b.de-mail.de".to_owned()],
            certificate: vec![SIGNER_ADDRESS.to_owned()],
        })
    );
    assert_eq!(report.failure.as_ref().unwrap().code(), "signer_address_mismatch");
    assert_eq!(report.signer_addresses, [SIGNER_ADDRESS]);

    // Sender counts as well as From; the domain is compared without case.
    let via_sender = String::from_utf8(data("e2e/smime-signed.eml")).unwrap().replacen(
        "From: pn_katze@dmda-b.de-mail.de",
        "From: pn_katze@dmda-b.de-mail.de\r\nSender: Versandbestaetigung@DMDA-A.de-mail.de",
        1,
    );
    let (_, checks) = demail::protection::verify_signatures(via_sender.as_bytes(), &options).unwrap();
    assert!(checks[0].result.as_ref().unwrap()[0].passed());

    // The local part is compared exactly (RFC 5280 §7.5).
    let other_case = via_sender.replace("Sender: Versandbestaetigung", "Sender: versandbestaetigung");
    let (_, checks) = demail::protection::verify_signatures(other_case.as_bytes(), &options).unwrap();
    assert_eq!(
        checks[0].result.as_ref().unwrap()[0].case(),
        Some(ErrorCase::Fc02CertificateInvalid)
    );

    // open: the protected message's From is checked the same way.
    let sender = common::signer("p256");
    let original = data("e2e/draft.eml");
    let mut protect_options = ProtectOptions::new(vec![cert("rsa2048-enc")]);
    protect_options.sign = Some(SenderSignature {
        signer: &sender,
        form: SignatureForm::Detached,
    });
    let protected = protect(&original, &protect_options).unwrap();
    let opened = open(
        &protected,
        &decryption_key("rsa2048-enc"),
        &cert("rsa2048-enc"),
        &OpenOptions {
            verify: options,
            allow_unauthenticated: false,
        },
    )
    .unwrap();
    let report = &opened.report.signatures[0];
    assert!(report.signature_valid && !report.passed(), "{report:?}");
    assert!(matches!(
        report.failure,
        Some(SignatureFailure::SignerAddressMismatch { .. })
    ));
}

// RFC 8550 §3 with the address in the subject's emailAddress attribute
// (no SAN): a certificate made by openssl for the test matches From.
#[test]
fn signer_address_in_the_subject_email_attribute_matches_from() {
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("smime-subject-email");
    let key_path = dir.join("signer.key.pem");
    let cert_path = dir.join("signer.cert.pem");
    let (ok, _, err) = run(
        &[
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            key_path.to_str().unwrap(),
            "-out",
            cert_path.to_str().unwrap(),
            "-days",
            "3650",
            "-subj",
            "/CN=Katze/emailAddress=pn_katze@dmda-b.de-mail.de",
            "-addext",
            "keyUsage=critical,digitalSignature",
        ],
        b"",
    );
    assert!(ok, "{err}");
    let signer = Certificate::from_pem(&std::fs::read_to_string(&cert_path).unwrap()).unwrap();
    let signing_key =
        demail::crypto::SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    let sender = demail::signer::CertifiedKey::new(signing_key, signer).unwrap();
    let mut protect_options = ProtectOptions::new(vec![cert("rsa2048-enc")]);
    protect_options.sign = Some(SenderSignature {
        signer: &sender,
        form: SignatureForm::Detached,
    });
    for (from, matches) in [
        ("pn_katze@dmda-b.de-mail.de", true),
        ("hund@dmda-b.de-mail.de", false),
    ] {
        let message =
            String::from_utf8(data("e2e/draft.eml"))
                .unwrap()
                .replacen("pn_katze@dmda-b.de-mail.de", from, 1);
        let protected = protect(message.as_bytes(), &protect_options).unwrap();
        let opened = open(
            &protected,
            &decryption_key("rsa2048-enc"),
            &cert("rsa2048-enc"),
            &OpenOptions::default(),
        )
        .unwrap();
        let report = &opened.report.signatures[0];
        assert!(report.signature_valid, "{from}: {report:?}");
        assert_eq!(report.signer_addresses, ["pn_katze@dmda-b.de-mail.de"]);
        assert_eq!(
            matches!(
                report.failure,
                Some(SignatureFailure::SignerAddressMismatch { .. })
            ),
            !matches,
            "{from}: {report:?}"
        );
    }
}

/// An opaque signed-data entity (base64 DER) made by `openssl cms -sign`
/// over the draft's entity with the p256 key, with `extra` arguments.
fn openssl_opaque_signed_der(extra: &[&str]) -> Vec<u8> {
    let cert_file = keyfile("p256", "cert");
    let key_file = keyfile("p256", "key");
    let mut args = vec![
        "openssl",
        "cms",
        "-sign",
        "-nodetach",
        "-outform",
        "DER",
        "-signer",
        &cert_file,
        "-inkey",
        &key_file,
    ];
    args.extend_from_slice(extra);
    let (ok, der, err) = run(&args, &entity_of(&draft()));
    assert!(ok, "{err}");
    der
}

fn opaque_entity(der: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let mut out = b"Content-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    out.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(der).as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// Re-encodes a `SignedData` ContentInfo after `change`.
fn with_signed_data(der: &[u8], change: impl FnOnce(&mut cms::signed_data::SignedData)) -> Vec<u8> {
    use der::{Decode, Encode};
    let info = cms::content_info::ContentInfo::from_der(der).unwrap();
    let mut signed: cms::signed_data::SignedData = info.content.decode_as().unwrap();
    change(&mut signed);
    cms::content_info::ContentInfo {
        content_type: info.content_type,
        content: der::Any::encode_from(&signed).unwrap(),
    }
    .to_der()
    .unwrap()
}

// RFC 5652 §5.3/§5.6: every certificate the SignerIdentifier names is a
// candidate. A look-alike with the signer's issuer and serial but another
// key, sorted before the real one, does not turn a genuine signature into
// a failure; a signer certificate the message leaves out is found among
// the caller's certificates (docs/decisions.md D91).
#[test]
fn every_certificate_naming_the_signer_is_tried_including_the_callers() {
    if !tool_available("openssl") {
        return;
    }
    let senders = [SIGNER_ADDRESS.to_owned()];
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let options = trusted_options(&anchors, &intermediates);
    let genuine = openssl_opaque_signed_der(&[]);
    let tampered = with_signed_data(&genuine, |signed| {
        use der::{Decode, Encode};
        let real = signed
            .certificates
            .as_ref()
            .unwrap()
            .0
            .iter()
            .next()
            .unwrap()
            .clone();
        let cms::cert::CertificateChoices::Certificate(real_cert) = &real else {
            panic!("a certificate")
        };
        let mut bytes = real_cert.to_der().unwrap();
        let spki = real_cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap();
        let at = bytes
            .windows(spki.len())
            .position(|w| w == spki.as_slice())
            .unwrap();
        // The EC point's first coordinate byte (after 0x04) set to 0: another
        // key, and the look-alike sorts first in the SET OF.
        let point = at + spki.len() - 64;
        bytes[point] = 0;
        let look_alike = x509_cert::Certificate::from_der(&bytes).unwrap();
        let set = cms::signed_data::CertificateSet::try_from(vec![
            cms::cert::CertificateChoices::Certificate(look_alike),
            real.clone(),
        ])
        .unwrap();
        assert_ne!(set.0.iter().next(), Some(&real), "the look-alike comes first");
        signed.certificates = Some(set);
    });
    let reports = verify_signed_entity(&opaque_entity(&tampered), &senders, &options).unwrap();
    assert!(reports[0].passed(), "{:?}", reports[0]);

    // -nocerts: the signer's certificate only in the caller's certificates.
    let without = openssl_opaque_signed_der(&["-nocerts"]);
    let reports = verify_signed_entity(&opaque_entity(&without), &senders, &options).unwrap();
    assert_eq!(
        reports[0].failure,
        Some(SignatureFailure::MissingSignerCertificate)
    );
    let with_signer = [cert("intermediate"), cert("p256")];
    let reports = verify_signed_entity(
        &opaque_entity(&without),
        &senders,
        &trusted_options(&anchors, &with_signer),
    )
    .unwrap();
    assert!(reports[0].passed(), "{:?}", reports[0]);
}

// RFC 5652 §5.1: a SignedData without SignerInfos signs nothing; as a
// signature layer it is refused instead of silently removed.
#[test]
fn signed_data_without_signer_infos_is_a_signature_layer_error() {
    if !tool_available("openssl") {
        return;
    }
    let empty = with_signed_data(&openssl_opaque_signed_der(&[]), |signed| {
        signed.signer_infos = cms::signed_data::SignerInfos::try_from(Vec::new()).unwrap();
    });
    let result = verify_signed_entity(
        &opaque_entity(&empty),
        &[SIGNER_ADDRESS.to_owned()],
        &VerifyOptions::default(),
    );
    assert!(matches!(result, Err(SmimeError::SignatureLayer(_))), "{result:?}");
}

// RFC 8550 §4.4, BSI TR-02102 key lengths via KeyPolicy: protect refuses a
// recipient whose key is too weak (RSA-1024), as it refuses an expired one
// (docs/decisions.md D66); a weaker policy chosen by the caller accepts it.
#[test]
fn protect_refuses_a_recipient_key_below_the_key_policy() {
    let error = protect(&draft(), &ProtectOptions::new(vec![cert("rsa1024")])).unwrap_err();
    assert!(
        matches!(
            error,
            SmimeError::Certificate {
                role: "recipient",
                source: CertificateError::WeakKey { .. }
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.code(), "certificate");
    // A weaker policy chosen by the caller accepts the key's strength; the
    // key usage is checked after it, and rsa1024 is a signing certificate.
    let mut lenient = ProtectOptions::new(vec![cert("rsa1024")]);
    lenient.key_policy.min_rsa_bits = 1024;
    assert!(
        matches!(
            protect(&draft(), &lenient),
            Err(SmimeError::RecipientKeyUsage {
                required: RequiredKeyUsage::KeyEncipherment,
                ..
            })
        ),
        "the strength passes, the key usage is next"
    );
}

// RFC 8550 §4.4.2, RFC 5280 §4.2.1.3 (docs/decisions.md D66, D120): a
// recipient certificate whose key usage extension lacks keyEncipherment
// (RSA key transport) or keyAgreement (ECDH) is refused with a typed error
// naming the certificate and the missing bit; the encryption certificates
// are accepted, and so is an EC certificate that asserts keyAgreement
// besides other bits.
#[test]
fn protect_refuses_a_recipient_certificate_without_encryption_key_usage() {
    // (signing certificate, an encryption certificate with that key type, the bit)
    for (name, usable, required) in [
        ("rsa2048", "rsa2048-enc", RequiredKeyUsage::KeyEncipherment),
        ("rsa3072", "rsa2048-enc", RequiredKeyUsage::KeyEncipherment),
        ("p256", "p256-enc", RequiredKeyUsage::KeyAgreement),
        ("p384", "p384-enc", RequiredKeyUsage::KeyAgreement),
        ("bp256", "bp256-enc", RequiredKeyUsage::KeyAgreement),
        ("bp384", "bp384-enc", RequiredKeyUsage::KeyAgreement),
    ] {
        let signing_only = cert(name);
        let error = protect(&draft(), &ProtectOptions::new(vec![signing_only.clone()])).unwrap_err();
        assert_eq!(
            error,
            SmimeError::RecipientKeyUsage {
                subject: signing_only.subject.clone(),
                serial: signing_only.serial.clone(),
                required,
            },
            "{name}"
        );
        assert_eq!(error.code(), "recipient_key_usage");
        assert!(!error.is_unreadable_input());
        // One unusable recipient among usable ones refuses the whole message.
        let mixed = ProtectOptions::new(vec![cert(usable), signing_only]);
        assert!(matches!(
            protect(&draft(), &mixed),
            Err(SmimeError::RecipientKeyUsage { .. })
        ));
    }
    for name in RECIPIENTS {
        assert!(
            protect(&draft(), &ProtectOptions::new(vec![cert(name)])).is_ok(),
            "{name}"
        );
    }
    // keyEncipherment and keyAgreement on an EC key: keyAgreement counts.
    let both = protect(&draft(), &ProtectOptions::new(vec![cert("no-signature-usage")])).unwrap();
    let opened = open(
        &both,
        &decryption_key("no-signature-usage"),
        &cert("no-signature-usage"),
        &OpenOptions::default(),
    )
    .unwrap();
    assert_eq!(opened.entity, entity_of(&draft()));
}

// The same rule, checked independently: openssl's smimeencrypt purpose asks
// an RSA certificate for keyEncipherment and agrees with the crate on the
// RSA test certificates.
#[test]
fn recipient_key_usage_agrees_with_openssl_smimeencrypt() {
    if !tool_available("openssl") {
        return;
    }
    for name in ["rsa2048", "rsa3072", "rsa2048-enc"] {
        let (openssl_accepts, _, err) = run(
            &[
                "openssl",
                "verify",
                "-purpose",
                "smimeencrypt",
                "-attime",
                "1795478400",
                "-CAfile",
                &keyfile("ca", "cert"),
                "-untrusted",
                &keyfile("intermediate", "cert"),
                &keyfile(name, "cert"),
            ],
            b"",
        );
        let crate_accepts = protect(&draft(), &ProtectOptions::new(vec![cert(name)])).is_ok();
        assert_eq!(crate_accepts, openssl_accepts, "{name}: {err}");
    }
}

/// The protected message with its AuthEnvelopedData changed by `change`.
fn with_auth_enveloped_data(
    message: &[u8],
    change: impl FnOnce(&mut cms::authenveloped_data::AuthEnvelopedData),
) -> Vec<u8> {
    use base64::Engine;
    use der::{Decode, Encode};
    let text = String::from_utf8_lossy(message).into_owned();
    let (header, body) = text.split_once("\r\n\r\n").unwrap();
    let clean: String = body.split_whitespace().collect();
    let der = base64::engine::general_purpose::STANDARD.decode(clean).unwrap();
    let info = cms::content_info::ContentInfo::from_der(&der).unwrap();
    let mut data: cms::authenveloped_data::AuthEnvelopedData = info.content.decode_as().unwrap();
    change(&mut data);
    let der = cms::content_info::ContentInfo {
        content_type: info.content_type,
        content: der::Any::encode_from(&data).unwrap(),
    }
    .to_der()
    .unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    format!("{header}\r\n\r\n{encoded}\r\n").into_bytes()
}

// RFC 5083 §2.2: authAttrs are authenticated, the AAD being their DER SET
// OF encoding. Attributes added after encryption do not match the tag and
// are a ContentDecryption error, not silently ignored.
#[test]
fn auth_attrs_are_authenticated_as_additional_data() {
    let protected = protected_to("p256-enc", Cipher::Aes256Gcm);
    let added = with_auth_enveloped_data(&protected, |data| {
        let value =
            der::Any::encode_from(&der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1")).unwrap();
        let mut values = der::asn1::SetOfVec::new();
        values.insert(value).unwrap();
        let mut attrs = der::asn1::SetOfVec::new();
        attrs
            .insert(x509_cert::attr::Attribute {
                oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3"),
                values,
            })
            .unwrap();
        data.auth_attrs = Some(attrs);
    });
    let error = open(
        &added,
        &decryption_key("p256-enc"),
        &cert("p256-enc"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        error,
        SmimeError::ContentDecryption {
            reason: "authentication tag mismatch"
        }
    );
    // Re-encoding without change still opens: the test changes only authAttrs.
    let same = with_auth_enveloped_data(&protected, |_| {});
    assert!(
        open(
            &same,
            &decryption_key("p256-enc"),
            &cert("p256-enc"),
            &OpenOptions::default()
        )
        .is_ok()
    );
}

// RFC 8551 §3.7, D69: `open` removes at most four signature layers; a
// fifth is a signature-layer error, not left in place silently.
#[test]
fn a_fifth_signature_layer_is_a_signature_layer_error() {
    if !tool_available("openssl") {
        return;
    }
    let wrapped = |layers: usize| {
        let mut entity = entity_of(&draft());
        for _ in 0..layers {
            let (ok, signed, err) = run(
                &[
                    "openssl",
                    "cms",
                    "-sign",
                    "-nodetach",
                    "-crlfeol",
                    "-signer",
                    &keyfile("p256", "cert"),
                    "-inkey",
                    &keyfile("p256", "key"),
                ],
                &entity,
            );
            assert!(ok, "{err}");
            entity = signed;
        }
        let (ok, encrypted, err) = run(
            &[
                "openssl",
                "cms",
                "-encrypt",
                "-aes-256-gcm",
                "-recip",
                &keyfile("p256-enc", "cert"),
            ],
            &entity,
        );
        assert!(ok, "{err}");
        let mut message = format!("From: {SIGNER_ADDRESS}\r\n").into_bytes();
        message.extend_from_slice(&encrypted);
        message
    };
    let four = open(
        &wrapped(4),
        &decryption_key("p256-enc"),
        &cert("p256-enc"),
        &OpenOptions::default(),
    )
    .unwrap();
    assert_eq!(four.report.signatures.len(), 4);
    let five = open(
        &wrapped(5),
        &decryption_key("p256-enc"),
        &cert("p256-enc"),
        &OpenOptions::default(),
    );
    assert!(matches!(five, Err(SmimeError::SignatureLayer(_))), "{five:?}");
}

// RFC 5652 §6.2.3-6.2.5: KEK, password and other recipient infos are not
// OIDs; naming them as the only entry for the key is its own error. The
// codes of protect's own failures are not `random_failed`.
#[test]
fn error_codes_name_their_own_cause() {
    assert_eq!(
        SmimeError::UnsupportedRecipientInfo { kind: "kekri" }.code(),
        "unsupported_recipient_info"
    );
    assert_eq!(
        SmimeError::Encryption { step: "aes key wrap" }.code(),
        "encryption_failed"
    );
}

// Project rule (typed errors carry the cause): a key that cannot be read
// says why, as a value, not as a flattened string.
#[test]
fn bad_keys_carry_a_typed_cause() {
    use demail::smime::KeyError;
    assert_eq!(
        DecryptionKey::from_pkcs8_pem("no key here").err(),
        Some(SmimeError::BadKey(KeyError::NoPemBlock))
    );
    assert_eq!(
        DecryptionKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00").err(),
        Some(SmimeError::BadKey(KeyError::NotPkcs8))
    );
    let der = {
        use base64::Engine;
        let pem = common::text("keys/p256.key.pem");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD.decode(body).unwrap()
    };
    let mut truncated = der.clone();
    truncated.truncate(der.len() - 10);
    let error = DecryptionKey::from_pkcs8_der(&truncated).err();
    assert!(
        matches!(
            error,
            Some(SmimeError::BadKey(KeyError::Pkcs8(_) | KeyError::NotPkcs8))
        ),
        "{error:?}"
    );
    assert_eq!(error.unwrap().code(), "bad_key");
}
