//! Algorithm identifiers of XML-DSig (xmldsig-core §6, RFC 6931) and the
//! ECDSA signature value encoding (RFC 4050 §3.3, RFC 6931 §2.3.6).

use crate::crypto::{Curve, HashAlgorithm, SignatureScheme};

use super::XmlDsigError;

/// The XML-DSig namespace.
pub(crate) const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The Exc-C14N namespace (of `InclusiveNamespaces`).
pub(crate) const EXC_C14N_NAMESPACE: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

pub(crate) const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub(crate) const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub(crate) const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
pub(crate) const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Transforms that execute code or queries: refused outright.
const FORBIDDEN_TRANSFORMS: [&str; 3] = [
    "http://www.w3.org/TR/1999/REC-xslt-19991116",
    "http://www.w3.org/TR/1999/REC-xpath-19991116",
    "http://www.w3.org/2002/06/xmldsig-filter2",
];

/// A `SignatureMethod`: scheme and hash, with its URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureMethod {
    /// RSA PKCS#1 v1.5, RSA-PSS or ECDSA.
    pub scheme: SignatureScheme,
    /// The hash of the signature.
    pub hash: HashAlgorithm,
}

impl SignatureMethod {
    /// The URI: `http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`,
    /// `http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1` (RSA-PSS,
    /// RFC 6931 §2.3.10), `http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256`, ...
    pub const fn uri(self) -> &'static str {
        use HashAlgorithm::*;
        use SignatureScheme::*;
        match (self.scheme, self.hash) {
            (Rsa, Sha256) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            (Rsa, Sha384) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            (Rsa, Sha512) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            (RsassaPss, Sha256) => "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
            (RsassaPss, Sha384) => "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1",
            (RsassaPss, Sha512) => "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1",
            (EcDsa, Sha256) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            (EcDsa, Sha384) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
            (EcDsa, Sha512) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
        }
    }

    /// The method named by `uri`.
    ///
    /// # Errors
    /// [`XmlDsigError::HmacForbidden`], [`XmlDsigError::Sha1Forbidden`] or
    /// [`XmlDsigError::UnsupportedAlgorithm`].
    pub fn from_uri(uri: &str) -> Result<Self, XmlDsigError> {
        const SCHEMES: [SignatureScheme; 3] = [
            SignatureScheme::Rsa,
            SignatureScheme::RsassaPss,
            SignatureScheme::EcDsa,
        ];
        const HASHES: [HashAlgorithm; 3] = [
            HashAlgorithm::Sha256,
            HashAlgorithm::Sha384,
            HashAlgorithm::Sha512,
        ];
        for scheme in SCHEMES {
            for hash in HASHES {
                let method = SignatureMethod { scheme, hash };
                if method.uri() == uri {
                    return Ok(method);
                }
            }
        }
        Err(refuse(uri, "SignatureMethod"))
    }
}

/// The `DigestMethod` URI of a hash (xmlenc §5.7.2, RFC 6931 §2.1.3).
pub(crate) const fn digest_uri(hash: HashAlgorithm) -> &'static str {
    match hash {
        HashAlgorithm::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
        HashAlgorithm::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
        HashAlgorithm::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
    }
}

/// The hash named by a `DigestMethod` URI.
pub(crate) fn digest_from_uri(uri: &str) -> Result<HashAlgorithm, XmlDsigError> {
    [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ]
    .into_iter()
    .find(|&hash| digest_uri(hash) == uri)
    .ok_or_else(|| refuse(uri, "DigestMethod"))
}

/// The error for an algorithm URI we do not accept, naming SHA-1 and HMAC
/// specifically (TR 02102-1 forbids SHA-1; a MAC proves no signer).
pub(crate) fn refuse(uri: &str, element: &'static str) -> XmlDsigError {
    let name = uri.rsplit(['#', '/']).next().unwrap_or(uri).to_ascii_lowercase();
    if name.contains("hmac") {
        XmlDsigError::HmacForbidden(uri.to_owned())
    } else if name == "sha1" || name.ends_with("-sha1") || name.starts_with("sha1-") {
        XmlDsigError::Sha1Forbidden(uri.to_owned())
    } else if FORBIDDEN_TRANSFORMS.contains(&uri) {
        XmlDsigError::ForbiddenTransform(uri.to_owned())
    } else {
        XmlDsigError::UnsupportedAlgorithm {
            element,
            uri: uri.to_owned(),
        }
    }
}

