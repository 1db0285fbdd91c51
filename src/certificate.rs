//! The provider's signature certificate (Signaturzertifikat des DMDA) carried
//! in `X-de-mail-signature-certificate` (TR 01201-3.4 §3.1.14): parsing, the
//! facts a report shows, and the typed errors of certificate checks.
//!
//! The checks themselves (validity, key usage, the key policy, the path to
//! trust anchors, status) are in [`crate::trust`], one for every verifier.
//! Errors carry the typed cause (webpki's, x509-parser's, the [`KeyRule`] a
//! key breaks).
//!
//! ```
//! use demail::certificate::Certificate;
//!
//! let pem = std::fs::read_to_string("tests/data/keys/p256.cert.pem")?;
//! let signer = Certificate::from_pem(&pem)?;
//! assert_eq!(Certificate::from_base64(&signer.to_base64())?, signer);
//! println!("{} issued by {}", signer.subject, signer.issuer);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::Engine;
use x509_parser::der_parser::{oid, oid::Oid};
use x509_parser::error::X509Error;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::crypto::{Curve, PublicKey};
use crate::pem::{decode_base64, pem_blocks, pem_to_der};

/// Why a certificate is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The field is not valid base64 or the PEM has no certificate.
    #[error("the certificate is not valid base64/PEM")]
    Encoding,
    /// The DER does not parse as an X.509 certificate.
    #[error("the certificate does not parse as X.509: {0}")]
    Der(#[source] DerError),
    /// Bytes follow the certificate's DER encoding.
    #[error("{0} bytes follow the certificate's DER encoding")]
    TrailingBytes(usize),
    /// The verification time is after `notAfter`.
    #[error("certificate expired: not after {not_after}, checked at {time}")]
    Expired {
        /// `notAfter`, seconds since the epoch.
        not_after: i64,
        /// The verification time, seconds since the epoch.
        time: i64,
    },
    /// The verification time is before `notBefore`.
    #[error("certificate not yet valid: not before {not_before}, checked at {time}")]
    NotYetValid {
        /// `notBefore`, seconds since the epoch.
        not_before: i64,
        /// The verification time, seconds since the epoch.
        time: i64,
    },
    /// The key usage extension allows neither digitalSignature nor nonRepudiation.
    #[error("the certificate's key usage allows no signatures (digitalSignature/nonRepudiation)")]
    NoSignatureKeyUsage,
    /// The key is weaker than the [`KeyPolicy`](crate::trust::KeyPolicy) allows.
    #[error("the signer's key {key} is not allowed: {rule}")]
    WeakKey {
        /// The key, e.g. `RSA-1024`.
        key: String,
        /// The policy rule it breaks.
        rule: KeyRule,
    },
    /// A CA certificate on the path may not sign certificates (RFC 5280
    /// §4.2.1.3, §4.2.1.9): it lacks keyCertSign or is not a CA by
    /// basicConstraints.
    #[error("the CA certificate `{subject}` on the path {requirement} (RFC 5280 §4.2.1.3, §4.2.1.9)")]
    CaCannotSignCertificates {
        /// The CA's subject.
        subject: String,
        /// What it lacks.
        requirement: CaRequirement,
    },
    /// A certificate of the path names only extended key usages that
    /// [`ProviderKeyUsage`](crate::trust::ProviderKeyUsage) does not accept (RFC 5280 §4.2.1.12; D51).
    #[error(
        "the certificate's extended key usage names only other purposes ({}); accepted are none, emailProtection, documentSigning or anyExtendedKeyUsage",
        .present.join(", ")
    )]
    KeyPurposeNotAccepted {
        /// The purposes named, as dotted OIDs.
        present: Vec<String>,
        /// The path validator's error.
        #[source]
        cause: webpki::Error,
    },
    /// The certificate does not chain to any of the trust anchors; the
    /// path validator's typed error.
    #[error("the certificate does not chain to a trust anchor: {0}")]
    Untrusted(#[source] webpki::Error),
    /// A qualified certificate is required
    /// ([`VerifyOptions::require_qualified`](crate::trust::VerifyOptions::require_qualified)),
    /// and this one is not an EU qualified certificate for seals or
    /// signatures by its QCStatements (ETSI EN 319 412-5 §4.2.1, §4.2.3;
    /// TR 01201-3.4 §3.5.1; D135, D201). An unreadable extension counts as
    /// none (`readable` false).
    #[error(
        "the certificate `{subject}` is not qualified (QcCompliance {compliance}, QcType [{}]{}; ETSI EN 319 412-5 §4.2)",
        .types.join(", "),
        if *.readable { "" } else { "; the QCStatements extension does not decode" }
    )]
    NotQualified {
        /// The certificate's subject.
        subject: String,
        /// Whether QcCompliance is stated.
        compliance: bool,
        /// The QcType codes (`esign`, `eseal`, `web`, dotted OIDs).
        types: Vec<String>,
        /// Whether the QCStatements extension decoded.
        readable: bool,
    },
}

