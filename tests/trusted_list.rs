//! EU trusted lists (ETSI TS 119 612) as trust anchors (issue 13 §7;
//! docs/decisions.md D203, D204): small lists made by the test, signed by
//! the crate's XML-DSig and by xmlsec1, verified against the caller's
//! trusted-list signer; only the granted CA/QC services' certificates
//! become anchors, and a changed list or another signer refuses the whole
//! list. XAdES-BES signed lists (as the EU member states sign them, TS 119
//! 612 §5.7.1) are signed by xmlsec1 and accepted or refused by the XAdES
//! rules (D213–D215).
#![cfg(feature = "xml")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use demail::certificate::Certificate;
use demail::envelope::Envelope;
use demail::integrity::{SignOptions, Verdict, sign, verify};
use demail::trust::VerifyOptions;
use demail::trusted_list::{STATUS_GRANTED, TrustedList, TrustedListError};
use demail::xmldsig::{XmlDsigError, XmlSignOptions, XmlSignatureFailure, sign_enveloped};

use common::tool_available;
use common::trusted_list::{
    C14N, EXC_C14N, SIGNED_PROPERTIES, WITHDRAWN, XadesTemplate, list_reference, openssl_certificate_digest,
    reference, trusted_list, trusted_list_until, xmlsec1_sign,
};

/// The trusted-list signer of these tests: the committed P-256 certificate.
fn signer() -> Certificate {
    common::cert("p256")
}

fn signed_by_the_crate() -> Vec<u8> {
    sign_enveloped(
        trusted_list("").as_bytes(),
        &XmlSignOptions::new(&common::signer("p256")),
    )
    .unwrap()
}

// TS 119 612 §5.5.1, §5.5.4, D203: of a list whose signature verifies with the caller's
// signer, only the granted CA/QC services' certificates are anchors (not a withdrawn CA, not
// one granted only in its history, not a granted time-stamping service)
#[test]
fn ts_119_612_granted_qualified_cas_are_the_trust_anchors() {
    let list = TrustedList::verify(&signed_by_the_crate(), &[signer()], SystemTime::now()).unwrap();
    assert_eq!(list.services.len(), 4);
    assert_eq!(list.services[0].name.as_deref(), Some("Test QCA"));
    assert_eq!(list.services[1].status, WITHDRAWN);
    assert_eq!(list.trust_anchors(), [common::cert("ca")]);
    assert_eq!(list.signer, signer());
}

// TR 01201-3.4 §3.1.21, D203: a message whose provider certificate chains to a CA of the list
// passes with the list's anchors
#[test]
fn ts_119_612_list_anchors_verify_a_provider_signature() {
    let list = TrustedList::verify(&signed_by_the_crate(), &[signer()], SystemTime::now()).unwrap();
    let anchors = list.trust_anchors();
    let intermediates = [common::cert("intermediate")];
    let message = sign(
        &common::data("normal.eml"),
        &SignOptions::signed(&common::signer("rsa2048")),
    )
    .unwrap();
    let options = VerifyOptions {
        time: SystemTime::now(),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        ..VerifyOptions::default()
    };
    let report = verify(&Envelope::parse(&message).unwrap(), &options);
    assert_eq!(report.verdict, Verdict::Pass);
}

// D203: a list changed after signing (a withdrawn CA set to granted) is refused as a whole
#[test]
fn ts_119_612_tampered_list_is_refused() {
    let signed = String::from_utf8(signed_by_the_crate()).unwrap();
    let tampered = signed.replacen(WITHDRAWN, STATUS_GRANTED, 1);
    assert_ne!(tampered, signed);
    let error = TrustedList::verify(tampered.as_bytes(), &[signer()], SystemTime::now()).unwrap_err();
    assert_eq!(
        error,
        TrustedListError::SignatureFailed(vec![XmlSignatureFailure::DigestMismatch])
    );
}

// TS 119 612 §5.7, D203: a list signed by another certificate than the caller's trusted-list
// signer is refused, even when the signature itself is valid
#[test]
fn ts_119_612_list_of_another_signer_is_refused() {
    let error =
        TrustedList::verify(&signed_by_the_crate(), &[common::cert("p384")], SystemTime::now()).unwrap_err();
    assert!(matches!(error, TrustedListError::WrongSigner { .. }), "{error:?}");
    let unsigned = trusted_list("");
    assert!(matches!(
        TrustedList::verify(unsigned.as_bytes(), &[signer()], SystemTime::now()),
        Err(TrustedListError::Signature(_))
    ));
}

// D203: the signed document must be a TrustServiceStatusList
#[test]
fn ts_119_612_other_signed_documents_are_not_trusted_lists() {
    let other = sign_enveloped(
        b"<Acknowledge xmlns=\"urn:example\"><Id>1</Id></Acknowledge>",
        &XmlSignOptions::new(&common::signer("p256")),
    )
    .unwrap();
    assert!(matches!(
        TrustedList::verify(&other, &[signer()], SystemTime::now()),
        Err(TrustedListError::NotATrustedList { .. })
    ));
}

