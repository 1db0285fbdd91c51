//! Verdicts that fail closed (issue 11, verify side; docs/decisions.md
//! D46–D52): duplicates of signed fields, bare LF, FC-04 values, unsigned
//! confirmations, weak keys, CAs without keyCertSign, the EKU rule, the
//! provider directory and the signing guards. Certificates that are not
//! committed are made with openssl at test time (tests/common/pki.rs).

use std::time::SystemTime;

use demail::certificate::{CaRequirement, Certificate, CertificateError, KeyRule};
use demail::crypto::{CryptoError, Curve, KeyKind, SignatureScheme};
use demail::envelope::Envelope;
use demail::fields::MessageType;
use demail::integrity::{ErrorCase, Failure, SignatureRequirement, Verdict, VerificationReport, verify};
use demail::integrity::{IntegrityError, SignOptions, SignedMode, sign};
use demail::provider_directory::{AllowedSigner, ProviderMap, SignerBinding};
use demail::signer::CertifiedKey;
use demail::trust::{DuplicatePolicy, VerifyOptions};
use demail::validate::Rule;

mod common;
mod xmldsig_common;
use common::independent::{openssl, recompute_hash_only, resign_with_openssl};
use common::pki::{Issued, Issuer, issue, issue_with_subject, openssl_verify, signer_extensions};
use common::{cert, data, key, options, path, trust};
use xmldsig_common::{temp_dir, tool_available};

fn check(message: &[u8], options: &VerifyOptions<'_>) -> VerificationReport {
    verify(&Envelope::parse(message).unwrap(), options)
}

fn failure(report: &VerificationReport) -> &Failure {
    report
        .failure()
        .unwrap_or_else(|| panic!("expected a failure, got {report:?}"))
}

