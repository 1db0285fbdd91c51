//! Verifying the one enveloped signature of a document (xmldsig-core §3.2):
//! reference validation (digest of the transformed document element),
//! then signature validation over the canonical `SignedInfo`, then the
//! signer certificate (validity, key usage, key policy, path to the trust
//! anchors, optional status check).

use crate::certificate::{Certificate, CertificateError};
use crate::crypto::{self, CryptoError, HashAlgorithm, PublicKey, SignatureScheme};
use crate::verify::{StatusResult, VerifyOptions};

use super::algorithms::{DSIG_NAMESPACE, ecdsa_field_len, ecdsa_raw_to_der};
use super::c14n::{Selection, Writer};
use super::parse::{Node, prepare, read_all};
use super::signature::{ParsedSignature, build_tree, parse_signature};
use super::{Canonicalization, SignatureMethod, XmlDsigError};

/// Why a structurally sound signature does not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// No trust anchors were given, so the signer cannot be trusted.
    #[error("no trust anchors were given: the signer is not trusted")]
    NoTrustAnchors,
    /// The status check (OCSP/CRL) failed.
    #[error("certificate status: {0}")]
    Status(String),
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
    /// The status check.
    pub status: StatusResult,
    /// Every failure, in the order digest, signature, certificate, trust, status.
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

/// Verifies the one enveloped signature of the document.
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
    let text = prepare(xml)?;
    let nodes = read_all(&text)?;
    let layout = Layout::of(&nodes)?;
    let tree = build_tree(&nodes, layout.signature_index, layout.signature_ordinal).ok_or(
        XmlDsigError::Malformed {
            offset: 0,
            reason: "unbalanced signature element".into(),
        },
    )?;
    let parsed = parse_signature(&tree)?;
    let reference = reference_selection(&parsed.reference_uri, &layout)?;
    let signed_content = canonical(&nodes, &parsed.reference_canonicalization, reference);
    let signed_info_selection = Selection {
        apex: Some(parsed.signed_info_ordinal),
        ..Selection::default()
    };
    let canonical_signed_info = canonical(&nodes, &parsed.canonicalization, signed_info_selection);
    let mut certificates = parsed.certificates.iter();
    let signer = certificates.next().ok_or(XmlDsigError::NoCertificate)?;
    let certificate = Certificate::from_der(signer.clone()).map_err(XmlDsigError::Certificate)?;
    let extra = certificates
        .map(|der| Certificate::from_der(der.clone()).map_err(XmlDsigError::Certificate))
        .collect::<Result<Vec<_>, _>>()?;
    let signature = signature_for_crypto(&parsed, &certificate.public_key)?;

    let digest_ok = parsed.digest.digest(&signed_content) == parsed.digest_value;
    let signed_info_digest = parsed.method.hash.digest(&canonical_signed_info);
    let signature_result = crypto::verify(
        &certificate.public_key,
        parsed.method.scheme,
        parsed.method.hash,
        &canonical_signed_info,
        &signed_info_digest,
        &signature,
    );
    let mut report = XmlSignatureReport {
        signature_method: parsed.method,
        digest_method: parsed.digest,
        canonicalization: parsed.canonicalization,
        reference_canonicalization: parsed.reference_canonicalization,
        reference_uri: parsed.reference_uri,
        certificate,
        digest_ok,
        signature_ok: signature_result.is_ok(),
        trusted: None,
        status: StatusResult::NotChecked,
        failures: Vec::new(),
        signed_content,
        canonical_signed_info,
    };
    if !digest_ok {
        report.failures.push(XmlSignatureFailure::DigestMismatch);
    }
    if let Err(error) = signature_result {
        report.failures.push(XmlSignatureFailure::BadSignature(error));
    }
    check_certificate(&mut report, &extra, options);
    Ok(report)
}