/// An X.509 parse error (x509-parser's typed error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(transparent)]
pub struct DerError(pub X509Error);

// X509Error's equality is structural (no floating point), so it is an equivalence.
impl Eq for DerError {}

/// The rule of [`KeyPolicy`](crate::trust::KeyPolicy) a key breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRule {
    /// RSA modulus shorter than the policy's minimum.
    #[error("RSA keys need at least {min_bits} bits")]
    RsaTooShort {
        /// The minimum in bits.
        min_bits: usize,
    },
    /// An elliptic curve outside the approved list.
    #[error("the curve is not approved (BSI TR-03116-4)")]
    CurveNotApproved,
    /// Neither RSA nor ECDSA.
    #[error("only RSA and ECDSA keys are allowed")]
    AlgorithmNotAllowed,
}

/// What a CA certificate on a path lacks (RFC 5280 §4.2.1.3, §4.2.1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaRequirement {
    /// basicConstraints is absent or says cA FALSE.
    #[error("is not a CA by basicConstraints")]
    NotCa,
    /// No key usage extension (RFC 5280 §4.2.1.3: a CA certificate must have one).
    #[error("has no key usage extension")]
    NoKeyUsage,
    /// Key usage without keyCertSign.
    #[error("does not assert keyCertSign in its key usage")]
    NoKeyCertSign,
}

/// The facts a report shows (D183): `subject`, `issuer` (display
/// names), `serial`, `not_before`, `not_after` (RFC 3339 UTC), `key`
/// (`RSA-3072`, `EC P-256`) and `sha256` (the DER's fingerprint, hex).
#[cfg(feature = "serde")]
impl serde::Serialize for Certificate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::fields::UnixTime;
        use serde::ser::SerializeStruct;
        let sha256: String = self
            .sha256_fingerprint()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut out = serializer.serialize_struct("Certificate", 7)?;
        out.serialize_field("subject", &self.subject)?;
        out.serialize_field("issuer", &self.issuer)?;
        out.serialize_field("serial", &self.serial)?;
        out.serialize_field("not_before", &UnixTime(self.not_before))?;
        out.serialize_field("not_after", &UnixTime(self.not_after))?;
        out.serialize_field("key", &self.public_key.describe())?;
        out.serialize_field("sha256", &sha256)?;
        out.end()
    }
}

/// A parsed certificate with the facts a report needs.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    /// Subject distinguished name for display, as x509-parser prints it.
    /// This is NOT RFC 4514: commas, `+` and `=` inside a value are not
    /// escaped, and every name x509-parser cannot decode prints the same.
    /// Never compare it to decide anything; compare [`Certificate::subject_der`].
    pub subject: String,
    /// Issuer distinguished name for display (same caveat as `subject`;
    /// compare [`Certificate::issuer_der`]).
    pub issuer: String,
    /// Serial number, hex with `:` separators.
    pub serial: String,
    /// `notBefore`, seconds since the epoch.
    pub not_before: i64,
    /// `notAfter`, seconds since the epoch.
    pub not_after: i64,
    /// The subject's public key.
    pub public_key: PublicKey,
    /// Whether a key usage extension is present and allows signatures
    /// (`None` when the extension is absent).
    pub signature_key_usage: Option<bool>,
    /// Where the value of the qcStatements extension (RFC 3739 §3.2.6) lies
    /// in `der`, found once at parse time so that reading it needs no second
    /// parse of the certificate (issue 13).
    qc_statements: Option<std::ops::Range<usize>>,
    /// The SHA-256 of `der`, computed on first use and kept by clones.
    fingerprint: FingerprintCell,
}

