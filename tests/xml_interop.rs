//! Issue 12: documents another provider's software may send, valid against
//! the schema of TR 01201-3.4 §3.5.3, are read by the one XML reader.
//! Each test builds a confirmation or notification with the crate, adds one
//! variant to its XML, signs the XML again with xmlsec1 (so the XML
//! signature is not the crate's own), and checks it with
//! `check_confirmation` / `read_notification`; xmllint checks that the
//! variant is still valid against the schema.
#![cfg(feature = "provider")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{
    ConfirmationKind, ConfirmationReport, ConfirmationRequest, acknowledge_message, build_confirmation,
    check_confirmation,
};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::integrity::{SignOptions, sign};
use demail::notification::{NotificationKind, NotificationRequest, build_notification, read_notification};
use demail::provider::Issuer;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::xml::XmlWarning;

#[path = "xmldsig_common/mod.rs"]
mod xmldsig_common;
use xmldsig_common::{temp_dir, tool_available};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

/// normal.eml signed with rsa3072: an original whose integrity verifies (D53).
fn original() -> Vec<u8> {
    std::fs::read(data("signed/normal-rsa3072.eml")).unwrap()
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

fn request(issuer: &Issuer) -> ConfirmationRequest<'_> {
    ConfirmationRequest {
        kind: ConfirmationKind::Dispatch,
        issuer,
        time: time("Wed, 13 Mar 2024 08:00:00 +0100"),
        delivery_time: None,
        message_id: None,
    }
}

fn signer() -> CertifiedKey {
    let key = SigningKey::from_pkcs8_pem(&read("keys/p256.key.pem")).unwrap();
    CertifiedKey::new(key, certificate()).unwrap()
}

fn certificate() -> Certificate {
    Certificate::from_pem(&read("keys/p256.cert.pem")).unwrap()
}

/// The crate's unsigned Acknowledge-Message for the original (UTF-8 text).
fn unsigned_acknowledge() -> String {
    let raw = original();
    let issuer = issuer(ConfirmationKind::Dispatch.system_local_part());
    let message = acknowledge_message(&Envelope::parse(&raw).unwrap(), &request(&issuer)).unwrap();
    String::from_utf8(message.to_xml()).unwrap()
}

/// An enveloped-signature template appended as the last child, signed by
/// xmlsec1 with the provider's p256 key and certificate.
fn xmlsec_sign(xml: &[u8], name: &str) -> Vec<u8> {
    let dir = temp_dir(&format!("xml_interop_{name}"));
    let input = dir.join("template.xml");
    let output = dir.join("signed.xml");
    std::fs::write(&input, xml).unwrap();
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
        .expect("xmlsec1 runs");
    assert!(status.success(), "xmlsec1 --sign {name}");
    std::fs::read(output).unwrap()
}

const SIGNATURE_TEMPLATE: &str = concat!(
    r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#,
    r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
    r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>"#,
    r#"<ds:Reference URI=""><ds:Transforms>"#,
    r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
    r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>"#,
    r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>"#,
    r#"</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>"#,
    "</ds:Signature>\n"
);

fn with_template(xml: &str) -> String {
    xml.replace(
        "</Acknowledge-Message>",
        &format!("{SIGNATURE_TEMPLATE}</Acknowledge-Message>"),
    )
}

