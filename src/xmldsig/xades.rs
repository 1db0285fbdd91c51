//! XAdES-BES (ETSI EN 319 132-1 v1.1.1; XAdES 1.3.2 namespace) as the EU
//! trusted lists use it (ETSI TS 119 612 §5.7.1): the second
//! `ds:Reference` of `SignedInfo`, to the `xades:SignedProperties` inside
//! this signature's `ds:Object/xades:QualifyingProperties`, and the
//! `SigningCertificate`/`SigningCertificateV2` property that binds the
//! signer certificate (EN 319 132-1 §5.2.2). Only read when the caller
//! asks for it ([`super::XmlProfile::EnvelopedOrXades`], D213); the rules
//! are D214 and D215.

use x509_parser::asn1_rs::Any;
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::ber::BerObjectContent;
use x509_parser::der_parser::der::parse_der;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::certificate::Certificate;
use crate::crypto::HashAlgorithm;
use crate::fields::DateTime;

use super::algorithms::digest_from_uri;
use super::signature::{
    ReferenceParts, Tree, algorithm, base64, children_in, dsig_children, expect, no_children,
};
use super::{Canonicalization, XmlDsigError};

/// The XAdES 1.3.2 namespace (`xades:`), which EN 319 132-1 keeps for
/// the BES properties.
pub const XADES_NAMESPACE: &str = "http://uri.etsi.org/01903/v1.3.2#";
/// The `Type` of the reference to `xades:SignedProperties` (EN 319 132-1 §4.3.1).
pub(crate) const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";

/// The signed signature properties read but not interpreted (EN 319 132-1
/// §5.2.3–§5.2.6): signed, so covered by the digest, but no rule here
/// depends on them (D215).
const OTHER_SIGNED_SIGNATURE_PROPERTIES: [&str; 5] = [
    "SignaturePolicyIdentifier",
    "SignatureProductionPlace",
    "SignatureProductionPlaceV2",
    "SignerRole",
    "SignerRoleV2",
];

/// What a XAdES-BES signature adds, as [`super::verify_with`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct XadesProperties {
    /// The `Id` of `xades:SignedProperties` (the second reference's `#id`).
    pub signed_properties_id: String,
    /// The C14N method applied to `SignedProperties`.
    pub signed_properties_canonicalization: Canonicalization,
    /// The `DigestMethod` of the `SignedProperties` reference.
    pub signed_properties_digest_method: HashAlgorithm,
    /// Whether the digest of the canonical `SignedProperties` matched.
    pub signed_properties_digest_ok: bool,
    /// `SigningTime` (EN 319 132-1 §5.2.1), the time the signer claims.
    pub signing_time: Option<DateTime>,
    /// Whether the property is `SigningCertificateV2` (else the older
    /// `SigningCertificate`).
    pub signing_certificate_v2: bool,
    /// Whether a `Cert` of it names the signer certificate by its digest
    /// (and by issuer and serial number where it gives them).
    pub signing_certificate_ok: bool,
}

/// The facts (D183): `signed_properties_id`, the C14N and digest URIs,
/// `signed_properties_digest_ok`, `signing_time`, `signing_certificate_v2`,
/// `signing_certificate_ok`.
#[cfg(feature = "serde")]
impl serde::Serialize for XadesProperties {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("XadesProperties", 7)?;
        out.serialize_field("signed_properties_id", &self.signed_properties_id)?;
        out.serialize_field(
            "signed_properties_canonicalization",
            self.signed_properties_canonicalization.uri(),
        )?;
        out.serialize_field(
            "signed_properties_digest_method",
            self.signed_properties_digest_method.as_str(),
        )?;
        out.serialize_field("signed_properties_digest_ok", &self.signed_properties_digest_ok)?;
        out.serialize_field("signing_time", &self.signing_time)?;
        out.serialize_field("signing_certificate_v2", &self.signing_certificate_v2)?;
        out.serialize_field("signing_certificate_ok", &self.signing_certificate_ok)?;
        out.end()
    }
}

