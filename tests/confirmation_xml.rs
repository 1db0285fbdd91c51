//! The XML documents of TR 01201-3.4 §3.5.3 (Acknowledge-Message,
//! Notification-Message): round trips, schema conformance (xmllint against
//! tests/data/schema/de-mail.xsd, nothing fetched), hostile input, and the
//! PDF presentation (pdftotext). The external tools come from Debian's
//! libxml2-utils, xmlsec1 and poppler-utils (installed by .ci/run).
#![cfg(feature = "provider")]

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;

// The one file of the tool policy, also loaded by `mod common` where a
// test file has both.
#[allow(clippy::duplicate_mod)]
#[path = "common/tools.rs"]
mod tools;
use tools::tool_available;

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{
    AcknowledgeMessage, ConfirmationKind, ConfirmationRequest, Metadate, acknowledge_message,
    build_confirmation,
};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::{DateFormat, DateTime, DateTimeError};
use demail::notification::{
    NotificationKind, NotificationMessage, NotificationRequest, notification_message,
};
use demail::provider::Issuer;
use demail::signer::CertifiedKey;
use demail::xml::{XmlError, XmlLimits, XmlWarning};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("confirmation_xml");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn original() -> Vec<u8> {
    std::fs::read(data("normal.eml")).unwrap()
}

fn time(text: &str) -> DateTime {
    DateTime::parse_rfc5322(text).unwrap()
}

fn issuer(local: &str) -> Issuer {
    Issuer::new(
        "DMDA B GmbH",
        DeMailAddress::parse(&format!("{local}@dmda-b.de-mail.de")).unwrap(),
    )
}

fn acknowledge(kind: ConfirmationKind) -> AcknowledgeMessage {
    let raw = original();
    let issuer = issuer(kind.system_local_part());
    let request = ConfirmationRequest {
        kind,
        issuer: &issuer,
        time: time("Wed, 13 Mar 2024 08:00:00 +0100"),
        delivery_time: (kind == ConfirmationKind::Retrieve).then(|| time("Tue, 12 Mar 2024 09:15:05 +0100")),
        message_id: None,
    };
    acknowledge_message(&Envelope::parse(&raw).unwrap(), &request).unwrap()
}

/// Signs a document with xmlsec1 (an independent XML-DSig implementation):
/// an enveloped signature appended as the last child, as §3.5.3 places it.
fn xmlsec_sign(xml: &[u8], name: &str) -> Vec<u8> {
    let template = String::from_utf8(xml.to_vec()).unwrap().replace(
        "</Acknowledge-Message>",
        concat!(
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>"#,
            r#"<ds:Reference URI=""><ds:Transforms>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>"#,
            r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>"#,
            r#"</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>"#,
            "</ds:Signature>\n</Acknowledge-Message>"
        ),
    );
    let input = scratch(&format!("{name}.template.xml"));
    let output = scratch(&format!("{name}.signed.xml"));
    std::fs::write(&input, template).unwrap();
    let key = format!(
        "{},{}",
        data("keys/p256.key.pem").display(),
        data("keys/p256.cert.pem").display()
    );
    let status = Command::new("xmlsec1")
        .args(["--sign", "--privkey-pem", &key, "--output"])
        .arg(&output)
        .arg(&input)
        .status()
        .expect("xmlsec1 (Debian package xmlsec1) must be installed");
    assert!(status.success());
    std::fs::read(output).unwrap()
}

fn xmlsec_verifies(xml: &[u8], name: &str) -> bool {
    let file = scratch(&format!("{name}.verify.xml"));
    std::fs::write(&file, xml).unwrap();
    Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(data("keys/ca.cert.pem"))
        .arg("--untrusted-pem")
        .arg(data("keys/intermediate.cert.pem"))
        .arg(&file)
        .output()
        .expect("xmlsec1 must be installed")
        .status
        .success()
}

