//! XML signatures (XML-DSig) for De-Mail XML: Canonical XML, enveloped
//! signatures, signing and strict verification, in pure Rust.
//!
//! Needs the cargo feature `xml` (on by default: `provider` implies it).
//!
//! The confirmation XML `Acknowledge-Message` carries a qualified XML
//! signature (qualifizierte elektronische Signatur) `ds:Signature` over the
//! element that contains it (TR 01201-3.4 §3.5.1, schema §3.5.3); the ident
//! confirmation uses the same mechanism with the enveloped-signature
//! transform and inclusive C14N 1.0 (IDIO §2.6). This module implements
//! exactly that profile of XML-DSig 1.0 (W3C xmldsig-core, second edition):
//!
//! - [`canonicalize`]: Canonical XML 1.0 and Exclusive XML Canonicalization
//!   1.0, with and without comments, over a whole document
//!   ([`canonicalize_element`] for one element's subtree).
//! - [`sign_enveloped`]: an enveloped signature over the document element:
//!   one `Reference URI=""` with the enveloped-signature and C14N
//!   transforms, RSA PKCS#1 v1.5, RSA-PSS (RFC 6931) or ECDSA (RFC 4050),
//!   SHA-256/384/512, and the signer certificate in `KeyInfo/X509Data`.
//! - [`verify()`]: checks such a signature and returns an
//!   [`XmlSignatureReport`] whose [`XmlSignatureReport::signed_content`] is
//!   exactly what was digested.
//! - [`verify_with`]: the same, or with [`XmlProfile::EnvelopedOrXades`]
//!   also XAdES-BES (ETSI EN 319 132-1) as the EU trusted lists are signed
//!   (TS 119 612 §5.7.1): one more reference, to this signature's
//!   `xades:SignedProperties`, whose `SigningCertificate(V2)` must name
//!   the signer certificate ([`XmlSignatureReport::xades`], D213–D215).
//!
//! The crypto is that of the integrity layer ([`crate::crypto`]), the
//! certificate checks those of [`crate::certificate`]. Nothing is fetched:
//! only same-document references are followed.
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::crypto::SigningKey;
//! use demail::signer::CertifiedKey;
//! use demail::trust::VerifyOptions;
//! use demail::xmldsig::{sign_enveloped, verify, XmlSignOptions};
//!
//! let key = SigningKey::from_pkcs8_pem(include_str!("../../tests/data/keys/p256.key.pem"))?;
//! let certificate = Certificate::from_pem(include_str!("../../tests/data/keys/p256.cert.pem"))?;
//! let signer = CertifiedKey::new(key, certificate)?;
//! let anchors = Certificate::all_from_pem(include_str!("../../tests/data/keys/ca.cert.pem"))?;
//! let intermediates = [Certificate::from_pem(include_str!("../../tests/data/keys/intermediate.cert.pem"))?];
//!
//! let xml = br#"<Acknowledge xmlns="urn:example"><Id>42</Id></Acknowledge>"#;
//! let signed = sign_enveloped(xml, &XmlSignOptions::new(&signer))?;
//!
//! let options = VerifyOptions {
//!     trust_anchors: &anchors,
//!     intermediates: &intermediates,
//!     ..VerifyOptions::default()
//! };
//! let report = verify(&signed, &options)?;
//! assert!(report.passed(), "{:?}", report.failures);
//! // Read what was signed, not the document around it.
//! assert_eq!(report.signed_content(), br#"<Acknowledge xmlns="urn:example"><Id>42</Id></Acknowledge>"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Strictness
//! Structural problems are errors ([`XmlDsigError`]): what the one XML
//! reader of [`crate::xml`] refuses (a DTD, an undefined entity, ...),
//! more than one `Signature`, a `Signature` that is not a child of
//! the document element, a reference to anything but the document element,
//! transforms other than enveloped-signature and C14N (XSLT, XPath, ...),
//! unknown algorithms, SHA-1 and HMAC, and documents beyond the size, depth
//! and attribute limits ([`MAX_DOCUMENT_BYTES`], [`MAX_DEPTH`],
//! [`MAX_ATTRIBUTES`], [`MAX_SIGNATURE_ELEMENTS`], [`MAX_CANONICAL_BYTES`]).
//! Documents are streamed, never stored as a node list, so memory stays a
//! small multiple of the input. Cryptographic and certificate outcomes are in the
//! report. See docs/decisions.md D21–D29; XAdES D213–D216.
//!
mod algorithms;
mod c14n;
mod sign;
mod signature;
mod verify;
mod xades;

