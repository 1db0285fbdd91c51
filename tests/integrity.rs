//! Integrity and provider signatures (TR 01201-3.4 §3.1.13, §3.1.14, §3.1.21;
//! PVD FU Schritt 48): sign with every allowed algorithm, verify, and every
//! way a message can fail. Keys and certificates: tests/data/keys/make_keys.sh.

use std::time::{Duration, UNIX_EPOCH};

use demail::certificate::CertificateError;
use demail::crypto::{HashAlgorithm, SignatureScheme, SigningKey};
use demail::envelope::Envelope;
use demail::fields::FieldName;
use demail::integrity::{
    ErrorCase, Failure, IntegrityMode, SignatureRequirement, Verdict, VerificationReport, verify,
};
use demail::integrity::{IntegrityError, NotReadyReason, SignOptions, SignedMode, sign};
use demail::status::{CertificateStatus, Indication, SubIndication};
use demail::trust::KeyPolicy;
use demail::trust::{DuplicatePolicy, StatusPolicy, VerifyOptions};

mod common;
use common::independent::{self, openssl, recompute_hash_only};
use common::tool_available;
use common::{Trust, cert, data, key, now, options, path, trust};

fn check(message: &[u8], trust: &Trust) -> VerificationReport {
    verify(&Envelope::parse(message).unwrap(), &options(trust))
}

fn sign_with(message: &[u8], name: &str, scheme: SignatureScheme, hash: HashAlgorithm) -> Vec<u8> {
    let (key, certificate) = (key(name), cert(name));
    let options = SignOptions {
        hash,
        signer: Some(SignedMode {
            key: &key,
            certificate: &certificate,
            scheme,
        }),
        ..SignOptions::hash_only()
    };
    sign(message, &options).unwrap()
}

fn signed_normal() -> Vec<u8> {
    sign_with(
        &data("normal.eml"),
        "rsa3072",
        SignatureScheme::Rsa,
        HashAlgorithm::Sha256,
    )
}