/// `xmllint --noout --nonet --schema tests/data/schema/de-mail.xsd`.
fn schema_errors(xml: &[u8], name: &str) -> Option<String> {
    let file = scratch(&format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(data("schema/de-mail.xsd"))
        .arg(&file)
        .output()
        .expect("xmllint (Debian package libxml2-utils) must be installed");
    (!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned())
}

// ---- schema conformance, TR 01201-3.4 §3.5.3 ----

#[test]
fn signed_acknowledge_message_of_every_kind_conforms_to_the_schema() {
    if !tool_available("xmlsec1") {
        return;
    }
    if !tool_available("xmllint") {
        return;
    }
    for kind in ConfirmationKind::ALL {
        let signed = xmlsec_sign(&acknowledge(kind).to_xml(), kind.as_str());
        assert_eq!(schema_errors(&signed, kind.as_str()), None, "{kind:?}");
    }
}

/// The XML part of a confirmation built (and XML-signed) by the crate.
fn crate_signed_xml(kind: ConfirmationKind) -> Vec<u8> {
    let raw = original();
    let envelope = Envelope::parse(&raw).unwrap();
    let key =
        SigningKey::from_pkcs8_pem(&std::fs::read_to_string(data("keys/p256.key.pem")).unwrap()).unwrap();
    let cert = Certificate::from_pem(&std::fs::read_to_string(data("keys/p256.cert.pem")).unwrap()).unwrap();
    let signer = CertifiedKey::new(key, cert).unwrap();
    let issuer = issuer(kind.system_local_part());
    let request = ConfirmationRequest {
        kind,
        issuer: &issuer,
        time: time("Wed, 13 Mar 2024 08:00:00 +0100"),
        delivery_time: (kind == ConfirmationKind::Retrieve).then(|| time("Tue, 12 Mar 2024 09:15:05 +0100")),
        message_id: None,
    };
    let message = build_confirmation(&envelope, &request, &signer).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&message).unwrap();
    use mail_parser::MimeHeaders;
    parsed
        .attachments()
        .find(|p| p.content_type().is_some_and(|c| c.subtype() == Some("xml")))
        .unwrap()
        .contents()
        .to_vec()
}

#[test]
fn crate_signed_acknowledge_message_conforms_to_the_schema_and_verifies_with_xmlsec1() {
    if !tool_available("xmlsec1") {
        return;
    }
    if !tool_available("xmllint") {
        return;
    }
    // §3.5.3 including ds:Signature; the crate's XML-DSig signature checked
    // by an independent implementation.
    for kind in ConfirmationKind::ALL {
        let xml = crate_signed_xml(kind);
        let name = format!("crate-signed-{}", kind.as_str());
        assert_eq!(schema_errors(&xml, &name), None, "{kind:?}");
        assert!(xmlsec_verifies(&xml, &name), "{kind:?}");
        let parsed = AcknowledgeMessage::parse(&xml).unwrap();
        assert!(
            parsed
                .signature
                .unwrap()
                .raw
                .starts_with("<ds:Signature xmlns:ds=")
        );
    }
}

#[test]
fn unsigned_acknowledge_message_lacks_only_the_signature() {
    if !tool_available("xmllint") {
        return;
    }
    // §3.5.3: ds:Signature is required; everything before it is in order.
    let errors = schema_errors(&acknowledge(ConfirmationKind::Dispatch).to_xml(), "unsigned").unwrap();
    assert!(errors.contains("Missing child element(s)"), "{errors}");
    assert!(
        errors.contains("{http://www.w3.org/2000/09/xmldsig#}Signature )"),
        "{errors}"
    );
}

#[test]
fn notification_message_of_every_kind_conforms_to_the_schema() {
    if !tool_available("xmllint") {
        return;
    }
    let raw = original();
    let original = Envelope::parse(&raw).unwrap();
    for kind in NotificationKind::ALL {
        let issuer = issuer(kind.system_local_part());
        let request = NotificationRequest::new(kind, &issuer, time("Tue, 12 Mar 2024 09:15:07 +0100"));
        let xml = notification_message(&original, &request).to_xml();
        assert_eq!(
            schema_errors(&xml, &format!("notification-{}", kind.as_str())),
            None
        );
    }
}