pub use algorithms::SignatureMethod;
pub use c14n::MAX_CANONICAL_BYTES;

/// The largest document accepted, in bytes ([`XmlLimits::XMLDSIG`]).
pub const MAX_DOCUMENT_BYTES: usize = XmlLimits::XMLDSIG.max_bytes;
/// The deepest element nesting accepted ([`XmlLimits::XMLDSIG`]).
pub const MAX_DEPTH: usize = XmlLimits::XMLDSIG.max_depth;
/// The most attributes (namespace declarations included) on one element
/// ([`XmlLimits::XMLDSIG`]).
pub const MAX_ATTRIBUTES: usize = XmlLimits::XMLDSIG.max_attributes;
pub use sign::{XmlSignOptions, sign_enveloped};
pub use signature::MAX_SIGNATURE_ELEMENTS;
pub use verify::{XmlSignatureFailure, XmlSignatureReport, verify, verify_with};
pub use xades::{XADES_NAMESPACE, XadesProperties};

use crate::certificate::CertificateError;
use crate::crypto::CryptoError;
use crate::xml::{XmlError, XmlLimits};

/// Which signatures [`verify_with`] accepts (D213).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum XmlProfile {
    /// One enveloped signature with one reference to the document element
    /// (D21): the De-Mail confirmations (TR 01201-3.4 §3.5.1) and what
    /// [`verify()`] accepts.
    #[default]
    Enveloped,
    /// [`XmlProfile::Enveloped`], or the same with XAdES-BES (ETSI EN 319
    /// 132-1): one more reference, to the `xades:SignedProperties` in this
    /// signature's `ds:Object/xades:QualifyingProperties`, whose
    /// `SigningCertificate(V2)` must name the signer certificate. What EU
    /// trusted lists carry (TS 119 612 §5.7.1); D213–D215.
    EnvelopedOrXades,
}

/// A canonicalization method (Kanonisierung) and its URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Canonicalization {
    /// Canonical XML 1.0: `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`.
    Inclusive,
    /// Canonical XML 1.0 with comments: `...REC-xml-c14n-20010315#WithComments`.
    InclusiveWithComments,
    /// Exclusive XML Canonicalization 1.0: `http://www.w3.org/2001/10/xml-exc-c14n#`.
    Exclusive {
        /// The InclusiveNamespaces PrefixList (`#default` for the default namespace).
        inclusive_prefixes: Vec<String>,
    },
    /// Exclusive XML Canonicalization 1.0 with comments:
    /// `http://www.w3.org/2001/10/xml-exc-c14n#WithComments`.
    ExclusiveWithComments {
        /// The InclusiveNamespaces PrefixList (`#default` for the default namespace).
        inclusive_prefixes: Vec<String>,
    },
}

