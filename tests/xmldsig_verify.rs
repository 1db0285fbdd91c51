//! XML-DSig signing and verification in the crate: every algorithm round
//! trip, the report's certificate outcomes, and the attacks a strict
//! verifier must refuse, each with its typed error.
#![cfg(feature = "xml")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use demail::certificate::{Certificate, CertificateError};
use demail::crypto::{CryptoError, HashAlgorithm, SignatureScheme, SigningKey};
use demail::signer::CertifiedKey;
use demail::status::{CertificateStatus, Indication, SubIndication};
use demail::trust::KeyPolicy;
use demail::trust::{StatusPolicy, VerifyOptions};
use demail::xml::XmlError;
use demail::xmldsig::{
    Canonicalization, MAX_ATTRIBUTES, MAX_DEPTH, MAX_DOCUMENT_BYTES, SignatureMethod, XmlDsigError,
    XmlSignOptions, XmlSignatureFailure, canonicalize, sign_enveloped, verify,
};

const DOCUMENT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<Acknowledge xmlns=\"urn:example:ack\" xmlns:x=\"urn:example:x\" Id=\"ack-1\">\
<MessageId>m-1</MessageId><x:Status code=\"0\">delivered &amp; retrieved</x:Status></Acknowledge>\n";

fn pem(name: &str) -> String {
    let path = format!("tests/data/keys/{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn signer(name: &str) -> CertifiedKey {
    CertifiedKey::new(
        SigningKey::from_pkcs8_pem(&pem(&format!("{name}.key.pem"))).unwrap(),
        Certificate::from_pem(&pem(&format!("{name}.cert.pem"))).unwrap(),
    )
    .unwrap()
}

/// 2026-11-24T00:00:00Z: the test certificates are valid, short-lived is expired.
const AT_NOW: u64 = 1_795_478_400;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

struct Pki {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
}

fn pki() -> Pki {
    Pki {
        anchors: vec![
            Certificate::from_pem(&pem("ca.cert.pem")).unwrap(),
            Certificate::from_pem(&pem("bp-ca.cert.pem")).unwrap(),
        ],
        intermediates: vec![Certificate::from_pem(&pem("intermediate.cert.pem")).unwrap()],
    }
}

impl Pki {
    fn options(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            time: at(AT_NOW),
            trust_anchors: &self.anchors,
            intermediates: &self.intermediates,
            ..VerifyOptions::default()
        }
    }
}

fn signed_with(name: &str) -> String {
    let certified = signer(name);
    let signed = sign_enveloped(DOCUMENT.as_bytes(), &XmlSignOptions::new(&certified)).unwrap();
    String::from_utf8(signed).unwrap()
}

fn signed() -> String {
    signed_with("p256")
}

fn verify_str(xml: &str) -> Result<demail::xmldsig::XmlSignatureReport, XmlDsigError> {
    verify(xml.as_bytes(), &pki().options())
}

// ---------------------------------------------------------------- round trips

#[test]
fn every_signature_method_round_trips() {
    let pki = pki();
    let cases = [
        ("rsa3072", SignatureScheme::Rsa),
        ("rsa2048", SignatureScheme::Rsa),
        ("rsa3072", SignatureScheme::RsassaPss),
        ("p256", SignatureScheme::EcDsa),
        ("p384", SignatureScheme::EcDsa),
        ("bp256", SignatureScheme::EcDsa),
        ("bp384", SignatureScheme::EcDsa),
        ("bp-signer", SignatureScheme::EcDsa),
    ];
    for (name, scheme) in cases {
        let certified = signer(name);
        for hash in [
            HashAlgorithm::Sha256,
            HashAlgorithm::Sha384,
            HashAlgorithm::Sha512,
        ] {
            let options = XmlSignOptions::new(&certified)
                .scheme(scheme)
                .hash(hash)
                .digest(hash);
            let signed = sign_enveloped(DOCUMENT.as_bytes(), &options).unwrap();
            let report = verify(&signed, &pki.options()).unwrap();
            assert!(
                report.passed(),
                "{name} {scheme:?} {hash:?}: {:?}",
                report.failures
            );
            assert_eq!(report.signature_method, SignatureMethod { scheme, hash });
            assert_eq!(report.digest_method, hash);
            assert_eq!(report.trusted, Some(true));
        }
    }
}

