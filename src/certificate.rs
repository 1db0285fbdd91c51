//! The provider's signature certificate (Signaturzertifikat des DMDA) carried
//! in `X-de-mail-signature-certificate` (TR 01201-3.4 §3.1.14): parsing,
//! key-strength policy, validity, key usage and the path to trust anchors.
//!
//! The key that verifies a De-Mail signature comes only from this
//! certificate, never from DNS (§3.1.21). Verification is a pure function of
//! the certificate, the caller's trust anchors and the caller's time.
//!
//! Path building uses rustls-webpki (signature checks along the chain,
//! validity of every certificate, CA constraints, path length), plus the
//! crate's own rules: every CA on the path asserts keyCertSign and is a CA
//! by basicConstraints (D50), and the extended key usage rule of
//! [`ProviderKeyUsage`] (D51); see docs/decisions.md. Errors carry the typed
//! cause (webpki's, x509-parser's, the [`KeyRule`] a key breaks).
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use demail::certificate::{Certificate, CertificateError, KeyPolicy, KeyRule};
//!
//! let read = |name: &str| std::fs::read_to_string(format!("tests/data/keys/{name}.cert.pem"));
//! let signer = Certificate::from_pem(&read("p256")?)?;
//! let anchors = [Certificate::from_pem(&read("ca")?)?];
//! let intermediates = [Certificate::from_pem(&read("intermediate")?)?];
//! let at = UNIX_EPOCH + Duration::from_secs(1_795_478_400); // 2026-11-24
//! signer.verify_chain(&anchors, &intermediates, at)?;
//!
//! let weak = Certificate::from_pem(&read("rsa1024")?)?;
//! assert!(matches!(
//!     KeyPolicy::default().check(&weak.public_key),
//!     Err(CertificateError::WeakKey { rule: KeyRule::RsaTooShort { min_bits: 2048 }, .. })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::RefCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter, VerifiedPath};
use x509_parser::error::X509Error;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::crypto::{Curve, PublicKey};
use crate::fields::unix_seconds;
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
    /// The key is weaker than the [`KeyPolicy`] allows.
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
    /// [`ProviderKeyUsage`] does not accept (RFC 5280 §4.2.1.12; D51).
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
}

/// An X.509 parse error (x509-parser's typed error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(transparent)]
pub struct DerError(pub X509Error);

// X509Error's equality is structural (no floating point), so it is an equivalence.
impl Eq for DerError {}

/// The rule of [`KeyPolicy`] a key breaks.
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

/// The minimum key strength a verifier accepts.
///
/// The default accepts RSA from 2048 bits and the curves P-256, P-384,
/// brainpoolP256r1 and brainpoolP384r1 (BSI TR-03116-4). [`KeyPolicy::tr_02102`]
/// raises RSA to 3000 bits, as BSI TR-02102-1 recommends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPolicy {
    /// Smallest RSA modulus in bits.
    pub min_rsa_bits: usize,
    /// The curves accepted for ECDSA.
    pub curves: Vec<Curve>,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy {
            min_rsa_bits: 2048,
            curves: vec![
                Curve::P256,
                Curve::P384,
                Curve::BrainpoolP256r1,
                Curve::BrainpoolP384r1,
            ],
        }
    }
}

impl KeyPolicy {
    /// The policy of BSI TR-02102-1: RSA of at least 3000 bits.
    pub fn tr_02102() -> Self {
        KeyPolicy {
            min_rsa_bits: 3000,
            ..KeyPolicy::default()
        }
    }

    /// Checks a key against the policy.
    ///
    /// # Errors
    /// [`CertificateError::WeakKey`] naming the rule.
    pub fn check(&self, key: &PublicKey) -> Result<(), CertificateError> {
        let rule = match key {
            PublicKey::Rsa { bits, .. } if *bits < self.min_rsa_bits => KeyRule::RsaTooShort {
                min_bits: self.min_rsa_bits,
            },
            PublicKey::Ec { curve, .. } if !self.curves.contains(curve) => KeyRule::CurveNotApproved,
            PublicKey::Other(_) => KeyRule::AlgorithmNotAllowed,
            _ => return Ok(()),
        };
        Err(CertificateError::WeakKey {
            key: key.describe(),
            rule,
        })
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
}

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