impl Canonicalization {
    /// The algorithm URI.
    pub const fn uri(&self) -> &'static str {
        match self {
            Canonicalization::Inclusive => algorithms::C14N,
            Canonicalization::InclusiveWithComments => algorithms::C14N_WITH_COMMENTS,
            Canonicalization::Exclusive { .. } => algorithms::EXC_C14N,
            Canonicalization::ExclusiveWithComments { .. } => algorithms::EXC_C14N_WITH_COMMENTS,
        }
    }

    /// The method named by `uri`, with the given PrefixList for the
    /// exclusive methods; `None` for any other URI.
    pub fn from_uri(uri: &str, inclusive_prefixes: Vec<String>) -> Option<Self> {
        Some(match uri {
            algorithms::C14N => Canonicalization::Inclusive,
            algorithms::C14N_WITH_COMMENTS => Canonicalization::InclusiveWithComments,
            algorithms::EXC_C14N => Canonicalization::Exclusive { inclusive_prefixes },
            algorithms::EXC_C14N_WITH_COMMENTS => {
                Canonicalization::ExclusiveWithComments { inclusive_prefixes }
            }
            _ => return None,
        })
    }

    /// Whether comments are kept.
    pub const fn with_comments(&self) -> bool {
        matches!(
            self,
            Canonicalization::InclusiveWithComments | Canonicalization::ExclusiveWithComments { .. }
        )
    }

    /// Whether this is Exclusive XML Canonicalization.
    pub const fn is_exclusive(&self) -> bool {
        matches!(
            self,
            Canonicalization::Exclusive { .. } | Canonicalization::ExclusiveWithComments { .. }
        )
    }

    /// The InclusiveNamespaces PrefixList (empty for the inclusive methods).
    pub fn inclusive_prefixes(&self) -> &[String] {
        match self {
            Canonicalization::Exclusive { inclusive_prefixes }
            | Canonicalization::ExclusiveWithComments { inclusive_prefixes } => inclusive_prefixes,
            _ => &[],
        }
    }
}

/// Canonicalizes a whole document (no DTD allowed): the XML declaration is
/// dropped, line ends are LF, empty elements are written as start-end tag
/// pairs, attributes are sorted and namespace declarations are written only
/// where they change something (C14N 1.0 §2; Exc-C14N §3).
///
/// ```
/// use demail::xmldsig::{canonicalize, Canonicalization};
///
/// let xml = b"<?xml version=\"1.0\"?>\r\n<a b='2' a='1'><e/></a>";
/// let canonical = canonicalize(xml, &Canonicalization::Inclusive)?;
/// assert_eq!(canonical, b"<a a=\"1\" b=\"2\"><e></e></a>");
/// # Ok::<(), demail::xmldsig::XmlDsigError>(())
/// ```
///
/// # Errors
/// [`XmlDsigError`] when the document is not well-formed, not UTF-8, has a
/// DTD or an undefined entity, or breaks a limit.
pub fn canonicalize(xml: &[u8], method: &Canonicalization) -> Result<Vec<u8>, XmlDsigError> {
    c14n::canonicalize_selection(xml, method, c14n::Selection::default())
}

/// Canonicalizes the subtree of the first element named
/// `{namespace}local_name` in document order, as a document subset with that
/// element as apex: namespaces in scope from its ancestors are rendered on
/// it, and for inclusive C14N also the `xml:*` attributes it inherits
/// (C14N 1.0 §2.4).
///
/// ```
/// use demail::xmldsig::{canonicalize_element, Canonicalization};
///
/// let xml = br#"<a xmlns="urn:a" xmlns:p="urn:p" xml:lang="de"><b><c/></b></a>"#;
/// let inclusive = canonicalize_element(xml, &Canonicalization::Inclusive, "urn:a", "b")?;
/// assert_eq!(inclusive, br#"<b xmlns="urn:a" xmlns:p="urn:p" xml:lang="de"><c></c></b>"#);
/// let exclusive = Canonicalization::Exclusive { inclusive_prefixes: vec![] };
/// let exclusive = canonicalize_element(xml, &exclusive, "urn:a", "b")?;
/// assert_eq!(exclusive, br#"<b xmlns="urn:a"><c></c></b>"#);
/// # Ok::<(), demail::xmldsig::XmlDsigError>(())
/// ```
///
/// # Errors
/// As [`canonicalize`], and [`XmlDsigError::ElementNotFound`].
pub fn canonicalize_element(
    xml: &[u8],
    method: &Canonicalization,
    namespace: &str,
    local_name: &str,
) -> Result<Vec<u8>, XmlDsigError> {
    let apex = c14n::find_element(xml, namespace, local_name)?;
    let selection = c14n::Selection {
        apex: Some(apex),
        ..c14n::Selection::default()
    };
    c14n::canonicalize_selection(xml, method, selection)
}