fn failure(report: &VerificationReport) -> &Failure {
    match &report.verdict {
        Verdict::Fail(failure) => failure,
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn replace(message: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(message);
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

const HASHES: [HashAlgorithm; 3] = [
    HashAlgorithm::Sha256,
    HashAlgorithm::Sha384,
    HashAlgorithm::Sha512,
];

// TR 01201-3.4 §3.1.21: "Ein DMDA muss alle diese Algorithmen verifizieren können"
#[test]
fn every_allowed_algorithm_signs_and_verifies() {
    let trust = trust();
    let combinations = [
        ("rsa3072", SignatureScheme::Rsa),
        ("rsa3072", SignatureScheme::RsassaPss),
        ("rsa2048", SignatureScheme::Rsa),
        ("p256", SignatureScheme::EcDsa),
        ("p384", SignatureScheme::EcDsa),
        ("bp256", SignatureScheme::EcDsa),
        ("bp384", SignatureScheme::EcDsa),
    ];
    let original = data("normal.eml");
    for (name, scheme) in combinations {
        for hash in HASHES {
            let signed = sign_with(&original, name, scheme, hash);
            let report = check(&signed, &trust);
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "{name} {scheme:?} {hash:?}: {report:?}"
            );
            assert_eq!(report.mode, Some(IntegrityMode::Signed));
            assert_eq!(
                report.algorithm.unwrap().to_string(),
                format!("{}/{}", hash.as_str(), scheme.as_str())
            );
            assert_eq!(
                (report.body_hash_ok, report.header_ok, report.trusted),
                (Some(true), Some(true), Some(true))
            );
            let certificate = report.certificate.unwrap();
            assert!(
                certificate.issuer.contains("demail Test Provider CA"),
                "{}",
                certificate.issuer
            );
        }
    }
}

// TR 01201-3.4 §3.1.21: q= and the certificate field are written when signed
#[test]
fn signed_message_carries_query_method_and_folded_certificate() {
    let signed = signed_normal();
    let envelope = Envelope::parse(&signed).unwrap();
    let integrity = envelope.metadata().integrity.as_deref().unwrap();
    assert!(integrity.contains("q=x-header/x-de-mail-signature-certificate"));
    assert!(integrity.contains("a=sha256/rsa"));
    assert!(integrity.contains("c=simple/simple"));
    assert!(!integrity.contains("l="));
    let raw = envelope.field(FieldName::SignatureCertificate).unwrap().raw;
    assert!(raw.split(|b| *b == b'\n').all(|line| line.len() <= 79));
    assert_eq!(
        envelope.metadata().signature_certificate.as_deref(),
        Some(cert("rsa3072").to_base64().as_str())
    );
    let integrity_raw = envelope.field(FieldName::Integrity).unwrap().raw;
    assert!(
        integrity_raw.split(|b| *b == b'\n').all(|line| line.len() <= 79),
        "b= is folded"
    );
}

// TR 01201-3.4 §3.1.21: h= lists the mandated fields in the mandated order
#[test]
fn signed_header_list_follows_the_mandated_order() {
    let envelope_bytes = signed_normal();
    let envelope = Envelope::parse(&envelope_bytes).unwrap();
    let value = envelope.metadata().integrity.as_deref().unwrap().to_owned();
    let tags = demail::integrity::IntegrityTags::parse(&value).unwrap();
    let expected: Vec<&str> = demail::integrity::SIGNED_FIELDS
        .iter()
        .map(|f| f.as_str())
        .collect();
    assert_eq!(
        tags.headers, expected,
        "normal.eml has a private id, so all 20 are listed"
    );
    let minimal = sign(&data("normal-minimal.eml"), &SignOptions::hash_only()).unwrap();
    let envelope = Envelope::parse(&minimal).unwrap();
    let value = envelope.metadata().integrity.as_deref().unwrap().to_owned();
    let tags = demail::integrity::IntegrityTags::parse(&value).unwrap();
    assert!(
        !tags.headers.iter().any(|h| h == "X-de-mail-private-id"),
        "private id only if present"
    );
    assert!(tags.headers.iter().any(|h| h == "Reply-To"));
}

// TR 01201-3.4 §3.1.21: hash-only mode, b= is the header hash
#[test]
fn hash_only_verifies_for_every_hash() {
    for hash in HASHES {
        let options = SignOptions {
            hash,
            ..SignOptions::hash_only()
        };
        let hashed = sign(&data("normal-minimal.eml"), &options).unwrap();
        let report = verify(&Envelope::parse(&hashed).unwrap(), &VerifyOptions::default());
        assert_eq!(report.verdict, Verdict::Pass, "{hash:?}");
        assert_eq!(report.mode, Some(IntegrityMode::HashOnly));
        assert!(
            Envelope::parse(&hashed)
                .unwrap()
                .field(FieldName::SignatureCertificate)
                .is_none()
        );
    }
}

// TR 01201-3.1 Schritt 48 FC-04
#[test]
fn authoritative_message_with_only_a_hash_fails_fc04() {
    // sign() refuses to write it (D48), so the hash-only field is made for
    // `no` and recomputed independently after the value is set to `yes`.
    let template = sign(
        &replace(&data("normal.eml"), "authoritative: yes", "authoritative: no"),
        &SignOptions::hash_only(),
    )
    .unwrap();
    let hashed = recompute_hash_only(&replace(&template, "authoritative: no", "authoritative: yes"));
    let report = verify(&Envelope::parse(&hashed).unwrap(), &VerifyOptions::default());
    assert_eq!(
        failure(&report),
        &Failure::MissingSignature(SignatureRequirement::Authoritative { value: "yes".into() })
    );
    assert_eq!(failure(&report).case(), ErrorCase::Fc04MissingSignature);
}

// TR 01201-3.1 Schritt 48 FC-01
#[test]
fn tampered_body_subject_or_sender_fails_fc01() {
    let trust = trust();
    let signed = signed_normal();
    let envelope = Envelope::parse(&signed).unwrap();
    let body_offset = envelope.body_offset();
    let mut body = signed.clone();
    body[body_offset + 3] ^= 0x01;
    let report = check(&body, &trust);
    assert_eq!(failure(&report), &Failure::BodyHashMismatch);
    assert_eq!(failure(&report).case(), ErrorCase::Fc01IntegrityViolation);

    let subject = replace(&signed, "Subject: ", "Subject: Re: ");
    let report = check(&subject, &trust);
    assert!(matches!(failure(&report), Failure::BadSignature(_)), "{report:?}");
    assert_eq!(report.body_hash_ok, Some(true));
    assert_eq!(report.header_ok, Some(false));

    let sender = replace(
        &signed,
        "x-de-mail-sender: poststelle",
        "x-de-mail-sender: poststelle2",
    );
    assert!(matches!(
        failure(&check(&sender, &trust)),
        Failure::BadSignature(_)
    ));

    let hashed = sign(&data("normal-minimal.eml"), &SignOptions::hash_only()).unwrap();
    let subject = replace(&hashed, "Subject: ", "Subject: Re: ");
    let report = verify(&Envelope::parse(&subject).unwrap(), &VerifyOptions::default());
    assert_eq!(failure(&report), &Failure::HeaderHashMismatch);
}

// TR 01201-3.4 §3.1.21: the first from the top is hashed
#[test]
fn forged_field_prepended_above_the_signed_one_fails() {
    let signed = signed_normal();
    let forged = [
        b"x-de-mail-sender: mallory@evil.de-mail.de\r\n".as_slice(),
        &signed,
    ]
    .concat();
    let report = check(&forged, &trust());
    assert!(
        matches!(
            failure(&report),
            Failure::DuplicateSignedField { first_offset: 0, .. }
        ),
        "{report:?}"
    );
    assert_eq!(failure(&report).case(), ErrorCase::Fc01IntegrityViolation);
    // Under the TR-literal policy the forged field is the first, so it is hashed.
    let trust = trust();
    let first_wins = VerifyOptions {
        duplicate_fields: DuplicatePolicy::FirstWins,
        ..options(&trust)
    };
    let report = verify(&Envelope::parse(&forged).unwrap(), &first_wins);
    assert!(matches!(failure(&report), Failure::BadSignature(_)), "{report:?}");
}

// TR 01201-3.4 §3.1.1, §3.1.21: with the TR-literal policy a duplicate
// below the signed field is ignored (D46; the default refuses it, see
// tests/verify_rules.rs)
#[test]
fn duplicate_appended_below_verifies_under_first_wins_and_the_first_value_is_reported() {
    let signed = signed_normal();
    let appended = replace(
        &signed,
        "\r\n\r\n",
        "\r\nx-de-mail-sender: mallory@evil.de-mail.de\r\n\r\n",
    );
    let envelope = Envelope::parse(&appended).unwrap();
    let trust = trust();
    let first_wins = VerifyOptions {
        duplicate_fields: DuplicatePolicy::FirstWins,
        ..options(&trust)
    };
    let report = verify(&envelope, &first_wins);
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.duplicates.len(), 1);
    let sender = envelope.metadata().sender.as_ref().unwrap();
    assert_eq!(sender.addr_spec(), "poststelle@stadt-musterstadt.de-mail.de");
}

// TR 01201-3.4 §3.1.21: no downgrade by omission
#[test]
fn header_list_missing_a_mandated_field_fails() {
    let signed = signed_normal();
    let downgraded = replace(&signed, "X-de-mail-sender:", "");
    let report = check(&downgraded, &trust());
    assert_eq!(failure(&report), &Failure::FieldNotSigned(FieldName::Sender));
}

// TR 01201-3.1 Schritt 48 FC-02: validity at the caller's time
#[test]
fn short_lived_certificate_is_expired_at_the_verification_time() {
    let trust = trust();
    let signed = sign_with(
        &data("normal.eml"),
        "short-lived",
        SignatureScheme::EcDsa,
        HashAlgorithm::Sha256,
    );
    let report = check(&signed, &trust);
    assert!(
        matches!(
            failure(&report),
            Failure::Certificate(CertificateError::Expired { .. })
        ),
        "{report:?}"
    );
    assert_eq!(failure(&report).case(), ErrorCase::Fc02CertificateInvalid);
    let in_time = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_740_787_200), // 2025-03-01
        ..options(&trust)
    };
    assert_eq!(
        verify(&Envelope::parse(&signed).unwrap(), &in_time).verdict,
        Verdict::Pass
    );
}

