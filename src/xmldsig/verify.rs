//! Verifying the one enveloped signature of a document (xmldsig-core §3.2):
//! reference validation (digest of the transformed document element),
//! then signature validation over the canonical `SignedInfo`, then the
//! signer certificate (validity, key usage, key policy, path to the trust
//! anchors, optional status check), all by [`crate::trust`].

use crate::certificate::{Certificate, CertificateError};
use crate::crypto::{self, CryptoError, HashAlgorithm, PublicKey, SignatureScheme};
use crate::status::{CertificateStatus, ChainCertificate, Indication};
use crate::trust::VerifyOptions;

use super::algorithms::{DSIG_NAMESPACE, ecdsa_field_len, ecdsa_raw_to_der};
use super::c14n::{Selection, Writer};
use super::signature::{ParsedSignature, Tree, TreeBuilder, parse_signature};
use super::xades::{CertificateBinding, XadesProperties};
use super::{Canonicalization, SignatureMethod, XmlDsigError, XmlProfile};
use crate::xml::XmlLimits;
use crate::xml::reader::{Element, Node, XmlReader, decode};

/// Why a structurally sound signature does not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlSignatureFailure {
    /// The digest of the referenced content does not match `DigestValue`:
    /// the document was changed after signing.
    #[error("the digest of the signed content does not match ds:DigestValue (the document was changed)")]
    DigestMismatch,
    /// `SignatureValue` does not verify over the canonical `SignedInfo`.
    #[error("ds:SignatureValue does not verify: {0}")]
    BadSignature(CryptoError),
    /// The signer certificate is not acceptable (expired, key usage, weak
    /// key, no path to a trust anchor).
    #[error("{0}")]
    Certificate(CertificateError),
    /// XAdES: the digest of the canonical `xades:SignedProperties` does not
    /// match its reference's `DigestValue`: the signed properties
    /// (`SigningTime`, `SigningCertificate`, ...) were changed (D214).
    #[error(
        "the digest of xades:SignedProperties does not match its ds:DigestValue (the signed properties were changed)"
    )]
    SignedPropertiesDigestMismatch,
    /// XAdES: no `CertDigest` of `SigningCertificate(V2)` is the digest of
    /// the certificate that verified the signature (EN 319 132-1 §5.2.2, D215).
    #[error("no xades:CertDigest is the digest of the signer certificate (EN 319 132-1 §5.2.2)")]
    SigningCertificateMismatch,
    /// XAdES: the `Cert` with the signer certificate's digest names another
    /// issuer or serial number in `IssuerSerial(V2)` (EN 319 132-1 §5.2.2, D215).
    #[error("the xades:Cert of the signer certificate names another issuer or serial number")]
    IssuerSerialMismatch,
    /// No trust anchors were given, so the signer cannot be trusted.
    #[error("no trust anchors were given: the signer is not trusted")]
    NoTrustAnchors,
    /// The signer certificate's status fails the
    /// [`StatusPolicy`](crate::trust::StatusPolicy): revoked (FC-02) or
    /// unknown, unavailable or not checked (FC-03), PVD FU Schritt 48.
    #[error("certificate status: {0}")]
    Status(CertificateStatus),
}

impl XmlSignatureFailure {
    /// A stable snake_case code: `digest_mismatch`,
    /// `signed_properties_digest_mismatch`, `signing_certificate_mismatch`,
    /// `issuer_serial_mismatch`, `bad_signature`, `certificate`,
    /// `no_trust_anchors`, `status`.
    pub const fn code(&self) -> &'static str {
        match self {
            XmlSignatureFailure::DigestMismatch => "digest_mismatch",
            XmlSignatureFailure::SignedPropertiesDigestMismatch => "signed_properties_digest_mismatch",
            XmlSignatureFailure::SigningCertificateMismatch => "signing_certificate_mismatch",
            XmlSignatureFailure::IssuerSerialMismatch => "issuer_serial_mismatch",
            XmlSignatureFailure::BadSignature(_) => "bad_signature",
            XmlSignatureFailure::Certificate(_) => "certificate",
            XmlSignatureFailure::NoTrustAnchors => "no_trust_anchors",
            XmlSignatureFailure::Status(_) => "status",
        }
    }
}

