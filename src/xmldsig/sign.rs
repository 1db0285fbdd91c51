//! Making an enveloped signature over the document element
//! (xmldsig-core §3.1, §6.6.4): the digest of the canonical document
//! element, a `SignedInfo` naming it, the signature over the canonical
//! `SignedInfo` in its place in the document, and the signer certificate.

use base64::Engine;

use crate::crypto::{HashAlgorithm, PublicKey, SignatureScheme};
use crate::signer::Signer;

use super::algorithms::{
    DSIG_NAMESPACE, ENVELOPED_SIGNATURE, EXC_C14N_NAMESPACE, SignatureMethod, digest_uri, ecdsa_der_to_raw,
    ecdsa_field_len,
};
use super::c14n::{Selection, canonicalize_prepared};
use super::{Canonicalization, XmlDsigError};
use crate::xml::XmlLimits;
use crate::xml::reader::{Node, XmlReader, declare_utf8, decode};

/// How to sign: the signer (a key with its certificate), algorithms and
/// canonicalization.
///
/// Defaults: the key's own scheme (RSA PKCS#1 v1.5 or ECDSA), SHA-256 for
/// signature and digest, inclusive Canonical XML 1.0 (as IDIO §2.6 names it).
#[derive(Debug, Clone)]
pub struct XmlSignOptions<'k> {
    signer: &'k dyn Signer,
    scheme: SignatureScheme,
    hash: HashAlgorithm,
    digest: HashAlgorithm,
    canonicalization: Canonicalization,
    reference_id: Option<String>,
    after_child: Option<(String, String)>,
}

impl<'k> XmlSignOptions<'k> {
    /// Options for this signer, with the defaults above. That its key and
    /// certificate belong together is the [`Signer`]'s contract, checked
    /// where it is made (docs/decisions.md D178).
    pub fn new(signer: &'k dyn Signer) -> Self {
        XmlSignOptions {
            signer,
            scheme: signer.default_scheme(),
            hash: HashAlgorithm::Sha256,
            digest: HashAlgorithm::Sha256,
            canonicalization: Canonicalization::Inclusive,
            reference_id: None,
            after_child: None,
        }
    }

