//! Confirmations (TR 01201-3.4 §3.4.1, §3.5.1, §3.5.3; PVD FU §4.3):
//! every kind built and checked against its original, every mismatch the
//! check reports provoked once. Keys: tests/data/keys/make_keys.sh.
#![cfg(feature = "provider")]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{
    AcknowledgeMessage, ConfirmationKind, ConfirmationReport, ConfirmationRequest, IntegrityProblem,
    Metadate, Mismatch, MismatchCode, acknowledge_message, assemble, build_confirmation, check_confirmation,
};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::{DateTime, FieldName, MessageType};
use demail::integrity::Failure;
use demail::integrity::{SignOptions, sign};
use demail::provider::{BuildError, Issuer};
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::validate::Mode;

fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// normal.eml signed with rsa3072 (tests/data/README.md): a genuine
/// original whose own integrity verifies (D53).
fn original() -> Vec<u8> {
    std::fs::read(path("signed/normal-rsa3072.eml")).unwrap()
}

/// Signs a test original with the rsa3072 provider key, as the sender's
/// provider would (§3.1.21).
fn sign_original(raw: &[u8]) -> Vec<u8> {
    let read = |name: &str| std::fs::read_to_string(path(&format!("keys/{name}"))).unwrap();
    let key = SigningKey::from_pkcs8_pem(&read("rsa3072.key.pem")).unwrap();
    let certificate = Certificate::from_pem(&read("rsa3072.cert.pem")).unwrap();
    sign(
        raw,
        &SignOptions::signed(&CertifiedKey::new(key, certificate).unwrap()),
    )
    .unwrap()
}

struct Provider {
    signer: CertifiedKey,
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
}

fn provider() -> Provider {
    let read = |name: &str| std::fs::read_to_string(path(&format!("keys/{name}"))).unwrap();
    Provider {
        signer: CertifiedKey::new(
            SigningKey::from_pkcs8_pem(&read("p256.key.pem")).unwrap(),
            Certificate::from_pem(&read("p256.cert.pem")).unwrap(),
        )
        .unwrap(),
        anchors: vec![Certificate::from_pem(&read("ca.cert.pem")).unwrap()],
        intermediates: vec![Certificate::from_pem(&read("intermediate.cert.pem")).unwrap()],
    }
}

/// 2026-11-24T00:00:00Z: the test certificates are valid.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_478_400)
}

fn time(text: &str) -> DateTime {
    DateTime::parse_rfc5322(text).unwrap()
}

fn issuer(kind: ConfirmationKind) -> Issuer {
    let mut issuer = Issuer::new(
        "DMDA B GmbH",
        DeMailAddress::parse(&format!("{}@dmda-b.de-mail.de", kind.system_local_part())).unwrap(),
    );
    issuer.link = Some("https://dmda-b.example/de-mail".into());
    issuer
}

fn request(kind: ConfirmationKind, issuer: &Issuer) -> ConfirmationRequest<'_> {
    ConfirmationRequest {
        kind,
        issuer,
        time: time("Wed, 13 Mar 2024 08:00:00 +0100"),
        delivery_time: (kind == ConfirmationKind::Retrieve).then(|| time("Tue, 12 Mar 2024 09:15:05 +0100")),
        message_id: None,
    }
}

fn check(confirmation: &[u8], original: &[u8], p: &Provider) -> ConfirmationReport {
    let options = VerifyOptions {
        time: now(),
        trust_anchors: &p.anchors,
        intermediates: &p.intermediates,
        ..VerifyOptions::default()
    };
    check_confirmation(confirmation, original, &options).unwrap()
}

/// The mismatch codes, in the order found.
fn codes(report: &ConfirmationReport) -> Vec<&'static str> {
    report.mismatches.iter().map(|m| m.code().as_str()).collect()
}

/// Builds a confirmation from a (possibly altered) Acknowledge-Message.
fn confirm_with(kind: ConfirmationKind, alter: impl FnOnce(&mut AcknowledgeMessage)) -> Vec<u8> {
    let raw = original();
    let original = Envelope::parse(&raw).unwrap();
    let issuer = issuer(kind);
    let request = request(kind, &issuer);
    let mut message = acknowledge_message(&original, &request).unwrap();
    alter(&mut message);
    let p = provider();
    assemble(&original, &request, &message, &p.signer).unwrap()
}

/// Rewrites a confirmation's header fields and signs it again.
fn resign(confirmation: &[u8], alter: impl FnOnce(&mut String)) -> Vec<u8> {
    let envelope = Envelope::parse(confirmation).unwrap();
    let mut header = String::new();
    for field in envelope.fields() {
        if field.has_name("x-de-mail-integrity") || field.has_name("x-de-mail-signature-certificate") {
            continue;
        }
        header.push_str(std::str::from_utf8(field.raw).unwrap());
    }
    alter(&mut header);
    let mut message = header.into_bytes();
    message.extend_from_slice(b"\r\n");
    message.extend_from_slice(envelope.body());
    let p = provider();
    sign(&message, &SignOptions::signed(&p.signer)).unwrap()
}

