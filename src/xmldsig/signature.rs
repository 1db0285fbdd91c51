//! Reading the `ds:Signature` element (xmldsig-core §4) into the profile
//! this crate accepts: one `SignedInfo` with `CanonicalizationMethod`,
//! `SignatureMethod` and exactly one `Reference` (enveloped-signature and an
//! optional C14N transform, `DigestMethod`, `DigestValue`), a
//! `SignatureValue`, and `KeyInfo/X509Data/X509Certificate`.

use crate::crypto::HashAlgorithm;
use crate::pem::decode_base64;

use super::algorithms::{
    DSIG_NAMESPACE, ENVELOPED_SIGNATURE, EXC_C14N_NAMESPACE, SignatureMethod, digest_from_uri, refuse,
};
use super::xades::{SIGNED_PROPERTIES_TYPE, Xades, parse_qualifying_properties};
use super::{Canonicalization, XmlDsigError, XmlProfile};
use crate::xml::reader::Element;

/// The transforms allowed on the one reference (enveloped-signature, C14N).
pub(crate) const MAX_TRANSFORMS: usize = 2;
/// The references allowed in `SignedInfo`.
pub(crate) const MAX_REFERENCES: usize = 1;

/// The most elements (`ds:Signature` itself included) read into the
/// signature's tree. The profile needs about twenty; the limit keeps a
/// `ds:Signature` padded with millions of children from being stored.
pub const MAX_SIGNATURE_ELEMENTS: usize = 1_000;

/// An element of the signature with its element children and text.
pub(crate) struct Tree<'a> {
    pub(crate) element: Element<'a>,
    pub(crate) ordinal: usize,
    pub(crate) children: Vec<Tree<'a>>,
    pub(crate) text: String,
}

/// Builds the tree of one element from the node stream, keeping only
/// elements and their text (comments and processing instructions are
/// dropped, consecutive text is joined).
#[derive(Default)]
pub(crate) struct TreeBuilder<'a> {
    stack: Vec<Tree<'a>>,
    elements: usize,
    done: Option<Tree<'a>>,
}

impl<'a> TreeBuilder<'a> {
    /// Whether the element is open (its start was fed, its end not yet).
    pub(crate) fn building(&self) -> bool {
        !self.stack.is_empty()
    }

    /// A start tag inside the tree (or the tree's own).
    pub(crate) fn start(&mut self, element: Element<'a>, ordinal: usize) -> Result<(), XmlDsigError> {
        if self.elements >= MAX_SIGNATURE_ELEMENTS {
            return Err(XmlDsigError::TooManySignatureElements {
                offset: element.offset,
                limit: MAX_SIGNATURE_ELEMENTS,
            });
        }
        self.elements += 1;
        self.stack.push(Tree {
            element,
            ordinal,
            children: Vec::new(),
            text: String::new(),
        });
        Ok(())
    }

    /// An end tag inside the tree.
    pub(crate) fn end(&mut self) {
        if let Some(done) = self.stack.pop() {
            match self.stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => self.done = Some(done),
            }
        }
    }

    /// Text inside the tree.
    pub(crate) fn text(&mut self, text: &str) {
        if let Some(open) = self.stack.last_mut() {
            open.text.push_str(text);
        }
    }

    /// The finished tree; `None` if its end was not reached.
    pub(crate) fn finish(self) -> Option<Tree<'a>> {
        self.done
    }
}

/// What the signature says.
pub(crate) struct ParsedSignature {
    pub(crate) signed_info_ordinal: usize,
    pub(crate) canonicalization: Canonicalization,
    pub(crate) method: SignatureMethod,
    pub(crate) reference_uri: String,
    pub(crate) reference_canonicalization: Canonicalization,
    pub(crate) digest: HashAlgorithm,
    pub(crate) digest_value: Vec<u8>,
    pub(crate) signature_value: Vec<u8>,
    /// DER certificates of `X509Data`, the signer's first.
    pub(crate) certificates: Vec<Vec<u8>>,
    /// The XAdES-BES part, when the profile allows it and the signature has it.
    pub(crate) xades: Option<Xades>,
}

