//! Binding a confirmation to the provider that must have made it: the
//! findings of the security review of issue 11 (2: signer mismatch by
//! look-alike names; 3: the responsible provider and the named recipients).
//! Look-alike certificates are made with openssl at test time
//! (tests/common/pki.rs).
use std::time::SystemTime;

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{
    ConfirmationKind, ConfirmationReport, ConfirmationRequest, Issuer, build_confirmation, check_confirmation,
};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::integrity::{SignOptions, sign};
use demail::provider_directory::{AllowedSigner, ProviderMap};
use demail::verify::VerifyOptions;

mod common;
mod xmldsig_common;

use common::pki::{Issued, Issuer as CertIssuer, issue_with_subject, openssl_verify, signer_extensions};
use common::{cert, data, key, path};
use xmldsig_common::{temp_dir, tool_available};

/// Now: the certificates made by the tests are valid from now on.
fn now() -> SystemTime {
    SystemTime::now()
}

fn anchors() -> (Vec<Certificate>, Vec<Certificate>) {
    (vec![cert("ca")], vec![cert("intermediate")])
}

fn original() -> Vec<u8> {
    data("signed/normal-rsa3072.eml")
}

fn confirm(original: &[u8], kind: ConfirmationKind, key: &SigningKey, certificate: &Certificate) -> Vec<u8> {
    let envelope = Envelope::parse(original).unwrap();
    let issuer = Issuer::new(
        "DMDA B GmbH",
        DeMailAddress::parse(&format!("{}@dmda-b.de-mail.de", kind.system_local_part())).unwrap(),
    );
    let request = ConfirmationRequest {
        kind,
        issuer: &issuer,
        time: DateTime::parse_rfc5322("Wed, 13 Mar 2024 08:00:00 +0100").unwrap(),
        delivery_time: (kind == ConfirmationKind::Retrieve)
            .then(|| DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:05 +0100").unwrap()),
        message_id: None,
    };
    build_confirmation(&envelope, &request, key, certificate).unwrap()
}

/// Removes the integrity fields of a message and signs it again with
/// `key`/`certificate` (the attacker holds a genuine provider key).
fn resign(message: &[u8], key: &SigningKey, certificate: &Certificate) -> Vec<u8> {
    let envelope = Envelope::parse(message).unwrap();
    let mut out = Vec::new();
    for field in envelope.fields() {
        if field.has_name("x-de-mail-integrity") || field.has_name("x-de-mail-signature-certificate") {
            continue;
        }
        out.extend_from_slice(field.raw);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(envelope.body());
    sign(&out, &SignOptions::signed(key, certificate)).unwrap()
}

fn check(confirmation: &[u8], original: &[u8], directory: Option<&ProviderMap>) -> ConfirmationReport {
    let (anchors, intermediates) = anchors();
    let options = VerifyOptions {
        time: now(),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        provider_directory: directory.map(|d| d as _),
        ..VerifyOptions::default()
    };
    check_confirmation(confirmation, original, &options).unwrap()
}

fn codes(report: &ConfirmationReport) -> Vec<&'static str> {
    report.mismatches.iter().map(|m| m.code().as_str()).collect()
}

/// A P-256 certificate from the trusted intermediate whose subject prints
/// exactly like the committed p256 provider certificate's.
fn look_alike_of_p256(dir_name: &str) -> (SigningKey, Certificate) {
    let dir = temp_dir(dir_name);
    let Issued {
        key: key_path,
        cert: cert_path,
    } = issue_with_subject(
        &dir,
        "forged",
        "ec:P-256",
        &CertIssuer::Committed("intermediate"),
        &signer_extensions(Some("emailProtection")),
        "/C=DE/O=DMDA A GmbH, CN=DMDA A Signaturdienst p256",
    );
    openssl_verify(&cert_path, &[&path("keys/intermediate.cert.pem")]).unwrap();
    let forged = Certificate::from_pem(&std::fs::read_to_string(&cert_path).unwrap()).unwrap();
    assert_eq!(
        forged.subject,
        cert("p256").subject,
        "the look-alike must print the same"
    );
    assert_eq!(forged.issuer, cert("p256").issuer);
    let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    (key, forged)
}

/// The original's provider (rsa3072) listed for its sender domain, and
/// `certificate` for `domain`.
fn listed(domain: &str, certificate: &Certificate) -> ProviderMap {
    let mut map = ProviderMap::default();
    map.allow(
        "stadt-musterstadt.de-mail.de",
        AllowedSigner::issuer_and_subject_of(&cert("rsa3072")),
    );
    map.allow(domain, AllowedSigner::issuer_and_subject_of(certificate));
    map
}

// Review of issue 11, finding 2. TR 01201-3.4 §3.5.1; D54: the XML signed by
// a look-alike certificate, the message re-signed with the genuine provider
// key, is a signer mismatch.
#[test]
fn signer_mismatch_compares_issuer_and_subject_as_der_not_as_printed() {
    if !tool_available("openssl") {
        return;
    }
    let (forged_key, forged) = look_alike_of_p256("confirmation-look-alike");
    let original = original();
    let by_forged = confirm(&original, ConfirmationKind::Dispatch, &forged_key, &forged);
    assert!(check(&by_forged, &original, None).passed());
    let mixed = resign(&by_forged, &key("p256"), &cert("p256"));
    let report = check(&mixed, &original, None);
    assert_eq!(codes(&report), ["signer_mismatch"], "{report}");
}

// Review of issue 11, finding 2. TR 01201-3.4 §3.1.14, §3.5.1; D52, D54: with
// a directory the XML signer is bound to the confirmation's domain too.
#[test]
fn xml_signer_must_be_listed_for_the_confirmation_domain() {
    let original = original();
    let by_p384 = confirm(&original, ConfirmationKind::Dispatch, &key("p384"), &cert("p384"));
    let mixed = resign(&by_p384, &key("p256"), &cert("p256"));
    let directory = listed("dmda-b.de-mail.de", &cert("p256"));
    let report = check(&mixed, &original, Some(&directory));
    assert_eq!(
        codes(&report),
        ["signer_mismatch", "xml_signer_not_listed"],
        "{report}"
    );
    // Both listed, one signer: passes (binding to the original's provider aside).
    let genuine = confirm(&original, ConfirmationKind::Dispatch, &key("p256"), &cert("p256"));
    let report = check(&genuine, &original, Some(&directory));
    assert!(!codes(&report).contains(&"xml_signer_not_listed"), "{report}");
}
