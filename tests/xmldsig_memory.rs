//! Memory bounds of XML-DSig processing (docs/decisions.md D23): documents
//! are streamed, never stored as a list of nodes, and what can still grow
//! — the signature's tree, the canonical form — has a typed limit.
//! Peak memory itself is measured outside the tests with
//! `examples/xmldsig_memory.rs` (see its doc comment); these tests check the
//! outcomes and the limits.
#![cfg(feature = "xml")]

use demail::certificate::Certificate;
use demail::crypto::SigningKey;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::xmldsig::{
    Canonicalization, MAX_CANONICAL_BYTES, MAX_DOCUMENT_BYTES, MAX_SIGNATURE_ELEMENTS, XmlDsigError,
    XmlSignOptions, canonicalize, sign_enveloped, verify,
};

/// `head`, then `unit` as often as fits in `size` bytes, then `tail`.
fn fill(size: usize, head: &str, unit: &str, tail: &str) -> String {
    let count = (size - head.len() - tail.len()) / unit.len();
    let mut xml = String::with_capacity(size);
    xml.push_str(head);
    xml.push_str(&unit.repeat(count));
    xml.push_str(tail);
    xml
}

fn signer() -> CertifiedKey {
    let read = |name: &str| std::fs::read_to_string(format!("tests/data/keys/{name}")).unwrap();
    CertifiedKey::new(
        SigningKey::from_pkcs8_pem(&read("p256.key.pem")).unwrap(),
        Certificate::from_pem(&read("p256.cert.pem")).unwrap(),
    )
    .unwrap()
}

fn sign(xml: &str) -> String {
    String::from_utf8(sign_enveloped(xml.as_bytes(), &XmlSignOptions::new(&signer())).unwrap()).unwrap()
}

#[test]
fn memory_bound_four_million_empty_elements_are_streamed_to_no_signature() {
    // The reviewer's case: 16 MiB of `<a/>` took 1.15 GB as a node list.
    let xml = fill(MAX_DOCUMENT_BYTES, "<r>", "<a/>", "</r>");
    assert_eq!(xml.len(), MAX_DOCUMENT_BYTES - 1);
    let elements = xml.matches("<a/>").count();
    assert!(elements > 4_000_000, "{elements}");
    assert_eq!(
        verify(xml.as_bytes(), &VerifyOptions::default()).unwrap_err(),
        XmlDsigError::NoSignature
    );
}

#[test]
fn memory_bound_sixteen_megabytes_of_references_are_streamed_to_no_signature() {
    let xml = fill(MAX_DOCUMENT_BYTES, "<r>", "&amp;", "</r>");
    assert_eq!(
        verify(xml.as_bytes(), &VerifyOptions::default()).unwrap_err(),
        XmlDsigError::NoSignature
    );
}

#[test]
fn memory_bound_large_signed_document_round_trips() {
    // 1 MiB: signing and verifying read it five times (a debug build is slow).
    let xml = fill(MAX_DOCUMENT_BYTES / 16, "<r>", "<a/>", "</r>");
    let signed = sign(&xml);
    let report = verify(signed.as_bytes(), &VerifyOptions::default()).unwrap();
    assert!(report.digest_ok && report.signature_ok, "{:?}", report.failures);
    let canonical = canonicalize(xml.as_bytes(), &Canonicalization::Inclusive).unwrap();
    assert_eq!(report.signed_content(), canonical);
}

/// The signed test document with `extra` `ds:KeyName` elements added to
/// `ds:KeyInfo`, and the offset of the last one added.
fn padded_signature(extra: usize) -> (String, usize) {
    let signed = sign("<doc><a>1</a></doc>");
    let at = signed.find("</ds:KeyInfo>").unwrap();
    let padding = "<ds:KeyName>k</ds:KeyName>".repeat(extra);
    let last = at + padding.len() - "<ds:KeyName>k</ds:KeyName>".len();
    (format!("{}{padding}{}", &signed[..at], &signed[at..]), last)
}

#[test]
fn memory_bound_signature_elements_are_limited() {
    let signed = sign("<doc><a>1</a></doc>");
    let own = signed.matches("<ds:").count();
    // Up to the limit the signature is read (KeyName is ignored) and checked.
    let (at_limit, _) = padded_signature(MAX_SIGNATURE_ELEMENTS - own);
    let report = verify(at_limit.as_bytes(), &VerifyOptions::default()).unwrap();
    assert!(report.digest_ok && report.signature_ok, "{:?}", report.failures);
    // One more element is refused where it starts.
    let (over, last) = padded_signature(MAX_SIGNATURE_ELEMENTS - own + 1);
    assert_eq!(
        verify(over.as_bytes(), &VerifyOptions::default()).unwrap_err(),
        XmlDsigError::TooManySignatureElements {
            offset: last,
            limit: MAX_SIGNATURE_ELEMENTS,
        }
    );
}

#[test]
fn memory_bound_signature_padded_with_millions_of_children_is_refused() {
    let xml = fill(
        MAX_DOCUMENT_BYTES,
        "<r><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
        "<a/>",
        "</ds:Signature></r>",
    );
    assert!(matches!(
        verify(xml.as_bytes(), &VerifyOptions::default()),
        Err(XmlDsigError::TooManySignatureElements {
            limit: MAX_SIGNATURE_ELEMENTS,
            ..
        })
    ));
}

#[test]
fn memory_bound_exclusive_c14n_namespace_redeclarations_are_limited() {
    // Exc-C14N §3 renders `xmlns:p` on every `p:a`, because their output
    // parent `r` does not use `p`: 40 copies of a 1 MiB URI pass the limit.
    let uri = format!("urn:{}", "u".repeat(1 << 20));
    let siblings = MAX_CANONICAL_BYTES / uri.len() + 8;
    let xml = format!("<r xmlns:p=\"{uri}\">{}</r>", "<p:a/>".repeat(siblings));
    let exclusive = Canonicalization::Exclusive {
        inclusive_prefixes: vec![],
    };
    let error = canonicalize(xml.as_bytes(), &exclusive).unwrap_err();
    let XmlDsigError::CanonicalTooLarge { offset, limit } = error else {
        panic!("{error:?}");
    };
    assert_eq!(limit, MAX_CANONICAL_BYTES);
    // The offset is the end of the `p:a` whose declaration passed the limit.
    assert!(xml[..offset].ends_with("<p:a/>"), "{offset}");
    // Inclusive C14N declares the namespace once, on `r`.
    let inclusive = canonicalize(xml.as_bytes(), &Canonicalization::Inclusive).unwrap();
    assert_eq!(
        inclusive.len(),
        xml.len() + siblings * "</p:a>".len() - siblings * "/".len()
    );
}