fn replace(message: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(message);
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

fn find(message: &[u8], needle: &str) -> usize {
    String::from_utf8_lossy(message).find(needle).unwrap()
}

fn signed_with(message: &[u8], name: &str, scheme: SignatureScheme) -> Vec<u8> {
    let signer = common::signer(name);
    let options = SignOptions {
        signer: Some(SignedMode {
            signer: &signer,
            scheme,
        }),
        ..SignOptions::hash_only()
    };
    sign(message, &options).unwrap()
}

fn signed_normal() -> Vec<u8> {
    signed_with(&data("normal.eml"), "rsa3072", SignatureScheme::Rsa)
}

fn hash_only_minimal() -> Vec<u8> {
    sign(&data("normal-minimal.eml"), &SignOptions::hash_only()).unwrap()
}

// ------------------------------------------------------------ duplicates

// TR 01201-3.4 §3.1.1, §3.1.21; RFC 5322 §3.6; D46
#[test]
fn duplicate_signed_subject_fails_fc01() {
    let signed = signed_normal();
    let forged = replace(&signed, "\r\n\r\n", "\r\nSubject: Zahlungsaufforderung\r\n\r\n");
    // The threat: mail-parser, the crate's own dependency, shows the forged value.
    let shown = mail_parser::MessageParser::default().parse(&forged).unwrap();
    assert_eq!(shown.subject(), Some("Zahlungsaufforderung"));

    let trust = trust();
    let report = check(&forged, &options(&trust));
    let expected = Failure::DuplicateSignedField {
        field: "Subject".into(),
        first_offset: find(&forged, "Subject: =?UTF-8?Q?Anh"),
        offset: find(&forged, "Subject: Zahlungsaufforderung"),
    };
    assert_eq!(failure(&report), &expected);
    assert_eq!(failure(&report).case(), ErrorCase::Fc01IntegrityViolation);
    assert_eq!(
        failure(&report).offset(),
        Some(find(&forged, "Subject: Zahlungs"))
    );
    let reason = failure(&report).to_string();
    assert!(reason.contains("Subject") && reason.contains(&expected.offset().unwrap().to_string()));
}

// TR 01201-3.4 §3.1.1, §3.1.21; D46
#[test]
fn duplicate_signed_sender_fails_fc01_also_in_hash_only_mode() {
    let hashed = hash_only_minimal();
    let forged = replace(
        &hashed,
        "\r\n\r\n",
        "\r\nx-de-mail-sender: chef@bank.de-mail.de\r\n\r\n",
    );
    let report = check(&forged, &VerifyOptions::default());
    assert!(
        matches!(failure(&report), Failure::DuplicateSignedField { field, .. } if field == "x-de-mail-sender"),
        "{report:?}"
    );
}

// TR 01201-3.4 §3.1.1 (first wins); D46: the policy switch keeps the list
#[test]
fn duplicate_fields_first_wins_policy_passes_and_lists_every_duplicate() {
    let signed = signed_normal();
    let forged = replace(
        &signed,
        "\r\n\r\n",
        "\r\nSubject: one\r\nx-de-mail-sender: two@evil.de-mail.de\r\nSubject: three\r\n\r\n",
    );
    let trust = trust();
    let first_wins = VerifyOptions {
        duplicate_fields: DuplicatePolicy::FirstWins,
        ..options(&trust)
    };
    let report = check(&forged, &first_wins);
    assert_eq!(report.verdict, Verdict::Pass);
    let offsets: Vec<(String, usize)> = report
        .duplicates
        .iter()
        .map(|d| (d.field.clone(), d.offset))
        .collect();
    assert_eq!(
        offsets,
        vec![
            ("Subject".to_owned(), find(&forged, "Subject: one")),
            (
                "x-de-mail-sender".to_owned(),
                find(&forged, "x-de-mail-sender: two")
            ),
            ("Subject".to_owned(), find(&forged, "Subject: three")),
        ]
    );
}

/// The line of `name` in `message`, CRLF included.
fn field_line(message: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(message);
    let start = text
        .to_ascii_lowercase()
        .find(&format!("\r\n{}:", name.to_ascii_lowercase()))
        .unwrap()
        + 2;
    let mut end = start;
    // Through the folded continuation lines.
    loop {
        let next = text[end..].find("\r\n").unwrap() + end + 2;
        end = next;
        if !text[end..].starts_with([' ', '\t']) {
            break;
        }
    }
    text[start..end].to_owned()
}

// Review of issue 11, finding 7; TR 01201-3.4 §3.1.21; D46, D96: a second
// X-de-mail-signature-certificate or X-de-mail-integrity, which the verifier
// relies on though h= cannot list them, is listed and refused by default.
#[test]
fn duplicate_integrity_or_certificate_field_is_listed_and_refused() {
    let signed = signed_normal();
    let trust = trust();
    let first_wins = VerifyOptions {
        duplicate_fields: DuplicatePolicy::FirstWins,
        ..options(&trust)
    };
    for name in ["X-de-mail-signature-certificate", "X-de-mail-integrity"] {
        let line = field_line(&signed, name);
        let again = line.replacen(":", ": ", 1);
        let forged = replace(&signed, "\r\n\r\n", &format!("\r\n{again}\r\n"));
        let report = check(&forged, &options(&trust));
        assert!(
            matches!(failure(&report), Failure::DuplicateSignedField { field, .. } if field.eq_ignore_ascii_case(name)),
            "{name}: {report:?}"
        );
        assert_eq!(failure(&report).case(), ErrorCase::Fc01IntegrityViolation);
        let report = check(&forged, &first_wins);
        assert_eq!(report.verdict, Verdict::Pass, "{name}: {report:?}");
        assert_eq!(report.duplicates.len(), 1, "{name}");
        assert!(report.duplicates[0].field.eq_ignore_ascii_case(name));
    }
}

// RFC 5322 §3.6: inspect/validate report singleton duplicates
#[test]
fn rfc5322_singleton_duplicates_are_validation_violations() {
    let message = replace(
        &data("normal.eml"),
        "\r\n\r\n",
        "\r\nTo: mallory@evil.de-mail.de\r\nDate: Wed, 13 Mar 2024 10:00:00 +0100\r\n\r\n",
    );
    let report = Envelope::parse(&message).unwrap().validate();
    assert!(report.breaks(Rule::DuplicateField));
    assert!(!report.is_valid());
    let names: Vec<&str> = report.duplicates().iter().map(|d| d.name).collect();
    assert_eq!(names, ["To", "Date"]);
    assert_eq!(report.duplicates()[0].first_offset, find(&message, "To: "));
    assert!(
        Envelope::parse(&data("normal.eml"))
            .unwrap()
            .validate()
            .is_valid()
    );
}

// ---------------------------------------------------------------- bare LF

// TR 01201-3.4 §3.1.21 condition 4; D47
#[test]
fn bare_lf_fails_fc01_with_offset() {
    let signed = signed_normal();
    // After an unsigned field: a CRLF-only reader sees one field where the crate sees two.
    let offset = find(&signed, "MIME-Version: 1.0\r\n") + "MIME-Version: 1.0".len();
    let mut forged = signed.clone();
    forged.remove(offset);
    let trust = trust();
    let report = check(&forged, &options(&trust));
    assert_eq!(failure(&report), &Failure::BareLineFeed { offset });
    assert_eq!(failure(&report).case(), ErrorCase::Fc01IntegrityViolation);

    // In the body too.
    let body = replace(&signed, "\r\n\r\n", "\r\n\r\nline\n");
    let at = find(&body, "line\n") + 4;
    assert_eq!(
        failure(&check(&body, &options(&trust))),
        &Failure::BareLineFeed { offset: at }
    );
}

// TR 01201-3.4 §3.1.21 condition 4; D47: a file stored with LF line ends
#[test]
fn message_stored_with_lf_line_ends_fails_and_says_so() {
    let lf = String::from_utf8(hash_only_minimal())
        .unwrap()
        .replace("\r\n", "\n");
    let report = check(lf.as_bytes(), &VerifyOptions::default());
    assert_eq!(
        failure(&report),
        &Failure::BareLineFeed {
            offset: lf.find('\n').unwrap()
        }
    );
    assert!(failure(&report).to_string().contains("stored with LF line ends"));
    let validation = Envelope::parse(lf.as_bytes()).unwrap().validate();
    assert!(validation.breaks(Rule::BareLineFeed));
    assert_eq!(validation.bare_line_feed(), lf.find('\n'));
}

// ------------------------------------------------------------------ FC-04

// TR 01201-3.1 Schritt 48 FC-04; TR 01201-3.4 §3.1.5; D48
#[test]
fn fc04_any_authoritative_value_but_no_counts_as_authoritative() {
    if !tool_available("openssl") {
        return;
    }
    let template = sign(
        &replace(&data("normal.eml"), "authoritative: yes", "authoritative: no"),
        &SignOptions::hash_only(),
    )
    .unwrap();
    assert!(check(&template, &VerifyOptions::default()).passed());
    for value in [
        "yes",
        "Yes",
        "yes (comment)",
        "\"yes\"",
        "=?UTF-8?Q?yes?=",
        "yés",
        "",
        "no, yes",
    ] {
        let field = format!("authoritative: {value}");
        let hashed = recompute_hash_only(&replace(&template, "authoritative: no", field.trim_end()));
        let report = check(&hashed, &VerifyOptions::default());
        assert_eq!(
            failure(&report),
            &Failure::MissingSignature(SignatureRequirement::Authoritative { value: value.into() }),
            "{value}"
        );
        assert_eq!(failure(&report).case(), ErrorCase::Fc04MissingSignature);
        // An invalid value is reported as such.
        let invalid = (value != "yes").then(|| value.to_owned());
        assert_eq!(report.invalid_authoritative, invalid, "{value}");
    }
}

// ---------------------------------------------------- required signatures

// TR 01201-3.4 §3.4.1, §3.5.1, Table 1 (certificate XX for B and I); D49
#[test]
fn hash_only_confirmation_fails_with_its_own_reason() {
    for (file, kind) in [
        ("confirmation-dispatch.eml", MessageType::ConfirmationOfDispatch),
        ("confirmation-receipt.eml", MessageType::ConfirmationOfReceipt),
        ("malware-acknowledge.eml", MessageType::MalwareAcknowledge),
        ("malware-notification.eml", MessageType::MalwareNotification),
    ] {
        let hashed = sign(&data(file), &SignOptions::hash_only()).unwrap();
        let report = check(&hashed, &VerifyOptions::default());
        assert_eq!(
            failure(&report),
            &Failure::MissingSignature(SignatureRequirement::MessageType(kind)),
            "{file}"
        );
        assert_eq!(failure(&report).code(), "unsigned_confirmation");
        assert_eq!(failure(&report).case(), ErrorCase::Fc04MissingSignature);
    }
    // An ordinary notification may be hash-only.
    let hashed = sign(&data("notification.eml"), &SignOptions::hash_only()).unwrap();
    assert!(check(&hashed, &VerifyOptions::default()).passed());
}

// D49: an unreadable message type may hide a confirmation (fail closed)
#[test]
fn hash_only_message_with_unreadable_type_fails_fc04() {
    if !tool_available("openssl") {
        return;
    }
    let hashed = hash_only_minimal();
    let forged = recompute_hash_only(&replace(
        &hashed,
        "x-de-mail-message-type: normal",
        "x-de-mail-message-type: Confirmation-Of-Dispatch",
    ));
    let report = check(&forged, &VerifyOptions::default());
    assert_eq!(
        failure(&report),
        &Failure::MissingSignature(SignatureRequirement::UnknownMessageType)
    );
    assert_eq!(failure(&report).case(), ErrorCase::Fc04MissingSignature);
}

// D49: services that accept only signed mail
#[test]
fn require_signature_policy_fails_every_hash_only_message() {
    let hashed = hash_only_minimal();
    assert!(check(&hashed, &VerifyOptions::default()).passed());
    let strict = VerifyOptions {
        require_signature: true,
        ..VerifyOptions::default()
    };
    let report = check(&hashed, &strict);
    assert_eq!(
        failure(&report),
        &Failure::MissingSignature(SignatureRequirement::Policy)
    );
    // A signed message still passes under the policy.
    let trust = trust();
    let signed_strict = VerifyOptions {
        require_signature: true,
        ..options(&trust)
    };
    assert!(check(&signed_normal(), &signed_strict).passed());
}

// --------------------------------------------------------------- key policy

// TR 01201-3.1 Schritt 48 FC-02; BSI TR-03116-4; D50: the key policy comes
// before the signature, so an untouched message with a weak key is FC-02
#[test]
fn weak_keys_fail_fc02_naming_the_key_before_the_signature_is_tried() {
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("weak-keys");
    let issuer = Issuer::Committed("intermediate");
    let p521 = issue(
        &dir,
        "p521",
        "ec:P-521",
        &issuer,
        &signer_extensions(Some("emailProtection")),
    );
    let k1 = issue(
        &dir,
        "k1",
        "ec:secp256k1",
        &issuer,
        &signer_extensions(Some("emailProtection")),
    );
    let rsa1024 = Issued {
        key: path("keys/rsa1024.key.pem"),
        cert: path("keys/rsa1024.cert.pem"),
    };
    let rsa_template = signed_normal();
    let ec_template = signed_with(&data("normal.eml"), "p256", SignatureScheme::EcDsa);
    let trust = trust();
    let now = VerifyOptions {
        time: SystemTime::now(),
        ..options(&trust)
    };
    for (issued, template, key_name, rule) in [
        (
            &rsa1024,
            &rsa_template,
            "RSA-1024",
            KeyRule::RsaTooShort { min_bits: 2048 },
        ),
        (&p521, &ec_template, "EC P-521", KeyRule::CurveNotApproved),
        (&k1, &ec_template, "EC secp256k1", KeyRule::CurveNotApproved),
    ] {
        // The chain itself is sound: openssl accepts it.
        openssl_verify(&issued.cert, &[&path("keys/intermediate.cert.pem")]).unwrap();
        let message = resign_with_openssl(template, &issued.key, &issued.cert);
        // The signature is genuine: openssl verifies it over the same bytes.
        let input = common::independent::header_input(&message);
        let tags_value = Envelope::parse(&message)
            .unwrap()
            .metadata()
            .integrity
            .as_deref()
            .unwrap()
            .to_owned();
        let signature = demail::integrity::IntegrityTags::parse(&tags_value)
            .unwrap()
            .value;
        let sig_path = dir.join("sig");
        std::fs::write(&sig_path, &signature).unwrap();
        let pubkey = dir.join("pub.pem");
        std::fs::write(
            &pubkey,
            openssl(
                &["x509", "-pubkey", "-noout", "-in", issued.cert.to_str().unwrap()],
                b"",
            ),
        )
        .unwrap();
        let verified = openssl(
            &[
                "dgst",
                "-sha256",
                "-verify",
                pubkey.to_str().unwrap(),
                "-signature",
                sig_path.to_str().unwrap(),
            ],
            &input,
        );
        assert_eq!(String::from_utf8_lossy(&verified).trim(), "Verified OK");

        let report = check(&message, &now);
        assert_eq!(
            failure(&report),
            &Failure::Certificate(CertificateError::WeakKey {
                key: key_name.into(),
                rule
            }),
            "{key_name}"
        );
        assert_eq!(failure(&report).case(), ErrorCase::Fc02CertificateInvalid);
        assert_eq!(report.header_ok, None, "a refused key is never used");
        assert!(failure(&report).to_string().contains(key_name));
    }
}

// ------------------------------------------------------------------ CA rule

// RFC 5280 §4.2.1.3, §4.2.1.9; TR 01201-3.1 Schritt 48 FC-02; D50
#[test]
fn ca_without_key_cert_sign_fails_fc02_as_openssl_does() {
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("ca-key-cert-sign");
    let root = Issuer::Committed("ca");
    let good_ca = issue(
        &dir,
        "good-ca",
        "ec:P-256",
        &root,
        "basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always",
    );
    let no_cert_sign = issue(
        &dir,
        "no-cert-sign-ca",
        "ec:P-256",
        &root,
        "basicConstraints = critical, CA:TRUE\nkeyUsage = critical, digitalSignature, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always",
    );
    let no_key_usage = issue(
        &dir,
        "no-key-usage-ca",
        "ec:P-256",
        &root,
        "basicConstraints = critical, CA:TRUE\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always",
    );
    let anchors = [cert("ca")];
    for (ca, expected) in [
        (&good_ca, None),
        (&no_cert_sign, Some(CaRequirement::NoKeyCertSign)),
        (&no_key_usage, Some(CaRequirement::NoKeyUsage)),
    ] {
        let leaf = issue(
            &dir,
            "leaf",
            "ec:P-256",
            &Issuer::Made(ca),
            &signer_extensions(Some("emailProtection")),
        );
        let openssl_result = openssl_verify(&leaf.cert, &[&ca.cert]);
        let intermediate = Certificate::from_pem(&std::fs::read_to_string(&ca.cert).unwrap()).unwrap();
        let leaf_cert = Certificate::from_pem(&std::fs::read_to_string(&leaf.cert).unwrap()).unwrap();
        let ours = demail::trust::verify_chain(&leaf_cert, &anchors, &[intermediate], SystemTime::now());
        match expected {
            None => {
                openssl_result.unwrap();
                ours.unwrap();
            }
            Some(requirement) => {
                assert!(openssl_result.is_err(), "openssl accepts {:?}", ca.cert);
                assert!(
                    matches!(&ours, Err(CertificateError::CaCannotSignCertificates { requirement: r, subject })
                        if *r == requirement && subject.contains("DMDA A Signaturdienst")),
                    "{ours:?}"
                );
            }
        }
    }
    // The whole verification: FC-02.
    let leaf = issue(
        &dir,
        "leaf",
        "ec:P-256",
        &Issuer::Made(&no_cert_sign),
        &signer_extensions(Some("emailProtection")),
    );
    let template = signed_with(&data("normal.eml"), "p256", SignatureScheme::EcDsa);
    let message = resign_with_openssl(&template, &leaf.key, &leaf.cert);
    let intermediates =
        [Certificate::from_pem(&std::fs::read_to_string(&no_cert_sign.cert).unwrap()).unwrap()];
    let report = check(
        &message,
        &VerifyOptions {
            time: SystemTime::now(),
            trust_anchors: &anchors,
            intermediates: &intermediates,
            ..VerifyOptions::default()
        },
    );
    assert_eq!(report.header_ok, Some(true));
    assert_eq!(failure(&report).case(), ErrorCase::Fc02CertificateInvalid);
    assert_eq!(failure(&report).code(), "ca_cannot_sign_certificates");
}

// ----------------------------------------------------------------- EKU rule

// RFC 5280 §4.2.1.12; RFC 9336; TR 01201-3.4 §3.1.14; D51
#[test]
fn eku_none_email_protection_document_signing_or_any_accepted_unrelated_only_refused() {
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("eku");
    let issuer = Issuer::Committed("intermediate");
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    for (name, eku, accepted) in [
        ("no-eku", None, true),
        ("email", Some("emailProtection"), true),
        ("document-signing", Some("1.3.6.1.5.5.7.3.36"), true),
        ("any", Some("anyExtendedKeyUsage"), true),
        ("server-and-email", Some("serverAuth, emailProtection"), true),
        ("server-only", Some("serverAuth"), false),
        ("client-and-code", Some("clientAuth, codeSigning"), false),
    ] {
        let issued = issue(&dir, name, "ec:P-256", &issuer, &signer_extensions(eku));
        let certificate = Certificate::from_pem(&std::fs::read_to_string(&issued.cert).unwrap()).unwrap();
        let result = demail::trust::verify_chain(&certificate, &anchors, &intermediates, SystemTime::now());
        if accepted {
            assert!(result.is_ok(), "{name}: {result:?}");
        } else {
            assert!(
                matches!(
                    &result,
                    Err(CertificateError::KeyPurposeNotAccepted {
                        present,
                        cause: webpki::Error::RequiredEkuNotFoundContext(_),
                    }) if present.iter().all(|oid| oid.starts_with("1.3.6.1.5.5.7.3."))
                ),
                "{name}: {result:?}"
            );
        }
    }
}

// ------------------------------------------------------- provider directory

// TR 01201-3.4 §3.1.14; PVD FU §4.3; D52
#[test]
fn provider_directory_binds_the_signer_to_the_sender_domain() {
    let signed = signed_normal(); // X-de-mail-sender: poststelle@stadt-musterstadt.de-mail.de
    let trust = trust();
    let report = check(&signed, &options(&trust));
    assert!(report.passed());
    assert_eq!(report.signer_binding, SignerBinding::NotChecked);

    let mut listed = ProviderMap::default();
    listed.allow(
        "stadt-musterstadt.de-mail.de",
        AllowedSigner::Fingerprint(cert("rsa3072").sha256_fingerprint()),
    );
    let with = |directory: &'static ProviderMap| VerifyOptions {
        provider_directory: Some(directory),
        ..options(&trust)
    };
    let listed: &'static ProviderMap = Box::leak(Box::new(listed));
    let report = check(&signed, &with(listed));
    assert!(report.passed(), "{report:?}");
    assert_eq!(
        report.signer_binding,
        SignerBinding::Listed {
            domain: "stadt-musterstadt.de-mail.de".into()
        }
    );

    // Another trusted provider's certificate for the domain: FC-02.
    let mut other = ProviderMap::default();
    other.allow(
        "stadt-musterstadt.de-mail.de",
        AllowedSigner::Fingerprint(cert("p256").sha256_fingerprint()),
    );
    other.allow(
        "beispiel.de-mail.de",
        AllowedSigner::Fingerprint(cert("rsa3072").sha256_fingerprint()),
    );
    let other: &'static ProviderMap = Box::leak(Box::new(other));
    let report = check(&signed, &with(other));
    assert_eq!(
        failure(&report),
        &Failure::SignerNotListed {
            domain: Some("stadt-musterstadt.de-mail.de".into()),
            subject: cert("rsa3072").subject,
        }
    );
    assert_eq!(failure(&report).case(), ErrorCase::Fc02CertificateInvalid);

    // Issuer and subject work too.
    let mut by_subject = ProviderMap::default();
    by_subject.allow(
        "stadt-musterstadt.de-mail.de",
        AllowedSigner::issuer_and_subject_of(&cert("rsa3072")),
    );
    let by_subject: &'static ProviderMap = Box::leak(Box::new(by_subject));
    assert!(check(&signed, &with(by_subject)).passed());
}

