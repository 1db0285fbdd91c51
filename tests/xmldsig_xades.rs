//! XAdES-BES (ETSI EN 319 132-1) in the XML-DSig verifier, for callers that
//! ask for it (`XmlProfile::EnvelopedOrXades`, docs/decisions.md D213–D215):
//! signatures made by xmlsec1 from templates whose certificate digests and
//! `IssuerSerial`s openssl computed; the enveloped profile of the De-Mail
//! confirmations stays as it was.
#![cfg(feature = "xml")]

mod common;

use std::process::Command;

use demail::xmldsig::{
    XmlDsigError, XmlProfile, XmlSignOptions, XmlSignatureFailure, sign_enveloped, verify, verify_with,
};

use common::tool_available;
use common::trusted_list::{XadesTemplate, xmlsec1_sign};

fn tools() -> bool {
    tool_available("xmlsec1") && tool_available("openssl")
}

fn verify_xades(xml: &[u8]) -> Result<demail::xmldsig::XmlSignatureReport, XmlDsigError> {
    let trust = common::trust();
    verify_with(xml, &common::options(&trust), XmlProfile::EnvelopedOrXades)
}

/// `openssl x509 -noout -<what>` of a test certificate, without the `name=` prefix.
fn openssl_x509(name: &str, what: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(["x509", "-noout", "-in"])
        .arg(common::path(&format!("keys/{name}.cert.pem")))
        .args(what)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    text.trim().split_once('=').map(|(_, v)| v.to_owned()).unwrap()
}

/// The P-256 certificate's serial number in decimal (openssl prints hex).
fn decimal_serial() -> String {
    u128::from_str_radix(&openssl_x509("p256", &["-serial"]), 16)
        .unwrap()
        .to_string()
}