    /// The base64 of the DER encoding, as written into the message.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// Checks validity at `time`, signature key usage and key strength.
    ///
    /// # Errors
    /// The first failed check.
    pub fn check(&self, time: SystemTime, policy: &KeyPolicy) -> Result<(), CertificateError> {
        let now = unix_seconds(time);
        if now < self.not_before {
            return Err(CertificateError::NotYetValid {
                not_before: self.not_before,
                time: now,
            });
        }
        if now > self.not_after {
            return Err(CertificateError::Expired {
                not_after: self.not_after,
                time: now,
            });
        }
        if self.signature_key_usage == Some(false) {
            return Err(CertificateError::NoSignatureKeyUsage);
        }
        policy.check(&self.public_key)
    }

    /// Checks that the certificate chains to one of `anchors` at `time`,
    /// using `intermediates` to build the path.
    ///
    /// Besides what rustls-webpki checks (signatures along the chain,
    /// validity, basicConstraints of the intermediates, path length), every
    /// CA certificate on the path, the trust anchor included, must be a CA by
    /// basicConstraints and assert keyCertSign (RFC 5280 §4.2.1.3, §4.2.1.9;
    /// docs/decisions.md D50), and every certificate's extended key usage
    /// must pass [`ProviderKeyUsage`] (D51). A path that breaks the CA rule is
    /// set aside and the next candidate path is tried.
    ///
    /// # Errors
    /// [`CertificateError::CaCannotSignCertificates`] naming the CA when the
    /// only paths found break the CA rule, else
    /// [`CertificateError::Untrusted`] with the path validator's error.
    pub fn verify_chain(
        &self,
        anchors: &[Certificate],
        intermediates: &[Certificate],
        time: SystemTime,
    ) -> Result<(), CertificateError> {
        let anchor_ders: Vec<CertificateDer<'_>> =
            anchors.iter().map(|a| CertificateDer::from(a.der())).collect();
        let trust_anchors = anchor_ders
            .iter()
            .map(|der| webpki::anchor_from_trusted_cert(der).map_err(CertificateError::Untrusted))
            .collect::<Result<Vec<_>, _>>()?;
        let intermediate_ders: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.der()))
            .collect();
        let end_entity_der = CertificateDer::from(self.der());
        let end_entity =
            webpki::EndEntityCert::try_from(&end_entity_der).map_err(CertificateError::Untrusted)?;
        let time = UnixTime::since_unix_epoch(time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO));
        let rejected: RefCell<Option<CertificateError>> = RefCell::new(None);
        let ca_rule = |path: &VerifiedPath<'_>| {
            let anchor = trust_anchors
                .iter()
                .position(|a| std::ptr::eq(a, path.anchor()))
                .and_then(|i| anchors.get(i).map(Certificate::der));
            let cas = path
                .intermediate_certificates()
                .map(|c| c.der().as_ref().to_vec());
            for der in cas.chain(anchor.map(<[u8]>::to_vec)) {
                if let Err(error) = ca_may_sign_certificates(&der) {
                    *rejected.borrow_mut() = Some(error);
                    // Any error makes webpki try the next candidate path.
                    return Err(webpki::Error::CaUsedAsEndEntity);
                }
            }
            Ok(())
        };
        let result = end_entity.verify_for_usage(
            &crate::crypto::chain_algorithms(),
            &trust_anchors,
            &intermediate_ders,
            time,
            ProviderKeyUsage,
            None,
            Some(&ca_rule),
        );
        match (result, rejected.into_inner()) {
            (Ok(_), _) => Ok(()),
            (Err(_), Some(ca_error)) => Err(ca_error),
            (Err(webpki::Error::RequiredEkuNotFoundContext(context)), None) => {
                Err(CertificateError::KeyPurposeNotAccepted {
                    present: context.present.iter().map(|oid| dotted(oid)).collect(),
                    cause: webpki::Error::RequiredEkuNotFoundContext(context),
                })
            }
            (Err(error), None) => Err(CertificateError::Untrusted(error)),
        }
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

    /// The SHA-256 fingerprint of the DER encoding.
    pub fn sha256_fingerprint(&self) -> [u8; 32] {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.der);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        out
    }
}