#[test]
fn every_canonicalization_round_trips() {
    let pki = pki();
    let certified = signer("p384");
    for method in [
        Canonicalization::Inclusive,
        Canonicalization::InclusiveWithComments,
        Canonicalization::Exclusive {
            inclusive_prefixes: vec![],
        },
        Canonicalization::ExclusiveWithComments {
            inclusive_prefixes: vec!["x".into(), "#default".into()],
        },
    ] {
        let options = XmlSignOptions::new(&certified).canonicalization(method.clone());
        let signed = sign_enveloped(DOCUMENT.as_bytes(), &options).unwrap();
        let report = verify(&signed, &pki.options()).unwrap();
        assert!(report.passed(), "{method:?}: {:?}", report.failures);
        assert_eq!(report.canonicalization, method);
        assert_eq!(report.reference_canonicalization, method);
    }
}

// xmldsig-core §6.6.4: the signature goes where the enveloped transform
// removes it; TR 01201-3.4 §3.5.3: as the last child of the document element.
#[test]
fn signature_is_the_last_child_of_the_document_element() {
    let signed = signed();
    assert!(signed.contains("</x:Status><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"));
    assert!(signed.ends_with("</ds:Signature></Acknowledge>\n"));
    let certified = signer("p256");
    let empty = sign_enveloped(b"<a x='1'/>", &XmlSignOptions::new(&certified)).unwrap();
    let empty = String::from_utf8(empty).unwrap();
    assert!(empty.starts_with("<a x='1'><ds:Signature"), "{empty}");
    assert!(verify_str(&empty).unwrap().passed());
}

// The report's signed content is exactly what was digested.
#[test]
fn signed_content_is_the_digested_canonical_document_element() {
    let signed = signed();
    let report = verify_str(&signed).unwrap();
    let expected = canonicalize(DOCUMENT.as_bytes(), &Canonicalization::Inclusive).unwrap();
    assert_eq!(report.signed_content(), expected.as_slice());
    let digest = HashAlgorithm::Sha256.digest(report.signed_content());
    use base64::Engine;
    let digest = base64::engine::general_purpose::STANDARD.encode(digest);
    assert!(signed.contains(&format!("<ds:DigestValue>{digest}</ds:DigestValue>")));
}

// xmldsig-core §4.4.3.3: same-document references carry no comments, so a
// comment added after signing is not signed and not in the signed content.
#[test]
fn comments_added_after_signing_are_not_signed_content() {
    let signed = signed().replace("<MessageId>", "<!-- injected --><MessageId>");
    let report = verify_str(&signed).unwrap();
    assert!(report.passed());
    assert!(!String::from_utf8_lossy(report.signed_content()).contains("injected"));
}

// xmldsig-core §4.5 KeyInfo, D178: a key with the certificate of another
// key is no signer, so no KeyInfo can name a certificate the signature
// does not verify with.
#[test]
fn a_certificate_of_another_key_makes_no_signer() {
    let (key, _) = signer("p256").into_parts();
    let (_, other) = signer("p384").into_parts();
    assert!(matches!(
        CertifiedKey::new(key, other),
        Err(CryptoError::CertificateMismatch { .. })
    ));
}

#[test]
fn signing_a_signed_document_again_is_refused() {
    let certified = signer("p256");
    assert!(matches!(
        sign_enveloped(signed().as_bytes(), &XmlSignOptions::new(&certified)),
        Err(XmlDsigError::AlreadySigned { .. })
    ));
}

#[test]
fn ecdsa_scheme_with_rsa_key_is_a_crypto_error() {
    let certified = signer("rsa3072");
    let options = XmlSignOptions::new(&certified).scheme(SignatureScheme::EcDsa);
    assert!(matches!(
        sign_enveloped(DOCUMENT.as_bytes(), &options),
        Err(XmlDsigError::Crypto(CryptoError::KeyMismatch { .. }))
    ));
}

// ---------------------------------------------------------------- report outcomes

