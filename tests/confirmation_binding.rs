//! Binding a confirmation to the provider that must have made it: the
//! findings of the security review of issue 11 (2: signer mismatch by
//! look-alike names; 3: the responsible provider and the named recipients).
//! Look-alike certificates are made with openssl at test time
//! (tests/common/pki.rs).
#![cfg(feature = "provider")]
use std::time::SystemTime;

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{
    AcknowledgeMessage, ConfirmationKind, ConfirmationReport, ConfirmationRequest, Metadate,
    acknowledge_message, assemble, check_confirmation,
};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::integrity::{SignOptions, sign};
use demail::provider::Issuer;
use demail::provider_directory::SignerBinding;
use demail::provider_directory::{AllowedSigner, ProviderMap};
use demail::resend::{Resend, forward, reset_envelope_to};
use demail::signer::{CertifiedKey, Signer};
use demail::trust::VerifyOptions;

mod common;
mod xmldsig_common;

use common::pki::{Issued, Issuer as CertIssuer, issue_with_subject, openssl_verify, signer_extensions};
use common::{cert, data, path, signer};
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

fn confirm(original: &[u8], kind: ConfirmationKind, signer: &dyn Signer) -> Vec<u8> {
    confirm_altered(original, kind, signer, |_| {})
}

/// [`confirm`] from the system address of another provider domain.
fn confirm_from(domain: &str, original: &[u8], kind: ConfirmationKind, signer: &dyn Signer) -> Vec<u8> {
    confirm_with(domain, original, kind, signer, |_| {})
}

/// Builds a confirmation whose Acknowledge-Message is altered first (a
/// provider writing what it likes, signed with its genuine key).
fn confirm_altered(
    original: &[u8],
    kind: ConfirmationKind,
    signer: &dyn Signer,
    alter: impl FnOnce(&mut AcknowledgeMessage),
) -> Vec<u8> {
    confirm_with("dmda-b.de-mail.de", original, kind, signer, alter)
}