/// RFC 5280 §4.2.1.3, §4.2.1.9: a certificate that signs certificates is a CA
/// by basicConstraints and asserts keyCertSign.
fn ca_may_sign_certificates(der: &[u8]) -> Result<(), CertificateError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(der_error)?;
    let fail = |requirement| CertificateError::CaCannotSignCertificates {
        subject: cert.subject().to_string(),
        requirement,
    };
    let is_ca = cert
        .basic_constraints()
        .map_err(|e| CertificateError::Der(DerError(e)))?
        .is_some_and(|bc| bc.value.ca);
    if !is_ca {
        return Err(fail(CaRequirement::NotCa));
    }
    match cert.key_usage().map_err(|e| CertificateError::Der(DerError(e)))? {
        None => Err(fail(CaRequirement::NoKeyUsage)),
        Some(usage) if !usage.value.key_cert_sign() => Err(fail(CaRequirement::NoKeyCertSign)),
        Some(_) => Ok(()),
    }
}

fn dotted(arcs: &[usize]) -> String {
    arcs.iter().map(usize::to_string).collect::<Vec<_>>().join(".")
}

fn der_error(error: x509_parser::nom::Err<X509Error>) -> CertificateError {
    match error {
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => {
            CertificateError::Der(DerError(e))
        }
        x509_parser::nom::Err::Incomplete(_) => {
            CertificateError::Der(DerError(X509Error::InvalidCertificate))
        }
    }
}

/// The extended key usage rule for provider signature certificates
/// (docs/decisions.md D51): a certificate without the extension, or one
/// naming emailProtection (1.3.6.1.5.5.7.3.4), documentSigning
/// (1.3.6.1.5.5.7.3.36) or anyExtendedKeyUsage (2.5.29.37.0) is accepted; a
/// list naming only other purposes (serverAuth alone, ...) is refused. The
/// TR names no EKU for the Signaturzertifikat (§3.1.14), so none is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderKeyUsage;

/// The purposes [`ProviderKeyUsage`] accepts, as DER contents of the OIDs.
pub const ACCEPTED_KEY_PURPOSES: [&[u8]; 3] = [EMAIL_PROTECTION, DOCUMENT_SIGNING, ANY_EXTENDED_KEY_USAGE];

impl ExtendedKeyUsageValidator for ProviderKeyUsage {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        let mut present = Vec::new();
        for id in iter {
            let id = id?;
            if ACCEPTED_KEY_PURPOSES
                .iter()
                .any(|accepted| KeyPurposeId::new(accepted) == id)
            {
                return Ok(());
            }
            present.push(id.to_decoded_oid());
        }
        if present.is_empty() {
            return Ok(());
        }
        Err(webpki::Error::RequiredEkuNotFoundContext(
            webpki::RequiredEkuNotFoundContext {
                required: webpki::KeyUsage::required(EMAIL_PROTECTION),
                present,
            },
        ))
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

/// id-kp-emailProtection (1.3.6.1.5.5.7.3.4), DER contents of the OID.
const EMAIL_PROTECTION: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04];
/// id-kp-documentSigning (1.3.6.1.5.5.7.3.36, RFC 9336).
const DOCUMENT_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x24];
/// anyExtendedKeyUsage (2.5.29.37.0, RFC 5280 §4.2.1.12).
const ANY_EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

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