/// `{"code", "error_case": null, "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for XmlSignatureFailure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code(), None, self, None)
    }
}

/// The facts of the report (D183): `passed`, the algorithms by URI,
/// `reference_uri`, the signer `certificate`, `digest_ok`,
/// `signature_ok`, `trusted`, `status`, `chain` (D202), `qualified`
/// (D201), `indication`, `xades` (D213, `null` without XAdES) and `failures`.
#[cfg(feature = "serde")]
impl serde::Serialize for XmlSignatureReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("XmlSignatureReport", 16)?;
        out.serialize_field("passed", &self.passed())?;
        out.serialize_field("signature_method", self.signature_method.uri())?;
        out.serialize_field("digest_method", self.digest_method.as_str())?;
        out.serialize_field("canonicalization", self.canonicalization.uri())?;
        out.serialize_field(
            "reference_canonicalization",
            self.reference_canonicalization.uri(),
        )?;
        out.serialize_field("reference_uri", &self.reference_uri)?;
        out.serialize_field("certificate", &self.certificate)?;
        out.serialize_field("digest_ok", &self.digest_ok)?;
        out.serialize_field("signature_ok", &self.signature_ok)?;
        out.serialize_field("trusted", &self.trusted)?;
        out.serialize_field("status", &self.status)?;
        out.serialize_field("chain", &self.chain)?;
        out.serialize_field("qualified", &self.qualified)?;
        out.serialize_field("indication", &self.indication)?;
        out.serialize_field("xades", &self.xades)?;
        out.serialize_field("failures", &self.failures)?;
        out.end()
    }
}

/// What [`verify()`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlSignatureReport {
    /// The `SignatureMethod`.
    pub signature_method: SignatureMethod,
    /// The `DigestMethod` of the reference.
    pub digest_method: HashAlgorithm,
    /// The `CanonicalizationMethod` of `SignedInfo`.
    pub canonicalization: Canonicalization,
    /// The C14N method applied to the referenced content.
    pub reference_canonicalization: Canonicalization,
    /// The reference URI (`""` or `#id` of the document element).
    pub reference_uri: String,
    /// The signer certificate (the first `X509Certificate`).
    pub certificate: Certificate,
    /// Whether the digest matched.
    pub digest_ok: bool,
    /// Whether the signature over `SignedInfo` verified.
    pub signature_ok: bool,
    /// Whether the certificate chains to a trust anchor (`None`: no anchors given).
    pub trusted: Option<bool>,
    /// The signer certificate's revocation status (PVD FU Schritt 48).
    pub status: CertificateStatus,
    /// The CA certificates of the verified path with their status (D202);
    /// empty when no path was verified.
    pub chain: Vec<ChainCertificate>,
    /// Whether the signer certificate is an EU qualified certificate for
    /// seals or signatures ([`check_qualified`](crate::trust::check_qualified), D201).
    pub qualified: bool,
    /// The ETSI EN 319 102-1 indication of the status that decides
    /// ([`VerifyOptions::path_indication`]): that of a CA of
    /// [`XmlSignatureReport::chain`] when it fails the verification
    /// (REVOKED_CA_NO_POE for a revoked CA), else [`XmlSignatureReport::status`]'s.
    pub indication: Indication,
    /// The XAdES-BES properties, when the signature has them (only with
    /// [`XmlProfile::EnvelopedOrXades`], D213).
    pub xades: Option<XadesProperties>,
    /// Every failure, in the order digest (of the document, then of the
    /// XAdES `SignedProperties`), signature, certificate (the XAdES signing
    /// certificate first), trust, status.
    pub failures: Vec<XmlSignatureFailure>,
    signed_content: Vec<u8>,
    canonical_signed_info: Vec<u8>,
}

