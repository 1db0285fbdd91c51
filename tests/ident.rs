//! Ident confirmations (TR 01201 ID IO §2): the cards of §2.2–2.7, the SAML
//! assertion of §2.6 against the XSDs (xmllint, local schemas) and xmlsec1
//! both ways, the refusals (tampered card, moved signature, second
//! assertion, wrong audience, wrong subject, untrusted signer), and the
//! message build → check round trip for every card type.

mod common;
mod xmldsig_common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::fields::{DateFormat, DateTime, DateTimeError};
use demail::ident::{
    AssertionError, CardError, CardField, CardType, IDENT_NS, IdentAssertion, IdentCard, IdentMismatchCode,
    IdentRequest, SAML_NS, assemble_ident_confirmation, build_ident_confirmation, check_ident_confirmation,
    ident_assertion, verify_assertion,
};
use demail::provider::Issuer;
use demail::trust::VerifyOptions;
use demail::xml::XmlError;
use demail::xmldsig::XmlSignatureFailure;

const HOLDER: &str = "max.mustermann@dmda-a.de-mail.de";
const AUDIENCE: &str = "identitaet@bank.de-mail.de";
const ISSUER: &str = "Ident-Bestaetigung@dmda-a.de-mail.de";

fn checked() -> DateTime {
    DateTime::parse_rfc3339("2026-11-20T10:00:00+01:00").unwrap()
}

fn value_for(name: &str, holder: &str) -> String {
    match name {
        "dateOfBirth" => "01.<<.1980".into(),
        "country" => "DE".into(),
        "age" => "46".into(),
        "over16" | "over18" => "true".into(),
        "de-mail-address" => holder.into(),
        "postOfficeBox" => "12 34".into(),
        other => format!("Wert für {other} & <Co>"),
    }
}

/// A card of this type with every element of its sequence (the unbounded
/// one twice).
fn full_card(card_type: CardType, holder: &str) -> IdentCard {
    let mut fields = Vec::new();
    for spec in card_type.schema() {
        let times = if spec.max > 1 { 2 } else { 1 };
        for _ in 0..times {
            fields.push(CardField::new(spec.name, value_for(spec.name, holder), checked()));
        }
    }
    IdentCard::new(card_type, fields).unwrap()
}

fn time() -> DateTime {
    DateTime::parse_rfc5322("Fri, 20 Nov 2026 10:05:00 +0100").unwrap()
}

fn issuer() -> Issuer {
    Issuer::new("DMDA A", DeMailAddress::parse(ISSUER).unwrap())
}

fn assertion(card_type: CardType) -> IdentAssertion {
    let card = full_card(card_type, HOLDER);
    let issuer = issuer();
    let request = IdentRequest::new(
        &card,
        &issuer,
        DeMailAddress::parse(HOLDER).unwrap(),
        DeMailAddress::parse(AUDIENCE).unwrap(),
        time(),
    );
    ident_assertion(&request).unwrap()
}

struct Trust {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
}

impl Trust {
    fn test_pki() -> Self {
        Trust {
            anchors: vec![common::cert("ca"), common::cert("bp-ca")],
            intermediates: vec![common::cert("intermediate")],
        }
    }

    fn options(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
            trust_anchors: &self.anchors,
            intermediates: &self.intermediates,
            ..VerifyOptions::default()
        }
    }
}

fn signed(card_type: CardType, signer: &str) -> Vec<u8> {
    assertion(card_type)
        .sign(&common::key(signer), &common::cert(signer))
        .unwrap()
}

// ---- cards (ID IO §2.2–2.7) ----

#[test]
fn id_io_2_7_every_card_type_round_trips_exactly() {
    for card_type in CardType::ALL {
        let original = assertion(card_type);
        let xml = original.to_xml();
        let parsed = IdentAssertion::parse(&xml).unwrap_or_else(|e| panic!("{card_type}: {e}"));
        assert_eq!(parsed, original, "{card_type}");
        assert_eq!(parsed.to_xml(), xml, "{card_type}: written again byte for byte");
    }
}