/// Reads `ds:Signature` strictly (xmldsig-core §4.1 ff.); with
/// [`XmlProfile::EnvelopedOrXades`] also one `ds:Object` holding the
/// XAdES `QualifyingProperties` that the second reference signs (D213).
pub(crate) fn parse_signature(
    signature: &Tree<'_>,
    profile: XmlProfile,
) -> Result<ParsedSignature, XmlDsigError> {
    let children = dsig_children(signature, "Signature")?;
    let mut children = children.into_iter();
    let signed_info = expect(children.next(), "SignedInfo", "Signature")?;
    let signature_value = expect(children.next(), "SignatureValue", "Signature")?;
    let key_info = children.next().ok_or(XmlDsigError::NoCertificate)?;
    if key_info.element.local != "KeyInfo" {
        return Err(unexpected(key_info, "Signature"));
    }
    let object = match children.next() {
        Some(object) if profile == XmlProfile::EnvelopedOrXades && object.element.local == "Object" => {
            Some(object)
        }
        Some(extra) => return Err(unexpected(extra, "Signature")),
        None => None,
    };
    if let Some(extra) = children.next() {
        return Err(unexpected(extra, "Signature"));
    }
    let (info, signed_properties) = parse_signed_info(signed_info, profile)?;
    let xades = match (object, signed_properties) {
        (None, None) => None,
        (Some(object), Some(reference)) => Some(parse_qualifying_properties(
            object,
            signature.element.attribute("Id"),
            reference,
        )?),
        // A ds:Object no reference signs is unsigned content (D21).
        (Some(object), None) => return Err(unexpected(object, "Signature")),
        (None, Some(_)) => {
            return Err(XmlDsigError::MissingElement {
                element: "Object",
                parent: "Signature",
            });
        }
    };
    Ok(ParsedSignature {
        signed_info_ordinal: signed_info.ordinal,
        signature_value: base64(signature_value, "SignatureValue")?,
        certificates: certificates(key_info)?,
        xades,
        ..info
    })
}

/// `SignedInfo`, and the XAdES `SignedProperties` reference when the
/// profile allows one.
fn parse_signed_info(
    signed_info: &Tree<'_>,
    profile: XmlProfile,
) -> Result<(ParsedSignature, Option<ReferenceParts>), XmlDsigError> {
    let children = dsig_children(signed_info, "SignedInfo")?;
    let mut children = children.into_iter();
    let c14n = expect(children.next(), "CanonicalizationMethod", "SignedInfo")?;
    let method_element = expect(children.next(), "SignatureMethod", "SignedInfo")?;
    let references: Vec<&Tree<'_>> = children.collect();
    if let Some(other) = references.iter().find(|r| r.element.local != "Reference") {
        return Err(unexpected(other, "SignedInfo"));
    }
    let (reference, signed_properties) = match profile {
        XmlProfile::Enveloped => {
            if references.len() > MAX_REFERENCES {
                return Err(XmlDsigError::TooManyReferences {
                    count: references.len(),
                });
            }
            (references.first().copied(), None)
        }
        XmlProfile::EnvelopedOrXades => split_xades_references(&references)?,
    };
    let reference = reference.ok_or(XmlDsigError::MissingElement {
        element: "Reference",
        parent: "SignedInfo",
    })?;
    let canonicalization = canonicalization_method(c14n, "CanonicalizationMethod")?;
    let method = SignatureMethod::from_uri(algorithm(method_element, "SignatureMethod")?)?;
    no_children(method_element, "SignatureMethod")?;
    let (reference_uri, reference_canonicalization, digest, digest_value) =
        parse_reference(reference, parse_transforms)?;
    let signed_properties = signed_properties
        .map(|reference| parse_signed_properties_reference(reference))
        .transpose()?;
    let info = ParsedSignature {
        signed_info_ordinal: signed_info.ordinal,
        canonicalization,
        method,
        reference_uri,
        reference_canonicalization,
        digest,
        digest_value,
        signature_value: Vec::new(),
        certificates: Vec::new(),
        xades: None,
    };
    Ok((info, signed_properties))
}

/// EN 319 132-1 §4.3/§6.3 (D214): the reference to the document and at
/// most one more, whose `Type` is that of `xades:SignedProperties`.
fn split_xades_references<'t, 'a>(
    references: &[&'t Tree<'a>],
) -> Result<(Option<&'t Tree<'a>>, Option<&'t Tree<'a>>), XmlDsigError> {
    let (properties, documents): (Vec<&Tree<'_>>, Vec<&Tree<'_>>) = references
        .iter()
        .partition(|r| r.element.attribute("Type") == Some(SIGNED_PROPERTIES_TYPE));
    if documents.len() > MAX_REFERENCES || properties.len() > 1 {
        return Err(XmlDsigError::XadesReferences {
            count: references.len(),
            signed_properties: properties.len(),
        });
    }
    Ok((documents.first().copied(), properties.first().copied()))
}

/// The `SignedProperties` reference: `URI="#id"` (the ID is kept without
/// `#`), transforms at most one C14N method.
fn parse_signed_properties_reference(reference: &Tree<'_>) -> Result<ReferenceParts, XmlDsigError> {
    let (uri, canonicalization, digest, value) = parse_reference(reference, parse_properties_transforms)?;
    let id = uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.starts_with("xpointer("))
        .ok_or_else(|| XmlDsigError::ForeignReference(uri.clone()))?
        .to_owned();
    Ok((id, canonicalization, digest, value))
}