impl XmlSignatureReport {
    /// Whether the signature passed: digest and signature match, the
    /// certificate is acceptable and trusted, and the status check (if any) passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The exact bytes that were digested: the referenced element after the
    /// transforms, i.e. the canonical document element without its
    /// `ds:Signature`. Callers that need the signed content parse this, so
    /// what they read is what was signed (no signature wrapping).
    pub fn signed_content(&self) -> &[u8] {
        &self.signed_content
    }

    /// The canonical `SignedInfo` the signature value was checked over.
    pub fn canonical_signed_info(&self) -> &[u8] {
        &self.canonical_signed_info
    }
}

/// Verifies the one enveloped signature of the document in the profile of
/// the De-Mail confirmations ([`XmlProfile::Enveloped`], D21): one
/// reference, to the document element; [`verify_with`] for XAdES.
///
/// The time, trust anchors, intermediates, key policy and status check come
/// from `options` ([`VerifyOptions`], as for the integrity field);
/// `X509Certificate`s after the first are used as further intermediates for
/// path building, never as anchors. See the [module documentation](super) for an example.
///
/// # Errors
/// [`XmlDsigError`] for documents that cannot be checked: malformed XML, a
/// DTD, no or several signatures, a signature outside the document element,
/// a foreign or unresolvable reference, forbidden transforms or algorithms.
/// A wrong digest, a bad signature value or an unacceptable certificate is a
/// failure in the report, not an error.
pub fn verify(xml: &[u8], options: &VerifyOptions<'_>) -> Result<XmlSignatureReport, XmlDsigError> {
    verify_with(xml, options, XmlProfile::Enveloped)
}