/// Replaces a confirmation's body with these parts and signs it again.
fn with_parts(confirmation: &[u8], parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let envelope = Envelope::parse(confirmation).unwrap();
    let mut message = Vec::new();
    for field in envelope.fields() {
        let skip = [
            "x-de-mail-integrity",
            "x-de-mail-signature-certificate",
            "content-type",
        ];
        if !skip.iter().any(|name| field.has_name(name)) {
            message.extend_from_slice(field.raw);
        }
    }
    let mut builder = mail_builder::MessageBuilder::new().text_body("Text");
    for (content_type, name, data) in parts {
        builder = builder.attachment(*content_type, *name, *data);
    }
    builder.serialize_body(&mut message);
    let p = provider();
    sign(&message, &SignOptions::signed(&p.signer)).unwrap()
}

fn xml_part(confirmation: &[u8]) -> Vec<u8> {
    use mail_parser::MimeHeaders;
    let parsed = mail_parser::MessageParser::default().parse(confirmation).unwrap();
    parsed
        .attachments()
        .find(|p| p.attachment_name() == Some("Acknowledge-Message.xml"))
        .unwrap()
        .contents()
        .to_vec()
}

// TR 01201-3.4 §3.5.1, §3.4.1: each kind, built from an original, fits it.
#[test]
fn every_kind_built_passes_the_check_against_its_original() {
    let p = provider();
    let raw = original();
    let envelope = Envelope::parse(&raw).unwrap();
    for kind in ConfirmationKind::ALL {
        let issuer = issuer(kind);
        let confirmation = build_confirmation(&envelope, &request(kind, &issuer), &p.signer).unwrap();
        let report = check(&confirmation, &raw, &p);
        assert_eq!(codes(&report), Vec::<&str>::new(), "{kind:?}: {report}");
        assert!(report.xml_signature.as_ref().is_some_and(|r| r.passed()));
        assert_eq!(report.kind, Some(kind));
        let parsed = Envelope::parse(&confirmation).unwrap();
        assert!(
            parsed.validate().accepts(Mode::Strict),
            "{kind:?}: {:?}",
            parsed.validate()
        );
        assert_eq!(parsed.metadata().message_type, Some(kind.message_type()));
    }
}

// TR 01201-3.4 §3.5.1: subjects `*Versandbestätigung* ...` etc.
#[test]
fn subject_prefix_per_kind() {
    let raw = original();
    let subject = "Anhörung über Straßenbau";
    for (kind, prefix) in [
        (ConfirmationKind::Dispatch, "*Versandbestätigung* "),
        (ConfirmationKind::Receipt, "*Eingangsbestätigung* "),
        (ConfirmationKind::Retrieve, "*Abholbestätigung* "),
    ] {
        let issuer = issuer(kind);
        let p = provider();
        let c = build_confirmation(
            &Envelope::parse(&raw).unwrap(),
            &request(kind, &issuer),
            &p.signer,
        )
        .unwrap();
        let parsed = Envelope::parse(&c).unwrap();
        assert_eq!(
            parsed.metadata().subject.as_deref(),
            Some(format!("{prefix}{subject}").as_str())
        );
        assert_eq!(
            ConfirmationKind::split_subject(&format!("{prefix}{subject}")),
            Some((kind, subject))
        );
    }
}

// TR 01201-3.4 §3.1.17: the private id is carried over; §3.5.1 + FU: system
// sender, recipients, private option.
#[test]
fn confirmation_headers_follow_table_1_column_b() {
    let raw = original();
    let p = provider();
    let original = Envelope::parse(&raw).unwrap();
    let issuer = issuer(ConfirmationKind::Receipt);
    let c = build_confirmation(&original, &request(ConfirmationKind::Receipt, &issuer), &p.signer).unwrap();
    let parsed = Envelope::parse(&c).unwrap();
    let m = parsed.metadata();
    assert_eq!(m.private_id, original.metadata().private_id);
    assert_eq!(
        m.sender.as_ref().unwrap().addr_spec(),
        "Eingangsbestaetigung@dmda-b.de-mail.de"
    );
    assert!(m.sender.as_ref().unwrap().is_system_address());
    // To: the original's Reply-To (FU §5.1 #10); Cc: the original's recipients (FU Schritt 70).
    let recipients = m.chosen_recipient.as_ref().unwrap();
    assert_eq!(
        recipients.to[0].addr_spec(),
        "bauamt@stadt-musterstadt.de-mail.de"
    );
    assert_eq!(recipients.cc.len(), 4);
    // `private` as in the original (yes), no other option.
    assert_eq!(m.private, Some(true));
    assert_eq!(m.confirmation_of_dispatch, None);
    assert_eq!(m.authoritative, None);
    assert!(parsed.field(FieldName::SignatureCertificate).is_some());
    // The whole message is signed (signed mode) with the provider's certificate.
    assert!(
        parsed
            .field(FieldName::Integrity)
            .unwrap()
            .unfolded_value()
            .contains("a=sha256/ec-dsa")
    );
}

