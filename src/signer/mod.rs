//! Who signs (Signierer): a private key together with its certificate,
//! wherever the key lives — the one way to pass a signer: integrity signing
//! (TR 01201-3.4 §3.1.21), XML-DSig (§3.5), the confirmation, notification,
//! ident and BCC builders and S/MIME all take a `&dyn Signer`
//! (docs/decisions.md D178).
//!
//! [`CertifiedKey`] is a PKCS#8 [`SigningKey`] paired with its certificate;
//! with the cargo feature `pkcs11`, [`pkcs11::Pkcs11Signer`] signs with a key
//! in a hardware security module. Both check at construction that the key
//! belongs to the certificate (docs/decisions.md D141, D142); the signing
//! functions do not check it again.
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::crypto::{HashAlgorithm, SigningKey};
//! use demail::signer::{CertifiedKey, Signer};
//!
//! let key = SigningKey::from_pkcs8_pem(include_str!("../../tests/data/keys/p256.key.pem"))?;
//! let certificate = Certificate::from_pem(include_str!("../../tests/data/keys/p256.cert.pem"))?;
//! let signer = CertifiedKey::new(key, certificate)?;
//! let signature = signer.sign(signer.default_scheme(), HashAlgorithm::Sha256, b"message")?;
//! assert!(!signature.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::certificate::Certificate;
use crate::crypto::{CryptoError, Curve, HashAlgorithm, PublicKey, SignatureScheme, SigningKey, verify};

#[cfg(feature = "pkcs11")]
pub mod pkcs11;

/// Who signs (Signierer): a private key, wherever it lives, and the
/// certificate of that key, which the signed message, confirmation or XML
/// document carries (TR 01201-3.4 §3.1.21 `X-de-mail-signature-certificate`,
/// §3.5 `ds:KeyInfo`).
///
/// The one way to pass a signer: `&dyn Signer` works (the trait is object
/// safe), and a signer can be shared between threads (`Send + Sync`).
/// Implementations: [`CertifiedKey`] (a PKCS#8 key in memory) and, with the
/// feature `pkcs11`, [`pkcs11::Pkcs11Signer`] (a key in an HSM).
///
/// Contract (docs/decisions.md D141, D178): the key belongs to
/// [`Signer::certificate`] (checked when the signer is made, and only there;
/// run [`check_signer`] once for a signer from elsewhere), and [`Signer::sign`]
/// returns what [`SigningKey::sign`] returns: for `rsa` and `rsassa-pss` the
/// signature as long as the modulus, for `ec-dsa` a DER `Ecdsa-Sig-Value`
/// (RFC 5754 §3.3), for RSA-PSS with MGF1 of the same hash and a salt as long
/// as the hash (RFC 4056 §3).
///
/// ```
/// use demail::certificate::Certificate;
/// use demail::crypto::SigningKey;
/// use demail::signer::{CertifiedKey, Signer};
///
/// fn subject_of(signer: &dyn Signer) -> &str {
///     &signer.certificate().subject
/// }
///
/// let key = SigningKey::from_pkcs8_pem(include_str!("../../tests/data/keys/rsa3072.key.pem"))?;
/// let certificate = Certificate::from_pem(include_str!("../../tests/data/keys/rsa3072.cert.pem"))?;
/// let signer = CertifiedKey::new(key, certificate)?;
/// assert!(!subject_of(&signer).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Signer: fmt::Debug + Send + Sync {
    /// The certificate of the key.
    fn certificate(&self) -> &Certificate;

    /// The scheme used when the caller names none: `rsa` (RSASSA-PKCS1-v1_5)
    /// for an RSA key, `ec-dsa` for an EC key (§3.1.21).
    fn default_scheme(&self) -> SignatureScheme {
        match self.certificate().public_key {
            PublicKey::Ec { .. } => SignatureScheme::EcDsa,
            _ => SignatureScheme::Rsa,
        }
    }

    /// Signs `message` with `scheme` and `hash`. A backend may hash in
    /// software and send only the digest to its device.
    ///
    /// # Errors
    /// [`CryptoError::KeyMismatch`] when the scheme does not fit the key,
    /// [`CryptoError::Unsupported`] for a combination the backend lacks,
    /// [`CryptoError::Device`] when the device fails,
    /// [`CryptoError::SigningFailed`] otherwise.
    fn sign(
        &self,
        scheme: SignatureScheme,
        hash: HashAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
}

/// The message [`check_signer`] signs.
const POSSESSION_PROBE: &[u8] = b"demail: does the key belong to the certificate? (TR 01201-3.4 3.1.21)";

/// Proves that `signer`'s key belongs to its certificate: signs a fixed
/// message with the default scheme and SHA-256 and verifies the signature
/// with the certificate's public key (docs/decisions.md D142). For a key
/// whose public half is not at hand, such as one in an HSM.
///
/// # Errors
/// [`CryptoError::CertificateMismatch`] when the signature does not verify
/// with the certificate, or the error of signing or verifying.
pub fn check_signer(signer: &dyn Signer) -> Result<(), CryptoError> {
    let scheme = signer.default_scheme();
    // The curve's own hash for P-384, which ring signs without feature
    // `ecdsa-prehash` (D188).
    let hash = match &signer.certificate().public_key {
        PublicKey::Ec {
            curve: Curve::P384 | Curve::BrainpoolP384r1,
            ..
        } => HashAlgorithm::Sha384,
        _ => HashAlgorithm::Sha256,
    };
    let signature = signer.sign(scheme, hash, POSSESSION_PROBE)?;
    let certificate = &signer.certificate().public_key;
    match verify(certificate, scheme, hash, POSSESSION_PROBE, &signature) {
        Err(CryptoError::BadSignature) => Err(CryptoError::CertificateMismatch {
            key: None,
            certificate: certificate.clone(),
        }),
        other => other,
    }
}

/// A PKCS#8 [`SigningKey`] with its certificate (Schlüssel und Zertifikat),
/// checked to belong together: the in-memory [`Signer`].
///
/// ```
/// use demail::certificate::Certificate;
/// use demail::crypto::{CryptoError, SigningKey};
/// use demail::signer::CertifiedKey;
///
/// let key = SigningKey::from_pkcs8_pem(include_str!("../../tests/data/keys/p256.key.pem"))?;
/// let other = Certificate::from_pem(include_str!("../../tests/data/keys/p384.cert.pem"))?;
/// assert!(matches!(
///     CertifiedKey::new(key, other),
///     Err(CryptoError::CertificateMismatch { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CertifiedKey {
    key: SigningKey,
    certificate: Certificate,
}

impl CertifiedKey {
    /// Pairs `key` with `certificate`.
    ///
    /// # Errors
    /// [`CryptoError::CertificateMismatch`] when the certificate's public key
    /// is not the key's.
    pub fn new(key: SigningKey, certificate: Certificate) -> Result<Self, CryptoError> {
        let public = key.public_key();
        if public != certificate.public_key {
            return Err(CryptoError::CertificateMismatch {
                key: Some(public.kind()),
                certificate: certificate.public_key.clone(),
            });
        }
        Ok(CertifiedKey { key, certificate })
    }

    /// The private key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Key and certificate, taken apart.
    pub fn into_parts(self) -> (SigningKey, Certificate) {
        (self.key, self.certificate)
    }
}

impl Signer for CertifiedKey {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn default_scheme(&self) -> SignatureScheme {
        self.key.default_scheme()
    }

    fn sign(
        &self,
        scheme: SignatureScheme,
        hash: HashAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.key.sign(scheme, hash, message)
    }
}