#[test]
fn parser_keeps_the_signature_byte_exact() {
    if !tool_available("xmlsec1") {
        return;
    }
    if !tool_available("xmllint") {
        return;
    }
    // §3.5.3: the parser keeps ds:Signature as received; re-serializing the
    // parsed document gives a document whose signature still verifies.
    let signed = xmlsec_sign(&acknowledge(ConfirmationKind::Retrieve).to_xml(), "exact");
    assert!(xmlsec_verifies(&signed, "exact-original"));
    let parsed = AcknowledgeMessage::parse(&signed).unwrap();
    let signature = parsed.signature.as_ref().unwrap();
    let text = String::from_utf8(signed.clone()).unwrap();
    assert!(text.contains(&signature.raw));
    assert!(signature.raw.starts_with("<ds:Signature") && signature.raw.ends_with("</ds:Signature>"));
    let again = parsed.to_xml();
    assert_eq!(
        AcknowledgeMessage::parse(&again).unwrap().signature.unwrap().raw,
        signature.raw
    );
    assert!(xmlsec_verifies(&again, "exact-reserialized"));
    assert_eq!(schema_errors(&again, "exact"), None);
}

#[test]
fn changed_content_breaks_the_xmlsec_signature() {
    if !tool_available("xmlsec1") {
        return;
    }
    let signed = xmlsec_sign(&acknowledge(ConfirmationKind::Dispatch).to_xml(), "tamper");
    let mut parsed = AcknowledgeMessage::parse(&signed).unwrap();
    parsed.hash.push('x');
    assert!(!xmlsec_verifies(&parsed.to_xml(), "tamper"));
}

// ---- PDF, TR 01201-3.4 §3.4.1 ----