fn confirm_with(
    domain: &str,
    original: &[u8],
    kind: ConfirmationKind,
    signer: &dyn Signer,
    alter: impl FnOnce(&mut AcknowledgeMessage),
) -> Vec<u8> {
    let envelope = Envelope::parse(original).unwrap();
    let issuer = Issuer::new(
        "DMDA GmbH",
        DeMailAddress::parse(&format!("{}@{domain}", kind.system_local_part())).unwrap(),
    );
    let request = ConfirmationRequest {
        kind,
        issuer: &issuer,
        time: DateTime::parse_rfc5322("Wed, 13 Mar 2024 08:00:00 +0100").unwrap(),
        delivery_time: (kind == ConfirmationKind::Retrieve)
            .then(|| DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:05 +0100").unwrap()),
        message_id: None,
    };
    let mut message = acknowledge_message(&envelope, &request).unwrap();
    alter(&mut message);
    assemble(&envelope, &request, &message, signer).unwrap()
}

/// Removes the integrity fields of a message and signs it again with
/// `key`/`certificate` (the attacker holds a genuine provider key).
fn resign(message: &[u8], signer: &dyn Signer) -> Vec<u8> {
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
    sign(&out, &SignOptions::signed(signer)).unwrap()
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
fn look_alike_of_p256(dir_name: &str) -> CertifiedKey {
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
    CertifiedKey::new(key, forged).unwrap()
}

/// The original's signer (rsa3072) listed for its sender domain, and each
/// `(domain, certificate)`.
fn listed(entries: &[(&str, &Certificate)]) -> ProviderMap {
    let mut map = ProviderMap::default();
    map.allow(
        "stadt-musterstadt.de-mail.de",
        AllowedSigner::issuer_and_subject_of(&cert("rsa3072")),
    );
    for (domain, certificate) in entries {
        map.allow(domain, AllowedSigner::issuer_and_subject_of(certificate));
    }
    map
}

/// The sender's provider signs with p256 for its system domain
/// (dmda-b.de-mail.de) and for the sender's domain.
fn sender_provider_p256() -> ProviderMap {
    let p256 = cert("p256");
    listed(&[
        ("dmda-b.de-mail.de", &p256),
        ("stadt-musterstadt.de-mail.de", &p256),
    ])
}

// Review of issue 11, finding 2. TR 01201-3.4 §3.5.1; D54: the XML signed by
// a look-alike certificate, the message re-signed with the genuine provider
// key, is a signer mismatch.
#[test]
fn signer_mismatch_compares_issuer_and_subject_as_der_not_as_printed() {
    if !tool_available("openssl") {
        return;
    }
    let forged = look_alike_of_p256("confirmation-look-alike");
    let original = original();
    let by_forged = confirm(&original, ConfirmationKind::Dispatch, &forged);
    assert!(check(&by_forged, &original, None).passed());
    let mixed = resign(&by_forged, &signer("p256"));
    let report = check(&mixed, &original, None);
    assert_eq!(codes(&report), ["signer_mismatch"], "{report}");
}

// Review of issue 11, finding 2. TR 01201-3.4 §3.1.14, §3.5.1; D52, D54: with
// a directory the XML signer is bound to the confirmation's domain too.
#[test]
fn xml_signer_must_be_listed_for_the_confirmation_domain() {
    let original = original();
    let by_p384 = confirm(&original, ConfirmationKind::Dispatch, &signer("p384"));
    let mixed = resign(&by_p384, &signer("p256"));
    let directory = sender_provider_p256();
    let report = check(&mixed, &original, Some(&directory));
    assert_eq!(
        codes(&report),
        ["signer_mismatch", "xml_signer_not_listed"],
        "{report}"
    );
    // Listed, one signer: passes.
    let genuine = confirm(&original, ConfirmationKind::Dispatch, &signer("p256"));
    let report = check(&genuine, &original, Some(&directory));
    assert!(report.passed(), "{report}");
}

fn time(text: &str) -> DateTime {
    DateTime::parse_rfc5322(text).unwrap()
}

/// The copy delivered to a mailbox: `Envelope-to` reset (§3.1.22).
fn delivered_to(address: &str) -> Vec<u8> {
    reset_envelope_to(&original(), &DeMailAddress::parse(address).unwrap()).unwrap()
}

// Review of issue 11, finding 3. TR 01201-3.4 §3.1.14; PVD FU Schritt 36;
// D93: a dispatch confirmation comes from the provider of the original's
// sender domain.
#[test]
fn dispatch_confirmation_must_be_signed_by_the_senders_provider() {
    let original = original();
    let dispatch = confirm(&original, ConfirmationKind::Dispatch, &signer("p256"));
    let report = check(&dispatch, &original, None);
    assert!(report.passed(), "{report}");
    assert_eq!(report.provider_binding, SignerBinding::NotChecked);

    // p256 may sign for its own system domain, but serves no sender domain.
    let elsewhere = listed(&[("dmda-b.de-mail.de", &cert("p256"))]);
    let report = check(&dispatch, &original, Some(&elsewhere));
    assert_eq!(codes(&report), ["provider_not_responsible"], "{report}");
    assert_eq!(
        report.provider_binding,
        SignerBinding::NotListed {
            domain: "stadt-musterstadt.de-mail.de".into()
        }
    );

    let report = check(&dispatch, &original, Some(&sender_provider_p256()));
    assert!(report.passed(), "{report}");
    assert_eq!(
        report.provider_binding,
        SignerBinding::Listed {
            domain: "stadt-musterstadt.de-mail.de".into()
        }
    );
}

// Review of issue 11, finding 3. PVD FU Schritt 67; D93: a receipt
// confirmation comes from the provider of a chosen recipient's domain.
#[test]
fn receipt_confirmation_must_be_signed_by_a_recipients_provider() {
    let original = original();
    let copy = delivered_to("erika.mustermann@dmda-b.de-mail.de");
    // A provider that serves none of the recipients (dmda-c), listed for
    // its own system domain, confirms the receipt.
    let receipt = confirm_from(
        "dmda-c.de-mail.de",
        &copy,
        ConfirmationKind::Receipt,
        &signer("p256"),
    );
    let outsider = listed(&[("dmda-c.de-mail.de", &cert("p256"))]);
    let report = check(&receipt, &original, Some(&outsider));
    assert_eq!(codes(&report), ["provider_not_responsible"], "{report}");
    // The provider of erika's domain (dmda-b) may.
    let receipt = confirm(&copy, ConfirmationKind::Receipt, &signer("p256"));
    let report = check(&receipt, &original, Some(&sender_provider_p256()));
    assert!(report.passed(), "{report}");
    assert_eq!(
        report.provider_binding,
        SignerBinding::Listed {
            domain: "dmda-b.de-mail.de".into()
        }
    );
}

// Review of issue 11, finding 3. TR 01201-3.4 §3.1.15, §3.1.22; D55: the
// transport fields may differ between copies, but must name a chosen
// recipient (or a redirect target).
#[test]
fn confirmed_actual_recipient_and_envelope_to_must_be_chosen_recipients() {
    let original = original();
    let never_addressed = delivered_to("mallory@dmda-b.de-mail.de");
    let receipt = confirm(&never_addressed, ConfirmationKind::Receipt, &signer("p256"));
    let report = check(&receipt, &original, None);
    assert_eq!(codes(&report), ["recipient_not_chosen"], "{report}");

    let receipt = confirm_altered(
        &delivered_to("erika.mustermann@dmda-b.de-mail.de"),
        ConfirmationKind::Receipt,
        &signer("p256"),
        |m| {
            m.metadata.push(Metadate {
                name: "X-de-mail-actual-recipient".into(),
                value: "to=mallory@dmda-b.de-mail.de".into(),
                original_header: "X-de-mail-actual-recipient: to=mallory@dmda-b.de-mail.de\r\n".into(),
            })
        },
    );
    let report = check(&receipt, &original, None);
    assert_eq!(codes(&report), ["recipient_not_chosen"], "{report}");
}

// Review of issue 11, finding 3. PVD FU Schritt 67; D56: a receipt
// confirmation made from a forwarded copy is refused by the check, not only
// by the builder.
#[test]
fn receipt_from_a_forwarded_copy_is_refused_by_the_check() {
    let copy = delivered_to("erika.mustermann@dmda-b.de-mail.de");
    let resend = Resend::new(
        DeMailAddress::parse("erika.mustermann@dmda-b.de-mail.de").unwrap(),
        DeMailAddress::parse("erika.privat@dmda-c.de-mail.de").unwrap(),
        time("Tue, 12 Mar 2024 10:00:00 +0100"),
        "fw.1@mx.dmda-b.de-mail.de",
    );
    let forwarded = forward(&original(), &resend).unwrap();
    let receipt = confirm(&copy, ConfirmationKind::Receipt, &signer("p256"));
    // Checked against the forwarded copy.
    let report = check(&receipt, &forwarded, None);
    assert!(codes(&report).contains(&"not_confirmable"), "{report}");
    // Checked against the sender's copy, the Metadata shows the forwarding.
    let receipt = confirm_altered(&copy, ConfirmationKind::Receipt, &signer("p256"), |m| {
        m.metadata.push(Metadate {
            name: "Resent-From".into(),
            value: "erika.mustermann@dmda-b.de-mail.de".into(),
            original_header: "Resent-From: erika.mustermann@dmda-b.de-mail.de\r\n".into(),
        })
    });
    let report = check(&receipt, &original(), None);
    assert_eq!(codes(&report), ["not_confirmable"], "{report}");
}