#[test]
fn certificate_from_an_untrusted_ca_fails_and_no_anchor_means_untrusted() {
    let signed = sign_with(
        &data("normal.eml"),
        "untrusted",
        SignatureScheme::EcDsa,
        HashAlgorithm::Sha256,
    );
    let report = check(&signed, &trust());
    assert!(
        matches!(
            failure(&report),
            Failure::Certificate(CertificateError::Untrusted(_))
        ),
        "{report:?}"
    );
    assert_eq!(report.trusted, Some(false));
    assert_eq!(report.header_ok, Some(true));

    let no_anchors = VerifyOptions {
        time: now(),
        ..VerifyOptions::default()
    };
    let report = verify(&Envelope::parse(&signed_normal()).unwrap(), &no_anchors);
    assert_eq!(report.verdict, Verdict::SignatureValidUntrusted);
    assert_eq!(report.trusted, None);
}

#[test]
fn certificate_without_signature_key_usage_fails() {
    let signed = sign_with(
        &data("normal.eml"),
        "no-signature-usage",
        SignatureScheme::EcDsa,
        HashAlgorithm::Sha256,
    );
    let report = check(&signed, &trust());
    assert_eq!(
        failure(&report),
        &Failure::Certificate(CertificateError::NoSignatureKeyUsage)
    );
}