    /// The signature scheme (RSA-PSS instead of PKCS#1 v1.5, for example).
    #[must_use]
    pub fn scheme(mut self, scheme: SignatureScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The hash of the signature (`SignatureMethod`).
    #[must_use]
    pub fn hash(mut self, hash: HashAlgorithm) -> Self {
        self.hash = hash;
        self
    }

    /// The hash of the reference (`DigestMethod`).
    #[must_use]
    pub fn digest(mut self, digest: HashAlgorithm) -> Self {
        self.digest = digest;
        self
    }

    /// The canonicalization of `SignedInfo` and of the reference transform.
    #[must_use]
    pub fn canonicalization(mut self, canonicalization: Canonicalization) -> Self {
        self.canonicalization = canonicalization;
        self
    }

    /// Reference the document element by its ID (`Reference URI="#id"`)
    /// instead of `URI=""`, as SAML core §5.4.2 requires for assertions.
    /// The document element must carry `ID`, `Id` or `id` with this value,
    /// and no other element may carry it.
    #[must_use]
    pub fn reference_id(mut self, id: impl Into<String>) -> Self {
        self.reference_id = Some(id.into());
        self
    }

    /// Place the signature right after the first child of the document
    /// element with this namespace and local name (SAML core §5.4.1 and the
    /// assertion schema put it after `saml:Issuer`) instead of last. Signing
    /// fails with [`XmlDsigError::ElementNotFound`] when there is no such child.
    #[must_use]
    pub fn insert_after(mut self, namespace: impl Into<String>, local: impl Into<String>) -> Self {
        self.after_child = Some((namespace.into(), local.into()));
        self
    }
}

/// Signs the document element with an enveloped signature: `Reference
/// URI=""` with the enveloped-signature and C14N transforms, `ds:Signature`
/// (prefix `ds`, declared on it) appended as the last child of the document
/// element, where the Acknowledge-Message schema of TR 01201-3.4 §3.5.3 puts
/// it, with `KeyInfo/X509Data/X509Certificate`.
///
/// The output is the input with line ends normalized to LF (XML 1.0 §2.11)
/// and the signature inserted; nothing else changes.
///
/// ```
/// use demail::certificate::Certificate;
/// use demail::crypto::{HashAlgorithm, SignatureScheme, SigningKey};
/// use demail::signer::CertifiedKey;
/// use demail::xmldsig::{sign_enveloped, Canonicalization, XmlSignOptions};
///
/// let key = SigningKey::from_pkcs8_pem(include_str!("../../tests/data/keys/rsa3072.key.pem"))?;
/// let certificate = Certificate::from_pem(include_str!("../../tests/data/keys/rsa3072.cert.pem"))?;
/// let signer = CertifiedKey::new(key, certificate)?;
/// let options = XmlSignOptions::new(&signer)
///     .scheme(SignatureScheme::RsassaPss)
///     .hash(HashAlgorithm::Sha384)
///     .canonicalization(Canonicalization::Exclusive { inclusive_prefixes: vec![] });
/// let signed = sign_enveloped(b"<doc><a>1</a></doc>", &options)?;
/// let signed = String::from_utf8(signed)?;
/// assert!(signed.starts_with("<doc><a>1</a><ds:Signature xmlns:ds="));
/// assert!(signed.contains("http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`super::canonicalize`]; [`XmlDsigError::AlreadySigned`] when the
/// document has a `ds:Signature`; [`XmlDsigError::Crypto`] when the key cannot sign with the scheme.
pub fn sign_enveloped(xml: &[u8], options: &XmlSignOptions<'_>) -> Result<Vec<u8>, XmlDsigError> {
    // The signed document is written in UTF-8 whatever it was read in.
    let text = declare_utf8(decode(xml, &XmlLimits::XMLDSIG)?);
    let insertion = insertion_point(&text, options)?;
    let method = &options.canonicalization;
    let content = canonicalize_prepared(
        &text,
        method,
        Selection {
            // `#id` names the document element: without what lies outside it.
            apex: options.reference_id.as_ref().map(|_| 0),
            no_comments: true,
            ..Selection::default()
        },
    )?;
    let digest_value = base64(&options.digest.digest(&content));
    drop(content);
    let signature_method = SignatureMethod {
        scheme: options.scheme,
        hash: options.hash,
    };
    let (before_value, after_value) = signature_xml(options, signature_method, &digest_value);

    let mut document = String::with_capacity(text.len() + before_value.len() + after_value.len() + 2048);
    document.push_str(insertion.head);
    if insertion.close_root.is_some() {
        document.push('>');
    }
    document.push_str(&before_value);
    let value_at = document.len();
    document.push_str(&after_value);
    if let Some(qname) = insertion.close_root {
        document.push_str("</");
        document.push_str(qname);
        document.push('>');
    }
    document.push_str(insertion.tail);

    let selection = Selection {
        apex: Some(insertion.elements + 1),
        ..Selection::default()
    };
    let signed_info = canonicalize_prepared(&document, method, selection)?;
    let signature = options.signer.sign(options.scheme, options.hash, &signed_info)?;
    let signature = match (&options.signer.certificate().public_key, options.scheme) {
        (PublicKey::Ec { curve, .. }, SignatureScheme::EcDsa) => ecdsa_field_len(curve)
            .and_then(|width| ecdsa_der_to_raw(&signature, width))
            .ok_or(crate::crypto::CryptoError::SigningFailed)?,
        _ => signature,
    };
    document.insert_str(value_at, &base64(&signature));
    Ok(document.into_bytes())
}

/// Where the signature goes: before the end tag of the document element.
struct Insertion<'t> {
    /// The text before the signature (for a self-closing document element
    /// `<r/>`, up to and without its `/>`).
    head: &'t str,
    /// The document element's name when it was self-closing: `>` goes
    /// before the signature and `</name>` after it.
    close_root: Option<&'t str>,
    /// The text after the signature.
    tail: &'t str,
    /// How many elements precede the signature.
    elements: usize,
}