#[test]
fn changed_content_is_a_digest_mismatch() {
    let report = verify_str(&signed().replace("m-1", "m-2")).unwrap();
    assert!(!report.passed());
    assert!(!report.digest_ok);
    assert!(report.signature_ok);
    assert_eq!(report.failures, vec![XmlSignatureFailure::DigestMismatch]);
}

#[test]
fn changed_signed_info_is_a_bad_signature() {
    // An Id on SignedInfo changes its canonical form, not the digest.
    let report = verify_str(&signed().replace("<ds:SignedInfo>", "<ds:SignedInfo Id=\"si\">")).unwrap();
    assert!(report.digest_ok);
    assert_eq!(
        report.failures,
        vec![XmlSignatureFailure::BadSignature(CryptoError::BadSignature)]
    );
}

#[test]
fn signature_method_not_fitting_the_key_is_a_bad_signature() {
    let signed = signed_with("rsa3072").replace("#rsa-sha256", "#ecdsa-sha256");
    let report = verify_str(&signed).unwrap();
    assert!(matches!(
        report.failures.as_slice(),
        [XmlSignatureFailure::BadSignature(CryptoError::KeyMismatch { .. })]
    ));
}

#[test]
fn ecdsa_signature_value_of_the_wrong_width_is_refused() {
    // RFC 4050 §3.3: r||s, 32 bytes each on P-256. A DER value is not accepted.
    let signed = signed();
    let start = signed.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let end = signed.find("</ds:SignatureValue>").unwrap();
    let truncated = format!(
        "{}{}{}",
        &signed[..start],
        &signed[start..end - 8],
        &signed[end..]
    );
    assert!(matches!(
        verify_str(&truncated),
        Err(XmlDsigError::SignatureValueLength { expected: 64, .. })
    ));
}

#[test]
fn no_trust_anchors_is_not_a_pass() {
    let report = verify(
        signed().as_bytes(),
        &VerifyOptions {
            time: at(AT_NOW),
            ..VerifyOptions::default()
        },
    )
    .unwrap();
    assert!(report.digest_ok && report.signature_ok);
    assert_eq!(report.trusted, None);
    assert_eq!(report.failures, vec![XmlSignatureFailure::NoTrustAnchors]);
}

#[test]
fn untrusted_signer_fails_the_chain() {
    let report = verify_str(&signed_with("untrusted")).unwrap();
    assert_eq!(report.trusted, Some(false));
    assert!(matches!(
        report.failures.as_slice(),
        [XmlSignatureFailure::Certificate(CertificateError::Untrusted(_))]
    ));
}

#[test]
fn expired_certificate_fails() {
    let report = verify_str(&signed_with("short-lived")).unwrap();
    assert!(
        report.failures.iter().any(|f| matches!(
            f,
            XmlSignatureFailure::Certificate(CertificateError::Expired { .. })
        )),
        "{:?}",
        report.failures
    );
}

#[test]
fn certificate_without_signature_key_usage_fails() {
    let report = verify_str(&signed_with("no-signature-usage")).unwrap();
    assert!(report.failures.contains(&XmlSignatureFailure::Certificate(
        CertificateError::NoSignatureKeyUsage
    )));
}

#[test]
fn key_policy_applies_to_the_signer() {
    let pki = pki();
    let options = VerifyOptions {
        key_policy: KeyPolicy::tr_02102(),
        ..pki.options()
    };
    let report = verify(signed_with("rsa2048").as_bytes(), &options).unwrap();
    assert!(matches!(
        report.failures.as_slice(),
        [XmlSignatureFailure::Certificate(CertificateError::WeakKey { .. })]
    ));
}