// TR 01201-3.4 §3.5.1 Table 23/24: Metadata, Hash, Time.
#[test]
fn acknowledge_message_repeats_the_original_metadata() {
    let raw = original();
    let original = Envelope::parse(&raw).unwrap();
    let issuer = issuer(ConfirmationKind::Dispatch);
    let message = acknowledge_message(&original, &request(ConfirmationKind::Dispatch, &issuer)).unwrap();
    assert_eq!(message.hash, original.metadata().integrity.as_deref().unwrap());
    let chosen = message.metadate("x-de-mail-chosen-recipient").unwrap();
    // Value: folding removed; OriginalHeader: as received, folding kept.
    assert!(!chosen.value.contains('\n'));
    assert!(chosen.original_header.contains("\r\n "));
    assert_eq!(
        chosen.original_header.as_bytes(),
        original
            .field(FieldName::ChosenRecipient)
            .unwrap()
            .raw
            .strip_suffix(b"\r\n")
            .unwrap()
    );
    for field in demail::integrity::SIGNED_FIELDS {
        if original.field(field).is_some() {
            assert!(message.metadate(field.as_str()).is_some(), "{field}");
        }
    }
    assert_eq!(message.time.to_string(), "2024-03-13T08:00:00+01:00");
    assert_eq!(message.delivery_time, None);
    assert_eq!(message.sender, "Versandbestaetigung@dmda-b.de-mail.de");
}

// TR 01201-3.4 Table 23: DeliveryTime only in a retrieve confirmation.
#[test]
fn delivery_time_is_required_for_retrieve_and_refused_otherwise() {
    let raw = original();
    let original = Envelope::parse(&raw).unwrap();
    let retrieve = issuer(ConfirmationKind::Retrieve);
    let mut r = request(ConfirmationKind::Retrieve, &retrieve);
    r.delivery_time = None;
    assert_eq!(
        acknowledge_message(&original, &r).unwrap_err(),
        BuildError::DeliveryTime
    );
    let dispatch = issuer(ConfirmationKind::Dispatch);
    let mut d = request(ConfirmationKind::Dispatch, &dispatch);
    d.delivery_time = Some(time("Tue, 12 Mar 2024 09:15:05 +0100"));
    assert_eq!(
        acknowledge_message(&original, &d).unwrap_err(),
        BuildError::DeliveryTime
    );
}

// PVD FU §4.3 Table 1: the system address fits the kind.
#[test]
fn wrong_system_address_is_refused_when_building() {
    let raw = original();
    let original = Envelope::parse(&raw).unwrap();
    let wrong = issuer(ConfirmationKind::Receipt);
    let p = provider();
    let err =
        build_confirmation(&original, &request(ConfirmationKind::Dispatch, &wrong), &p.signer).unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::SystemAddress {
                expected: "Versandbestaetigung",
                ..
            }
        ),
        "{err}"
    );
}

/// The original without its X-de-mail-integrity field.
fn original_without_integrity() -> Vec<u8> {
    let full = original();
    let integrity = Envelope::parse(&full)
        .unwrap()
        .field(FieldName::Integrity)
        .unwrap()
        .raw;
    let at = full
        .windows(integrity.len())
        .position(|w| w == integrity)
        .unwrap();
    let mut raw = full.clone();
    raw.drain(at..at + integrity.len());
    raw
}

#[test]
fn original_without_integrity_cannot_be_confirmed() {
    let raw = original_without_integrity();
    let original = Envelope::parse(&raw).unwrap();
    assert!(original.field(FieldName::Integrity).is_none());
    let issuer = issuer(ConfirmationKind::Dispatch);
    let err = acknowledge_message(&original, &request(ConfirmationKind::Dispatch, &issuer)).unwrap_err();
    assert_eq!(err, BuildError::MissingField(FieldName::Integrity));
}

// ---- every mismatch, provoked ----

fn assert_detects(confirmation: &[u8], code: MismatchCode) -> ConfirmationReport {
    let report = check(confirmation, &original(), &provider());
    assert!(report.has(code), "expected {code}, got {:?}", codes(&report));
    assert!(!report.passed());
    report
}

#[test]
fn mismatch_not_a_confirmation() {
    // TR 01201-3.4 §3.1.12: a normal message is no confirmation.
    let report = assert_detects(&original(), MismatchCode::NotAConfirmation);
    assert_eq!(report.kind, None);
}

#[test]
fn mismatch_kind_header_versus_xml() {
    // §3.5.1: the XML subject names the receipt kind in a dispatch confirmation.
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.subject = ConfirmationKind::Receipt.subject("Anhörung über Straßenbau");
    });
    let report = assert_detects(&c, MismatchCode::KindMismatch);
    assert_eq!(codes(&report), ["kind_mismatch"]);
}