fn check_certificate(report: &mut XmlSignatureReport, extra: &[Certificate], options: &VerifyOptions<'_>) {
    let certificate = &report.certificate;
    if let Err(error) = certificate.check(options.time, &options.key_policy) {
        report.failures.push(XmlSignatureFailure::Certificate(error));
    }
    if options.trust_anchors.is_empty() {
        report.failures.push(XmlSignatureFailure::NoTrustAnchors);
    } else {
        let intermediates: Vec<Certificate> = options.intermediates.iter().chain(extra).cloned().collect();
        let chain = certificate.verify_chain(options.trust_anchors, &intermediates, options.time);
        report.trusted = Some(chain.is_ok());
        if let Err(error) = chain {
            report.failures.push(XmlSignatureFailure::Certificate(error));
        }
    }
    if let Some(check) = options.status_check {
        match check.check(certificate, options.time) {
            Ok(()) => report.status = StatusResult::Good,
            Err(reason) => {
                report.status = StatusResult::Failed(reason.clone());
                report.failures.push(XmlSignatureFailure::Status(reason));
            }
        }
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

pub(crate) fn canonical(nodes: &[Node<'_>], method: &Canonicalization, selection: Selection) -> Vec<u8> {
    let mut writer = Writer::new(method, selection);
    for node in nodes {
        writer.node(node);
        if writer.done() {
            break;
        }
    }
    writer.finish()
}

/// Where the signature is, and which elements carry which ID.
struct Layout {
    signature_index: usize,
    signature_ordinal: usize,
    /// (value, ordinal, offset) of every `Id`, `ID` and `id` attribute.
    ids: Vec<(String, usize, usize)>,
}

/// Attribute names taken as IDs without a DTD or schema (xmldsig-core
/// §4.3.3.2 leaves it to the application; these are the ones in use).
const ID_ATTRIBUTES: [&str; 3] = ["Id", "ID", "id"];

impl Layout {
    fn of(nodes: &[Node<'_>]) -> Result<Self, XmlDsigError> {
        let mut signature: Option<(usize, usize)> = None;
        let mut ids = Vec::new();
        let mut depth = 0;
        let mut ordinal = 0;
        for (index, node) in nodes.iter().enumerate() {
            match node {
                Node::Start(element) => {
                    depth += 1;
                    if element.namespace == DSIG_NAMESPACE && element.local == "Signature" {
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
                        signature = Some((index, ordinal));
                    }
                    for attribute in &element.attributes {
                        if attribute.namespace.is_empty() && ID_ATTRIBUTES.contains(&attribute.local) {
                            ids.push((attribute.value.to_string(), ordinal, element.offset));
                        }
                    }
                    ordinal += 1;
                }
                Node::End { .. } => depth -= 1,
                _ => {}
            }
        }
        let (signature_index, signature_ordinal) = signature.ok_or(XmlDsigError::NoSignature)?;
        Ok(Layout {
            signature_index,
            signature_ordinal,
            ids,
        })
    }
}

/// The node-set of the reference (xmldsig-core §4.3.3.3): the whole
/// document (`""`) or the document element (`#id`), without comments, and
/// without the signature (enveloped-signature transform).
fn reference_selection(uri: &str, layout: &Layout) -> Result<Selection, XmlDsigError> {
    let base = Selection {
        apex: None,
        excluded: Some(layout.signature_ordinal),
        no_comments: true,
    };
    if uri.is_empty() {
        return Ok(base);
    }
    let Some(id) = uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.starts_with("xpointer("))
    else {
        return Err(XmlDsigError::ForeignReference(uri.to_owned()));
    };
    let mut named = layout.ids.iter().filter(|(value, ..)| value == id);
    let (Some(&(_, ordinal, offset)), None) = (named.next(), named.next()) else {
        return Err(XmlDsigError::UnresolvedReference(id.to_owned()));
    };
    if ordinal != 0 {
        return Err(XmlDsigError::ReferencedElementNotRoot {
            id: id.to_owned(),
            offset,
        });
    }
    Ok(Selection {
        apex: Some(0),
        ..base
    })
}