// Review of issue 11, finding 5; D50: under the key policy a refused key is
// reported as the key, before and instead of the signature: a signature by
// a weak key over changed SignedInfo is not reported as tampering.
#[test]
fn weak_key_is_refused_before_the_xml_signature_is_tried() {
    let pki = pki();
    let options = VerifyOptions {
        key_policy: KeyPolicy::tr_02102(),
        ..pki.options()
    };
    let tampered = signed_with("rsa2048").replace("<ds:SignedInfo>", "<ds:SignedInfo Id=\"si\">");
    // Without the policy, the change is a bad signature.
    let report = verify(tampered.as_bytes(), &pki.options()).unwrap();
    assert_eq!(
        report.failures,
        vec![XmlSignatureFailure::BadSignature(CryptoError::BadSignature)]
    );
    let report = verify(tampered.as_bytes(), &options).unwrap();
    assert!(!report.signature_ok);
    assert!(
        matches!(
            report.failures.as_slice(),
            [XmlSignatureFailure::Certificate(CertificateError::WeakKey { .. })]
        ),
        "{:?}",
        report.failures
    );
}

// PVD FU Schritt 48 FC-03, D155: a required status that no evidence confirms is a failure
#[test]
fn required_status_without_evidence_is_reported() {
    let pki = pki();
    let options = VerifyOptions {
        status_policy: StatusPolicy::Require,
        ..pki.options()
    };
    let report = verify(signed().as_bytes(), &options).unwrap();
    assert_eq!(report.status, CertificateStatus::NotChecked);
    assert_eq!(
        report.indication,
        Indication::Indeterminate(SubIndication::TryLater)
    );
    assert_eq!(
        report.failures,
        vec![XmlSignatureFailure::Status(CertificateStatus::NotChecked)]
    );
    let report = verify(signed().as_bytes(), &pki.options()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

// ---------------------------------------------------------------- attacks

fn replace_transform(signed: &str, transforms: &str) -> String {
    let start = signed.find("<ds:Transforms>").unwrap();
    let end = signed.find("</ds:Transforms>").unwrap() + "</ds:Transforms>".len();
    format!(
        "{}<ds:Transforms>{transforms}</ds:Transforms>{}",
        &signed[..start],
        &signed[end..]
    )
}

const ENVELOPED: &str = "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>";

#[test]
fn attack_xslt_transform_is_forbidden() {
    let xslt = format!(
        "{ENVELOPED}<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\">\
<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"/></ds:Transform>"
    );
    assert!(matches!(
        verify_str(&replace_transform(&signed(), &xslt)),
        Err(XmlDsigError::ForbiddenTransform(_))
    ));
}

#[test]
fn attack_xpath_transforms_are_forbidden() {
    for (uri, body) in [
        (
            "http://www.w3.org/TR/1999/REC-xpath-19991116",
            "<ds:XPath>1</ds:XPath>",
        ),
        (
            "http://www.w3.org/2002/06/xmldsig-filter2",
            "<f:XPath xmlns:f=\"http://www.w3.org/2002/06/xmldsig-filter2\" Filter=\"union\">/</f:XPath>",
        ),
    ] {
        let xpath = format!("{ENVELOPED}<ds:Transform Algorithm=\"{uri}\">{body}</ds:Transform>");
        assert!(matches!(
            verify_str(&replace_transform(&signed(), &xpath)),
            Err(XmlDsigError::ForbiddenTransform(_))
        ));
    }
}

#[test]
fn attack_unknown_transform_is_unsupported() {
    let base64 = format!("{ENVELOPED}<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\"/>");
    assert!(matches!(
        verify_str(&replace_transform(&signed(), &base64)),
        Err(XmlDsigError::UnsupportedAlgorithm {
            element: "Transform",
            ..
        })
    ));
}

#[test]
fn attack_transform_chain_without_enveloped_signature_is_refused() {
    let c14n = "<ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>";
    assert!(matches!(
        verify_str(&replace_transform(&signed(), c14n)),
        Err(XmlDsigError::UnsupportedTransforms(_))
    ));
    let reversed = format!("{c14n}{ENVELOPED}");
    assert!(matches!(
        verify_str(&replace_transform(&signed(), &reversed)),
        Err(XmlDsigError::UnsupportedTransforms(_))
    ));
}

#[test]
fn attack_too_many_transforms_are_refused() {
    let c14n = "<ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>";
    let three = format!("{ENVELOPED}{c14n}{c14n}");
    assert!(matches!(
        verify_str(&replace_transform(&signed(), &three)),
        Err(XmlDsigError::TooManyTransforms { count: 3 })
    ));
}

#[test]
fn attack_second_reference_is_refused() {
    let signed = signed();
    let start = signed.find("<ds:Reference").unwrap();
    let end = signed.find("</ds:Reference>").unwrap() + "</ds:Reference>".len();
    let doubled = format!("{}{}{}", &signed[..end], &signed[start..end], &signed[end..]);
    assert!(matches!(
        verify_str(&doubled),
        Err(XmlDsigError::TooManyReferences { count: 2 })
    ));
}

#[test]
fn attack_external_and_xpointer_references_are_refused() {
    for uri in [
        "http://evil.example/doc.xml",
        "doc.xml",
        "#xpointer(/)",
        "#xpointer(id('ack-1'))",
        "#",
    ] {
        let changed = signed().replace("URI=\"\"", &format!("URI=\"{uri}\""));
        assert!(
            matches!(verify_str(&changed), Err(XmlDsigError::ForeignReference(ref u)) if u == uri),
            "{uri}"
        );
    }
}

#[test]
fn id_reference_to_the_document_element_is_accepted() {
    // The digest of #ack-1 equals that of "" here (no PIs outside the element),
    // but the signature over SignedInfo no longer matches: BadSignature, not an error.
    let changed = signed().replace("URI=\"\"", "URI=\"#ack-1\"");
    let report = verify_str(&changed).unwrap();
    assert!(report.digest_ok);
    assert_eq!(report.reference_uri, "#ack-1");
    assert!(!report.signature_ok);
}

#[test]
fn attack_unresolved_or_duplicate_id_is_refused() {
    let changed = signed().replace("URI=\"\"", "URI=\"#nope\"");
    assert!(matches!(
        verify_str(&changed),
        Err(XmlDsigError::UnresolvedReference(_))
    ));
    let duplicate = signed()
        .replace("URI=\"\"", "URI=\"#ack-1\"")
        .replace("<MessageId>", "<MessageId Id=\"ack-1\">");
    assert!(matches!(
        verify_str(&duplicate),
        Err(XmlDsigError::UnresolvedReference(_))
    ));
}

// Signature wrapping: the signed element is moved under a new document
// element next to the signature; the reference now names a child.
#[test]
fn attack_signature_wrapping_by_id_is_refused() {
    let certified = signer("p256");
    let signed = sign_enveloped(DOCUMENT.as_bytes(), &XmlSignOptions::new(&certified)).unwrap();
    let signed = String::from_utf8(signed)
        .unwrap()
        .replace("URI=\"\"", "URI=\"#ack-1\"");
    let sig_start = signed.find("<ds:Signature").unwrap();
    let sig_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &signed[sig_start..sig_end];
    let original = format!("{}{}", &signed[..sig_start], &signed[sig_end..]);
    let body_start = original.find("<Acknowledge").unwrap();
    let wrapped = format!(
        "<Acknowledge xmlns=\"urn:example:ack\"><MessageId>evil</MessageId>{}{signature}</Acknowledge>",
        original[body_start..]
            .trim_end()
            .replace("Id=\"ack-1\"", "Id=\"ack-1\" "),
    );
    assert!(matches!(
        verify_str(&wrapped),
        Err(XmlDsigError::ReferencedElementNotRoot { .. })
    ));
}

#[test]
fn attack_signature_outside_the_document_element_is_refused() {
    let signed = signed();
    let sig_start = signed.find("<ds:Signature").unwrap();
    let sig_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &signed[sig_start..sig_end];
    let nested = format!(
        "{}<Extension>{signature}</Extension>{}",
        &signed[..sig_start],
        &signed[sig_end..]
    );
    assert!(matches!(
        verify_str(&nested),
        Err(XmlDsigError::SignatureNotChildOfRoot { .. })
    ));
}

#[test]
fn attack_two_signatures_are_refused() {
    let signed = signed();
    let sig_start = signed.find("<ds:Signature").unwrap();
    let sig_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let twice = format!(
        "{}{}{}",
        &signed[..sig_end],
        &signed[sig_start..sig_end],
        &signed[sig_end..]
    );
    assert!(matches!(
        verify_str(&twice),
        Err(XmlDsigError::MultipleSignatures { .. })
    ));
}

#[test]
fn unsigned_document_has_no_signature() {
    assert!(matches!(verify_str(DOCUMENT), Err(XmlDsigError::NoSignature)));
}

#[test]
fn attack_dtd_and_entity_declarations_are_refused() {
    let laughs =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n";
    let signed = signed().replacen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", laughs, 1);
    assert!(matches!(
        verify_str(&signed),
        Err(XmlDsigError::Xml(XmlError::Doctype { .. }))
    ));
    let undefined = self::signed().replace("m-1", "&lol2;");
    assert!(matches!(
        verify_str(&undefined),
        Err(XmlDsigError::Xml(XmlError::Entity { .. }))
    ));
}

#[test]
fn attack_sha1_is_refused() {
    let digest = signed().replace(
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2000/09/xmldsig#sha1",
    );
    assert!(matches!(verify_str(&digest), Err(XmlDsigError::Sha1Forbidden(_))));
    let method = signed_with("rsa3072").replace(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    );
    assert!(matches!(verify_str(&method), Err(XmlDsigError::Sha1Forbidden(_))));
    let ecdsa = signed().replace("#ecdsa-sha256", "#ecdsa-sha1");
    assert!(matches!(verify_str(&ecdsa), Err(XmlDsigError::Sha1Forbidden(_))));
}

#[test]
fn attack_hmac_is_refused() {
    for uri in [
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
    ] {
        let hmac = signed().replace("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", uri);
        assert!(
            matches!(verify_str(&hmac), Err(XmlDsigError::HmacForbidden(_))),
            "{uri}"
        );
    }
}

#[test]
fn unknown_signature_and_c14n_algorithms_are_unsupported() {
    let c14n11 = signed().replacen(
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"",
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"",
        1,
    );
    assert!(matches!(
        verify_str(&c14n11),
        Err(XmlDsigError::UnsupportedAlgorithm {
            element: "CanonicalizationMethod",
            ..
        })
    ));
    let dsa = signed().replace(
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2009/xmldsig11#dsa-sha256",
    );
    assert!(matches!(
        verify_str(&dsa),
        Err(XmlDsigError::UnsupportedAlgorithm {
            element: "SignatureMethod",
            ..
        })
    ));
}

#[test]
fn object_and_foreign_elements_in_the_signature_are_refused() {
    let object = signed().replace("</ds:KeyInfo>", "</ds:KeyInfo><ds:Object>x</ds:Object>");
    assert!(matches!(
        verify_str(&object),
        Err(XmlDsigError::UnexpectedElement {
            parent: "Signature",
            ..
        })
    ));
    let foreign = signed().replace("<ds:SignedInfo>", "<ds:SignedInfo><evil xmlns=\"urn:e\"/>");
    assert!(matches!(
        verify_str(&foreign),
        Err(XmlDsigError::UnexpectedElement {
            parent: "SignedInfo",
            ..
        })
    ));
}

#[test]
fn missing_key_info_certificate_is_refused() {
    let signed = signed();
    let start = signed.find("<ds:KeyInfo>").unwrap();
    let end = signed.find("</ds:KeyInfo>").unwrap() + "</ds:KeyInfo>".len();
    let without = format!("{}{}", &signed[..start], &signed[end..]);
    assert!(matches!(verify_str(&without), Err(XmlDsigError::NoCertificate)));
}

#[test]
fn limits_bound_size_depth_and_attributes() {
    let large = format!("<a>{}</a>", "x".repeat(MAX_DOCUMENT_BYTES));
    assert!(matches!(
        verify_str(&large),
        Err(XmlDsigError::Xml(XmlError::TooLarge { .. }))
    ));
    let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
    assert!(matches!(
        verify_str(&deep),
        Err(XmlDsigError::Xml(XmlError::TooDeep { .. }))
    ));
    let attributes: String = (0..=MAX_ATTRIBUTES).map(|i| format!(" a{i}=\"\"")).collect();
    assert!(matches!(
        verify_str(&format!("<a{attributes}/>")),
        Err(XmlDsigError::Xml(XmlError::TooManyAttributes { .. }))
    ));
}