/// `xmllint --schema` with the XSD of §3.5.3: `None` when valid.
fn schema_errors(xml: &[u8], name: &str) -> Option<String> {
    let file = temp_dir(&format!("xml_interop_schema_{name}")).join("doc.xml");
    std::fs::write(&file, xml).unwrap();
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(data("schema/de-mail.xsd"))
        .arg(&file)
        .output()
        .expect("xmllint runs");
    (!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Replaces the confirmation's XML part and signs the message again.
fn with_xml(confirmation: &[u8], xml: &[u8]) -> Vec<u8> {
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
    mail_builder::MessageBuilder::new()
        .text_body("Text")
        .attachment("application/xml", "Acknowledge-Message.xml", xml)
        .attachment("application/pdf", "Acknowledge-Message.pdf", b"%PDF".as_slice())
        .serialize_body(&mut message);
    sign(&message, &SignOptions::signed(&signer())).unwrap()
}

/// Builds a confirmation, puts `variant` of its XML in, signed by xmlsec1,
/// and checks it against the original.
fn check_variant(name: &str, variant: impl FnOnce(String) -> Vec<u8>) -> Option<ConfirmationReport> {
    if !tool_available("xmlsec1") || !tool_available("xmllint") {
        return None;
    }
    let template = variant(with_template(&unsigned_acknowledge()));
    let signed = xmlsec_sign(&template, name);
    assert_eq!(schema_errors(&signed, name), None, "{name} is valid per §3.5.3");
    let raw = original();
    let issuer = issuer(ConfirmationKind::Dispatch.system_local_part());
    let built = build_confirmation(&Envelope::parse(&raw).unwrap(), &request(&issuer), &signer()).unwrap();
    let confirmation = with_xml(&built, &signed);
    let anchors = [Certificate::from_pem(&read("keys/ca.cert.pem")).unwrap()];
    let intermediates = [Certificate::from_pem(&read("keys/intermediate.cert.pem")).unwrap()];
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        ..VerifyOptions::default()
    };
    let report = check_confirmation(&confirmation, &raw, &options).unwrap();
    assert!(report.passed(), "{name}: {report}");
    assert!(
        report.xml_signature.as_ref().is_some_and(|r| r.passed()),
        "{name}"
    );
    Some(report)
}

/// The text in ISO-8859-1, characters beyond Latin-1 as character references.
fn latin1(xml: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    for c in xml.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(byte) => out.push(byte),
            Err(_) => out.extend_from_slice(format!("&#x{:X};", u32::from(c)).as_bytes()),
        }
    }
    out
}

fn utf16le(xml: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in xml.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

const ROOT: &str = "<Acknowledge-Message xmlns=\"urn:de-mail\"";
const XSI: &str =
    " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:de-mail de-mail.xsd\"";

// Issue 12 variant 1: xsi:schemaLocation (and a foreign-namespace
// attribute) on the document element (D84).
#[test]
fn confirmation_with_xsi_schema_location_passes_the_check() {
    let report = check_variant("xsi", |xml| {
        xml.replace(ROOT, &format!("{ROOT}{XSI}")).into_bytes()
    });
    if let Some(report) = report {
        let message = report.message.unwrap();
        assert!(message.namespaces.iter().any(|(prefix, _)| prefix == "xsi"));
    }
}

// Issue 12 variant 2: processing instructions before and after the
// document element (XML 1.0 §2.6); C14N keeps them, so the signature
// covers them.
#[test]
fn confirmation_with_processing_instructions_passes_the_check() {
    check_variant("pi", |xml| {
        let xml = xml.replacen(
            "?>\n",
            "?>\n<?xml-stylesheet type=\"text/xsl\" href=\"ack.xsl\"?>\n",
            1,
        );
        format!("{xml}<?archive stored?>\n").into_bytes()
    });
}

// Issue 12 variant 3: ISO-8859-1 bytes under an ISO-8859-1 declaration,
// and UTF-16 with a byte order mark (XML 1.0 §4.3.3, D83).
#[test]
fn confirmation_in_latin1_passes_the_check() {
    let report = check_variant("latin1", |xml| {
        latin1(&xml.replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""))
    });
    if let Some(report) = report {
        assert!(report.message.unwrap().text.contains("bestätigt"));
    }
}

#[test]
fn confirmation_in_utf16_with_bom_passes_the_check() {
    let report = check_variant("utf16", |xml| {
        utf16le(&xml.replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\""))
    });
    if let Some(report) = report {
        assert!(report.message.unwrap().text.contains("bestätigt"));
    }
}