// BSI TR-02102-1: the caller can tighten the key policy
#[test]
fn key_policy_rejects_weak_keys() {
    let trust = trust();
    let signed = sign_with(
        &data("normal.eml"),
        "rsa2048",
        SignatureScheme::Rsa,
        HashAlgorithm::Sha256,
    );
    let strict = VerifyOptions {
        key_policy: KeyPolicy::tr_02102(),
        ..options(&trust)
    };
    let report = verify(&Envelope::parse(&signed).unwrap(), &strict);
    assert!(matches!(
        failure(&report),
        Failure::Certificate(CertificateError::WeakKey { .. })
    ));
    assert!(matches!(
        KeyPolicy::default().check(&cert("rsa1024").public_key),
        Err(CertificateError::WeakKey { .. })
    ));
    assert!(
        SigningKey::from_pkcs8_pem(&std::fs::read_to_string(path("keys/rsa1024.key.pem")).unwrap()).is_err()
    );
}

#[test]
fn scheme_must_fit_the_key() {
    let (key, certificate) = (key("p256"), cert("p256"));
    let options = SignOptions {
        signer: Some(SignedMode {
            key: &key,
            certificate: &certificate,
            scheme: SignatureScheme::Rsa,
        }),
        ..SignOptions::hash_only()
    };
    assert!(matches!(
        sign(&data("normal.eml"), &options),
        Err(IntegrityError::Crypto(_))
    ));
}

// TR 01201-3.4 §3.2, §3.3: Resent-* and actual-recipient are not covered
#[test]
fn forwarded_message_still_verifies() {
    let signed = signed_normal();
    let forwarded = replace(
        &signed,
        "\r\n\r\n",
        "\r\nResent-From: max.mustermann@dmda-a.de-mail.de\r\nResent-To: neu@dmda-b.de-mail.de\r\n\
         Resent-Date: Wed, 25 Nov 2026 10:00:00 +0100\r\nResent-Message-ID: <fw1@dmda-a.de-mail.de>\r\n\r\n",
    );
    let text = String::from_utf8_lossy(&forwarded).into_owned();
    let start = text.find("x-de-mail-actual-recipient:").unwrap();
    let end = start + text[start..].find("\r\nx-").unwrap() + 2;
    let rewritten = format!(
        "{}x-de-mail-actual-recipient: to=neu@dmda-b.de-mail.de\r\n{}",
        &text[..start],
        &text[end..]
    );
    let envelope = Envelope::parse(rewritten.as_bytes()).unwrap();
    assert!(envelope.is_forwarded());
    assert_eq!(verify(&envelope, &options(&trust())).verdict, Verdict::Pass);
}