#[test]
fn mismatch_header_subject_prefix() {
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let c = resign(&c, |h| {
        let start = h.find("Subject:").unwrap();
        let end = start + h[start..].find("\r\nx-de-mail-").unwrap();
        h.replace_range(
            start..end,
            "Subject: Versandbestaetigung: =?utf-8?Q?Anh=C3=B6rung?=",
        );
    });
    let report = assert_detects(&c, MismatchCode::HeaderSubject);
    assert_eq!(codes(&report), ["header_subject"]);
}

#[test]
fn mismatch_xml_subject() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.subject = ConfirmationKind::Dispatch.subject("Ein anderer Betreff");
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::XmlSubject)),
        ["xml_subject"]
    );
}

#[test]
fn mismatch_hash() {
    // Table 23: Hash is the original's complete X-de-mail-integrity value.
    let c = confirm_with(ConfirmationKind::Receipt, |m| {
        m.hash = "v=1; a=sha256; b=AAAA".into()
    });
    assert_eq!(codes(&assert_detects(&c, MismatchCode::Hash)), ["hash"]);
}

#[test]
fn mismatch_metadata_missing() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.metadata.retain(|d| d.name != "Subject")
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::MetadataMissing)),
        ["metadata_missing"]
    );
}

#[test]
fn mismatch_metadata_unexpected() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.metadata.push(Metadate {
            name: "X-de-mail-notification-type".into(),
            value: "other".into(),
            original_header: "X-de-mail-notification-type: other".into(),
        });
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::MetadataUnexpected)),
        ["metadata_unexpected"]
    );
}

#[test]
fn mismatch_metadata_value() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        let d = m
            .metadata
            .iter_mut()
            .find(|d| d.name == "x-de-mail-auth-level")
            .unwrap();
        d.value = "normal".into();
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::MetadataValue)),
        ["metadata_value"]
    );
}

#[test]
fn mismatch_original_header() {
    // Table 24: OriginalHeader keeps the folding; an unfolded copy is not the header as received.
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        let d = m
            .metadata
            .iter_mut()
            .find(|d| d.name == "x-de-mail-chosen-recipient")
            .unwrap();
        d.original_header = d.original_header.replace("\r\n", "");
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::OriginalHeader)),
        ["original_header"]
    );
}

#[test]
fn mismatch_private_id_not_carried_over() {
    // TR 01201-3.4 §3.1.17.
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let c = resign(&c, |h| {
        let start = h.find("x-de-mail-private-id:").unwrap();
        let end = start + h[start..].find("\r\n").unwrap() + 2;
        h.replace_range(start..end, "");
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::PrivateId)),
        ["private_id"]
    );
}

#[test]
fn mismatch_delivery_time_missing_in_retrieve() {
    let c = confirm_with(ConfirmationKind::Retrieve, |m| m.delivery_time = None);
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::DeliveryTimeMissing)),
        ["delivery_time_missing"]
    );
}

#[test]
fn mismatch_delivery_time_in_dispatch() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.delivery_time = DateTime::parse_rfc3339("2024-03-12T09:15:05+01:00").ok();
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::DeliveryTimeUnexpected)),
        ["delivery_time_unexpected"]
    );
}

#[test]
fn mismatch_sender_is_not_the_system_address() {
    // TR 01201-3.4 §3.5.1, PVD FU §4.3.
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.sender = "poststelle@dmda-b.de-mail.de".into()
    });
    let c = resign(&c, |h| {
        *h = h.replace(
            "x-de-mail-sender: Versandbestaetigung@dmda-b.de-mail.de",
            "x-de-mail-sender: poststelle@dmda-b.de-mail.de",
        );
    });
    let report = assert_detects(&c, MismatchCode::SystemSender);
    // validate() reports the same rule for the header (wrong-system-sender).
    assert!(report.has(MismatchCode::Header));
}

#[test]
fn mismatch_xml_sender() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.sender = "Versandbestaetigung@other.de-mail.de".into()
    });
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::XmlSender)),
        ["xml_sender"]
    );
}

#[test]
fn mismatch_integrity_hash_only() {
    // §3.5.1: a confirmation must be signed, hash-only is not enough.
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let c = sign(&c, &SignOptions::hash_only()).unwrap();
    let report = assert_detects(&c, MismatchCode::IntegritySignature);
    // Hash-only also drops X-de-mail-signature-certificate, required in column B of Table 1.
    assert_eq!(codes(&report), ["header", "integrity_signature"]);
}

#[test]
fn mismatch_integrity_body_changed() {
    let mut c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let at = c.windows(8).position(|w| w == b"Hiermit ").unwrap();
    c[at] = b'h';
    assert!(assert_detects(&c, MismatchCode::IntegritySignature).has(MismatchCode::IntegritySignature));
}

#[test]
fn mismatch_integrity_untrusted_signer() {
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let options = VerifyOptions {
        time: now(),
        ..VerifyOptions::default()
    };
    let report = check_confirmation(&c, &original(), &options).unwrap();
    // Neither the original's signature, nor the integrity signature, nor
    // the XML signature is trusted (D53: the same options for all three).
    assert_eq!(
        codes(&report),
        ["original_integrity", "integrity_signature", "xml_signature"]
    );
}