// Issue 12 variant 4: an xs:dateTime without time zone is read and
// reported as a warning with its rule, never guessed silently (D85).
#[test]
fn confirmation_with_time_without_zone_passes_the_check_with_a_warning() {
    let report = check_variant("no_zone", |xml| {
        let changed = xml.replace(
            "<Time>2024-03-13T08:00:00+01:00</Time>",
            "<Time>2024-03-13T07:00:00</Time>",
        );
        assert_ne!(changed, xml);
        changed.into_bytes()
    });
    if let Some(report) = report {
        let message = report.message.unwrap();
        assert!(matches!(
            message.warnings.as_slice(),
            [XmlWarning::DateTimeWithoutTimeZone { element: "Time", .. }]
        ));
        assert_eq!(message.time.to_string(), "2024-03-13T07:00:00Z");
    }
}

// The four variants in notifications (§3.5.2): built by the crate, the XML
// part replaced, the message signed again, read by read_notification.
#[test]
fn notifications_with_each_variant_are_read() {
    if !tool_available("xmllint") {
        return;
    }
    let raw = std::fs::read(data("normal.eml")).unwrap();
    let kind = NotificationKind::ALL[0];
    let issuer = issuer(kind.system_local_part());
    let request = NotificationRequest::new(kind, &issuer, time("Tue, 12 Mar 2024 09:15:07 +0100"));
    let built = build_notification(&Envelope::parse(&raw).unwrap(), &request, Some(&signer())).unwrap();
    let xml = {
        use mail_parser::MimeHeaders;
        let parsed = mail_parser::MessageParser::default().parse(&built).unwrap();
        let part = parsed
            .parts
            .iter()
            .find(|p| p.content_type().is_some_and(|ct| ct.subtype() == Some("xml")))
            .unwrap();
        String::from_utf8(part.contents().to_vec()).unwrap()
    };
    let root = "<Notification-Message xmlns=\"urn:de-mail\"";
    let variants: [(&str, Vec<u8>); 5] = [
        ("xsi", xml.replace(root, &format!("{root}{XSI}")).into_bytes()),
        (
            "pi",
            format!(
                "{}<?archive stored?>\n",
                xml.replacen("?>\n", "?>\n<?xml-stylesheet href=\"n.xsl\"?>\n", 1)
            )
            .into_bytes(),
        ),
        (
            "latin1",
            latin1(&xml.replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"")),
        ),
        (
            "utf16",
            utf16le(&xml.replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"")),
        ),
        (
            "no_zone",
            xml.replace("T09:15:07+01:00</Time>", "T08:15:07</Time>")
                .into_bytes(),
        ),
    ];
    let plain = read_notification(&built).unwrap().message;
    for (name, variant) in variants {
        assert_eq!(
            schema_errors(&variant, &format!("notification_{name}")),
            None,
            "{name}"
        );
        let envelope = Envelope::parse(&built).unwrap();
        let mut message = Vec::new();
        for field in envelope.fields() {
            let skip = [
                "x-de-mail-integrity",
                "x-de-mail-signature-certificate",
                "content-type",
            ];
            if !skip.iter().any(|n| field.has_name(n)) {
                message.extend_from_slice(field.raw);
            }
        }
        mail_builder::MessageBuilder::new()
            .text_body("Text")
            .attachment("application/xml", "Notification-Message.xml", variant.as_slice())
            .serialize_body(&mut message);
        let message = sign(&message, &SignOptions::signed(&signer())).unwrap();
        let read = read_notification(&message).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read.message.subject, plain.subject, "{name}");
        assert_eq!(read.message.text, plain.text, "{name}");
        assert_eq!(read.message.sender, plain.sender, "{name}");
        if name == "no_zone" {
            assert_eq!(read.message.time.to_string(), "2024-03-12T08:15:07Z");
            assert!(matches!(
                read.message.warnings.as_slice(),
                [XmlWarning::DateTimeWithoutTimeZone { element: "Time", .. }]
            ));
        } else {
            assert_eq!(read.message.time, plain.time, "{name}");
            assert!(read.message.warnings.is_empty(), "{name}");
        }
    }
}