#[test]
fn id_io_2_7_elements_out_of_schema_order_are_refused() {
    let fields = vec![
        CardField::new("de-mail-address", HOLDER, checked()),
        CardField::new("over18", "true", checked()),
    ];
    let error = IdentCard::new(CardType::AgeOver18, fields).unwrap_err();
    assert!(
        matches!(
            error,
            CardError::MissingField {
                element: "over18",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn id_io_2_7_required_elements_are_required() {
    let fields = vec![CardField::new("age", "46", checked())];
    let error = IdentCard::new(CardType::Age, fields).unwrap_err();
    assert_eq!(
        error,
        CardError::MissingField {
            card: CardType::Age,
            element: "de-mail-address"
        }
    );
}

#[test]
fn id_io_2_7_max_length_counts_characters() {
    let mut card = full_card(CardType::NaturalPerson, HOLDER);
    let mut fields = card.fields().to_vec();
    let surname = fields.iter_mut().find(|f| f.name == "surname").unwrap();
    surname.value = "ä".repeat(120);
    card = IdentCard::new(CardType::NaturalPerson, fields.clone()).unwrap();
    assert_eq!(card.get("surname").unwrap().chars().count(), 120);
    fields.iter_mut().find(|f| f.name == "surname").unwrap().value = "ä".repeat(121);
    let error = IdentCard::new(CardType::NaturalPerson, fields).unwrap_err();
    assert_eq!(
        error,
        CardError::TooLong {
            element: "surname",
            chars: 121,
            limit: 120
        }
    );
}

#[test]
fn id_io_2_7_legal_person_common_name_is_char60_per_the_xsd() {
    let mut fields = full_card(CardType::LegalPerson, HOLDER).fields().to_vec();
    fields[0].value = "x".repeat(61);
    let error = IdentCard::new(CardType::LegalPerson, fields).unwrap_err();
    assert!(matches!(
        error,
        CardError::TooLong {
            element: "commonName",
            limit: 60,
            ..
        }
    ));
}

#[test]
fn id_io_2_2_1_date_of_birth_form() {
    for good in ["01.01.2000", "<<.<<.1950", "<<.03.1950", "31.12.1999"] {
        let mut fields = full_card(CardType::NaturalPerson, HOLDER).fields().to_vec();
        fields.iter_mut().find(|f| f.name == "dateOfBirth").unwrap().value = good.into();
        assert!(IdentCard::new(CardType::NaturalPerson, fields).is_ok(), "{good}");
    }
    for bad in [
        "2000-01-01",
        "1.1.2000",
        "32.01.2000",
        "01.13.2000",
        "0<.01.2000",
        "01.01.20",
    ] {
        let mut fields = full_card(CardType::NaturalPerson, HOLDER).fields().to_vec();
        fields.iter_mut().find(|f| f.name == "dateOfBirth").unwrap().value = bad.into();
        let error = IdentCard::new(CardType::NaturalPerson, fields).unwrap_err();
        assert!(
            matches!(
                error,
                CardError::InvalidValue {
                    element: "dateOfBirth",
                    ..
                }
            ),
            "{bad}: {error}"
        );
    }
}

#[test]
fn id_io_2_2_1_country_is_iso_3166_alpha_2_form() {
    for bad in ["de", "D", "DEU", "1A"] {
        let mut fields = full_card(CardType::Address, HOLDER).fields().to_vec();
        fields.iter_mut().find(|f| f.name == "country").unwrap().value = bad.into();
        assert!(IdentCard::new(CardType::Address, fields).is_err(), "{bad}");
    }
}

#[test]
fn id_fu_age_over_cards_exist_only_when_true() {
    let fields = vec![
        CardField::new("over16", "false", checked()),
        CardField::new("de-mail-address", HOLDER, checked()),
    ];
    let error = IdentCard::new(CardType::AgeOver16, fields).unwrap_err();
    assert!(
        matches!(
            error,
            CardError::InvalidValue {
                element: "over16",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn id_io_2_2_every_leaf_needs_validation_time() {
    let xml = String::from_utf8(assertion(CardType::Age).to_xml()).unwrap();
    let broken = xml.replacen(" validationTime=\"2026-11-20T10:00:00+01:00\"", "", 1);
    let error = IdentAssertion::parse(broken.as_bytes()).unwrap_err();
    assert!(
        matches!(error, AssertionError::Rule { rule, .. } if rule.contains("validationTime")),
        "{error}"
    );
}

/// SAML core §2.7.3.1.1 (xs:QName value of `xsi:type`): the prefix is
/// resolved in the scope of `AttributeValue`, whatever it is called; a
/// prefix bound to another namespace is refused (ID IO §2.6).
#[test]
fn id_io_2_6_xsi_type_resolves_its_prefix_in_scope() {
    let xml = String::from_utf8(assertion(CardType::Age).to_xml()).unwrap();
    let renamed = xml.replacen(
        "<saml:AttributeValue xsi:type=\"de-mail:Identcard\">",
        &format!("<saml:AttributeValue xmlns:id=\"{IDENT_NS}\" xsi:type=\"id:Identcard\">"),
        1,
    );
    assert_ne!(renamed, xml);
    let parsed = IdentAssertion::parse(renamed.as_bytes()).unwrap();
    assert_eq!(parsed, IdentAssertion::parse(xml.as_bytes()).unwrap());

    let rebound = xml.replacen(
        "<saml:AttributeValue xsi:type=\"de-mail:Identcard\">",
        "<saml:AttributeValue xmlns:de-mail=\"urn:other\" xsi:type=\"de-mail:Identcard\">",
        1,
    );
    // The card's own elements then resolve to urn:other too, but the type
    // check comes first and names the rule.
    let error = IdentAssertion::parse(rebound.as_bytes()).unwrap_err();
    assert!(
        matches!(error, AssertionError::Rule { rule, .. } if rule.contains("xsi:type")),
        "{error}"
    );
    let undeclared = xml.replacen("xsi:type=\"de-mail:Identcard\"", "xsi:type=\"nope:Identcard\"", 1);
    let error = IdentAssertion::parse(undeclared.as_bytes()).unwrap_err();
    assert!(matches!(error, AssertionError::Rule { .. }), "{error}");
}

/// D78, SAML core §1.3.3: a time without time zone is refused in the
/// assertion (D85's UTC reading is for the §3.5.3 documents only).
#[test]
fn saml_core_1_3_3_times_without_time_zone_are_refused() {
    let xml = String::from_utf8(assertion(CardType::Age).to_xml()).unwrap();
    let broken = xml.replacen(
        "validationTime=\"2026-11-20T10:00:00+01:00\"",
        "validationTime=\"2026-11-20T10:00:00\"",
        1,
    );
    assert_ne!(broken, xml);
    let error = IdentAssertion::parse(broken.as_bytes()).unwrap_err();
    assert!(
        matches!(
            error,
            AssertionError::Xml(XmlError::InvalidDateTime {
                element: "validationTime",
                cause: DateTimeError::NoTimeZone {
                    format: DateFormat::XsDateTime
                },
                ..
            })
        ),
        "{error}"
    );
}

#[test]
fn id_io_2_6_second_attribute_statement_is_refused() {
    let xml = String::from_utf8(assertion(CardType::Age).to_xml()).unwrap();
    let start = xml.find("<saml:AttributeStatement>").unwrap();
    let end = xml.find("</saml:Assertion>").unwrap();
    let statement = &xml[start..end];
    let twice = xml.replace(statement, &format!("{statement}{statement}"));
    assert!(IdentAssertion::parse(twice.as_bytes()).is_err());
}

#[test]
fn id_io_2_6_version_and_formats_are_fixed() {
    let xml = String::from_utf8(assertion(CardType::Age).to_xml()).unwrap();
    for (from, to) in [
        ("Version=\"2.0\"", "Version=\"2.1\""),
        (
            "Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">Ident",
            "Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:entity\">Ident",
        ),
        ("Name=\"Card\"", "Name=\"Karte\""),
        ("xsi:type=\"de-mail:Identcard\"", "xsi:type=\"de-mail:Other\""),
    ] {
        let changed = xml.replacen(from, to, 1);
        assert_ne!(changed, xml);
        let error = IdentAssertion::parse(changed.as_bytes()).unwrap_err();
        assert!(matches!(error, AssertionError::Rule { .. }), "{from}: {error}");
    }
}

#[test]
fn id_io_2_6_assertion_ids_are_random_and_ncnames() {
    let a = IdentAssertion::random_id().unwrap();
    let b = IdentAssertion::random_id().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 33);
    assert!(a.starts_with('_'));
    assert_ne!(assertion(CardType::Age).id, assertion(CardType::Age).id);
}

// ---- schemas (xmllint, local copies only) ----

fn xmllint_validate(xml: &[u8], name: &str) -> (bool, String) {
    let dir = xmldsig_common::temp_dir(&format!("ident-schema-{name}"));
    let file = dir.join("assertion.xml");
    std::fs::write(&file, xml).unwrap();
    let schema_dir = common::path("schema");
    let output = Command::new("xmllint")
        .env("XML_CATALOG_FILES", schema_dir.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema"])
        .arg(schema_dir.join("ident-assertion.xsd"))
        .arg(&file)
        .output()
        .expect("run xmllint");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn id_io_2_7_saml_and_card_schemas_validate_every_signed_assertion() {
    if !xmldsig_common::tool_available("xmllint") {
        return;
    }
    for card_type in CardType::ALL {
        let xml = signed(card_type, "p256");
        let (ok, output) = xmllint_validate(&xml, card_type.element());
        assert!(ok, "{card_type}: {output}\n{}", String::from_utf8_lossy(&xml));
    }
    // The schemas are not vacuous: a card with a missing element fails.
    let xml = String::from_utf8(assertion(CardType::AgeOver18).to_xml()).unwrap();
    let start = xml.find("<de-mail:over18").unwrap();
    let end = xml.find("</de-mail:over18>").unwrap() + "</de-mail:over18>".len();
    let broken = format!("{}{}", &xml[..start], &xml[end..]);
    let (ok, output) = xmllint_validate(broken.as_bytes(), "broken");
    assert!(!ok, "{output}");
}

// ---- the signature (SAML core §5.4), xmlsec1 both ways ----

fn xmlsec(args: &[&str], file: &Path) -> (bool, String) {
    let keys = common::path("keys");
    let output = Command::new("xmlsec1")
        .args(args)
        .arg("--trusted-pem")
        .arg(keys.join("ca.cert.pem"))
        .arg("--untrusted-pem")
        .arg(keys.join("intermediate.cert.pem"))
        .args(["--verification-time", "2026-11-24 00:00:00"])
        .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"])
        .arg(file)
        .output()
        .expect("run xmlsec1");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn saml_core_5_4_signature_references_the_id_and_follows_issuer() {
    let xml = String::from_utf8(signed(CardType::NaturalPerson, "p256")).unwrap();
    let id = assertion(CardType::NaturalPerson).id;
    assert!(xml.contains("<ds:Reference URI=\"#_"), "{xml}");
    assert!(!id.is_empty());
    let issuer_end = xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    assert!(xml[issuer_end..].starts_with("<ds:Signature "), "{xml}");
    assert!(xml.contains("http://www.w3.org/2000/09/xmldsig#enveloped-signature"));
    assert!(xml.contains("<ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\">"));
    assert!(xml.contains("<ds:X509Certificate>"));
}

#[test]
fn xmlsec1_verifies_the_crates_assertion_signatures() {
    if !xmldsig_common::tool_available("xmlsec1") {
        return;
    }
    let dir = xmldsig_common::temp_dir("ident-xmlsec-verify");
    for (card_type, signer) in [
        (CardType::NaturalPerson, "p256"),
        (CardType::LegalPerson, "rsa3072"),
        (CardType::AgeOver18, "p384"),
    ] {
        let file = dir.join(format!("{card_type}.xml"));
        std::fs::write(&file, signed(card_type, signer)).unwrap();
        let (ok, output) = xmlsec(&["--verify"], &file);
        assert!(ok, "{card_type} {signer}: {output}");
        let tampered = String::from_utf8(std::fs::read(&file).unwrap())
            .unwrap()
            .replacen("validationTime=\"2026-11-20T", "validationTime=\"2026-11-21T", 1);
        std::fs::write(&file, tampered).unwrap();
        let (ok, output) = xmlsec(&["--verify"], &file);
        assert!(!ok, "xmlsec1 accepts a tampered card: {output}");
    }
}

#[test]
fn crate_verifies_assertions_signed_by_xmlsec1_from_templates() {
    if !xmldsig_common::tool_available("xmlsec1") {
        return;
    }
    let dir = xmldsig_common::temp_dir("ident-xmlsec-sign");
    let shown = assertion(CardType::Address);
    let xml = String::from_utf8(shown.to_xml()).unwrap();
    let template = format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>\
<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>\
<ds:Reference URI=\"#{}\"><ds:Transforms>\
<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
<ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>\
</ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>\
<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>",
        shown.id
    );
    let unsigned = xml.replacen("</saml:Issuer>", &format!("</saml:Issuer>{template}"), 1);
    let file = dir.join("template.xml");
    std::fs::write(&file, unsigned).unwrap();
    let out = dir.join("signed.xml");
    let keys = common::path("keys");
    let status = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!(
            "{},{}",
            keys.join("p256.key.pem").display(),
            keys.join("p256.cert.pem").display()
        ))
        .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"])
        .arg("--output")
        .arg(&out)
        .arg(&file)
        .output()
        .expect("run xmlsec1");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let signed = std::fs::read(&out).unwrap();
    let trust = Trust::test_pki();
    let verified = verify_assertion(&signed, &trust.options()).unwrap();
    assert!(verified.report.passed(), "{:?}", verified.report.failures);
    assert_eq!(verified.assertion, shown);
}

#[test]
fn crate_verifies_its_own_assertions_for_every_card_type() {
    let trust = Trust::test_pki();
    for card_type in CardType::ALL {
        let verified = verify_assertion(&signed(card_type, "p256"), &trust.options()).unwrap();
        assert!(
            verified.report.passed(),
            "{card_type}: {:?}",
            verified.report.failures
        );
        assert_eq!(verified.assertion.card.card_type(), card_type);
    }
}

#[test]
fn tampered_card_is_refused_with_digest_mismatch() {
    let xml = String::from_utf8(signed(CardType::NaturalPerson, "p256")).unwrap();
    let tampered = xml.replacen(">46<", ">18<", 1);
    assert_ne!(tampered, xml);
    let trust = Trust::test_pki();
    let verified = verify_assertion(tampered.as_bytes(), &trust.options()).unwrap();
    assert_eq!(
        verified.report.failures,
        vec![XmlSignatureFailure::DigestMismatch]
    );
}

#[test]
fn moved_signature_is_refused() {
    // The signature moved from after Issuer to the end of the assertion:
    // the SAML schema order is broken, the reader refuses it.
    let xml = String::from_utf8(signed(CardType::Age, "p256")).unwrap();
    let start = xml.find("<ds:Signature").unwrap();
    let end = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &xml[start..end];
    let moved = format!("{}{}", &xml[..start], &xml[end..])
        .replace("</saml:Assertion>", &format!("{signature}</saml:Assertion>"));
    let trust = Trust::test_pki();
    let error = verify_assertion(moved.as_bytes(), &trust.options()).unwrap_err();
    assert!(matches!(error, AssertionError::Xml(_)), "{error}");
}

#[test]
fn second_assertion_wrapping_is_refused() {
    // A forged assertion with the signed one inside its Issuer's sibling
    // position: the reference would name the inner assertion's ID.
    let genuine = String::from_utf8(signed(CardType::Age, "p256")).unwrap();
    let forged = String::from_utf8(assertion(CardType::Age).to_xml())
        .unwrap()
        .replace(">46<", ">99<");
    let signature_start = genuine.find("<ds:Signature").unwrap();
    let signature_end = genuine.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &genuine[signature_start..signature_end];
    // The forged assertion carries the genuine signature; the genuine
    // assertion is hidden inside the forged one's AttributeValue.
    let wrapped = forged.replacen("</saml:Issuer>", &format!("</saml:Issuer>{signature}"), 1);
    let inner = genuine.replacen(signature, "", 1);
    let wrapped = wrapped.replacen(
        "</saml:AttributeValue>",
        &format!("{inner}</saml:AttributeValue>"),
        1,
    );
    let trust = Trust::test_pki();
    let error = verify_assertion(wrapped.as_bytes(), &trust.options()).unwrap_err();
    assert!(!matches!(error, AssertionError::Unsigned), "{error}");
    // With the forged assertion's ID set to the genuine one: two elements
    // carry the ID, or the digest fails; never a pass.
    let genuine_id = genuine.split("ID=\"").nth(1).unwrap().split('"').next().unwrap();
    let forged_id = forged.split("ID=\"").nth(1).unwrap().split('"').next().unwrap();
    let same_id = forged.replace(forged_id, genuine_id).replacen(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{signature}"),
        1,
    );
    match verify_assertion(same_id.as_bytes(), &trust.options()) {
        Ok(verified) => assert!(!verified.report.passed()),
        Err(error) => assert!(!matches!(error, AssertionError::Unsigned), "{error}"),
    }
}

#[test]
fn untrusted_signer_is_refused() {
    let xml = signed(CardType::Age, "untrusted");
    let trust = Trust::test_pki();
    let verified = verify_assertion(&xml, &trust.options()).unwrap();
    assert!(!verified.report.passed());
    assert!(
        verified
            .report
            .failures
            .iter()
            .any(|f| matches!(f, XmlSignatureFailure::Certificate(_))),
        "{:?}",
        verified.report.failures
    );
}

#[test]
fn unsigned_assertion_is_refused() {
    let trust = Trust::test_pki();
    let error = verify_assertion(&assertion(CardType::Age).to_xml(), &trust.options()).unwrap_err();
    assert_eq!(error, AssertionError::Unsigned);
}

#[test]
fn signing_options_keep_the_default_uri_empty_and_last() {
    let key = common::key("p256");
    let certificate = common::cert("p256");
    let signed = demail::xmldsig::sign_enveloped(
        b"<doc><a>1</a></doc>",
        &demail::xmldsig::XmlSignOptions::new(&key, &certificate),
    )
    .unwrap();
    let signed = String::from_utf8(signed).unwrap();
    assert!(signed.starts_with("<doc><a>1</a><ds:Signature"));
    assert!(signed.contains("URI=\"\""));
    // A reference ID that is not on the document element is refused.
    let options = demail::xmldsig::XmlSignOptions::new(&key, &certificate).reference_id("x");
    assert!(demail::xmldsig::sign_enveloped(b"<doc><a ID=\"x\">1</a></doc>", &options).is_err());
    let options = demail::xmldsig::XmlSignOptions::new(&key, &certificate).insert_after(SAML_NS, "Issuer");
    assert!(demail::xmldsig::sign_enveloped(b"<doc><a>1</a></doc>", &options).is_err());
}

// ---- the message (ID IO Table 1, §2.1.1) ----

fn message(card_type: CardType, holder: &str, signer: &str) -> Vec<u8> {
    let card = full_card(card_type, holder);
    let issuer = issuer();
    let request = IdentRequest::new(
        &card,
        &issuer,
        DeMailAddress::parse(holder).unwrap(),
        DeMailAddress::parse(AUDIENCE).unwrap(),
        time(),
    );
    build_ident_confirmation(&request, &common::key(signer), &common::cert(signer)).unwrap()
}

#[test]
fn id_io_table_1_every_card_type_builds_and_checks() {
    let trust = Trust::test_pki();
    for card_type in CardType::ALL {
        let raw = message(card_type, HOLDER, "p256");
        let report = check_ident_confirmation(&raw, Some(AUDIENCE), &trust.options()).unwrap();
        assert!(report.passed(), "{card_type}: {report}");
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("X-de-mail-message-type: identification")
                || text.contains("x-de-mail-message-type: identification"),
            "{text}"
        );
    }
}

#[test]
fn id_io_2_1_1_text_lists_every_attribute_with_its_meaning() {
    let assertion = assertion(CardType::NaturalPerson);
    let text = demail::ident::ident_text(&assertion);
    assert!(text.starts_with(
        "Hiermit werden die folgende Identitätsdaten zur angegebenen De-Mail-Adresse bestätigt:"
    ));
    for spec in CardType::NaturalPerson.schema() {
        assert!(
            text.contains(&format!("{} ({})", spec.meaning, spec.name)),
            "{}",
            spec.name
        );
    }
}

#[test]
fn wrong_audience_is_refused() {
    let trust = Trust::test_pki();
    let raw = message(CardType::Age, HOLDER, "p256");
    let report = check_ident_confirmation(&raw, Some("andere@bank.de-mail.de"), &trust.options()).unwrap();
    assert!(report.has(IdentMismatchCode::WrongAudience), "{report}");
}

#[test]
fn wrong_subject_is_refused() {
    // The card belongs to someone else than the NameID, signed that way by
    // the provider: refused on receipt.
    let mut foreign = assertion(CardType::DeMailAddress);
    foreign.card = full_card(CardType::DeMailAddress, "erika.musterfrau@dmda-a.de-mail.de");
    let raw = assemble_ident_confirmation(&foreign, &issuer(), &common::key("p256"), &common::cert("p256"))
        .unwrap();
    let trust = Trust::test_pki();
    let report = check_ident_confirmation(&raw, Some(AUDIENCE), &trust.options()).unwrap();
    assert!(report.has(IdentMismatchCode::WrongSubject), "{report}");
    // The builder refuses a holder that is not the card's address.
    let card = full_card(CardType::DeMailAddress, "erika.musterfrau@dmda-a.de-mail.de");
    let issuer = issuer();
    let request = IdentRequest::new(
        &card,
        &issuer,
        DeMailAddress::parse(HOLDER).unwrap(),
        DeMailAddress::parse(AUDIENCE).unwrap(),
        time(),
    );
    assert!(matches!(
        ident_assertion(&request),
        Err(demail::ident::IdentBuildError::HolderMismatch { .. })
    ));
}

#[test]
fn untrusted_signer_of_the_message_is_refused() {
    let trust = Trust::test_pki();
    let raw = message(CardType::Age, HOLDER, "untrusted");
    let report = check_ident_confirmation(&raw, Some(AUDIENCE), &trust.options()).unwrap();
    assert!(report.has(IdentMismatchCode::Integrity), "{report}");
    assert!(report.has(IdentMismatchCode::AssertionSignature), "{report}");
}

#[test]
fn id_fu_3_2_pseudonym_holder_gets_no_name_card() {
    let holder = "pn_mustermann@dmda-a.de-mail.de";
    let card = full_card(CardType::NaturalPerson, holder);
    let issuer = issuer();
    let request = IdentRequest::new(
        &card,
        &issuer,
        DeMailAddress::parse(holder).unwrap(),
        DeMailAddress::parse(AUDIENCE).unwrap(),
        time(),
    );
    assert!(matches!(
        ident_assertion(&request),
        Err(demail::ident::IdentBuildError::PseudonymCard(
            CardType::NaturalPerson
        ))
    ));
    let trust = Trust::test_pki();
    let raw = message(CardType::AgeOver18, holder, "p256");
    let report = check_ident_confirmation(&raw, Some(AUDIENCE), &trust.options()).unwrap();
    assert!(report.passed(), "{report}");
}

#[test]
fn plain_text_identification_message_fails_the_check() {
    let trust = Trust::test_pki();
    let raw = common::data("ident.eml");
    let report = check_ident_confirmation(&raw, Some(AUDIENCE), &trust.options()).unwrap();
    assert!(report.has(IdentMismatchCode::AssertionMissing), "{report}");
    assert!(!report.passed());
}

/// The parts of a built message: (content type, decoded bytes).
fn mime_parts(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
    use mail_parser::MimeHeaders;
    let parsed = mail_parser::MessageParser::default().parse(raw).unwrap();
    parsed
        .parts
        .iter()
        .filter_map(|p| {
            let ct = p.content_type()?;
            Some((
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")),
                p.contents().to_vec(),
            ))
        })
        .collect()
}

#[test]
fn pvd_io_3_4_1_pdf_presentation_carries_the_signed_assertion() {
    if !xmldsig_common::tool_available("pdfdetach") || !xmldsig_common::tool_available("pdftotext") {
        return;
    }
    let raw = message(CardType::NaturalPerson, HOLDER, "p256");
    let parts = mime_parts(&raw);
    let xml = &parts.iter().find(|(t, _)| t == "application/xml").unwrap().1;
    let pdf = &parts.iter().find(|(t, _)| t == "application/pdf").unwrap().1;
    let dir = xmldsig_common::temp_dir("ident-pdf");
    let file = dir.join("ident.pdf");
    std::fs::write(&file, pdf).unwrap();
    let list = Command::new("pdfdetach")
        .arg("-list")
        .arg(&file)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(list.contains("Ident-Bestaetigung.xml"), "{list}");
    let saved = dir.join("saved.xml");
    let status = Command::new("pdfdetach")
        .args(["-save", "1", "-o"])
        .arg(&saved)
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        &std::fs::read(&saved).unwrap(),
        xml,
        "the attachment is the signed assertion"
    );
    let text = Command::new("pdftotext").arg(&file).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Ident-Bestätigung"), "{text}");
    assert!(text.contains("Nachname"), "{text}");
}

// ID IO §2.7: a card type is written as its element of the `Identcard` choice
#[test]
fn card_type_displays_as_its_xsd_element() {
    for card_type in CardType::ALL {
        assert_eq!(card_type.to_string(), card_type.element());
    }
    assert_eq!(CardType::AgeOver18.to_string(), "AgeOver18");
}