#[test]
fn mismatch_xml_signature_missing() {
    // §3.5.1, §3.5.3: the Acknowledge-Message must carry ds:Signature.
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let unsigned = {
        let raw = original();
        let original = Envelope::parse(&raw).unwrap();
        let issuer = issuer(ConfirmationKind::Dispatch);
        acknowledge_message(&original, &request(ConfirmationKind::Dispatch, &issuer))
            .unwrap()
            .to_xml()
    };
    let c = with_parts(
        &c,
        &[
            ("application/xml", "a.xml", &unsigned),
            ("application/pdf", "a.pdf", b"%PDF"),
        ],
    );
    assert_eq!(
        codes(&assert_detects(&c, MismatchCode::XmlSignatureMissing)),
        ["xml_signature_missing"]
    );
}

#[test]
fn mismatch_xml_signature_content_changed_after_signing() {
    // The XML is changed after signing (the message is signed again, so only
    // the XML signature can tell).
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let xml = String::from_utf8(xml_part(&c)).unwrap();
    let changed = xml.replace("Hiermit wird bestätigt", "Hiermit wird nicht bestätigt");
    assert_ne!(xml, changed);
    let c = with_parts(
        &c,
        &[
            ("application/xml", "a.xml", changed.as_bytes()),
            ("application/pdf", "a.pdf", b"%PDF"),
        ],
    );
    let report = assert_detects(&c, MismatchCode::XmlSignature);
    assert_eq!(codes(&report), ["xml_signature"]);
    assert!(report.mismatches[0].to_string().contains("digest"), "{report}");
}

#[test]
fn the_check_reads_what_was_signed() {
    // A document signed with a wrong Hash: the check reports that Hash.
    // (Signed content and received document agree here; the test below
    // tells them apart.)
    let c = confirm_with(ConfirmationKind::Receipt, |m| m.hash = "signed but wrong".into());
    let report = check(&c, &original(), &provider());
    assert_eq!(codes(&report), ["hash"]);
    let message = report.message.unwrap();
    assert_eq!(message.hash, "signed but wrong");
    assert!(message.signature.is_some());
}

#[test]
fn mismatch_header_violation() {
    // Table 1 column B: options 1–4 must not be present in a confirmation.
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let c = resign(&c, |h| h.push_str("x-de-mail-authoritative: yes\r\n"));
    assert_eq!(codes(&assert_detects(&c, MismatchCode::Header)), ["header"]);
}

#[test]
fn mismatch_body_parts() {
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let xml = xml_part(&c);
    // No PDF.
    let no_pdf = with_parts(&c, &[("application/xml", "a.xml", &xml)]);
    assert_eq!(
        codes(&assert_detects(&no_pdf, MismatchCode::PdfMissing)),
        ["pdf_missing"]
    );
    // No XML.
    let no_xml = with_parts(&c, &[("application/pdf", "a.pdf", b"%PDF-1.7")]);
    assert_eq!(
        codes(&assert_detects(&no_xml, MismatchCode::XmlMissing)),
        ["xml_missing"]
    );
    // XML that does not parse.
    let bad = with_parts(
        &c,
        &[
            ("application/xml", "a.xml", b"<!DOCTYPE x [<!ENTITY e 'x'>]><x/>"),
            ("application/pdf", "a.pdf", b"%PDF"),
        ],
    );
    let report = assert_detects(&bad, MismatchCode::XmlInvalid);
    assert_eq!(codes(&report), ["xml_invalid"]);
    // Not multipart/mixed: a single text/plain body.
    let plain = resign(&c, |_| {});
    let env = Envelope::parse(&plain).unwrap();
    let mut text_only = Vec::new();
    for field in env.fields() {
        if !field.has_name("content-type") {
            text_only.extend_from_slice(field.raw);
        }
    }
    text_only.extend_from_slice(b"Content-Type: text/plain; charset=utf-8\r\n\r\nHiermit\r\n");
    let p = provider();
    let text_only = sign(&text_only, &SignOptions::signed(&p.signer)).unwrap();
    let report = assert_detects(&text_only, MismatchCode::NotMultipartMixed);
    assert!(report.has(MismatchCode::XmlMissing));
}

// The report lists every mismatch, not just the first.
#[test]
fn every_mismatch_is_listed() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.hash = "x".into();
        m.sender = "Versandbestaetigung@other.de-mail.de".into();
        m.delivery_time = DateTime::parse_rfc3339("2024-03-12T09:15:05Z").ok();
    });
    let report = check(&c, &original(), &provider());
    assert_eq!(codes(&report), ["hash", "delivery_time_unexpected", "xml_sender"]);
}