/// A certificate's SHA-256 once computed. It is derived from the DER, which
/// the certificate's equality compares already, so it never makes two
/// certificates unequal.
#[derive(Clone, Default)]
struct FingerprintCell(std::sync::OnceLock<[u8; 32]>);

impl PartialEq for FingerprintCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for FingerprintCell {}

impl Certificate {
    /// Parses a DER certificate.
    ///
    /// # Errors
    /// [`CertificateError::Der`] when it is not an X.509 certificate.
    pub fn from_der(der: Vec<u8>) -> Result<Self, CertificateError> {
        let parsed = {
            let (rest, cert) = X509Certificate::from_der(&der).map_err(der_error)?;
            if !rest.is_empty() {
                return Err(CertificateError::TrailingBytes(rest.len()));
            }
            let key_usage = cert
                .key_usage()
                .map_err(|e| CertificateError::Der(DerError(e)))?
                .map(|ku| ku.value.digital_signature() || ku.value.non_repudiation());
            (
                cert.subject().to_string(),
                cert.issuer().to_string(),
                cert.subject().as_raw().to_vec(),
                cert.issuer().as_raw().to_vec(),
                cert.raw_serial_as_string(),
                cert.validity().not_before.timestamp(),
                cert.validity().not_after.timestamp(),
                public_key(&cert),
                key_usage,
                extension_range(&der, &cert, &QC_STATEMENTS),
            )
        };
        let (
            subject,
            issuer,
            subject_der,
            issuer_der,
            serial,
            not_before,
            not_after,
            public_key,
            signature_key_usage,
            qc_statements,
        ) = parsed;
        Ok(Certificate {
            der,
            subject_der,
            issuer_der,
            subject,
            issuer,
            serial,
            not_before,
            not_after,
            public_key,
            signature_key_usage,
            qc_statements,
            fingerprint: FingerprintCell::default(),
        })
    }