/// `IssuerSerialV2` (RFC 5035 `IssuerSerial` DER, base64) built by
/// `openssl asn1parse -genconf` for the test provider CA as issuer.
fn openssl_issuer_serial_v2(serial_hex: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("xades");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join(format!("issuer-serial-{serial_hex}.cnf"));
    let der = dir.join(format!("issuer-serial-{serial_hex}.der"));
    std::fs::write(
        &config,
        format!(
            "asn1 = SEQUENCE:issuer_serial\n[issuer_serial]\nissuer = SEQUENCE:general_names\nserial = INTEGER:0x{serial_hex}\n\
             [general_names]\nname = EXPLICIT:4C,SEQUENCE:dn\n[dn]\nc = SET:c_rdn\no = SET:o_rdn\ncn = SET:cn_rdn\n\
             [c_rdn]\natv = SEQUENCE:c_atv\n[c_atv]\ntype = OID:countryName\nvalue = PRINTABLESTRING:DE\n\
             [o_rdn]\natv = SEQUENCE:o_atv\n[o_atv]\ntype = OID:organizationName\nvalue = UTF8String:demail Test PKI\n\
             [cn_rdn]\natv = SEQUENCE:cn_atv\n[cn_atv]\ntype = OID:commonName\nvalue = UTF8String:demail Test Provider CA\n"
        ),
    )
    .unwrap();
    let status = Command::new("openssl")
        .args(["asn1parse", "-noout", "-genconf"])
        .arg(&config)
        .arg("-out")
        .arg(&der)
        .status()
        .unwrap();
    assert!(status.success());
    let output = Command::new("openssl")
        .args(["base64", "-A", "-in"])
        .arg(&der)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

// EN 319 132-1 §5.2.1, §5.2.2, D213: a XAdES-BES signature by xmlsec1 passes in the XAdES
// profile; the report names the SignedProperties, their digest, the SigningCertificateV2
// binding and the SigningTime
#[test]
fn en_319_132_xades_bes_signature_reports_its_signed_properties() {
    if !tools() {
        return;
    }
    let signed = XadesTemplate::default().sign_with_xmlsec1("report");
    let report = verify_xades(&signed).unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    let xades = report.xades.expect("XAdES properties");
    assert_eq!(xades.signed_properties_id, "xades-sp");
    assert!(xades.signed_properties_digest_ok);
    assert!(xades.signing_certificate_v2);
    assert!(xades.signing_certificate_ok);
    // 2026-11-20T10:00:00Z (date -ud 2026-11-20T10:00:00Z +%s)
    assert_eq!(xades.signing_time.map(|t| t.unix_seconds()), Some(1_795_168_800));
}

// D21, D213: the enveloped profile (De-Mail confirmations, `verify`) still refuses a XAdES
// signature: its ds:Object is content the one-reference profile does not sign
#[test]
fn d213_enveloped_profile_refuses_xades_signatures() {
    if !tools() {
        return;
    }
    let signed = XadesTemplate::default().sign_with_xmlsec1("enveloped-profile");
    let trust = common::trust();
    let error = verify(&signed, &common::options(&trust)).unwrap_err();
    assert!(
        matches!(&error, XmlDsigError::UnexpectedElement { element, parent: "Signature", .. } if element.ends_with("}Object")),
        "{error:?}"
    );
}

// D213: the XAdES profile accepts a plain enveloped signature as before, without XAdES facts
#[test]
fn d213_xades_profile_accepts_plain_enveloped_signatures() {
    let signed = sign_enveloped(
        b"<Acknowledge xmlns=\"urn:example\"><Id>7</Id></Acknowledge>",
        &XmlSignOptions::new(&common::signer("p256")),
    )
    .unwrap();
    let report = verify_xades(&signed).unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    assert_eq!(report.xades, None);
}

// EN 319 132-1 §5.2.2 (SigningCertificate with IssuerSerial), D215: the RFC 4514 issuer name
// openssl prints (as strings, and as OIDs with hex values) and the decimal serial number
// match; another serial or issuer does not
#[test]
fn en_319_132_issuer_serial_names_the_signer_certificate() {
    if !tools() {
        return;
    }
    let issuer = openssl_x509("p256", &["-issuer", "-nameopt", "RFC2253"]);
    let issuer_serial = |issuer: &str, serial: &str| {
        format!(
            "<xades:IssuerSerial><ds:X509IssuerName>{issuer}</ds:X509IssuerName>\
             <ds:X509SerialNumber>{serial}</ds:X509SerialNumber></xades:IssuerSerial>"
        )
    };
    let signed = |name: &str, issuer: &str, serial: &str| {
        XadesTemplate {
            v1_issuer_serial: Some(issuer_serial(issuer, serial)),
            ..XadesTemplate::default()
        }
        .sign_with_xmlsec1(name)
    };
    let report = verify_xades(&signed("v1", &issuer, &decimal_serial())).unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    assert!(!report.xades.unwrap().signing_certificate_v2);
    // The same name as dotted OIDs and hex BER values (RFC 4514 §2.4), as Java writes
    // organizationIdentifier.
    let hex_issuer = openssl_x509("p256", &["-issuer", "-nameopt", "RFC2253,dump_all,dump_der,oid"]);
    assert!(hex_issuer.starts_with("2.5.4.3=#0C"), "{hex_issuer}");
    let report = verify_xades(&signed("v1-hex", &hex_issuer, &decimal_serial())).unwrap();
    assert!(report.passed(), "{:?}", report.failures);

    let wrong_serial = verify_xades(&signed("v1-serial", &issuer, "12292")).unwrap();
    assert_eq!(wrong_serial.failures, [XmlSignatureFailure::IssuerSerialMismatch]);
    let other_issuer = issuer.replace("O=demail Test PKI", "O=Other PKI");
    assert_ne!(other_issuer, issuer);
    let wrong_issuer = verify_xades(&signed("v1-issuer", &other_issuer, &decimal_serial())).unwrap();
    assert_eq!(wrong_issuer.failures, [XmlSignatureFailure::IssuerSerialMismatch]);
}

// EN 319 132-1 §5.2.2.2 (SigningCertificateV2 with IssuerSerialV2, RFC 5035), D215: the DER
// IssuerSerial built by openssl matches; with another serial number it does not
#[test]
fn en_319_132_issuer_serial_v2_names_the_signer_certificate() {
    if !tools() {
        return;
    }
    let serial = openssl_x509("p256", &["-serial"]);
    let with = |name: &str, serial: &str| {
        let element = format!(
            "<xades:IssuerSerialV2>{}</xades:IssuerSerialV2>",
            openssl_issuer_serial_v2(serial)
        );
        XadesTemplate {
            v2_issuer_serial: &element,
            ..XadesTemplate::default()
        }
        .sign_with_xmlsec1(name)
    };
    let report = verify_xades(&with("v2", &serial)).unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    let other = verify_xades(&with("v2-other", "3004")).unwrap();
    assert_eq!(other.failures, [XmlSignatureFailure::IssuerSerialMismatch]);
}

// EN 319 132-1 §5.2.2, D215: a CertDigest by SHA-1 is refused, as SHA-1 is everywhere in the
// profile (BSI TR-02102-1)
#[test]
fn en_319_132_sha1_certificate_digest_is_refused() {
    if !tools() {
        return;
    }
    let list = XadesTemplate::default().list().replacen(
        "<xades:CertDigest><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
        "<xades:CertDigest><ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>",
        1,
    );
    assert!(list.contains("xmldsig#sha1"));
    assert_eq!(
        verify_xades(&xmlsec1_sign("sha1", &list)).unwrap_err(),
        XmlDsigError::Sha1Forbidden("http://www.w3.org/2000/09/xmldsig#sha1".into())
    );
}

// EN 319 132-1 §4.3.2, D214: QualifyingProperties whose Target names another signature are
// refused
#[test]
fn en_319_132_qualifying_properties_of_another_signature_are_refused() {
    if !tools() {
        return;
    }
    let list = XadesTemplate::default()
        .list()
        .replacen("Target=\"#xades-sig\"", "Target=\"#other-sig\"", 1);
    assert_eq!(
        verify_xades(&xmlsec1_sign("target", &list)).unwrap_err(),
        XmlDsigError::QualifyingPropertiesTarget {
            target: Some("#other-sig".into()),
            signature_id: Some("xades-sig".into()),
        }
    );
}

// EN 319 132-1 §5.2.2 (XAdES-BES requires the signing certificate property), D215: signed
// properties without SigningCertificate(V2) are refused
#[test]
fn en_319_132_signed_properties_without_signing_certificate_are_refused() {
    if !tools() {
        return;
    }
    let template = XadesTemplate::default().list();
    let start = template.find("<xades:SigningCertificateV2>").unwrap();
    let end = template.find("</xades:SigningCertificateV2>").unwrap() + "</xades:SigningCertificateV2>".len();
    let list = format!("{}{}", &template[..start], &template[end..]);
    assert_eq!(
        verify_xades(&xmlsec1_sign("no-signing-certificate", &list)).unwrap_err(),
        XmlDsigError::MissingXadesElement {
            element: "SigningCertificateV2",
            parent: "SignedSignatureProperties"
        }
    );
}

// D21, D214: in the XAdES profile a ds:Object that no SignedProperties reference signs is
// unsigned content and stays refused
#[test]
fn d214_object_without_signed_properties_reference_is_refused() {
    if !tools() {
        return;
    }
    let template = XadesTemplate::default().list();
    let start = template.find("<ds:Reference Type=").unwrap();
    let end = start + template[start..].find("</ds:Reference>").unwrap() + "</ds:Reference>".len();
    let list = format!("{}{}", &template[..start], &template[end..]);
    let error = verify_xades(&xmlsec1_sign("unreferenced-object", &list)).unwrap_err();
    assert!(
        matches!(&error, XmlDsigError::UnexpectedElement { element, parent: "Signature", .. } if element.ends_with("}Object")),
        "{error:?}"
    );
}