/// [`verify()`] in the given profile: with [`XmlProfile::EnvelopedOrXades`]
/// a XAdES-BES signature (ETSI EN 319 132-1) is accepted too: the second
/// reference's `xades:SignedProperties` is digested in its document context
/// and its `SigningCertificate(V2)` must name the signer certificate
/// (D213–D215); [`XmlSignatureReport::xades`] has what it says.
///
/// ```
/// use demail::trust::VerifyOptions;
/// use demail::xmldsig::{verify_with, XmlDsigError, XmlProfile};
///
/// // Not XML: refused before any profile rule.
/// let error = verify_with(b"<a>", &VerifyOptions::default(), XmlProfile::EnvelopedOrXades).unwrap_err();
/// assert!(matches!(error, XmlDsigError::Xml(_)));
/// ```
///
/// # Errors
/// As [`verify()`], and for XAdES the typed errors of D214: a third
/// reference or a second `SignedProperties` reference
/// ([`XmlDsigError::XadesReferences`]), an ID not unique
/// ([`XmlDsigError::UnresolvedReference`]) or naming another element
/// ([`XmlDsigError::ReferencedElementNotSignedProperties`]), a
/// `QualifyingProperties` for another signature, a missing signing
/// certificate property, SHA-1 in a `CertDigest`.
pub fn verify_with(
    xml: &[u8],
    options: &VerifyOptions<'_>,
    profile: XmlProfile,
) -> Result<XmlSignatureReport, XmlDsigError> {
    let text = decode(xml, &XmlLimits::XMLDSIG)?;
    // Two streaming passes, no node list: the first finds the signature and
    // checks the whole document, the second canonicalizes.
    let (signature_ordinal, tree) = locate_signature(&text)?;
    let mut parsed = parse_signature(&tree, profile)?;
    let reference = reference_selection(&parsed.reference_uri, signature_ordinal)?;
    let signed_info = Selection {
        apex: Some(parsed.signed_info_ordinal),
        ..Selection::default()
    };
    let canonical = canonical_forms(&text, &parsed, reference, signed_info)?;
    let (signed_content, canonical_signed_info) = (canonical.content, canonical.signed_info);
    let mut certificates = parsed.certificates.iter();
    let signer = certificates.next().ok_or(XmlDsigError::NoCertificate)?;
    let certificate = options
        .certificate(signer.clone())
        .map_err(XmlDsigError::Certificate)?;
    let extra = certificates
        .map(|der| Certificate::from_der(der.clone()).map_err(XmlDsigError::Certificate))
        .collect::<Result<Vec<_>, _>>()?;
    let signature = signature_for_crypto(&parsed, &certificate.public_key)?;

    let digest_ok = parsed.digest.digest(&signed_content) == parsed.digest_value;
    let xades = parsed.xades.take().map(|xades| {
        let properties = canonical.signed_properties.unwrap_or_default();
        let digest_ok = xades.reference.2.digest(&properties) == xades.reference.3;
        let binding = xades.binding(&certificate);
        (xades.properties(digest_ok, binding), binding)
    });
    // The key policy first (D50): a refused key is reported as such, and
    // its signature is not tried, so it never reads as tampering.
    let key_refused = options.key_policy.check(&certificate.public_key).err();
    let signature_result = match key_refused {
        Some(_) => None,
        None => Some(crypto::verify(
            &certificate.public_key,
            parsed.method.scheme,
            parsed.method.hash,
            &canonical_signed_info,
            &signature,
        )),
    };
    let mut report = XmlSignatureReport {
        signature_method: parsed.method,
        digest_method: parsed.digest,
        canonicalization: parsed.canonicalization,
        reference_canonicalization: parsed.reference_canonicalization,
        reference_uri: parsed.reference_uri,
        certificate,
        digest_ok,
        signature_ok: matches!(signature_result, Some(Ok(()))),
        trusted: None,
        status: CertificateStatus::NotChecked,
        chain: Vec::new(),
        qualified: false,
        indication: options.indication(&CertificateStatus::NotChecked),
        xades: xades.as_ref().map(|(properties, _)| properties.clone()),
        failures: Vec::new(),
        signed_content,
        canonical_signed_info,
    };
    if !digest_ok {
        report.failures.push(XmlSignatureFailure::DigestMismatch);
    }
    if let Some((properties, _)) = &xades
        && !properties.signed_properties_digest_ok
    {
        report
            .failures
            .push(XmlSignatureFailure::SignedPropertiesDigestMismatch);
    }
    if let Some(error) = key_refused {
        report.failures.push(XmlSignatureFailure::Certificate(error));
    }
    if let Some(Err(error)) = signature_result {
        report.failures.push(XmlSignatureFailure::BadSignature(error));
    }
    match xades.map(|(_, binding)| binding) {
        Some(CertificateBinding::NoDigest) => report
            .failures
            .push(XmlSignatureFailure::SigningCertificateMismatch),
        Some(CertificateBinding::IssuerSerial) => {
            report.failures.push(XmlSignatureFailure::IssuerSerialMismatch)
        }
        Some(CertificateBinding::Bound) | None => {}
    }
    check_certificate(&mut report, &extra, options);
    Ok(report)
}

fn check_certificate(report: &mut XmlSignatureReport, carried: &[Certificate], options: &VerifyOptions<'_>) {
    let certificate = &report.certificate;
    if let Err(error) = options.check_certificate(certificate) {
        let failure = XmlSignatureFailure::Certificate(error);
        // A refused key is already reported before the signature.
        if !report.failures.contains(&failure) {
            report.failures.push(failure);
        }
    }
    let mut path = Vec::new();
    match options.verify_path(certificate, carried) {
        None => report.failures.push(XmlSignatureFailure::NoTrustAnchors),
        Some(chain) => {
            report.trusted = Some(chain.is_ok());
            match chain {
                Ok(found) => path = found,
                Err(error) => report.failures.push(XmlSignatureFailure::Certificate(error)),
            }
        }
    }
    report.qualified = crate::trust::check_qualified(&report.certificate).is_ok();
    report.status = options.check_status(&report.certificate, path.first());
    report.chain = options.check_chain(&report.certificate, &path);
    let refused = options.refused_status(&report.status, &report.chain).cloned();
    report.indication = options.path_indication(&report.status, &report.chain);
    if let Some(status) = refused {
        report.failures.push(XmlSignatureFailure::Status(status));
    }
}