// RFC 6376 §3.4.3: simple body canonicalization ignores trailing empty lines
#[test]
fn extra_trailing_empty_lines_still_verify() {
    let mut signed = signed_normal();
    signed.extend_from_slice(b"\r\n\r\n\r\n");
    assert_eq!(check(&signed, &trust()).verdict, Verdict::Pass);
    signed.extend_from_slice(b"x");
    assert_eq!(failure(&check(&signed, &trust())), &Failure::BodyHashMismatch);
}

// Signing is idempotent: re-signing replaces the old fields
#[test]
fn re_signing_replaces_the_old_fields() {
    let once = signed_normal();
    let twice = sign_with(&once, "p256", SignatureScheme::EcDsa, HashAlgorithm::Sha384);
    let envelope = Envelope::parse(&twice).unwrap();
    let count = |name: FieldName| {
        envelope
            .fields()
            .iter()
            .filter(|f| f.has_name(name.as_str()))
            .count()
    };
    assert_eq!(count(FieldName::Integrity), 1);
    assert_eq!(count(FieldName::SignatureCertificate), 1);
    assert_eq!(verify(&envelope, &options(&trust())).verdict, Verdict::Pass);
    assert!(envelope.warnings().is_empty());
}

#[test]
fn malformed_integrity_fields_fail_with_typed_reasons() {
    let hashed = sign(&data("normal-minimal.eml"), &SignOptions::hash_only()).unwrap();
    let sha1 = replace(&hashed, "a=sha256;", "a=sha1;");
    let report = verify(&Envelope::parse(&sha1).unwrap(), &VerifyOptions::default());
    assert!(matches!(
        failure(&report),
        Failure::Malformed(IntegrityError::UnsupportedAlgorithm(_))
    ));
    let garbage = replace(&hashed, "bh=", "bh=!!garbage");
    let report = verify(&Envelope::parse(&garbage).unwrap(), &VerifyOptions::default());
    assert_eq!(
        failure(&report),
        &Failure::Malformed(IntegrityError::Base64("bh"))
    );
    let text = String::from_utf8_lossy(&hashed).replace("x-de-mail-integrity", "x-old-integrity");
    let report = verify(
        &Envelope::parse(text.as_bytes()).unwrap(),
        &VerifyOptions::default(),
    );
    assert_eq!(failure(&report), &Failure::MissingIntegrity);
    let no_cert = replace(
        &signed_normal(),
        "\r\nx-de-mail-signature-certificate:",
        "\r\nx-old-certificate:",
    );
    assert_eq!(failure(&check(&no_cert, &trust())), &Failure::MissingCertificate);
}

// RFC 6376 §3.7: an l= tag is ignored (TR 01201-3.4 §3.1.21); the whole body counts
#[test]
fn length_tag_is_ignored() {
    let hashed = sign(&data("normal-minimal.eml"), &SignOptions::hash_only()).unwrap();
    let with_l = replace(&hashed, "c=simple/simple;", "c=simple/simple; l=1;");
    let rehashed = recompute_hash_only(&with_l);
    let envelope = Envelope::parse(&rehashed).unwrap();
    let value = envelope.metadata().integrity.as_deref().unwrap().to_owned();
    assert!(
        demail::integrity::IntegrityTags::parse(&value)
            .unwrap()
            .length_ignored
    );
    assert_eq!(
        verify(&envelope, &VerifyOptions::default()).verdict,
        Verdict::Pass
    );
    let mut changed = rehashed.clone();
    let last = changed.len() - 3;
    changed[last] ^= 1;
    assert_eq!(
        failure(&verify(
            &Envelope::parse(&changed).unwrap(),
            &VerifyOptions::default()
        )),
        &Failure::BodyHashMismatch
    );
}