/// The byte length of one of `r` and `s` for a curve (RFC 4050 §3.3).
pub(crate) fn ecdsa_field_len(curve: &Curve) -> Option<usize> {
    match curve {
        Curve::P256 | Curve::BrainpoolP256r1 => Some(32),
        Curve::P384 | Curve::BrainpoolP384r1 => Some(48),
        Curve::Other(_) => None,
    }
}

/// DER `Ecdsa-Sig-Value` to the fixed-width `r || s` of XML-DSig.
pub(crate) fn ecdsa_der_to_raw(der: &[u8], width: usize) -> Option<Vec<u8>> {
    let body = der_element(der, 0x30)?;
    let (r, rest) = der_integer(body)?;
    let (s, rest) = der_integer(rest)?;
    if !rest.is_empty() || r.len() > width || s.len() > width {
        return None;
    }
    let mut raw = vec![0; 2 * width];
    raw[width - r.len()..width].copy_from_slice(r);
    raw[2 * width - s.len()..].copy_from_slice(s);
    Some(raw)
}

/// The fixed-width `r || s` of XML-DSig to DER `Ecdsa-Sig-Value`.
pub(crate) fn ecdsa_raw_to_der(raw: &[u8]) -> Vec<u8> {
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = Vec::with_capacity(raw.len() + 8);
    push_der_integer(&mut body, r);
    push_der_integer(&mut body, s);
    let mut der = vec![0x30];
    push_der_length(&mut der, body.len());
    der.extend_from_slice(&body);
    der
}

fn push_der_integer(out: &mut Vec<u8>, magnitude: &[u8]) {
    let start = magnitude.iter().position(|&b| b != 0).unwrap_or(magnitude.len());
    let digits = &magnitude[start..];
    let pad = digits.first().is_none_or(|&b| b & 0x80 != 0);
    out.push(0x02);
    push_der_length(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

fn push_der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// The content of one DER element with this tag that fills `input`.
fn der_element(input: &[u8], tag: u8) -> Option<&[u8]> {
    let (content, rest) = der_split(input, tag)?;
    rest.is_empty().then_some(content)
}

fn der_split(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 2 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// A positive DER INTEGER's magnitude without leading zeros, and the rest.
fn der_integer(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (value, rest) = der_split(input, 0x02)?;
    if value.first().is_none_or(|&b| b & 0x80 != 0) {
        return None;
    }
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    Some((&value[start..], rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_raw_and_der_round_trip_at_fixed_width() {
        // r with its high bit set (needs a 0x00 pad in DER), s with leading zeros.
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80;
        raw[31] = 1;
        raw[63] = 7;
        let der = ecdsa_raw_to_der(&raw);
        assert_eq!(&der[..5], &[0x30, 0x26, 0x02, 0x21, 0x00]);
        assert_eq!(ecdsa_der_to_raw(&der, 32), Some(raw));
        let raw48 = vec![0xFFu8; 96];
        assert_eq!(ecdsa_der_to_raw(&ecdsa_raw_to_der(&raw48), 48), Some(raw48));
    }

    #[test]
    fn ecdsa_der_with_too_wide_integers_is_refused() {
        let raw = vec![0x7Fu8; 96];
        assert_eq!(ecdsa_der_to_raw(&ecdsa_raw_to_der(&raw), 32), None);
    }

    #[test]
    fn sha1_and_hmac_uris_are_named() {
        assert!(matches!(
            SignatureMethod::from_uri("http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
            Err(XmlDsigError::Sha1Forbidden(_))
        ));
        assert!(matches!(
            SignatureMethod::from_uri("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"),
            Err(XmlDsigError::HmacForbidden(_))
        ));
        assert!(matches!(
            digest_from_uri("http://www.w3.org/2000/09/xmldsig#sha1"),
            Err(XmlDsigError::Sha1Forbidden(_))
        ));
    }
}