/// An enveloped-signature template for xmlsec1 (ECDSA P-256, exclusive C14N).
const TEMPLATE: &str = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>\
<ds:Reference URI=\"\"><ds:Transforms>\
<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>\
<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>\
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>";

// TS 119 612 §5.7.1, D203: a list signed by xmlsec1 (an independent XML-DSig implementation)
// verifies with the same signer and gives the same anchors; changed, it is refused
#[test]
fn ts_119_612_list_signed_by_xmlsec1_is_read() {
    if !tool_available("xmlsec1") {
        return;
    }
    let signed = xmlsec1_sign("enveloped", &trusted_list(TEMPLATE));
    let list = TrustedList::verify(&signed, &[signer()], SystemTime::now()).unwrap();
    assert_eq!(list.trust_anchors(), [common::cert("ca")]);
    let tampered = String::from_utf8(signed)
        .unwrap()
        .replacen("Test QCA", "Evil QCA", 1);
    assert!(matches!(
        TrustedList::verify(tampered.as_bytes(), &[signer()], SystemTime::now()),
        Err(TrustedListError::SignatureFailed(_))
    ));
}

// TS 119 612 §5.3.14, §5.3.15, D203: a list past its NextUpdate is not current and is refused;
// so is a closed list (no NextUpdate date)
#[test]
fn ts_119_612_list_past_its_next_update_is_refused() {
    let list_signer = common::signer("p256");
    let sign_list = |xml: String| sign_enveloped(xml.as_bytes(), &XmlSignOptions::new(&list_signer)).unwrap();
    let stale = sign_list(trusted_list_until("", "2025-06-01T00:00:00Z"));
    assert!(matches!(
        TrustedList::verify(&stale, &[signer()], SystemTime::now()),
        Err(TrustedListError::NotCurrent { next_update: Some(_) })
    ));
    let closed = sign_list(trusted_list("").replace(
        "<NextUpdate><dateTime>2045-01-01T00:00:00Z</dateTime></NextUpdate>",
        "<NextUpdate/>",
    ));
    assert_eq!(
        TrustedList::verify(&closed, &[signer()], SystemTime::now()),
        Err(TrustedListError::NotCurrent { next_update: None })
    );
}

// D203: a signed list cut short anywhere is refused with a typed error, never a panic
#[test]
fn ts_119_612_truncated_lists_are_refused() {
    let signed = signed_by_the_crate();
    for end in (0..signed.len()).step_by(37) {
        assert!(
            TrustedList::verify(&signed[..end], &[signer()], SystemTime::now()).is_err(),
            "cut at {end}"
        );
    }
}

// ---- XAdES-BES signed lists (TS 119 612 §5.7.1, ETSI EN 319 132-1; D213-D215) ----

fn xades_tools() -> bool {
    tool_available("xmlsec1") && tool_available("openssl")
}

fn verify_list(xml: &[u8]) -> Result<TrustedList, TrustedListError> {
    TrustedList::verify(xml, &[signer()], SystemTime::now())
}