/// Signatures made by the crate verify with openssl on independently
/// computed canonical bytes.
#[test]
fn crate_signatures_verify_with_openssl() {
    if !tool_available("openssl") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("demail-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("rsa3072", SignatureScheme::Rsa, HashAlgorithm::Sha256, vec![]),
        (
            "rsa3072",
            SignatureScheme::RsassaPss,
            HashAlgorithm::Sha384,
            vec!["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"],
        ),
        ("p256", SignatureScheme::EcDsa, HashAlgorithm::Sha512, vec![]),
        ("bp384", SignatureScheme::EcDsa, HashAlgorithm::Sha384, vec![]),
    ];
    for (name, scheme, hash, extra) in cases {
        let signed = sign_with(&data("normal.eml"), name, scheme, hash);
        let input = independent::header_input(&signed);
        let envelope = Envelope::parse(&signed).unwrap();
        let value = envelope.metadata().integrity.as_deref().unwrap().to_owned();
        let signature = demail::integrity::IntegrityTags::parse(&value).unwrap().value;
        let (input_path, sig_path) = (dir.join("input"), dir.join("sig"));
        std::fs::write(&input_path, &input).unwrap();
        std::fs::write(&sig_path, &signature).unwrap();
        let pubkey = openssl(
            &[
                "x509",
                "-pubkey",
                "-noout",
                "-in",
                path(&format!("keys/{name}.cert.pem")).to_str().unwrap(),
            ],
            b"",
        );
        let pub_path = dir.join("pub.pem");
        std::fs::write(&pub_path, pubkey).unwrap();
        let digest = format!("-{}", hash.as_str());
        let mut args = vec!["dgst", digest.as_str(), "-verify", pub_path.to_str().unwrap()];
        args.extend(extra.iter().copied());
        args.extend([
            "-signature",
            sig_path.to_str().unwrap(),
            input_path.to_str().unwrap(),
        ]);
        let out = openssl(&args, b"");
        assert_eq!(
            String::from_utf8_lossy(&out).trim(),
            "Verified OK",
            "{name} {scheme:?}"
        );
        // bh= too, independently.
        let body = &signed[envelope.body_offset()..];
        let trimmed = String::from_utf8_lossy(body).trim_end_matches("\r\n").to_owned() + "\r\n";
        let bh = openssl(&["dgst", digest.as_str(), "-binary"], trimmed.as_bytes());
        let tags = demail::integrity::IntegrityTags::parse(&value).unwrap();
        assert_eq!(tags.body_hash, bh);
    }
}

/// Signatures made by openssl over the canonical bytes verify with the crate.
#[test]
fn openssl_signatures_verify_with_the_crate() {
    if !tool_available("openssl") {
        return;
    }
    let trust = trust();
    for (name, scheme, extra) in [
        ("rsa3072", SignatureScheme::Rsa, vec![]),
        (
            "rsa3072",
            SignatureScheme::RsassaPss,
            vec![
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ],
        ),
        ("p384", SignatureScheme::EcDsa, vec![]),
        ("bp256", SignatureScheme::EcDsa, vec![]),
    ] {
        // Sign with the crate to get the field layout, then replace b= with openssl's signature.
        let template = sign_with(&data("normal.eml"), name, scheme, HashAlgorithm::Sha256);
        let input = independent::header_input(&template);
        let key_path = path(&format!("keys/{name}.key.pem"));
        let mut args = vec!["dgst", "-sha256", "-sign", key_path.to_str().unwrap()];
        args.extend(extra.iter().copied());
        let signature = openssl(&args, &input);
        let b64 = openssl(&["base64", "-A"], &signature);
        let text = String::from_utf8_lossy(&template).into_owned();
        let (start, end) = independent::b_value_range(&text);
        let message = format!(
            "{}{}{}",
            &text[..start],
            String::from_utf8_lossy(&b64),
            &text[end..]
        );
        let report = check(message.as_bytes(), &trust);
        assert_eq!(report.verdict, Verdict::Pass, "{name} {scheme:?}: {report:?}");
    }
}

