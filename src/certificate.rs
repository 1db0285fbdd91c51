//! The provider's signature certificate (Signaturzertifikat des DMDA) carried
//! in `X-de-mail-signature-certificate` (TR 01201-3.4 §3.1.14): parsing,
//! key-strength policy, validity, key usage and the path to trust anchors.
//!
//! The key that verifies a De-Mail signature comes only from this
//! certificate, never from DNS (§3.1.21). Verification is a pure function of
//! the certificate, the caller's trust anchors and the caller's time.
//!
//! Path building uses rustls-webpki (signature checks along the chain,
//! validity of every certificate, CA constraints, path length);
//! see docs/decisions.md.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use rustls_pki_types::{CertificateDer, UnixTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::crypto::{Curve, PublicKey};

/// Why a certificate is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The field is not valid base64 or the PEM has no certificate.
    #[error("the certificate is not valid base64/PEM")]
    Encoding,
    /// The DER does not parse as an X.509 certificate.
    #[error("the certificate does not parse as X.509: {0}")]
    Der(String),
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
    #[error("key {key} is not allowed: {reason}")]
    WeakKey {
        /// The key, e.g. `RSA-1024`.
        key: String,
        /// The policy rule it breaks.
        reason: String,
    },
    /// The certificate does not chain to any of the trust anchors.
    #[error("the certificate does not chain to a trust anchor: {0}")]
    Untrusted(String),
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
        let reason = match key {
            PublicKey::Rsa { bits, .. } if *bits < self.min_rsa_bits => {
                format!("RSA keys need at least {} bits", self.min_rsa_bits)
            }
            PublicKey::Ec { curve, .. } if !self.curves.contains(curve) => {
                format!("curve {curve} is not approved")
            }
            PublicKey::Other(_) => "only RSA and ECDSA keys are allowed".to_owned(),
            _ => return Ok(()),
        };
        Err(CertificateError::WeakKey {
            key: key.describe(),
            reason,
        })
    }
}

/// A parsed certificate with the facts a report needs.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    /// Subject distinguished name (RFC 4514 form).
    pub subject: String,
    /// Issuer distinguished name.
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
            let (rest, cert) =
                X509Certificate::from_der(&der).map_err(|e| CertificateError::Der(e.to_string()))?;
            if !rest.is_empty() {
                return Err(CertificateError::Der(
                    "trailing bytes after the certificate".into(),
                ));
            }
            let key_usage = cert
                .key_usage()
                .map_err(|e| CertificateError::Der(e.to_string()))?
                .map(|ku| ku.value.digital_signature() || ku.value.non_repudiation());
            (
                cert.subject().to_string(),
                cert.issuer().to_string(),
                cert.raw_serial_as_string(),
                cert.validity().not_before.timestamp(),
                cert.validity().not_after.timestamp(),
                public_key(&cert),
                key_usage,
            )
        };
        let (subject, issuer, serial, not_before, not_after, public_key, signature_key_usage) = parsed;
        Ok(Certificate {
            der,
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
    /// # Errors
    /// [`CertificateError::Untrusted`] with the path validator's reason.
    pub fn verify_chain(
        &self,
        anchors: &[Certificate],
        intermediates: &[Certificate],
        time: SystemTime,
    ) -> Result<(), CertificateError> {
        let untrusted = |e: &dyn std::fmt::Display| CertificateError::Untrusted(e.to_string());
        let anchor_ders: Vec<CertificateDer<'_>> =
            anchors.iter().map(|a| CertificateDer::from(a.der())).collect();
        let trust_anchors = anchor_ders
            .iter()
            .map(|der| webpki::anchor_from_trusted_cert(der).map_err(|e| untrusted(&e)))
            .collect::<Result<Vec<_>, _>>()?;
        let intermediate_ders: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.der()))
            .collect();
        let end_entity_der = CertificateDer::from(self.der());
        let end_entity = webpki::EndEntityCert::try_from(&end_entity_der).map_err(|e| untrusted(&e))?;
        let time = UnixTime::since_unix_epoch(time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO));
        end_entity
            .verify_for_usage(
                &crate::crypto::chain_algorithms(),
                &trust_anchors,
                &intermediate_ders,
                time,
                webpki::KeyUsage::required_if_present(EMAIL_PROTECTION),
                None,
                None,
            )
            .map(|_| ())
            .map_err(|e| untrusted(&e))
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

/// Seconds since the epoch (negative before 1970).
pub(crate) fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Decodes base64 that may be folded: ASCII white space is ignored, as in
/// PEM bodies, the certificate field and the `b=`/`bh=` tags.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.split_ascii_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(compact).ok()
}

/// The DER of the first PEM block with the given label.
pub(crate) fn pem_to_der(pem: &str, label: &str) -> Option<Vec<u8>> {
    pem_blocks(pem, label).into_iter().next().flatten()
}

fn pem_blocks(pem: &str, label: &str) -> Vec<Option<Vec<u8>>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let body_start = start + begin.len();
        let Some(stop) = rest[body_start..].find(&end) else {
            blocks.push(None);
            break;
        };
        blocks.push(decode_base64(&rest[body_start..body_start + stop]));
        rest = &rest[body_start + stop + end.len()..];
    }
    blocks
}