// TS 119 612 §5.7.1, EN 319 132-1 §4.3 and §5.2.2, D213: a list signed as XAdES-BES by xmlsec1
// (two references: the list and xades:SignedProperties, whose SigningCertificateV2 digest
// openssl computed) is accepted, and its granted CA/QC services become the anchors
#[test]
fn ts_119_612_xades_bes_list_signed_by_xmlsec1_is_accepted() {
    if !xades_tools() || !tool_available("xmllint") {
        return;
    }
    let signed = XadesTemplate::default().sign_with_xmlsec1("accepted");
    let text = String::from_utf8(signed.clone()).unwrap();
    assert_eq!(text.matches("<ds:Reference ").count(), 2, "{text}");
    // xmlsec1 checks its own output with the SignedProperties IDs registered.
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xades/accepted-signed.xml");
    let checked = Command::new("xmlsec1")
        .args(["--verify", "--id-attr:Id", "SignedProperties", "--trusted-pem"])
        .arg(common::path("keys/ca.cert.pem"))
        .arg("--untrusted-pem")
        .arg(common::path("keys/intermediate.cert.pem"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    // Well-formed (the XAdES schema is not available offline).
    let linted = Command::new("xmllint")
        .arg("--noout")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        linted.status.success(),
        "{}",
        String::from_utf8_lossy(&linted.stderr)
    );

    let list = verify_list(&signed).unwrap();
    assert_eq!(list.trust_anchors(), [common::cert("ca")]);
    assert_eq!(list.signer, signer());
}

// EN 319 132-1 §4.3 (D214): SignedProperties canonicalized with exclusive C14N is accepted too
#[test]
fn en_319_132_signed_properties_with_exclusive_c14n_are_accepted() {
    if !xades_tools() {
        return;
    }
    let template = XadesTemplate {
        properties_c14n: EXC_C14N,
        ..XadesTemplate::default()
    };
    let list = verify_list(&template.sign_with_xmlsec1("exclusive")).unwrap();
    assert_eq!(list.trust_anchors(), [common::cert("ca")]);
}

// EN 319 132-1 §4.3, D214: a SigningTime edited after signing breaks the SignedProperties
// digest: the whole list is refused
#[test]
fn en_319_132_edited_signing_time_is_a_signed_properties_digest_mismatch() {
    if !xades_tools() {
        return;
    }
    let signed = String::from_utf8(XadesTemplate::default().sign_with_xmlsec1("signing-time")).unwrap();
    let edited = signed.replacen("2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z", 1);
    assert_ne!(edited, signed);
    assert_eq!(
        verify_list(edited.as_bytes()).unwrap_err(),
        TrustedListError::SignatureFailed(vec![XmlSignatureFailure::SignedPropertiesDigestMismatch])
    );
}

// EN 319 132-1 §5.2.2, D215: a SigningCertificateV2 whose CertDigest is that of another
// certificate than the one that verified the signature refuses the list
#[test]
fn en_319_132_signing_certificate_digest_of_another_certificate_is_refused() {
    if !xades_tools() {
        return;
    }
    let template = XadesTemplate {
        certificate_digest_of: "ca",
        ..XadesTemplate::default()
    };
    assert_eq!(
        verify_list(&template.sign_with_xmlsec1("other-certificate")).unwrap_err(),
        TrustedListError::SignatureFailed(vec![XmlSignatureFailure::SigningCertificateMismatch])
    );
}

// EN 319 132-1 §4.3, D214: a third reference (here a second one to the list) is refused,
// and so is a second reference to SignedProperties
#[test]
fn en_319_132_third_reference_is_refused() {
    if !xades_tools() {
        return;
    }
    let third = XadesTemplate {
        extra_references: &list_reference(),
        ..XadesTemplate::default()
    };
    assert_eq!(
        verify_list(&third.sign_with_xmlsec1("third-reference")).unwrap_err(),
        TrustedListError::Signature(XmlDsigError::XadesReferences {
            count: 3,
            signed_properties: 1
        })
    );
    let second_properties = reference("#xades-sp", SIGNED_PROPERTIES, &[C14N]);
    let twice = XadesTemplate {
        extra_references: &second_properties,
        ..XadesTemplate::default()
    };
    assert_eq!(
        verify_list(&twice.sign_with_xmlsec1("second-properties")).unwrap_err(),
        TrustedListError::Signature(XmlDsigError::XadesReferences {
            count: 3,
            signed_properties: 2
        })
    );
}

// EN 319 132-1 §4.3, D214: a SignedProperties reference whose ID names a SignedProperties
// outside this signature's QualifyingProperties (here one in the list) is refused
#[test]
fn en_319_132_signed_properties_outside_the_qualifying_properties_are_refused() {
    if !xades_tools() {
        return;
    }
    let elsewhere = format!(
        "<xades:SignedProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Id=\"elsewhere\">\
         <xades:SignedSignatureProperties><xades:SigningCertificateV2><xades:Cert><xades:CertDigest>\
         <ds:DigestMethod xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
         <ds:DigestValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{}</ds:DigestValue>\
         </xades:CertDigest></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties></xades:SignedProperties>",
        openssl_certificate_digest("p256")
    );
    let template = XadesTemplate {
        properties_uri: "#elsewhere",
        in_list: &elsewhere,
        ..XadesTemplate::default()
    };
    let error = verify_list(&template.sign_with_xmlsec1("elsewhere")).unwrap_err();
    assert!(
        matches!(
            &error,
            TrustedListError::Signature(XmlDsigError::ReferencedElementNotSignedProperties { id, .. }) if id == "elsewhere"
        ),
        "{error:?}"
    );
}

// D25, D214: an ID carried by two elements is refused, even where both digests still hold
// (the second Id on ds:Object is covered by no reference)
#[test]
fn en_319_132_duplicate_signed_properties_ids_are_refused() {
    if !xades_tools() {
        return;
    }
    let signed = String::from_utf8(XadesTemplate::default().sign_with_xmlsec1("duplicate-id")).unwrap();
    let duplicated = signed.replacen("<ds:Object>", "<ds:Object Id=\"xades-sp\">", 1);
    assert_ne!(duplicated, signed);
    assert_eq!(
        verify_list(duplicated.as_bytes()).unwrap_err(),
        TrustedListError::Signature(XmlDsigError::UnresolvedReference("xades-sp".into()))
    );
}