/// The shipped signed samples (README's first command) verify, and signing
/// the originals again gives the same bytes (RSA PKCS#1 v1.5 and RFC 6979
/// ECDSA are deterministic), so they stay in step with the keys.
#[test]
fn shipped_signed_samples_verify_and_are_reproducible() {
    let trust = trust();
    let samples = [
        (
            "signed/normal-rsa3072.eml",
            "normal.eml",
            Some(("rsa3072", SignatureScheme::Rsa)),
        ),
        (
            "signed/confirmation-dispatch-bp256.eml",
            "confirmation-dispatch.eml",
            Some(("bp256", SignatureScheme::EcDsa)),
        ),
        ("signed/normal-minimal-hash-only.eml", "normal-minimal.eml", None),
    ];
    for (sample, original, signer) in samples {
        let shipped = data(sample);
        assert_eq!(check(&shipped, &trust).verdict, Verdict::Pass, "{sample}");
        let again = match signer {
            Some((name, scheme)) => sign_with(&data(original), name, scheme, HashAlgorithm::Sha256),
            None => sign(&data(original), &SignOptions::hash_only()).unwrap(),
        };
        assert!(
            again == shipped,
            "{sample} differs from a fresh signature of {original}: regenerate it (tests/data/README.md)"
        );
        assert!(
            Envelope::parse(&shipped).unwrap().validate().is_valid(),
            "{sample}"
        );
    }
}

/// A chain signed with brainpool curves (as German qualified-signature CAs
/// are, BSI TR-03116-4) is validated too, not only the end-entity key.
#[test]
fn brainpool_signed_chain_is_trusted() {
    let trust = Trust {
        anchors: vec![cert("bp-ca")],
        intermediates: vec![],
    };
    let signed = sign_with(
        &data("normal.eml"),
        "bp-signer",
        SignatureScheme::EcDsa,
        HashAlgorithm::Sha256,
    );
    let report = check(&signed, &trust);
    assert_eq!(report.verdict, Verdict::Pass, "{report:?}");
    assert_eq!(report.trusted, Some(true));
    // The same certificate does not chain to the other test root.
    let report = check(&signed, &self::trust());
    assert!(matches!(
        failure(&report),
        Failure::Certificate(CertificateError::Untrusted(_))
    ));
}

// TR 01201-3.1 Schritt 48 FC-03, D155: without evidence the default policy passes with
// the status "not checked" (INDETERMINATE/TRY_LATER); requiring status fails FC-03
#[test]
fn status_without_evidence_passes_by_default_and_fails_fc03_when_required() {
    let trust = trust();
    let signed = signed_normal();
    let envelope = Envelope::parse(&signed).unwrap();
    let report = verify(&envelope, &options(&trust));
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.status, CertificateStatus::NotChecked);
    assert_eq!(
        report.indication,
        Some(Indication::Indeterminate(SubIndication::TryLater))
    );
    let report = verify(
        &envelope,
        &VerifyOptions {
            status_policy: StatusPolicy::Require,
            ..options(&trust)
        },
    );
    assert_eq!(failure(&report).case(), ErrorCase::Fc03StatusUnchecked);
    assert_eq!(failure(&report).code(), "status_not_confirmed");
    assert_eq!(
        report.verdict,
        Verdict::Fail(Failure::Status(CertificateStatus::NotChecked))
    );
}

// TR 01201-3.4 §3.1.21 conditions 1, 2 and 4: sign only a finished message
#[test]
fn signing_refuses_a_message_that_is_not_ready() {
    let incomplete = replace(
        &data("normal.eml"),
        "x-de-mail-account-holder:",
        "x-old-account-holder:",
    );
    assert!(matches!(
        sign(&incomplete, &SignOptions::hash_only()),
        Err(IntegrityError::NotReady(NotReadyReason::Metadata { fields }))
            if fields.contains(&FieldName::AccountHolder)
    ));
    let with_bcc = replace(
        &data("normal-minimal.eml"),
        "x-de-mail-chosen-recipient: to=",
        "x-de-mail-chosen-recipient: bcc=geheim@dmda-c.de-mail.de; to=",
    );
    assert!(matches!(
        sign(&with_bcc, &SignOptions::hash_only()),
        Err(IntegrityError::NotReady(NotReadyReason::BccNotSplit))
    ));
    let lf_only = String::from_utf8(data("normal-minimal.eml"))
        .unwrap()
        .replace("\r\n", "\n");
    assert!(matches!(
        sign(lf_only.as_bytes(), &SignOptions::hash_only()),
        Err(IntegrityError::NotReady(NotReadyReason::BareLineFeed { .. }))
    ));
}