#[test]
fn message_type_of_each_kind() {
    assert_eq!(
        ConfirmationKind::Malware.message_type(),
        MessageType::MalwareAcknowledge
    );
    for kind in ConfirmationKind::ALL {
        assert_eq!(
            ConfirmationKind::from_message_type(kind.message_type()),
            Some(kind)
        );
        assert_eq!(
            kind.message_type().system_sender(),
            Some(kind.system_local_part())
        );
    }
}

// ---- review fixes (issue 5) ----

/// An original whose Subject carries ESC (0x1B): RFC 2822 §4.2 obsolete
/// syntax allows it, XML 1.0 §2.2 cannot carry it.
fn original_with_escape() -> Vec<u8> {
    let mut raw = std::fs::read(path("non-utf8.eml")).unwrap();
    let at = raw.iter().position(|&b| b == 0xE4).unwrap();
    raw[at] = 0x1B;
    sign_original(&raw)
}

// TR 01201-3.4 Table 24 + D34: a Value or OriginalHeader with a character
// XML cannot carry is written with U+FFFD; the check compares with the same
// replacement, so a confirmation the crate builds passes its own check.
#[test]
fn metadata_with_characters_xml_cannot_carry_passes_the_check() {
    let p = provider();
    let raw = original_with_escape();
    let envelope = Envelope::parse(&raw).unwrap();
    let issuer = issuer(ConfirmationKind::Dispatch);
    let confirmation = build_confirmation(
        &envelope,
        &request(ConfirmationKind::Dispatch, &issuer),
        &p.signer,
    )
    .unwrap();
    let report = check(&confirmation, &raw, &p);
    assert_eq!(codes(&report), Vec::<&str>::new(), "{report}");
    let subject = report.message.unwrap();
    let subject = subject.metadate("Subject").unwrap();
    assert!(subject.value.contains('\u{FFFD}'), "{:?}", subject.value);
    assert!(!subject.value.contains('\u{1B}'));
}

// TR 01201-3.4 §3.5.1 Table 23: Hash is the original's X-de-mail-integrity
// value; an original without one has no value an (empty) Hash could equal.
#[test]
fn hash_of_an_original_without_integrity_is_a_mismatch() {
    let c = confirm_with(ConfirmationKind::Dispatch, |m| {
        m.hash = String::new();
        m.metadata.retain(|d| d.name != "x-de-mail-integrity");
    });
    let report = check(&c, &original_without_integrity(), &provider());
    assert_eq!(codes(&report), ["original_integrity_missing"], "{report}");
}

// D31: the content checks read the signed content (the canonical document
// element the XML signature covers), never the document around it.
// Inclusive C14N 1.0 writes namespace declarations sorted by prefix, so the
// signed content differs visibly from the received document here: its
// declarations `xmlns:z`, `xmlns:a` come back as `a`, `z`.
#[test]
fn the_check_reports_the_signed_content_not_the_received_document() {
    let declared = vec![
        ("z".to_owned(), "urn:example:z".to_owned()),
        ("a".to_owned(), "urn:example:a".to_owned()),
    ];
    let c = confirm_with(ConfirmationKind::Dispatch, |m| m.namespaces = declared.clone());
    let received = AcknowledgeMessage::parse(&xml_part(&c)).unwrap();
    assert_eq!(received.namespaces[..2], declared[..]);
    let report = check(&c, &original(), &provider());
    assert_eq!(codes(&report), Vec::<&str>::new(), "{report}");
    let message = report.message.unwrap();
    let reported: Vec<&str> = message.namespaces.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(reported, ["a", "z"]);
    assert_eq!(message.signature, received.signature);
}

// TR 01201-3.4 §3.5.1 Table 24 ("alle Metadaten der Nachricht"), D39: every
// Table 1 field the original has must be in Metadata, also those outside
// the hash (X-de-mail-integrity); only the transport fields are exempt (D55).
#[test]
fn metadata_lacking_any_table_1_field_of_the_original_is_a_mismatch() {
    let c = confirm_with(ConfirmationKind::Receipt, |m| {
        m.metadata.retain(|d| {
            !d.name.eq_ignore_ascii_case("x-de-mail-sender")
                && !d.name.eq_ignore_ascii_case("x-de-mail-integrity")
        })
    });
    let report = check(&c, &original(), &provider());
    assert_eq!(
        codes(&report),
        ["metadata_missing", "metadata_missing"],
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("x-de-mail-sender"), "{text}");
    assert!(text.contains("x-de-mail-integrity"), "{text}");
}

// ---- issue 11: verdicts that hold up ----

/// Flips one byte of the body: the message as received after the fact.
fn with_body_changed(raw: &[u8]) -> Vec<u8> {
    let body = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut changed = raw.to_vec();
    let at = body + changed[body..].iter().position(u8::is_ascii_lowercase).unwrap();
    changed[at] = changed[at].to_ascii_uppercase();
    changed
}