// Review of issue 11, finding 6; D52: a directory binds only signed mail,
// and says so for a hash-only message; --require-signature refuses it.
#[test]
fn provider_directory_reports_hash_only_messages_as_unsigned() {
    let hashed = hash_only_minimal();
    let map: &'static ProviderMap = Box::leak(Box::new(ProviderMap::default()));
    let with_directory = VerifyOptions {
        provider_directory: Some(map),
        ..VerifyOptions::default()
    };
    let report = check(&hashed, &with_directory);
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.signer_binding, SignerBinding::Unsigned);
    assert_eq!(
        check(&hashed, &VerifyOptions::default()).signer_binding,
        SignerBinding::NotChecked
    );
    let required = VerifyOptions {
        require_signature: true,
        ..with_directory
    };
    let report = check(&hashed, &required);
    assert!(
        matches!(failure(&report), Failure::MissingSignature(_)),
        "{report:?}"
    );
}

/// Security review of issue 11, finding 1: a certificate from the trusted CA
/// whose subject `O="DMDA A GmbH, CN=DMDA A Signaturdienst rsa3072"` prints
/// exactly like the listed one must not match the listed issuer and subject.
// TR 01201-3.4 §3.1.14; D52
#[test]
fn provider_directory_compares_issuer_and_subject_as_der_not_as_printed() {
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("look-alike-subject");
    let forged = issue_with_subject(
        &dir,
        "forged",
        "rsa:3072",
        &Issuer::Committed("intermediate"),
        &signer_extensions(Some("emailProtection")),
        "/C=DE/O=DMDA A GmbH, CN=DMDA A Signaturdienst rsa3072",
    );
    openssl_verify(&forged.cert, &[&path("keys/intermediate.cert.pem")]).unwrap();
    let forged_cert = Certificate::from_pem(&std::fs::read_to_string(&forged.cert).unwrap()).unwrap();
    let real = cert("rsa3072");
    // The attack: both print the same, and openssl sees two different names.
    assert_eq!(forged_cert.subject, real.subject);
    assert_eq!(forged_cert.issuer, real.issuer);
    let forged_subject = String::from_utf8(openssl(
        &[
            "x509",
            "-in",
            forged.cert.to_str().unwrap(),
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
        ],
        b"",
    ))
    .unwrap();
    assert!(forged_subject.contains("O=DMDA A GmbH\\, CN"), "{forged_subject}");
    assert!(!forged_cert.same_issuer_and_subject(&real));

    let mut map = ProviderMap::default();
    map.allow(
        "stadt-musterstadt.de-mail.de",
        AllowedSigner::issuer_and_subject_of(&real),
    );
    let map: &'static ProviderMap = Box::leak(Box::new(map));
    let trust = trust();
    let options = VerifyOptions {
        provider_directory: Some(map),
        time: SystemTime::now(),
        ..options(&trust)
    };
    let message = resign_with_openssl(&signed_normal(), &forged.key, &forged.cert);
    let report = check(&message, &options);
    assert!(!report.passed(), "{report:?}");
    assert!(
        matches!(failure(&report), Failure::SignerNotListed { .. }),
        "{report:?}"
    );
    assert_eq!(failure(&report).case(), ErrorCase::Fc02CertificateInvalid);
    // The real signer is still listed.
    assert!(check(&signed_normal(), &options).passed());
}