// TR 01201-3.4 §3.1.8, §3.1.21 condition 2: a BCC copy names only its own bcc recipient
#[test]
fn bcc_copy_with_only_its_bcc_entry_can_be_signed() {
    let text = String::from_utf8(data("normal-minimal.eml")).unwrap();
    let start = text.find("x-de-mail-chosen-recipient:").unwrap();
    let end = start + text[start..].find("\r\nx-").unwrap() + 2;
    let copy = format!(
        "{}x-de-mail-chosen-recipient: bcc=geheim@dmda-c.de-mail.de\r\n{}",
        &text[..start],
        &text[end..]
    );
    let hashed = sign(copy.as_bytes(), &SignOptions::hash_only()).unwrap();
    let report = verify(&Envelope::parse(&hashed).unwrap(), &VerifyOptions::default());
    assert_eq!(report.verdict, Verdict::Pass);
}

/// A signed sample whose integrity field is replaced by `value`.
fn with_integrity_value(value: &str) -> Vec<u8> {
    let signed = data("signed/normal-rsa3072.eml");
    let envelope = Envelope::parse(&signed).unwrap();
    let mut out = Vec::new();
    for field in envelope.fields() {
        if field.has_name("x-de-mail-integrity") {
            out.extend_from_slice(format!("X-de-mail-integrity: {value}\r\n").as_bytes());
        } else {
            out.extend_from_slice(field.raw);
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(envelope.body());
    out
}

// Review of issue 11, finding 4 (RFC 6376 §3.2; TR 01201-3.4 §3.1.21; D95):
// 23,500 distinct tags were checked for duplicates pairwise (1.5 s); the
// tag count is bounded and refused as malformed.
#[test]
fn integrity_tag_count_is_bounded() {
    let mut value = String::from("a=sha256; c=simple/simple; h=From; bh=AAAA; b=AAAA");
    for i in 0..23_500 {
        // Folded every 200 tags: about 210 KB, within the header limit.
        let fold = if i % 200 == 0 { "\r\n " } else { "" };
        value.push_str(&format!(";{fold}x{i}="));
    }
    assert_eq!(
        demail::integrity::IntegrityTags::parse(&value).err(),
        Some(IntegrityError::TooManyEntries {
            what: "the tag list",
            max: demail::integrity::MAX_TAGS
        })
    );
    let message = with_integrity_value(&value);
    let report = verify(&Envelope::parse(&message).unwrap(), &VerifyOptions::default());
    assert!(
        matches!(
            report.verdict,
            Verdict::Fail(Failure::Malformed(IntegrityError::TooManyEntries { .. }))
        ),
        "{report:?}"
    );
}

// Review of issue 11, finding 4 (TR 01201-3.4 §3.1.21; D95): 32,000 h=
// names against 900 fields made header_input and the duplicate scan
// O(|h=| × fields); h= is bounded and refused as malformed.
#[test]
fn integrity_signed_field_list_is_bounded() {
    let names = vec!["Subject"; 32_000].join(":");
    let value = format!("a=sha256; c=simple/simple; h={names}; bh=AAAA; b=AAAA");
    assert_eq!(
        demail::integrity::IntegrityTags::parse(&value).err(),
        Some(IntegrityError::TooManyEntries {
            what: "h=",
            max: demail::integrity::MAX_SIGNED_NAMES
        })
    );
    // 64 names are read.
    let names = vec!["Subject"; demail::integrity::MAX_SIGNED_NAMES].join(":");
    let value = format!("a=sha256; c=simple/simple; h={names}; bh=AAAA; b=AAAA");
    assert_eq!(
        demail::integrity::IntegrityTags::parse(&value)
            .unwrap()
            .headers
            .len(),
        demail::integrity::MAX_SIGNED_NAMES
    );
}