/// A reference: URI (for the `SignedProperties` reference the ID without
/// `#`), the C14N applied, `DigestMethod`, `DigestValue`.
pub(crate) type ReferenceParts = (String, Canonicalization, HashAlgorithm, Vec<u8>);

/// A reference (xmldsig-core §4.3.3) with the transform rules of its kind.
fn parse_reference(
    reference: &Tree<'_>,
    transforms_of: fn(Option<&Tree<'_>>) -> Result<Canonicalization, XmlDsigError>,
) -> Result<ReferenceParts, XmlDsigError> {
    let uri = reference
        .element
        .attribute("URI")
        .ok_or(XmlDsigError::MissingAttribute {
            attribute: "URI",
            element: "Reference",
        })?
        .to_owned();
    let children = dsig_children(reference, "Reference")?;
    let mut children = children.into_iter().peekable();
    let transforms = match children.peek() {
        Some(t) if t.element.local == "Transforms" => children.next(),
        _ => None,
    };
    let digest_method = expect(children.next(), "DigestMethod", "Reference")?;
    let digest_value = expect(children.next(), "DigestValue", "Reference")?;
    if let Some(extra) = children.next() {
        return Err(unexpected(extra, "Reference"));
    }
    let canonicalization = transforms_of(transforms)?;
    let digest = digest_from_uri(algorithm(digest_method, "DigestMethod")?)?;
    no_children(digest_method, "DigestMethod")?;
    Ok((
        uri,
        canonicalization,
        digest,
        base64(digest_value, "DigestValue")?,
    ))
}

/// The `SignedProperties` reference's transforms: none (inclusive C14N,
/// xmldsig-core §4.3.3.2) or exactly one C14N method (D214).
fn parse_properties_transforms(transforms: Option<&Tree<'_>>) -> Result<Canonicalization, XmlDsigError> {
    let Some(transforms) = transforms else {
        return Ok(Canonicalization::Inclusive);
    };
    let list = dsig_children(transforms, "Transforms")?;
    if let Some(other) = list.iter().find(|t| t.element.local != "Transform") {
        return Err(unexpected(other, "Transforms"));
    }
    match list.as_slice() {
        [c14n] => canonicalization_method(c14n, "Transform"),
        _ => {
            let uris: Vec<&str> = list
                .iter()
                .map(|t| t.element.attribute("Algorithm").unwrap_or(""))
                .collect();
            if let Some(uri) = uris
                .iter()
                .find(|u| Canonicalization::from_uri(u, Vec::new()).is_none())
            {
                return Err(refuse(uri, "Transform"));
            }
            Err(XmlDsigError::UnsupportedTransforms(uris.join(", ")))
        }
    }
}

/// enveloped-signature, then optionally one C14N method (inclusive C14N
/// without comments when absent, xmldsig-core §4.3.3.2).
fn parse_transforms(transforms: Option<&Tree<'_>>) -> Result<Canonicalization, XmlDsigError> {
    let Some(transforms) = transforms else {
        return Err(XmlDsigError::UnsupportedTransforms("none".into()));
    };
    let list = dsig_children(transforms, "Transforms")?;
    if let Some(other) = list.iter().find(|t| t.element.local != "Transform") {
        return Err(unexpected(other, "Transforms"));
    }
    if list.len() > MAX_TRANSFORMS {
        return Err(XmlDsigError::TooManyTransforms { count: list.len() });
    }
    let mut uris = Vec::with_capacity(list.len());
    for transform in &list {
        let uri = algorithm(transform, "Transform")?;
        if uri != ENVELOPED_SIGNATURE && Canonicalization::from_uri(uri, Vec::new()).is_none() {
            return Err(refuse(uri, "Transform"));
        }
        uris.push(uri);
    }
    match (list.as_slice(), uris.as_slice()) {
        ([enveloped], [ENVELOPED_SIGNATURE]) => {
            no_children(enveloped, "Transform")?;
            Ok(Canonicalization::Inclusive)
        }
        ([enveloped, c14n], [ENVELOPED_SIGNATURE, _]) => {
            no_children(enveloped, "Transform")?;
            canonicalization_method(c14n, "Transform")
        }
        _ => Err(XmlDsigError::UnsupportedTransforms(uris.join(", "))),
    }
}

/// A C14N method element with its optional `ec:InclusiveNamespaces`.
fn canonicalization_method(tree: &Tree<'_>, name: &'static str) -> Result<Canonicalization, XmlDsigError> {
    let uri = algorithm(tree, name)?;
    let method = Canonicalization::from_uri(uri, Vec::new()).ok_or_else(|| refuse(uri, name))?;
    if !tree.text.trim_matches([' ', '\t', '\n']).is_empty() {
        return Err(XmlDsigError::UnexpectedText { element: name });
    }
    let mut prefixes = None;
    for child in &tree.children {
        let e = &child.element;
        let allowed = method.is_exclusive()
            && prefixes.is_none()
            && e.namespace == EXC_C14N_NAMESPACE
            && e.local == "InclusiveNamespaces"
            && child.children.is_empty();
        if !allowed {
            return Err(unexpected(child, name));
        }
        let list = e.attribute("PrefixList").ok_or(XmlDsigError::MissingAttribute {
            attribute: "PrefixList",
            element: "InclusiveNamespaces",
        })?;
        prefixes = Some(list.split_ascii_whitespace().map(str::to_owned).collect());
    }
    Ok(Canonicalization::from_uri(uri, prefixes.unwrap_or_default()).unwrap_or(method))
}

pub(crate) fn algorithm<'t>(tree: &'t Tree<'_>, name: &'static str) -> Result<&'t str, XmlDsigError> {
    tree.element
        .attribute("Algorithm")
        .ok_or(XmlDsigError::MissingAttribute {
            attribute: "Algorithm",
            element: name,
        })
}