/// Finds the insertion point in one streaming pass over the whole document
/// (which must not be signed yet): before the end tag of the document
/// element, or after the child [`XmlSignOptions::insert_after`] names; checks
/// the ID of [`XmlSignOptions::reference_id`].
fn insertion_point<'t>(text: &'t str, options: &XmlSignOptions<'_>) -> Result<Insertion<'t>, XmlDsigError> {
    let mut reader = XmlReader::new(text, XmlLimits::XMLDSIG);
    let mut depth = 0usize;
    let mut count = 0;
    let mut root = None;
    let mut insertion = None;
    let mut ids = 0usize;
    // Inside the child the signature goes after.
    let mut in_child = false;
    while let Some(node) = reader.next_node()? {
        match node {
            Node::Start(element) => {
                if element.namespace == DSIG_NAMESPACE && element.local == "Signature" {
                    return Err(XmlDsigError::AlreadySigned {
                        offset: element.offset,
                    });
                }
                if let Some(id) = &options.reference_id {
                    let named = element
                        .attributes
                        .iter()
                        .filter(|a| {
                            a.namespace.is_empty() && ["ID", "Id", "id"].contains(&a.local) && a.value == *id
                        })
                        .count();
                    if named > 0 && depth != 0 {
                        return Err(XmlDsigError::ReferencedElementNotRoot {
                            id: id.clone(),
                            offset: element.offset,
                        });
                    }
                    ids += named;
                }
                if depth == 0 {
                    root = Some((element.qname, element.tag_end, element.self_closing));
                }
                count += 1;
                let wanted = options.after_child.as_ref().is_some_and(|(ns, local)| {
                    element.namespace == ns.as_str() && element.local == local.as_str()
                });
                if depth == 1 && wanted && insertion.is_none() {
                    in_child = true;
                }
                depth += 1;
            }
            Node::End { offset } => {
                depth = depth.saturating_sub(1);
                if depth == 1 && in_child {
                    in_child = false;
                    insertion = split_at(text, reader.offset(), count)?;
                }
                if depth == 0 && options.after_child.is_none() {
                    let (qname, tag_end, self_closing) = root.ok_or(XmlDsigError::ElementNotFound)?;
                    let split = if self_closing { tag_end } else { offset };
                    let (head, tail) = text
                        .split_at_checked(split)
                        .ok_or(XmlDsigError::ElementNotFound)?;
                    insertion = Some(if self_closing {
                        Insertion {
                            head: head.strip_suffix("/>").ok_or(XmlDsigError::ElementNotFound)?,
                            close_root: Some(qname),
                            tail,
                            elements: count,
                        }
                    } else {
                        Insertion {
                            head,
                            close_root: None,
                            tail,
                            elements: count,
                        }
                    });
                }
            }
            _ => {}
        }
    }
    if let Some(id) = &options.reference_id
        && ids != 1
    {
        return Err(XmlDsigError::UnresolvedReference(id.clone()));
    }
    insertion.ok_or(XmlDsigError::ElementNotFound)
}

/// The insertion point right after a child element that ends at `at`.
fn split_at(text: &str, at: usize, elements: usize) -> Result<Option<Insertion<'_>>, XmlDsigError> {
    let (head, tail) = text.split_at_checked(at).ok_or(XmlDsigError::ElementNotFound)?;
    Ok(Some(Insertion {
        head,
        close_root: None,
        tail,
        elements,
    }))
}

/// The `ds:Signature` element, split where the signature value goes.
fn signature_xml(
    options: &XmlSignOptions<'_>,
    method: SignatureMethod,
    digest_value: &str,
) -> (String, String) {
    let c14n = c14n_element(&options.canonicalization);
    let certificate = base64(options.signer.certificate().der());
    let before = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\">\
<ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"{uri}\">{c14n}</ds:CanonicalizationMethod>\
<ds:SignatureMethod Algorithm=\"{method}\"></ds:SignatureMethod>\
<ds:Reference URI=\"{reference}\">\
<ds:Transforms>\
<ds:Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"></ds:Transform>\
<ds:Transform Algorithm=\"{uri}\">{c14n}</ds:Transform>\
</ds:Transforms>\
<ds:DigestMethod Algorithm=\"{digest}\"></ds:DigestMethod>\
<ds:DigestValue>{digest_value}</ds:DigestValue>\
</ds:Reference>\
</ds:SignedInfo>\
<ds:SignatureValue>",
        uri = options.canonicalization.uri(),
        method = method.uri(),
        digest = digest_uri(options.digest),
        reference = options
            .reference_id
            .as_ref()
            .map(|id| format!("#{}", escape_attribute(id)))
            .unwrap_or_default(),
    );
    let after = format!(
        "</ds:SignatureValue>\
<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\
</ds:Signature>"
    );
    (before, after)
}

/// `ec:InclusiveNamespaces` for an exclusive method with a PrefixList.
fn c14n_element(method: &Canonicalization) -> String {
    let prefixes = method.inclusive_prefixes();
    if prefixes.is_empty() {
        return String::new();
    }
    let list = prefixes
        .join(" ")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    format!(
        "<ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N_NAMESPACE}\" PrefixList=\"{list}\"></ec:InclusiveNamespaces>"
    )
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