    /// Parses base64 DER, as carried in `X-de-mail-signature-certificate`
    /// (white space ignored).
    ///
    /// # Errors
    /// [`CertificateError::Encoding`] or [`CertificateError::Der`].
    pub fn from_base64(text: &str) -> Result<Self, CertificateError> {
        Self::from_der(decode_base64(text).ok_or(CertificateError::Encoding)?)
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    ///
    /// # Errors
    /// [`CertificateError::Encoding`] or [`CertificateError::Der`].
    pub fn from_pem(pem: &str) -> Result<Self, CertificateError> {
        let der = pem_to_der(pem, "CERTIFICATE").ok_or(CertificateError::Encoding)?;
        Self::from_der(der)
    }

    /// Every `CERTIFICATE` block of a PEM text (a bundle of trust anchors).
    ///
    /// # Errors
    /// The first block that does not parse.
    pub fn all_from_pem(pem: &str) -> Result<Vec<Self>, CertificateError> {
        pem_blocks(pem, "CERTIFICATE")
            .into_iter()
            .map(|der| der.ok_or(CertificateError::Encoding).and_then(Self::from_der))
            .collect()
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER value of the qcStatements extension (RFC 3739 §3.2.6; ETSI
    /// EN 319 412-5 §4), `None` when the certificate has none.
    pub fn qc_statements_der(&self) -> Option<&[u8]> {
        self.qc_statements.clone().and_then(|range| self.der.get(range))
    }

    /// The base64 of the DER encoding, as written into the message.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// The DER encoding of the subject Name, as it is in the certificate
    /// (the only form to compare: the display string is ambiguous).
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// The DER encoding of the issuer Name, as it is in the certificate.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    /// Whether both certificates name the same subject under the same
    /// issuer, compared on the DER encodings (docs/decisions.md D52).
    pub fn same_issuer_and_subject(&self, other: &Certificate) -> bool {
        self.subject_der == other.subject_der && self.issuer_der == other.issuer_der
    }

    /// The SHA-256 fingerprint of the DER encoding (computed once, then
    /// kept with the certificate and its clones).
    pub fn sha256_fingerprint(&self) -> [u8; 32] {
        *self.fingerprint.0.get_or_init(|| sha256_fingerprint(&self.der))
    }

    /// Keeps `fingerprint`, which the caller computed from this
    /// certificate's DER with [`sha256_fingerprint`], for later calls.
    pub(crate) fn keep_fingerprint(&self, fingerprint: [u8; 32]) {
        let _ = self.fingerprint.0.get_or_init(|| fingerprint);
    }
}

/// The SHA-256 fingerprint of DER bytes (of a certificate not yet parsed).
pub(crate) fn sha256_fingerprint(der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

pub(crate) fn der_error(error: x509_parser::nom::Err<X509Error>) -> CertificateError {
    match error {
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => {
            CertificateError::Der(DerError(e))
        }
        x509_parser::nom::Err::Incomplete(_) => {
            CertificateError::Der(DerError(X509Error::InvalidCertificate))
        }
    }
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("serial", &self.serial)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key", &self.public_key.describe())
            .field("signature_key_usage", &self.signature_key_usage)
            .finish_non_exhaustive()
    }
}

/// id-pe-qcStatements (RFC 3739 §3.2.6).
const QC_STATEMENTS: Oid<'static> = oid!(1.3.6.1.5.5.7.1.3);

/// Where the value of the extension `oid` lies in `der`, the certificate
/// `cert` was parsed from: x509-parser borrows the value from `der`.
fn extension_range(der: &[u8], cert: &X509Certificate<'_>, oid: &Oid<'_>) -> Option<std::ops::Range<usize>> {
    let value = cert
        .extensions()
        .iter()
        .find(|extension| extension.oid == *oid)?
        .value;
    let start = (value.as_ptr() as usize).checked_sub(der.as_ptr() as usize)?;
    let range = start..start.checked_add(value.len())?;
    (der.get(range.clone()) == Some(value)).then_some(range)
}

fn public_key(cert: &X509Certificate<'_>) -> PublicKey {
    use x509_parser::public_key::PublicKey as X509Key;
    let spki = cert.public_key();
    let algorithm = spki.algorithm.algorithm.to_id_string();
    let bits = spki.subject_public_key.data.to_vec();
    match spki.parsed() {
        Ok(X509Key::RSA(rsa)) => PublicKey::Rsa {
            der: bits,
            bits: rsa.key_size(),
        },
        Ok(X509Key::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map_or(Curve::Other("(no curve)".into()), |oid| {
                    Curve::from_oid(&oid.to_id_string())
                });
            PublicKey::Ec { curve, point: bits }
        }
        _ => PublicKey::Other(algorithm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = include_str!("../tests/data/keys/p256.cert.pem");

    // The fingerprint is derived data: computing or keeping it never makes
    // two parses of one certificate unequal, and clones keep it.
    #[test]
    fn fingerprint_is_kept_by_clones_and_never_decides_equality() {
        let fresh = Certificate::from_pem(PEM).unwrap();
        let hashed = Certificate::from_pem(PEM).unwrap();
        let expected = sha256_fingerprint(hashed.der());
        hashed.keep_fingerprint(expected);
        assert_eq!(fresh, hashed);
        assert_eq!(hashed.clone().fingerprint.0.get(), Some(&expected));
        assert_eq!(fresh.sha256_fingerprint(), expected);
    }

    // RFC 3739 §3.2.6: a certificate without qcStatements has none to read.
    #[test]
    fn qc_statements_are_absent_without_the_extension() {
        assert_eq!(Certificate::from_pem(PEM).unwrap().qc_statements_der(), None);
    }
}