fn pdf_text(pdf: &[u8], name: &str) -> String {
    let file = scratch(&format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let output = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils) must be installed");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

fn pdf_part(message: &[u8]) -> Vec<u8> {
    let parsed = mail_parser::MessageParser::default().parse(message).unwrap();
    use mail_parser::MimeHeaders;
    parsed
        .attachments()
        .find(|p| p.content_type().is_some_and(|c| c.subtype() == Some("pdf")))
        .unwrap()
        .contents()
        .to_vec()
}

/// Words of `text`, white space ignored: pdftotext breaks lines where the PDF does.
fn squash(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn pdf_shows_every_field_with_umlauts() {
    if !tool_available("pdftotext") {
        return;
    }
    let raw = original();
    let envelope = Envelope::parse(&raw).unwrap();
    let key =
        SigningKey::from_pkcs8_pem(&std::fs::read_to_string(data("keys/p256.key.pem")).unwrap()).unwrap();
    let cert = Certificate::from_pem(&std::fs::read_to_string(data("keys/p256.cert.pem")).unwrap()).unwrap();
    let signer = CertifiedKey::new(key, cert).unwrap();
    for kind in ConfirmationKind::ALL {
        let issuer = issuer(kind.system_local_part());
        let request = ConfirmationRequest {
            kind,
            issuer: &issuer,
            time: time("Wed, 13 Mar 2024 08:00:00 +0100"),
            delivery_time: (kind == ConfirmationKind::Retrieve)
                .then(|| time("Tue, 12 Mar 2024 09:15:05 +0100")),
            message_id: None,
        };
        let message = build_confirmation(&envelope, &request, &signer).unwrap();
        let text = pdf_text(&pdf_part(&message), kind.as_str());
        let flat = squash(&text);
        let ack = acknowledge_message(&envelope, &request).unwrap();
        // Every element of the XML is in the PDF (§3.4.1: inhaltsgleich).
        for value in [&ack.sender, &ack.subject, &ack.hash] {
            assert!(flat.contains(&squash(value)), "{kind:?}: {value} not in\n{text}");
        }
        for line in ack.text.lines() {
            assert!(
                flat.contains(&squash(line)),
                "{kind:?}: text line {line} not in\n{text}"
            );
        }
        for metadate in &ack.metadata {
            assert!(
                flat.contains(&squash(&metadate.value)),
                "{kind:?}: {} not in PDF",
                metadate.name
            );
        }
        assert!(flat.contains("13.03.202408:00"), "{text}");
        if kind == ConfirmationKind::Retrieve {
            assert!(flat.contains("12.03.202409:15"));
        }
        // Umlauts and ß render as such.
        for word in ["Anhörung", "Straßenbau", "Prüfsumme", "Empfänger", "Bestätigung"] {
            assert!(text.contains(word), "{kind:?}: {word} not in\n{text}");
        }
    }
}

#[test]
fn pdf_wraps_long_subjects_and_hashes() {
    if !tool_available("pdftotext") {
        return;
    }
    let long_subject = "Überprüfung der Straßenbaumaßnahmen ".repeat(12);
    let hash = "A".repeat(700);
    let pdf = demail::pdf::render(
        "Versandbestätigung",
        &[
            demail::pdf::Block::Field {
                label: "Betreff".into(),
                value: long_subject.clone(),
            },
            demail::pdf::Block::Field {
                label: "Prüfsumme".into(),
                value: hash.clone(),
            },
        ],
        &time("Wed, 13 Mar 2024 08:00:00 +0100"),
        &demail::pdf::PdfAttachment {
            file_name: "a.xml",
            xml: b"<a/>",
        },
    )
    .unwrap();
    let text = pdf_text(&pdf, "wrap");
    assert!(squash(&text).contains(&squash(&long_subject)));
    assert!(squash(&text).contains(&hash));
    // No line runs off the page: every line is shorter than the page allows.
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest <= 90, "a line of {longest} characters:\n{text}");
    assert!(text.lines().count() > 12);
}

// ---- hostile XML ----

fn ack_xml() -> String {
    String::from_utf8(acknowledge(ConfirmationKind::Dispatch).to_xml()).unwrap()
}

#[test]
fn doctype_and_entity_declarations_are_refused() {
    let xml = ack_xml().replacen(
        "<Acknowledge-Message",
        "<!DOCTYPE Acknowledge-Message [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<Acknowledge-Message",
        1,
    );
    assert!(matches!(
        AcknowledgeMessage::parse(xml.as_bytes()),
        Err(XmlError::Doctype { offset: 39 })
    ));
    let bomb = "<!DOCTYPE a [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Notification-Message xmlns=\"urn:de-mail\"><Subject>&b;</Subject></Notification-Message>";
    assert!(matches!(
        NotificationMessage::parse(bomb.as_bytes()),
        Err(XmlError::Doctype { .. })
    ));
}

#[test]
fn undeclared_entities_are_never_expanded() {
    let xml = ack_xml().replace("<Hash>", "<Hash>&xxe;");
    match AcknowledgeMessage::parse(xml.as_bytes()) {
        Err(XmlError::Entity {
            name,
            element,
            offset,
        }) => {
            assert_eq!((name.as_str(), element.as_str()), ("xxe", "Hash"));
            assert_eq!(&xml[offset..offset + 5], "&xxe;");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn predefined_entities_and_character_references_are_decoded() {
    let xml = ack_xml().replace("<Hash>", "<Hash>&lt;&amp;&#x41;&#66;&quot;&apos;&gt;");
    let parsed = AcknowledgeMessage::parse(xml.as_bytes()).unwrap();
    assert!(parsed.hash.starts_with("<&AB\"'>"));
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!(
        "<Notification-Message xmlns=\"urn:de-mail\"><Subject>{}x{}</Subject></Notification-Message>",
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    // Simple elements have no children at all.
    assert!(matches!(
        NotificationMessage::parse(deep.as_bytes()),
        Err(XmlError::UnexpectedElement {
            expected: "text only",
            ..
        })
    ));
    // Inside ds:Signature too, where the content is not interpreted.
    let sig = ack_xml().replace(
        "</Acknowledge-Message>",
        &format!(
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{}{}</ds:Signature></Acknowledge-Message>",
            "<ds:X>".repeat(50),
            "</ds:X>".repeat(50)
        ),
    );
    assert!(matches!(
        AcknowledgeMessage::parse(sig.as_bytes()),
        Err(XmlError::TooDeep { .. })
    ));
}

#[test]
fn huge_text_and_documents_are_refused() {
    let limits = XmlLimits {
        max_text: 4000,
        ..XmlLimits::default()
    };
    let xml = ack_xml().replace("<Text>", &format!("<Text>{}", "x".repeat(5000)));
    let result = AcknowledgeMessage::parse_with_limits(xml.as_bytes(), limits);
    assert!(
        matches!(
            result,
            Err(XmlError::TextTooLong { limit: 4000, ref element, .. }) if element == "Text"
        ),
        "{result:?}"
    );
    let huge = vec![b' '; XmlLimits::default().max_bytes + 1];
    assert!(matches!(
        AcknowledgeMessage::parse(&huge),
        Err(XmlError::TooLarge { .. })
    ));
    let many = ack_xml().replace(
        "<Metadata>",
        &format!(
            "<Metadata>{}",
            "<Metadate><Name>a</Name><Value/><OriginalHeader/></Metadate>".repeat(300)
        ),
    );
    assert!(matches!(
        AcknowledgeMessage::parse(many.as_bytes()),
        Err(XmlError::TooManyElements {
            element: "Metadate",
            limit: 256,
            ..
        })
    ));
}

#[test]
fn structure_errors_name_the_element_and_offset() {
    let xml = ack_xml();
    // Wrong order: Hash before Text.
    let swapped = xml.replace("<Text>", "<Hash>x</Hash><Text>");
    match AcknowledgeMessage::parse(swapped.as_bytes()) {
        Err(XmlError::UnexpectedElement {
            found,
            parent,
            expected,
            offset,
        }) => {
            assert_eq!(
                (found.as_str(), parent.as_str(), expected),
                ("Hash", "Acknowledge-Message", "Text")
            );
            assert!(swapped[offset..].starts_with("<Hash>x"));
        }
        other => panic!("{other:?}"),
    }
    // Missing element.
    let start = xml.find("  <Time>").unwrap();
    let end = xml.find("</Time>\n").unwrap() + 8;
    let no_time = format!("{}{}", &xml[..start], &xml[end..]);
    assert!(matches!(
        AcknowledgeMessage::parse(no_time.as_bytes()),
        Err(XmlError::MissingElement { missing: "Time", .. })
    ));
    // Wrong namespace.
    let foreign = xml.replace("xmlns=\"urn:de-mail\"", "xmlns=\"urn:other\"");
    assert!(matches!(
        AcknowledgeMessage::parse(foreign.as_bytes()),
        Err(XmlError::UnexpectedElement { .. })
    ));
    // Text in element-only content.
    let text = xml.replace("<Metadata>", "<Metadata>stray");
    assert!(matches!(
        AcknowledgeMessage::parse(text.as_bytes()),
        Err(XmlError::UnexpectedText { .. })
    ));
    // An attribute the schema does not define.
    let attr = xml.replace("<Hash>", "<Hash id=\"1\">");
    assert!(matches!(
        AcknowledgeMessage::parse(attr.as_bytes()),
        Err(XmlError::UnexpectedAttribute { .. })
    ));
    // A processing instruction is read and ignored (XML 1.0 §2.6, issue 12);
    // trailing content and malformed XML are refused.
    let pi = xml.replace("<Hash>", "<?php x?><Hash>");
    assert_eq!(
        AcknowledgeMessage::parse(pi.as_bytes()).unwrap(),
        AcknowledgeMessage::parse(xml.as_bytes()).unwrap()
    );
    let trailing = format!("{xml}<x/>");
    assert!(matches!(
        AcknowledgeMessage::parse(trailing.as_bytes()),
        Err(XmlError::TrailingContent { .. })
    ));
    let broken = xml.replace("</Hash>", "</Hsh>");
    assert!(matches!(
        AcknowledgeMessage::parse(broken.as_bytes()),
        Err(XmlError::Parser { .. })
    ));
    // An encoding the reader does not read (D83), invalid characters, invalid UTF-8.
    let other = xml.replace("encoding=\"UTF-8\"", "encoding=\"Shift_JIS\"");
    assert!(matches!(
        AcknowledgeMessage::parse(other.as_bytes()),
        Err(XmlError::Encoding { .. })
    ));
    let control = xml.replace("<Hash>", "<Hash>&#1;");
    assert!(matches!(
        AcknowledgeMessage::parse(control.as_bytes()),
        Err(XmlError::InvalidCharacter { code: 1, .. })
    ));
    let mut bytes = xml.clone().into_bytes();
    let at = xml.find("<Hash>").unwrap() + 6;
    bytes[at] = 0xFF;
    assert!(AcknowledgeMessage::parse(&bytes).is_err());
}

#[test]
fn namespace_declarations_must_be_well_formed() {
    // Found by the notification_xml fuzz target: a prefix with control
    // characters and a value with CR did not survive a round trip.
    let bad_prefix = "<Notification-Message xmlns=\"urn:de-mail\" xmlns:b\u{1d}=\"u\"><Subject/><Text/><Time>2024-03-12T09:15:07Z</Time><Sender/></Notification-Message>";
    // XML 1.0 §2.2: the one reader refuses the control character before
    // it reads any name.
    assert!(matches!(
        NotificationMessage::parse(bad_prefix.as_bytes()),
        Err(XmlError::InvalidCharacter { code: 0x1D, .. })
    ));
    let bad_value = bad_prefix.replace("b\u{1d}=\"u\"", "b=\"u&#1;\"");
    assert!(NotificationMessage::parse(bad_value.as_bytes()).is_err());
    let cr = bad_prefix.replace("b\u{1d}=\"u\"", "b=\"urn:u&#13;v\"");
    let parsed = NotificationMessage::parse(cr.as_bytes()).unwrap();
    assert_eq!(NotificationMessage::parse(&parsed.to_xml()).unwrap(), parsed);
}

#[test]
fn date_times_need_a_valid_date_and_a_missing_offset_is_a_warning() {
    // xs:dateTime (§3.5.3), D30, D85.
    for good in [
        "2024-02-29T23:59:59Z",
        "2024-03-12T09:15:05.123+01:00",
        " 2024-03-12T09:15:05-14:00\n",
    ] {
        assert!(
            matches!(DateTime::parse_xs_date_time(good), Ok((_, true))),
            "{good}"
        );
    }
    for bad in [
        "2024-03-12T09:15:05",
        "2023-02-29T00:00:00Z",
        "2024-03-12T24:00:00Z",
        "2024-03-12T09:15:60Z",
        "2024-03-12 09:15:05Z",
        "2024-03-12T09:15:05+15:00",
        "2024-03-12T09:15:05.Z",
        "+2024-03-12T09:15:05Z",
    ] {
        assert!(
            !matches!(DateTime::parse_xs_date_time(bad), Ok((_, true))),
            "{bad}"
        );
    }
    // Valid per the schema, so read (as UTC) and reported, never guessed
    // silently (issue 12, D85).
    let xml = ack_xml().replace("2024-03-13T08:00:00+01:00", "2024-03-13T08:00:00");
    let parsed = AcknowledgeMessage::parse(xml.as_bytes()).unwrap();
    assert_eq!(parsed.time.to_string(), "2024-03-13T08:00:00Z");
    assert!(matches!(
        parsed.warnings.as_slice(),
        [XmlWarning::DateTimeWithoutTimeZone { element: "Time", .. }]
    ));
    assert_eq!(parsed.warnings[0].code(), "date_time_without_time_zone");
    let bad = ack_xml().replace("2024-03-13T08:00:00+01:00", "2024-03-13T08:00");
    assert!(matches!(
        AcknowledgeMessage::parse(bad.as_bytes()),
        Err(XmlError::InvalidDateTime { element: "Time", .. })
    ));
}

// XML Schema 1.0 Part 2 §3.2.7 (the `Time` of §3.5.3): `T` and `Z` are upper
// case only; RFC 3339 §5.6 allows lower case, the XML reader does not (D170).
// The refusal carries the typed cause.
#[test]
fn xs_date_time_3_2_7_lower_case_t_or_z_in_the_xml_is_refused_with_its_cause() {
    for lower in ["2024-03-13t08:00:00+01:00", "2024-03-13T07:00:00z"] {
        let xml = ack_xml().replace("2024-03-13T08:00:00+01:00", lower);
        let error = AcknowledgeMessage::parse(xml.as_bytes()).unwrap_err();
        assert!(
            matches!(
                &error,
                XmlError::InvalidDateTime {
                    element: "Time",
                    cause: DateTimeError::Syntax {
                        format: DateFormat::XsDateTime
                    },
                    ..
                }
            ),
            "{lower}: {error:?}"
        );
        assert!(std::error::Error::source(&error).is_some());
    }
    let impossible = ack_xml().replace("2024-03-13T08:00:00+01:00", "2023-02-29T08:00:00+01:00");
    assert!(matches!(
        AcknowledgeMessage::parse(impossible.as_bytes()),
        Err(XmlError::InvalidDateTime {
            cause: DateTimeError::Day { day: 29, .. },
            ..
        })
    ));
}

#[test]
fn carriage_returns_survive_the_round_trip() {
    // Table 24: OriginalHeader keeps the folding CRLF; XML would turn a
    // literal CR LF into LF, so CR is written as &#13;.
    let message = acknowledge(ConfirmationKind::Dispatch);
    let xml = message.to_xml();
    assert!(String::from_utf8_lossy(&xml).contains("&#13;\n "));
    assert_eq!(AcknowledgeMessage::parse(&xml).unwrap(), message);
}

// ---- round trips ----

fn xml_text() -> impl Strategy<Value = String> {
    // Any characters XML 1.0 can carry, markup and entity characters included.
    proptest::collection::vec(
        prop_oneof![
            Just('<'),
            Just('&'),
            Just('>'),
            Just('\r'),
            Just('\n'),
            Just('\t'),
            Just(' '),
            Just(']'),
            any::<char>().prop_filter("XML 1.0 Char", |c| {
                matches!(*c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
            }),
        ],
        0..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn date_time() -> impl Strategy<Value = DateTime> {
    // The years xs:dateTime carries, 0001..=9999, every day of every month (D123).
    (-62_135_596_800i64..253_402_300_800, -840i16..=840).prop_filter_map("in range", |(seconds, offset)| {
        DateTime::from_unix_seconds(seconds, offset)
            .ok()
            .filter(|d| d.year() >= 1)
    })
}

proptest! {
    #[test]
    fn acknowledge_message_round_trips(
        sender in xml_text(),
        metadata in proptest::collection::vec((xml_text(), xml_text(), xml_text()), 1..5),
        subject in xml_text(),
        text in xml_text(),
        hash in xml_text(),
        time in date_time(),
        delivery_time in proptest::option::of(date_time()),
    ) {
        let message = AcknowledgeMessage {
            sender,
            metadata: metadata
                .into_iter()
                .map(|(name, value, original_header)| Metadate { name, value, original_header })
                .collect(),
            subject,
            text,
            hash,
            time,
            delivery_time,
            signature: None,
            namespaces: Vec::new(),
            warnings: Vec::new(),
        };
        prop_assert_eq!(AcknowledgeMessage::parse(&message.to_xml()).unwrap(), message);
    }

    #[test]
    fn notification_message_round_trips(subject in xml_text(), text in xml_text(), sender in xml_text(), time in date_time()) {
        let message = NotificationMessage { subject, text, time, sender, namespaces: Vec::new(), warnings: Vec::new() };
        prop_assert_eq!(NotificationMessage::parse(&message.to_xml()).unwrap(), message);
    }
}

#[test]
fn empty_signature_element_with_gt_in_an_attribute_is_kept_whole() {
    // §3.5.3, D31: ds:Signature is kept byte-exact; XML 1.0 §3.1 allows `>`
    // in an attribute value, so the end of `<ds:Signature .../>` is where the
    // parser says it is, not the first `>` (fuzz/seeds/confirmation_xml).
    let xml = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds/confirmation_xml/empty-signature-gt-in-attribute.xml"),
    )
    .unwrap();
    let parsed = AcknowledgeMessage::parse(&xml).unwrap();
    assert_eq!(
        parsed.signature.as_ref().unwrap().raw,
        r#"<ds:Signature Id="a>b"/>"#
    );
    let again = AcknowledgeMessage::parse(&parsed.to_xml()).unwrap();
    assert_eq!(again, parsed);
}

#[test]
fn prefix_undeclarations_and_relative_namespace_uris_are_refused() {
    // Namespaces in XML 1.0 §3 (NSC: no prefix undeclaring; XML 1.1 only)
    // and C14N 1.0 §2.1 (relative namespace URIs cannot be canonicalized),
    // as the XML-DSig reader refuses them.
    let xml = ack_xml();
    let root = "<Acknowledge-Message xmlns=\"urn:de-mail\"";
    assert!(xml.contains(root));
    let undeclared = xml.replacen(root, &format!("{root} xmlns:p=\"\""), 1);
    assert!(matches!(
        AcknowledgeMessage::parse(undeclared.as_bytes()),
        Err(XmlError::NamespaceDeclaration { .. })
    ));
    let relative = xml.replacen(root, &format!("{root} xmlns:p=\"relative/uri\""), 1);
    assert!(matches!(
        AcknowledgeMessage::parse(relative.as_bytes()),
        Err(XmlError::RelativeNamespaceUri { ref uri, .. }) if uri == "relative/uri"
    ));
    let on_child = xml.replacen("<Sender>", "<Sender xmlns:q=\"\">", 1);
    assert!(matches!(
        AcknowledgeMessage::parse(on_child.as_bytes()),
        Err(XmlError::NamespaceDeclaration { .. })
    ));
    let xmlns_prefix = xml.replacen(root, &format!("{root} xmlns:xmlns=\"urn:x\""), 1);
    assert!(AcknowledgeMessage::parse(xmlns_prefix.as_bytes()).is_err());
    // Absolute URIs stay accepted and are written back.
    let absolute = xml.replacen(root, &format!("{root} xmlns:p=\"urn:example:p\""), 1);
    let parsed = AcknowledgeMessage::parse(absolute.as_bytes()).unwrap();
    assert_eq!(parsed.namespaces, [("p".to_owned(), "urn:example:p".to_owned())]);
    // The same rules for the Notification-Message.
    let notification = "<Notification-Message xmlns=\"urn:de-mail\" xmlns:b=\"\"><Subject/><Text/><Time>2024-03-12T09:15:07Z</Time><Sender/></Notification-Message>";
    assert!(matches!(
        NotificationMessage::parse(notification.as_bytes()),
        Err(XmlError::NamespaceDeclaration { .. })
    ));
}

#[test]
fn pdf_shows_every_windows_1252_character_and_greek_as_written() {
    if !tool_available("pdftotext") {
        return;
    }
    // §3.4.1 (same content as the XML): the embedded Unicode font prints the
    // characters of Windows-1252 (the range of the former standard fonts,
    // D38) and beyond it, e.g. Greek and symbols, as themselves (D60).
    let cp1252_extras = "€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ";
    let latin1 = "ä ö ü Ä Ö Ü ß é ñ « » § ° ½";
    let pdf = demail::pdf::render(
        "Zeichen",
        &[
            demail::pdf::Block::Paragraph(cp1252_extras.into()),
            demail::pdf::Block::Paragraph(latin1.into()),
            demail::pdf::Block::Paragraph("Ωmega ✓".into()),
        ],
        &time("Wed, 13 Mar 2024 08:00:00 +0100"),
        &demail::pdf::PdfAttachment {
            file_name: "a.xml",
            xml: b"<a/>",
        },
    )
    .unwrap();
    let text = pdf_text(&pdf, "cp1252");
    let squashed = squash(&text);
    assert!(squashed.contains(&squash(cp1252_extras)), "{text}");
    assert!(squashed.contains(&squash(latin1)), "{text}");
    assert!(squashed.contains("Ωmega✓"), "{text}");
    assert!(!text.contains('?'), "{text}");
}