/// The signature value as [`crypto::verify`] takes it: ECDSA's `r || s`
/// (RFC 4050 §3.3) converted to DER.
fn signature_for_crypto(parsed: &ParsedSignature, key: &PublicKey) -> Result<Vec<u8>, XmlDsigError> {
    let value = &parsed.signature_value;
    match (parsed.method.scheme, key) {
        (SignatureScheme::EcDsa, PublicKey::Ec { curve, .. }) => {
            let Some(width) = ecdsa_field_len(curve) else {
                return Ok(value.clone());
            };
            if value.len() != 2 * width {
                return Err(XmlDsigError::SignatureValueLength {
                    len: value.len(),
                    expected: 2 * width,
                });
            }
            Ok(ecdsa_raw_to_der(value))
        }
        _ => Ok(value.clone()),
    }
}

/// First pass: the position (ordinal) and tree of the one `ds:Signature`,
/// which must be a child of the document element; the whole document is
/// read, so it is well-formed and within the limits when this returns.
fn locate_signature(text: &str) -> Result<(usize, Tree<'_>), XmlDsigError> {
    let mut reader = XmlReader::new(text, XmlLimits::XMLDSIG);
    let mut builder = TreeBuilder::default();
    let mut signature = None;
    let mut depth = 0usize;
    let mut ordinal = 0;
    while let Some(node) = reader.next_node()? {
        match node {
            Node::Start(element) => {
                depth += 1;
                if is_signature(&element) {
                    if signature.is_some() {
                        return Err(XmlDsigError::MultipleSignatures {
                            offset: element.offset,
                        });
                    }
                    if depth != 2 {
                        return Err(XmlDsigError::SignatureNotChildOfRoot {
                            offset: element.offset,
                        });
                    }
                    signature = Some(ordinal);
                    builder.start(element, ordinal)?;
                } else if builder.building() {
                    builder.start(element, ordinal)?;
                }
                ordinal += 1;
            }
            Node::End { .. } => {
                depth = depth.saturating_sub(1);
                builder.end();
            }
            Node::Text(text) => builder.text(&text),
            Node::Comment(_) | Node::Pi { .. } => {}
        }
    }
    let signature = signature.ok_or(XmlDsigError::NoSignature)?;
    let tree = builder.finish().ok_or(XmlDsigError::Malformed {
        offset: 0,
        reason: "unbalanced signature element".into(),
    })?;
    Ok((signature, tree))
}

fn is_signature(element: &Element<'_>) -> bool {
    element.namespace == DSIG_NAMESPACE && element.local == "Signature"
}

/// The canonical forms of the second pass.
struct Canonical {
    /// The referenced content (the document element without the signature).
    content: Vec<u8>,
    signed_info: Vec<u8>,
    /// The XAdES `SignedProperties`, when the signature has them.
    signed_properties: Option<Vec<u8>>,
}