pub(crate) fn no_children(tree: &Tree<'_>, name: &'static str) -> Result<(), XmlDsigError> {
    if let Some(child) = tree.children.first() {
        return Err(unexpected(child, name));
    }
    if !tree.text.trim_matches([' ', '\t', '\n']).is_empty() {
        return Err(XmlDsigError::UnexpectedText { element: name });
    }
    Ok(())
}

/// The DER certificates in `KeyInfo/X509Data` (other key information is ignored).
fn certificates(key_info: &Tree<'_>) -> Result<Vec<Vec<u8>>, XmlDsigError> {
    let mut certificates = Vec::new();
    for data in dsig_children(key_info, "KeyInfo")? {
        if data.element.local != "X509Data" {
            continue;
        }
        for item in dsig_children(data, "X509Data")? {
            if item.element.local == "X509Certificate" {
                certificates.push(base64(item, "X509Certificate")?);
            }
        }
    }
    if certificates.is_empty() {
        return Err(XmlDsigError::NoCertificate);
    }
    Ok(certificates)
}

/// The children of a container element: all in the XML-DSig namespace,
/// no text but white space.
pub(crate) fn dsig_children<'t, 'a>(
    tree: &'t Tree<'a>,
    name: &'static str,
) -> Result<Vec<&'t Tree<'a>>, XmlDsigError> {
    children_in(tree, name, DSIG_NAMESPACE, unexpected)
}

/// The children of a container element: all in `namespace` (else the
/// error `refuse` makes), no text but white space.
pub(crate) fn children_in<'t, 'a>(
    tree: &'t Tree<'a>,
    name: &'static str,
    namespace: &str,
    refuse: fn(&Tree<'_>, &'static str) -> XmlDsigError,
) -> Result<Vec<&'t Tree<'a>>, XmlDsigError> {
    if !tree.text.trim_matches([' ', '\t', '\n']).is_empty() {
        return Err(XmlDsigError::UnexpectedText { element: name });
    }
    tree.children
        .iter()
        .map(|child| {
            if child.element.namespace == namespace {
                Ok(child)
            } else {
                Err(refuse(child, name))
            }
        })
        .collect()
}

pub(crate) fn expect<'t, 'a>(
    child: Option<&'t Tree<'a>>,
    element: &'static str,
    parent: &'static str,
) -> Result<&'t Tree<'a>, XmlDsigError> {
    let child = child.ok_or(XmlDsigError::MissingElement { element, parent })?;
    if child.element.local != element {
        return Err(unexpected(child, parent));
    }
    Ok(child)
}

fn unexpected(tree: &Tree<'_>, parent: &'static str) -> XmlDsigError {
    XmlDsigError::UnexpectedElement {
        element: format!("{{{}}}{}", tree.element.namespace, tree.element.local),
        parent,
        offset: tree.element.offset,
    }
}

pub(crate) fn base64(tree: &Tree<'_>, name: &'static str) -> Result<Vec<u8>, XmlDsigError> {
    if !tree.children.is_empty() {
        return Err(XmlDsigError::UnexpectedText { element: name });
    }
    decode_base64(&tree.text)
        .filter(|bytes| !bytes.is_empty())
        .ok_or(XmlDsigError::Base64(name))
}