/// The XAdES part of a parsed signature.
pub(crate) struct Xades {
    /// The `SignedProperties` reference (its URI without `#`).
    pub(crate) reference: ReferenceParts,
    /// The ordinal of the `xades:SignedProperties` element in the document.
    pub(crate) signed_properties_ordinal: usize,
    pub(crate) signing_time: Option<DateTime>,
    pub(crate) signing_certificate_v2: bool,
    pub(crate) certificates: Vec<CertReference>,
}

/// One `xades:Cert`: the digest of a certificate and, optionally, its
/// issuer and serial number.
pub(crate) struct CertReference {
    digest: HashAlgorithm,
    digest_value: Vec<u8>,
    issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial` (`ds:X509IssuerName` as RFC 4514 text and the decimal
/// `ds:X509SerialNumber`) or `IssuerSerialV2` (the DER `IssuerSerial` of
/// RFC 5035).
enum IssuerSerial {
    Text { issuer: String, serial: String },
    Der(Vec<u8>),
}

/// Why the signer certificate is not the one `SigningCertificate(V2)` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CertificateBinding {
    /// A `Cert` has the certificate's digest and a matching (or no) issuer/serial.
    Bound,
    /// No `CertDigest` is the digest of the certificate.
    NoDigest,
    /// A `CertDigest` matches, but its `IssuerSerial(V2)` names another certificate.
    IssuerSerial,
}

impl Xades {
    /// The report's view, with the digest outcome.
    pub(crate) fn properties(&self, digest_ok: bool, binding: CertificateBinding) -> XadesProperties {
        XadesProperties {
            signed_properties_id: self.reference.0.clone(),
            signed_properties_canonicalization: self.reference.1.clone(),
            signed_properties_digest_method: self.reference.2,
            signed_properties_digest_ok: digest_ok,
            signing_time: self.signing_time,
            signing_certificate_v2: self.signing_certificate_v2,
            signing_certificate_ok: binding == CertificateBinding::Bound,
        }
    }

    /// EN 319 132-1 §5.2.2: a `Cert` whose `CertDigest` is the digest of
    /// `certificate`; where that `Cert` names issuer and serial, they must
    /// be the certificate's.
    pub(crate) fn binding(&self, certificate: &Certificate) -> CertificateBinding {
        let mut binding = CertificateBinding::NoDigest;
        for cert in &self.certificates {
            if cert.digest.digest(certificate.der()) != cert.digest_value {
                continue;
            }
            match &cert.issuer_serial {
                Some(named) if !named.matches(certificate) => binding = CertificateBinding::IssuerSerial,
                _ => return CertificateBinding::Bound,
            }
        }
        binding
    }
}

/// Reads `ds:Object/xades:QualifyingProperties` of the signature whose
/// `Id` is `signature_id`, for the `SignedProperties` reference `reference`.
pub(crate) fn parse_qualifying_properties(
    object: &Tree<'_>,
    signature_id: Option<&str>,
    reference: ReferenceParts,
) -> Result<Xades, XmlDsigError> {
    let children = any_children(object, "Object")?;
    let [qualifying] = children.as_slice() else {
        return Err(match children.get(1) {
            Some(extra) => unexpected(extra, "Object"),
            None => missing("QualifyingProperties", "Object"),
        });
    };
    let qualifying = xades_element(qualifying, "QualifyingProperties", "Object")?;
    let target = qualifying.element.attribute("Target");
    let names_this_signature = match (target, signature_id) {
        (Some(target), Some(id)) => target.strip_prefix('#') == Some(id),
        _ => false,
    };
    if !names_this_signature {
        return Err(XmlDsigError::QualifyingPropertiesTarget {
            target: target.map(str::to_owned),
            signature_id: signature_id.map(str::to_owned),
        });
    }
    let parts = xades_children(qualifying, "QualifyingProperties")?;
    let mut parts = parts.into_iter();
    let signed = expect_xades(parts.next(), "SignedProperties", "QualifyingProperties")?;
    // Unsigned properties (time-stamps, validation data) are not covered
    // by the signature and not read (D215).
    if let Some(extra) = parts.find(|p| p.element.local != "UnsignedProperties") {
        return Err(unexpected(extra, "QualifyingProperties"));
    }
    let signed_children = xades_children(signed, "SignedProperties")?;
    let mut signed_children = signed_children.into_iter();
    let signature_properties = expect_xades(
        signed_children.next(),
        "SignedSignatureProperties",
        "SignedProperties",
    )?;
    if let Some(extra) = signed_children.find(|p| p.element.local != "SignedDataObjectProperties") {
        return Err(unexpected(extra, "SignedProperties"));
    }
    let (signing_time, signing_certificate_v2, certificates) =
        parse_signed_signature_properties(signature_properties)?;
    Ok(Xades {
        reference,
        signed_properties_ordinal: signed.ordinal,
        signing_time,
        signing_certificate_v2,
        certificates,
    })
}

type SignatureProperties = (Option<DateTime>, bool, Vec<CertReference>);

/// `SignedSignatureProperties`: at most one `SigningTime`, exactly one of
/// `SigningCertificate` and `SigningCertificateV2` (XAdES-BES, EN 319 132-1
/// §6.3), the other known properties unread.
fn parse_signed_signature_properties(properties: &Tree<'_>) -> Result<SignatureProperties, XmlDsigError> {
    let mut signing_time = None;
    let mut signing_certificate = None;
    for property in xades_children(properties, "SignedSignatureProperties")? {
        match property.element.local {
            "SigningTime" if signing_time.is_none() => {
                no_element_children(property, "SigningTime")?;
                let (time, _) =
                    DateTime::parse_xs_date_time(&property.text).map_err(XmlDsigError::SigningTime)?;
                signing_time = Some(time);
            }
            "SigningCertificate" | "SigningCertificateV2" if signing_certificate.is_none() => {
                let v2 = property.element.local == "SigningCertificateV2";
                signing_certificate = Some((v2, parse_signing_certificate(property, v2)?));
            }
            local if OTHER_SIGNED_SIGNATURE_PROPERTIES.contains(&local) => {}
            _ => return Err(unexpected(property, "SignedSignatureProperties")),
        }
    }
    let (v2, certificates) =
        signing_certificate.ok_or_else(|| missing("SigningCertificateV2", "SignedSignatureProperties"))?;
    Ok((signing_time, v2, certificates))
}

/// `SigningCertificate(V2)`: one or more `Cert`, each a `CertDigest` and
/// an `IssuerSerial` (required in V1) or `IssuerSerialV2` (optional in V2).
fn parse_signing_certificate(property: &Tree<'_>, v2: bool) -> Result<Vec<CertReference>, XmlDsigError> {
    let parent = if v2 {
        "SigningCertificateV2"
    } else {
        "SigningCertificate"
    };
    let certs = xades_children(property, parent)?;
    if certs.is_empty() {
        return Err(missing("Cert", parent));
    }
    certs
        .into_iter()
        .map(|cert| parse_cert(xades_element(cert, "Cert", parent)?, v2))
        .collect()
}

fn parse_cert(cert: &Tree<'_>, v2: bool) -> Result<CertReference, XmlDsigError> {
    let parts = xades_children(cert, "Cert")?;
    let mut parts = parts.into_iter();
    let digest = expect_xades(parts.next(), "CertDigest", "Cert")?;
    let (serial_name, serial_parent) = if v2 {
        ("IssuerSerialV2", "Cert")
    } else {
        ("IssuerSerial", "Cert")
    };
    let issuer_serial = match parts.next() {
        Some(serial) => Some(parse_issuer_serial(
            xades_element(serial, serial_name, serial_parent)?,
            v2,
        )?),
        None if v2 => None,
        None => return Err(missing("IssuerSerial", "Cert")),
    };
    if let Some(extra) = parts.next() {
        return Err(unexpected(extra, "Cert"));
    }
    let digest_parts = dsig_children(digest, "CertDigest")?;
    let mut digest_parts = digest_parts.into_iter();
    let method = expect(digest_parts.next(), "DigestMethod", "CertDigest")?;
    let value = expect(digest_parts.next(), "DigestValue", "CertDigest")?;
    if let Some(extra) = digest_parts.next() {
        return Err(unexpected(extra, "CertDigest"));
    }
    // SHA-1 is refused here as everywhere in the profile (D215).
    let digest_method = digest_from_uri(algorithm(method, "DigestMethod")?)?;
    no_children(method, "DigestMethod")?;
    Ok(CertReference {
        digest: digest_method,
        digest_value: base64(value, "DigestValue")?,
        issuer_serial,
    })
}

fn parse_issuer_serial(tree: &Tree<'_>, v2: bool) -> Result<IssuerSerial, XmlDsigError> {
    if v2 {
        no_element_children(tree, "IssuerSerialV2")?;
        return crate::pem::decode_base64(&tree.text)
            .filter(|der| !der.is_empty())
            .map(IssuerSerial::Der)
            .ok_or(XmlDsigError::Base64("IssuerSerialV2"));
    }
    let parts = dsig_children(tree, "IssuerSerial")?;
    let mut parts = parts.into_iter();
    let issuer = expect(parts.next(), "X509IssuerName", "IssuerSerial")?;
    let serial = expect(parts.next(), "X509SerialNumber", "IssuerSerial")?;
    if let Some(extra) = parts.next() {
        return Err(unexpected(extra, "IssuerSerial"));
    }
    no_element_children(issuer, "X509IssuerName")?;
    no_element_children(serial, "X509SerialNumber")?;
    Ok(IssuerSerial::Text {
        issuer: issuer.text.clone(),
        serial: serial.text.trim_matches([' ', '\t', '\n']).to_owned(),
    })
}

impl IssuerSerial {
    /// Whether issuer and serial number are the certificate's: the DER
    /// `IssuerSerial` by its one `directoryName` and its INTEGER, the text
    /// form by the decimal serial and the RFC 4514 name compared RDN by RDN
    /// (D215). What cannot be read does not match (fail closed).
    fn matches(&self, certificate: &Certificate) -> bool {
        let Ok((_, parsed)) = X509Certificate::from_der(certificate.der()) else {
            return false;
        };
        match self {
            IssuerSerial::Der(der) => der_issuer_serial(der).is_some_and(|(issuer, serial)| {
                issuer == certificate.issuer_der() && serial == parsed.raw_serial()
            }),
            IssuerSerial::Text { issuer, serial } => {
                serial.trim_start_matches('0') == parsed.serial.to_str_radix(10).trim_start_matches('0')
                    && rfc4514_matches(issuer, parsed.issuer())
            }
        }
    }
}

/// RFC 5035 `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber
/// CertificateSerialNumber }` with exactly one `GeneralName`, a
/// `directoryName` (`[4] EXPLICIT Name`): the Name's DER and the serial's
/// content octets.
fn der_issuer_serial(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (rest, outer) = parse_der(der).ok()?;
    let BerObjectContent::Sequence(fields) = &outer.content else {
        return None;
    };
    let ([names, serial], true) = (fields.as_slice(), rest.is_empty()) else {
        return None;
    };
    let BerObjectContent::Sequence(names) = &names.content else {
        return None;
    };
    let [name] = names.as_slice() else {
        return None;
    };
    let BerObjectContent::Integer(serial) = serial.content else {
        return None;
    };
    // [4] EXPLICIT: the tagged object's content is the Name's full DER.
    if name.header.tag().0 != 4 || !name.header.is_contextspecific() {
        return None;
    }
    let inner = name.as_slice().ok()?;
    let (rest, _) = X509Name::from_der(inner).ok()?;
    rest.is_empty().then_some((inner, serial))
}

/// Whether an RFC 4514 distinguished name (RDNs last-first) names `name`:
/// the same RDNs in reverse order, each attribute's type (abbreviation,
/// short name or dotted OID) and value: a string with the RFC 4514 escapes
/// undone, compared ignoring ASCII case and repeated white space (RFC 4518
/// in small), or a `#` hex BER value compared by tag and content (what
/// Java writes for `organizationIdentifier`).
fn rfc4514_matches(text: &str, name: &X509Name<'_>) -> bool {
    let Some(wanted) = parse_rfc4514(text) else {
        return false;
    };
    let rdns: Vec<_> = name.iter_rdn().collect();
    if rdns.len() != wanted.len() {
        return false;
    }
    rdns.iter().rev().zip(&wanted).all(|(rdn, wanted)| {
        let attributes: Vec<_> = rdn.iter().collect();
        attributes.len() == wanted.len()
            && wanted.iter().all(|(kind, value)| {
                attributes
                    .iter()
                    .any(|attribute| type_matches(kind, attribute.attr_type()) && value.matches(attribute))
            })
    })
}

fn type_matches(kind: &str, oid: &x509_parser::der_parser::oid::Oid<'_>) -> bool {
    let registry = x509_parser::objects::oid_registry();
    let dotted = oid.to_id_string();
    let kind = kind.strip_prefix("OID.").unwrap_or(kind);
    kind == dotted
        || x509_parser::objects::oid2abbrev(oid, registry).is_ok_and(|a| a.eq_ignore_ascii_case(kind))
        || x509_parser::objects::oid2sn(oid, registry).is_ok_and(|s| s.eq_ignore_ascii_case(kind))
        || (kind.eq_ignore_ascii_case("E") && dotted == "1.2.840.113549.1.9.1")
}

/// An attribute value of an RFC 4514 name.
#[derive(Debug, PartialEq, Eq)]
enum NameValue {
    /// A string value, escapes undone.
    Text(String),
    /// `#` and the hex of the BER encoding (RFC 4514 §2.4).
    Ber(Vec<u8>),
}

impl NameValue {
    fn matches(&self, attribute: &AttributeTypeAndValue<'_>) -> bool {
        match self {
            NameValue::Text(value) => attribute
                .as_str()
                .is_ok_and(|have| normalized(have) == normalized(value)),
            NameValue::Ber(ber) => Any::from_der(ber).is_ok_and(|(rest, any)| {
                let have = attribute.attr_value();
                rest.is_empty() && any.tag() == have.tag() && any.data == have.data
            }),
        }
    }
}

fn normalized(value: &str) -> String {
    value
        .split_ascii_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// An RFC 4514 name as RDNs of (type, value); `None` for what is not
/// read (a bad escape or hex value, an attribute without `=`).
fn parse_rfc4514(text: &str) -> Option<Vec<Vec<(String, NameValue)>>> {
    let mut rdns = vec![Vec::new()];
    let mut current = String::new();
    let mut kind: Option<String> = None;
    let mut bytes = text.trim().bytes();
    let mut value = Vec::new();
    // An unescaped `#` first: the value is hex BER (RFC 4514 §2.4).
    let mut hex = false;
    let finish = |kind: &mut Option<String>, value: &mut Vec<u8>, hex: &mut bool| {
        let kind = kind.take()?;
        let text = String::from_utf8(std::mem::take(value)).ok()?;
        let value = if std::mem::take(hex) {
            NameValue::Ber(decode_hex(text.trim_end())?)
        } else {
            NameValue::Text(text)
        };
        Some((kind, value))
    };
    while let Some(byte) = bytes.next() {
        match (kind.is_some(), byte) {
            (false, b'=') => kind = Some(std::mem::take(&mut current).trim().to_owned()),
            (false, _) => current.push(char::from(byte)),
            (true, b'#') if value.is_empty() && !hex => hex = true,
            (true, b'\\') => {
                let first = bytes.next()?;
                if first.is_ascii_hexdigit() {
                    let second = bytes.next()?;
                    value.push(decode_hex(std::str::from_utf8(&[first, second]).ok()?)?[0]);
                } else {
                    value.push(first);
                }
            }
            (true, b',' | b'+') => {
                let attribute = finish(&mut kind, &mut value, &mut hex)?;
                rdns.last_mut()?.push(attribute);
                if byte == b',' {
                    rdns.push(Vec::new());
                }
            }
            (true, _) => value.push(byte),
        }
    }
    let attribute = finish(&mut kind, &mut value, &mut hex)?;
    rdns.last_mut()?.push(attribute);
    Some(rdns)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
        .collect()
}

/// The children of a XAdES container: all in the XAdES namespace, no text
/// but white space.
fn xades_children<'t, 'a>(tree: &'t Tree<'a>, name: &'static str) -> Result<Vec<&'t Tree<'a>>, XmlDsigError> {
    children_in(tree, name, XADES_NAMESPACE, unexpected)
}

/// `ds:Object`'s children (any namespace here; checked by the caller).
fn any_children<'t, 'a>(tree: &'t Tree<'a>, name: &'static str) -> Result<Vec<&'t Tree<'a>>, XmlDsigError> {
    if !tree.text.trim_matches([' ', '\t', '\n']).is_empty() {
        return Err(XmlDsigError::UnexpectedText { element: name });
    }
    Ok(tree.children.iter().collect())
}

fn xades_element<'t, 'a>(
    tree: &'t Tree<'a>,
    local: &'static str,
    parent: &'static str,
) -> Result<&'t Tree<'a>, XmlDsigError> {
    if tree.element.namespace == XADES_NAMESPACE && tree.element.local == local {
        Ok(tree)
    } else {
        Err(unexpected(tree, parent))
    }
}

fn expect_xades<'t, 'a>(
    child: Option<&'t Tree<'a>>,
    local: &'static str,
    parent: &'static str,
) -> Result<&'t Tree<'a>, XmlDsigError> {
    xades_element(child.ok_or_else(|| missing(local, parent))?, local, parent)
}

fn no_element_children(tree: &Tree<'_>, name: &'static str) -> Result<(), XmlDsigError> {
    match tree.children.first() {
        Some(child) => Err(unexpected(child, name)),
        None => Ok(()),
    }
}

fn unexpected(tree: &Tree<'_>, parent: &'static str) -> XmlDsigError {
    XmlDsigError::UnexpectedXadesElement {
        element: format!("{{{}}}{}", tree.element.namespace, tree.element.local),
        parent,
        offset: tree.element.offset,
    }
}

fn missing(element: &'static str, parent: &'static str) -> XmlDsigError {
    XmlDsigError::MissingXadesElement { element, parent }
}

#[cfg(test)]
mod tests {
    use super::*;

    // EN 319 132-1 §5.2.2.2 (XAdES 1.3.2 §7.2.2), D215: the RFC 4514 issuer name of IssuerSerial
    // is read RDN by RDN with its escapes
    #[test]
    fn rfc4514_names_are_read_with_escapes_and_multivalued_rdns() {
        let text = |kind: &str, value: &str| (kind.to_owned(), NameValue::Text(value.to_owned()));
        let rdns = parse_rfc4514(r"CN=A\, B+OU=x\2Cy, O=Test , C=DE").unwrap();
        assert_eq!(
            rdns,
            vec![
                vec![text("CN", "A, B"), text("OU", "x,y")],
                vec![text("O", "Test ")],
                vec![text("C", "DE")],
            ]
        );
        assert_eq!(
            parse_rfc4514("2.5.4.97=#0c03414243").unwrap(),
            vec![vec![(
                "2.5.4.97".to_owned(),
                NameValue::Ber(vec![0x0c, 3, b'A', b'B', b'C'])
            )]]
        );
        assert_eq!(parse_rfc4514("CN=#0c0"), None);
        assert_eq!(parse_rfc4514(r"CN=\#1").unwrap(), vec![vec![text("CN", "#1")]]);
        assert_eq!(parse_rfc4514(r"CN=bad\"), None);
    }
}