// TR 01201-3.4 §3.1.21, PVD FU Schritt 48, D53: the check verifies the
// original's own integrity with the verify options; a genuine confirmation
// does not vouch for an original whose body was altered afterwards.
#[test]
fn original_integrity_fails_for_an_original_altered_after_confirmation() {
    let p = provider();
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    assert!(check(&c, &original(), &p).passed());
    let tampered = with_body_changed(&original());
    let report = check(&c, &tampered, &p);
    assert_eq!(codes(&report), ["original_integrity"], "{report}");
    assert!(report.has(MismatchCode::OriginalIntegrity));
    assert_eq!(
        report.mismatches[0],
        Mismatch::OriginalIntegrity(IntegrityProblem::Failed(Failure::BodyHashMismatch))
    );
    assert_eq!(report.original_integrity.body_hash_ok, Some(false));
    assert!(report.to_string().contains("FC-01"), "{report}");
}

// TR 01201-3.4 §3.1.21, D53: a signed header field changed afterwards
// breaks the original's signature too, even where Hash still matches.
#[test]
fn original_integrity_fails_for_a_signed_field_changed_after_confirmation() {
    let p = provider();
    let c = confirm_with(ConfirmationKind::Dispatch, |_| {});
    let text = String::from_utf8(original()).unwrap();
    let tampered = text.replacen("x-de-mail-auth-level: high", "x-de-mail-auth-level: high ", 1);
    assert_ne!(text, tampered);
    let report = check(&c, tampered.as_bytes(), &p);
    assert!(report.has(MismatchCode::OriginalIntegrity), "{report}");
    assert!(matches!(
        &report.mismatches[0],
        Mismatch::OriginalIntegrity(IntegrityProblem::Failed(Failure::BadSignature(_)))
    ));
}

// TR 01201-3.4 §3.5.1, D54: the Acknowledge-Message and the message that
// carries it are signed by the same provider certificate (subject and
// issuer); another trusted certificate on the XML is a signer mismatch.
#[test]
fn signer_mismatch_when_xml_and_integrity_signatures_use_different_certificates() {
    let read = |name: &str| std::fs::read_to_string(path(&format!("keys/{name}"))).unwrap();
    let other_key = SigningKey::from_pkcs8_pem(&read("p384.key.pem")).unwrap();
    let other_cert = Certificate::from_pem(&read("p384.cert.pem")).unwrap();
    let other = CertifiedKey::new(other_key, other_cert).unwrap();
    let raw = original();
    let envelope = Envelope::parse(&raw).unwrap();
    let issuer = issuer(ConfirmationKind::Dispatch);
    let request = request(ConfirmationKind::Dispatch, &issuer);
    let by_other = build_confirmation(&envelope, &request, &other).unwrap();
    let p = provider();
    // Both signatures by p384: fine.
    assert!(check(&by_other, &raw, &p).passed());
    // The XML stays signed by p384, the message is signed again by p256:
    // both trusted, both valid, but not the same signer.
    let mixed = resign(&by_other, |_| {});
    let report = check(&mixed, &raw, &p);
    assert_eq!(codes(&report), ["signer_mismatch"], "{report}");
    let Mismatch::SignerMismatch {
        integrity_subject,
        xml_subject,
        ..
    } = &report.mismatches[0]
    else {
        panic!("{report}");
    };
    assert!(integrity_subject.contains("p256"), "{integrity_subject}");
    assert!(xml_subject.contains("p384"), "{xml_subject}");
}

fn recipient_copy() -> Vec<u8> {
    demail::resend::reset_envelope_to(
        &original(),
        &DeMailAddress::parse("erika.mustermann@dmda-b.de-mail.de").unwrap(),
    )
    .unwrap()
}

fn receipt_from(copy: &[u8]) -> Vec<u8> {
    let envelope = Envelope::parse(copy).unwrap();
    let issuer = issuer(ConfirmationKind::Receipt);
    let p = provider();
    build_confirmation(&envelope, &request(ConfirmationKind::Receipt, &issuer), &p.signer).unwrap()
}

// TR 01201-3.4 §3.1.22, §3.5.1 Table 24, D55: a receipt confirmation built
// from the recipient's copy (with Envelope-to) fits both the recipient's and
// the sender's copy: Envelope-to is a transport field, not signed.
#[test]
fn receipt_from_the_recipient_copy_passes_against_sender_and_recipient_copy() {
    let p = provider();
    let copy = recipient_copy();
    assert!(
        Envelope::parse(&copy)
            .unwrap()
            .field(FieldName::EnvelopeTo)
            .is_some()
    );
    let receipt = receipt_from(&copy);
    let against_recipient = check(&receipt, &copy, &p);
    assert!(against_recipient.passed(), "{against_recipient}");
    let against_sender = check(&receipt, &original(), &p);
    assert!(against_sender.passed(), "{against_sender}");
    // And the other way round: built from the sender's copy, checked
    // against the recipient's.
    let from_sender = receipt_from(&original());
    assert!(check(&from_sender, &copy, &p).passed());
}