/// Second pass: the referenced content, `SignedInfo` and the XAdES
/// `SignedProperties`, canonicalized side by side from one fresh reader,
/// each in its document context (in-scope namespaces for inclusive C14N);
/// the `#id`s of the references are resolved in the same pass.
fn canonical_forms(
    text: &str,
    parsed: &ParsedSignature,
    reference: Reference<'_>,
    signed_info: Selection,
) -> Result<Canonical, XmlDsigError> {
    let mut reader = XmlReader::new(text, XmlLimits::XMLDSIG);
    let mut content = Writer::new(&parsed.reference_canonicalization, reference.selection);
    content.reserve(text.len());
    let mut info = Writer::new(&parsed.canonicalization, signed_info);
    let mut properties = parsed.xades.as_ref().map(|xades| {
        let selection = Selection {
            apex: Some(xades.signed_properties_ordinal),
            excluded: None,
            no_comments: true,
        };
        (
            Writer::new(&xades.reference.1, selection),
            xades,
            IdSearch::default(),
        )
    });
    let mut ids = IdSearch::default();
    let mut ordinal = 0;
    while let Some(node) = reader.next_node()? {
        if let Node::Start(element) = &node {
            if let Some(id) = reference.id {
                ids.element(id, element, ordinal);
            }
            if let Some((_, xades, ids)) = properties.as_mut() {
                ids.element(&xades.reference.0, element, ordinal);
            }
            ordinal += 1;
        }
        content.node(&node, reader.offset())?;
        if !info.done() {
            info.node(&node, reader.offset())?;
        }
        if let Some((writer, ..)) = properties.as_mut()
            && !writer.done()
        {
            writer.node(&node, reader.offset())?;
        }
    }
    if let Some(id) = reference.id {
        let (ordinal, offset) = ids.named(id)?;
        if ordinal != 0 {
            return Err(XmlDsigError::ReferencedElementNotRoot {
                id: id.to_owned(),
                offset,
            });
        }
    }
    let signed_properties = match properties {
        Some((writer, xades, ids)) => {
            let id = &xades.reference.0;
            let (ordinal, offset) = ids.named(id)?;
            if ordinal != xades.signed_properties_ordinal {
                return Err(XmlDsigError::ReferencedElementNotSignedProperties {
                    id: id.clone(),
                    offset,
                });
            }
            Some(writer.finish())
        }
        None => None,
    };
    Ok(Canonical {
        content: content.finish(),
        signed_info: info.finish(),
        signed_properties,
    })
}

/// The node-set of the reference, and the ID it names (`#id`).
struct Reference<'u> {
    selection: Selection,
    id: Option<&'u str>,
}

/// Attribute names taken as IDs without a DTD or schema (xmldsig-core
/// §4.3.3.2 leaves it to the application; these are the ones in use).
const ID_ATTRIBUTES: [&str; 3] = ["Id", "ID", "id"];

/// The elements carrying one ID value: how many, and the first (ordinal, offset).
#[derive(Default)]
struct IdSearch {
    count: usize,
    first: Option<(usize, usize)>,
}

impl IdSearch {
    fn element(&mut self, id: &str, element: &Element<'_>, ordinal: usize) {
        let named = element
            .attributes
            .iter()
            .filter(|a| a.namespace.is_empty() && ID_ATTRIBUTES.contains(&a.local) && a.value == id)
            .count();
        if named > 0 && self.first.is_none() {
            self.first = Some((ordinal, element.offset));
        }
        self.count += named;
    }

    /// The one element carrying the ID: (ordinal, offset); refused when
    /// none or more than one carries it (D25).
    fn named(&self, id: &str) -> Result<(usize, usize), XmlDsigError> {
        match (self.count, self.first) {
            (1, Some(found)) => Ok(found),
            _ => Err(XmlDsigError::UnresolvedReference(id.to_owned())),
        }
    }
}

/// The node-set of the reference (xmldsig-core §4.3.3.3): the whole
/// document (`""`) or the document element (`#id`), without comments, and
/// without the signature (enveloped-signature transform). Whether `#id`
/// names the document element is checked while canonicalizing.
fn reference_selection(uri: &str, signature_ordinal: usize) -> Result<Reference<'_>, XmlDsigError> {
    let base = Selection {
        apex: None,
        excluded: Some(signature_ordinal),
        no_comments: true,
    };
    if uri.is_empty() {
        return Ok(Reference {
            selection: base,
            id: None,
        });
    }
    let Some(id) = uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.starts_with("xpointer("))
    else {
        return Err(XmlDsigError::ForeignReference(uri.to_owned()));
    };
    Ok(Reference {
        selection: Selection {
            apex: Some(0),
            ..base
        },
        id: Some(id),
    })
}