/// Why a document could not be canonicalized, signed or checked.
///
/// Offsets are byte offsets into the document after line-end normalization
/// (CRLF and CR read as LF, XML 1.0 §2.11).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlDsigError {
    /// The document is refused by the XML reader ([`crate::xml`]): not
    /// well-formed, a DTD, an undefined entity, an undeclared prefix, a
    /// relative namespace URI, an encoding not read, or beyond
    /// [`XmlLimits::XMLDSIG`].
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The canonical form would be longer than [`MAX_CANONICAL_BYTES`]
    /// (escaping, or Exclusive C14N redeclaring a long namespace URI on many
    /// elements).
    #[error("the canonical form exceeds {limit} bytes at the node ending at byte {offset}")]
    CanonicalTooLarge {
        /// Where: the end of the node whose output passed the limit.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// The `ds:Signature` has more than [`MAX_SIGNATURE_ELEMENTS`] elements.
    #[error("more than {limit} elements in the ds:Signature (the one past the limit at byte {offset})")]
    TooManySignatureElements {
        /// Where the first element past the limit starts.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// The signature's structure is not what the verifier expects.
    #[error("not well-formed XML at byte {offset}: {reason}")]
    Malformed {
        /// Where.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// [`canonicalize_element`] found no such element.
    #[error("no element with that name")]
    ElementNotFound,
    /// The document has no `ds:Signature`.
    #[error("the document has no ds:Signature")]
    NoSignature,
    /// More than one `ds:Signature` (the second is at `offset`).
    #[error("more than one ds:Signature (the second at byte {offset})")]
    MultipleSignatures {
        /// Where the second one starts.
        offset: usize,
    },
    /// The `ds:Signature` is not a child of the document element.
    #[error("the ds:Signature at byte {offset} is not a child of the document element")]
    SignatureNotChildOfRoot {
        /// Where.
        offset: usize,
    },
    /// The document to be signed already carries a `ds:Signature`.
    #[error("the document already has a ds:Signature (byte {offset})")]
    AlreadySigned {
        /// Where.
        offset: usize,
    },
    /// A required element of the signature is missing.
    #[error("ds:{element} is missing in ds:{parent}")]
    MissingElement {
        /// The missing element.
        element: &'static str,
        /// Where it should be.
        parent: &'static str,
    },
    /// An element the profile does not allow, or one out of order.
    #[error("unexpected element {element} in ds:{parent} at byte {offset}")]
    UnexpectedElement {
        /// `{namespace}local` of the element.
        element: String,
        /// Its parent.
        parent: &'static str,
        /// Where.
        offset: usize,
    },
    /// A required attribute is missing.
    #[error("attribute {attribute} is missing on ds:{element}")]
    MissingAttribute {
        /// The attribute.
        attribute: &'static str,
        /// The element.
        element: &'static str,
    },
    /// Text where the schema has none, or malformed text content.
    #[error("unexpected text content in ds:{element}")]
    UnexpectedText {
        /// The element.
        element: &'static str,
    },
    /// More `ds:Reference` elements than the one this profile allows.
    #[error("{count} ds:Reference elements; exactly one is allowed")]
    TooManyReferences {
        /// How many.
        count: usize,
    },
    /// More transforms than enveloped-signature and one C14N.
    #[error("{count} transforms; at most 2 (enveloped-signature, C14N) are allowed")]
    TooManyTransforms {
        /// How many.
        count: usize,
    },
    /// The transform chain is not enveloped-signature followed by an optional C14N.
    #[error("transforms must be enveloped-signature then optionally one C14N method, got {0}")]
    UnsupportedTransforms(String),
    /// An XSLT or XPath transform: never executed.
    #[error("transform {0} is forbidden (XSLT/XPath are never executed)")]
    ForbiddenTransform(String),
    /// An algorithm URI that is not supported here.
    #[error("unsupported algorithm {uri} in ds:{element}")]
    UnsupportedAlgorithm {
        /// The element naming it.
        element: &'static str,
        /// The URI.
        uri: String,
    },
    /// A SHA-1 based algorithm: BSI TR-02102-1 no longer allows SHA-1 for signatures.
    #[error("SHA-1 ({0}) is not allowed (BSI TR-02102-1)")]
    Sha1Forbidden(String),
    /// An HMAC signature method: a shared-key MAC proves no signer.
    #[error("HMAC ({0}) is not allowed: a key-less MAC proves no signer")]
    HmacForbidden(String),
    /// A reference to anything but the document element (another element,
    /// another document, an XPointer expression).
    #[error("reference URI `{0}` is not allowed: only \"\" or \"#id\" of the document element")]
    ForeignReference(String),
    /// `#id` names no element, or more than one element carries that ID.
    #[error("reference URI `#{0}` does not name exactly one element")]
    UnresolvedReference(String),
    /// `#id` names an element other than the document element (signature wrapping).
    #[error("reference `#{id}` names the element at byte {offset}, not the document element")]
    ReferencedElementNotRoot {
        /// The ID.
        id: String,
        /// Where the named element is.
        offset: usize,
    },
    /// Base64 content that does not decode.
    #[error("ds:{0} is not valid base64")]
    Base64(&'static str),
    /// A signature value of the wrong size for the key.
    #[error("the ECDSA signature value has {len} bytes, expected {expected} (r||s)")]
    SignatureValueLength {
        /// What was found.
        len: usize,
        /// What the curve needs.
        expected: usize,
    },
    /// XAdES (D214): more references than the one to the document and one
    /// to `xades:SignedProperties`, or a second `SignedProperties` reference.
    #[error(
        "{count} ds:Reference elements, {signed_properties} of them to xades:SignedProperties: XAdES allows one to the document and one to SignedProperties (EN 319 132-1 §4.3)"
    )]
    XadesReferences {
        /// How many references.
        count: usize,
        /// How many of them have the `SignedProperties` `Type`.
        signed_properties: usize,
    },
    /// XAdES (D214): the `SignedProperties` reference's `#id` names an
    /// element that is not this signature's `xades:SignedProperties`.
    #[error(
        "reference `#{id}` names the element at byte {offset}, not this signature's xades:SignedProperties"
    )]
    ReferencedElementNotSignedProperties {
        /// The ID.
        id: String,
        /// Where the named element is.
        offset: usize,
    },
    /// XAdES (D214): `QualifyingProperties/@Target` does not name this
    /// `ds:Signature`'s `Id` (EN 319 132-1 §4.3.2), or the signature has no `Id`.
    #[error(
        "xades:QualifyingProperties Target {target:?} does not name this ds:Signature (Id {signature_id:?})"
    )]
    QualifyingPropertiesTarget {
        /// `Target`, if any.
        target: Option<String>,
        /// The signature's `Id`, if any.
        signature_id: Option<String>,
    },
    /// XAdES: an element the profile does not allow, or one out of order.
    #[error("unexpected element {element} in {parent} at byte {offset} (XAdES, EN 319 132-1)")]
    UnexpectedXadesElement {
        /// `{namespace}local` of the element.
        element: String,
        /// Its parent's local name.
        parent: &'static str,
        /// Where.
        offset: usize,
    },
    /// XAdES: a required element is missing (`SigningCertificateV2` stands
    /// for either signing certificate property, EN 319 132-1 §5.2.2).
    #[error("xades:{element} is missing in {parent} (XAdES-BES, EN 319 132-1)")]
    MissingXadesElement {
        /// The missing element.
        element: &'static str,
        /// Where it should be.
        parent: &'static str,
    },
    /// XAdES `SigningTime` is not an `xs:dateTime` (EN 319 132-1 §5.2.1).
    #[error("xades:SigningTime is not an xs:dateTime: {0}")]
    SigningTime(#[source] crate::fields::DateTimeError),
    /// `KeyInfo` carries no X.509 certificate.
    #[error("ds:KeyInfo carries no ds:X509Certificate")]
    NoCertificate,
    /// The certificate in `KeyInfo` does not parse.
    #[error("the ds:X509Certificate does not parse: {0}")]
    Certificate(CertificateError),
    /// Signing failed (key and scheme do not fit, ...).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}