// TR 01201-3.4 §3.3, §3.1.15, D55: the receipt confirmation of a redirected
// copy (Resent-*, rewritten X-de-mail-actual-recipient) fits the sender's copy.
#[test]
fn receipt_from_a_redirected_copy_passes_against_the_sender_copy() {
    let p = provider();
    let resend = demail::resend::Resend::new(
        DeMailAddress::parse("erika.mustermann@dmda-b.de-mail.de").unwrap(),
        DeMailAddress::parse("erika.privat@dmda-c.de-mail.de").unwrap(),
        time("Tue, 12 Mar 2024 10:00:00 +0100"),
        "rd.1@mx.dmda-b.de-mail.de",
    );
    let redirected = demail::resend::redirect(&original(), &resend).unwrap();
    let receipt = receipt_from(&redirected);
    let against_sender = check(&receipt, &original(), &p);
    assert!(against_sender.passed(), "{against_sender}");
    assert!(check(&receipt, &redirected, &p).passed());
}

// D55: the exemption covers transport fields only; a confirmed value of a
// signed field that differs from the original is still a mismatch.
#[test]
fn transport_exemption_does_not_cover_signed_fields() {
    let c = confirm_with(ConfirmationKind::Receipt, |m| {
        let d = m
            .metadata
            .iter_mut()
            .find(|d| d.name.eq_ignore_ascii_case("x-de-mail-chosen-recipient"))
            .unwrap();
        d.value = "to=someone.else@dmda-b.de-mail.de".into();
    });
    let report = check(&c, &recipient_copy(), &provider());
    assert_eq!(codes(&report), ["metadata_value"], "{report}");
}

fn resent(kind: demail::resend::ResendKind) -> Vec<u8> {
    let resend = demail::resend::Resend::new(
        DeMailAddress::parse("erika.mustermann@dmda-b.de-mail.de").unwrap(),
        DeMailAddress::parse("erika.privat@dmda-c.de-mail.de").unwrap(),
        time("Tue, 12 Mar 2024 10:00:00 +0100"),
        "rs.1@mx.dmda-b.de-mail.de",
    );
    match kind {
        demail::resend::ResendKind::Forward => demail::resend::forward(&original(), &resend).unwrap(),
        demail::resend::ResendKind::Redirect => demail::resend::redirect(&original(), &resend).unwrap(),
    }
}

fn build(raw: &[u8], kind: ConfirmationKind) -> Result<Vec<u8>, BuildError> {
    let envelope = Envelope::parse(raw).unwrap();
    let issuer = issuer(kind);
    let p = provider();
    build_confirmation(&envelope, &request(kind, &issuer), &p.signer)
}

// PVD FU Schritt 36, D56: no dispatch confirmation for a forwarded or
// redirected message, nor for one whose actual recipients differ from the
// chosen ones.
#[test]
fn no_dispatch_confirmation_for_a_forwarded_or_redirected_copy_schritt_36() {
    use demail::resend::ResendKind;
    for (copy, expected) in [
        (resent(ResendKind::Forward), ResendKind::Forward),
        (resent(ResendKind::Redirect), ResendKind::Redirect),
        (
            std::fs::read(path("actual-differs-not-forwarded.eml")).unwrap(),
            ResendKind::Redirect,
        ),
    ] {
        let error = build(&copy, ConfirmationKind::Dispatch).unwrap_err();
        assert!(
            matches!(
                error,
                BuildError::SentOnCopy { kind: ConfirmationKind::Dispatch, resend, rule: "Schritt 36", .. }
                    if resend == expected
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("PVD FU Schritt 36"), "{error}");
    }
    // The sender's copy itself is confirmed.
    assert!(build(&original(), ConfirmationKind::Dispatch).is_ok());
}

// PVD FU Schritt 67 and Funktion 1, D56: no receipt or retrieve confirmation
// for a forwarded copy; a redirected copy is confirmed by the new mailbox
// (§3.3, D41), and a malware confirmation is always possible (Schritt 56).
#[test]
fn no_receipt_or_retrieve_confirmation_for_a_forwarded_copy_schritt_67_funktion_1() {
    use demail::resend::ResendKind;
    let forwarded = resent(ResendKind::Forward);
    for (kind, rule) in [
        (ConfirmationKind::Receipt, "Schritt 67"),
        (ConfirmationKind::Retrieve, "Funktion 1"),
    ] {
        let error = build(&forwarded, kind).unwrap_err();
        assert!(
            matches!(error, BuildError::SentOnCopy { resend: ResendKind::Forward, rule: r, .. } if r == rule),
            "{kind:?}: {error:?}"
        );
        // acknowledge_message refuses it as well.
        let envelope = Envelope::parse(&forwarded).unwrap();
        let issuer = issuer(kind);
        assert!(matches!(
            acknowledge_message(&envelope, &request(kind, &issuer)),
            Err(BuildError::SentOnCopy { .. })
        ));
    }
    let redirected = resent(ResendKind::Redirect);
    assert!(build(&redirected, ConfirmationKind::Receipt).is_ok());
    assert!(build(&redirected, ConfirmationKind::Retrieve).is_ok());
    assert!(build(&forwarded, ConfirmationKind::Malware).is_ok());
}