// PVD FU §4.3: a confirmation is bound through its system sender address
#[test]
#[cfg(feature = "brainpool")]
fn provider_directory_binds_a_confirmation_to_its_system_address_domain() {
    let confirmation = data("signed/confirmation-dispatch-bp256.eml");
    let trust = trust();
    let mut map = ProviderMap::default();
    map.allow(
        "dmda-a.de-mail.de",
        AllowedSigner::Fingerprint(cert("bp256").sha256_fingerprint()),
    );
    let options = VerifyOptions {
        provider_directory: Some(&map),
        ..options(&trust)
    };
    let report = check(&confirmation, &options);
    assert!(report.passed(), "{report:?}");
    assert_eq!(
        report.signer_binding,
        SignerBinding::Listed {
            domain: "dmda-a.de-mail.de".into()
        }
    );
    let empty = ProviderMap::default();
    let options = VerifyOptions {
        provider_directory: Some(&empty),
        ..options
    };
    assert!(matches!(
        failure(&check(&confirmation, &options)),
        Failure::SignerNotListed { .. }
    ));
}

// ---------------------------------------------------------- signing guards

// TR 01201-3.1 Schritt 30, Schritt 48 FC-04; D48
#[test]
fn sign_refuses_hash_only_for_an_authoritative_message() {
    assert_eq!(
        sign(&data("normal.eml"), &SignOptions::hash_only()),
        Err(IntegrityError::UnsignedAuthoritative { value: "yes".into() })
    );
    // An invalid value is refused too (it is not ready to be hashed, §3.1.21 condition 1).
    let invalid = replace(&data("normal.eml"), "authoritative: yes", "authoritative: Yes");
    assert!(sign(&invalid, &SignOptions::hash_only()).is_err());
    // Signed is fine.
    assert!(check(&signed_normal(), &options(&trust())).passed());
}

// TR 01201-3.4 §3.1.14, §3.1.21: the certificate written must be the
// signer's; a key and a certificate that do not belong together never
// become a signer, so no message can carry such a pair (D142, D178).
#[test]
fn a_key_that_does_not_match_the_certificate_is_no_signer() {
    assert_eq!(
        CertifiedKey::new(key("p256"), cert("p384")).unwrap_err(),
        CryptoError::CertificateMismatch {
            key: Some(KeyKind::Ec { curve: Curve::P256 }),
            certificate: cert("p384").public_key,
        }
    );
    let other_provider = Certificate::from_der(cert("untrusted").der().to_vec()).unwrap();
    assert!(matches!(
        CertifiedKey::new(key("p256"), other_provider),
        Err(CryptoError::CertificateMismatch { .. })
    ));
    let same_key = CertifiedKey::new(key("p256"), cert("p256")).unwrap();
    let signed = sign(&data("normal.eml"), &SignOptions::signed(&same_key)).unwrap();
    assert!(check(&signed, &options(&trust())).passed());
}
