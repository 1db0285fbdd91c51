//! The signature algorithms of `X-de-mail-integrity` (TR 01201-3.4 §3.1.21):
//! hashes, signature schemes, public keys, signing keys.
//!
//! One table decides which implementation serves a (scheme, hash, key)
//! combination: ring where it has the algorithm (RSA PKCS#1 v1.5 and PSS, ECDSA
//! on P-256 and P-384 with SHA-256/384), RustCrypto's `p256`, `p384`
//! (feature `ecdsa-prehash`), `bp256` and `bp384` (feature `brainpool`) with
//! arbitrary prehash elsewhere (brainpool curves, ECDSA with SHA-512).
//! Without those features ring serves what it has and the other pairs are
//! [`CryptoError::Unsupported`] (docs/decisions.md D188; both are default
//! features). ECDSA signatures are DER `Ecdsa-Sig-Value`
//! (RFC 5754 §3.3); RSA-PSS uses MGF1 with the same hash and a salt as long
//! as the hash (RFC 4056 §3); see docs/decisions.md.
//!
//! Who signs, a key with its certificate wherever the key lives, is the
//! [`Signer`](crate::signer::Signer) trait of the `signer` module.
//!
//! ```
//! use demail::crypto::{HashAlgorithm, SignatureScheme, SigningKey};
//!
//! let key = SigningKey::from_pkcs8_pem(include_str!("../tests/data/keys/p256.key.pem"))?;
//! let signature = key.sign(SignatureScheme::EcDsa, HashAlgorithm::Sha256, b"message")?;
//! assert!(!signature.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, KeyPair};
use rustls_pki_types::SignatureVerificationAlgorithm;
#[cfg(feature = "brainpool")]
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature};
#[cfg(feature = "ecdsa-prehash")]
use signature::hazmat::{PrehashSigner, PrehashVerifier};

/// A hash function allowed by the TR (RFC 5754 names, §3.1.21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The name used in `a=`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// Parses `sha256`, `sha384` or `sha512`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(HashAlgorithm::Sha256),
            "sha384" => Some(HashAlgorithm::Sha384),
            "sha512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    pub(crate) fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            HashAlgorithm::Sha256 => &ring::digest::SHA256,
            HashAlgorithm::Sha384 => &ring::digest::SHA384,
            HashAlgorithm::Sha512 => &ring::digest::SHA512,
        }
    }

    /// A streaming hasher.
    pub(crate) fn context(self) -> ring::digest::Context {
        ring::digest::Context::new(self.ring())
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.ring(), data).as_ref().to_vec()
    }
}

/// A signature scheme allowed by the TR (§3.1.21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// `rsa`: RSASSA-PKCS1-v1_5 (RFC 5754).
    Rsa,
    /// `ec-dsa`: ECDSA (RFC 5754).
    EcDsa,
    /// `rsassa-pss`: RSASSA-PSS (RFC 4056).
    RsassaPss,
}

impl SignatureScheme {
    /// The name used in `a=`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::Rsa => "rsa",
            SignatureScheme::EcDsa => "ec-dsa",
            SignatureScheme::RsassaPss => "rsassa-pss",
        }
    }

    /// Parses `rsa`, `ec-dsa` or `rsassa-pss`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "rsa" => Some(SignatureScheme::Rsa),
            "ec-dsa" => Some(SignatureScheme::EcDsa),
            "rsassa-pss" => Some(SignatureScheme::RsassaPss),
            _ => None,
        }
    }
}

/// An elliptic curve of an ECDSA key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// Any other curve, by OID.
    Other(String),
}

impl Curve {
    pub(crate) fn from_oid(oid: &str) -> Curve {
        match oid {
            "1.2.840.10045.3.1.7" => Curve::P256,
            "1.3.132.0.34" => Curve::P384,
            "1.3.36.3.3.2.8.1.1.7" => Curve::BrainpoolP256r1,
            "1.3.36.3.3.2.8.1.1.11" => Curve::BrainpoolP384r1,
            other => Curve::Other(other.to_owned()),
        }
    }

    /// The usual name of the curve.
    pub fn name(&self) -> &str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
            // Not approved, but named so that a refusal names the key.
            Curve::Other(oid) if oid == "1.3.132.0.35" => "P-521",
            Curve::Other(oid) if oid == "1.3.132.0.10" => "secp256k1",
            Curve::Other(oid) => oid,
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A public key taken from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An RSA key: the DER `RSAPublicKey` and the modulus size in bits.
    Rsa {
        /// DER `RSAPublicKey` (the certificate's subjectPublicKey bits).
        der: Vec<u8>,
        /// Modulus length in bits.
        bits: usize,
    },
    /// An EC key: the curve and the SEC 1 encoded point.
    Ec {
        /// The curve.
        curve: Curve,
        /// SEC 1 encoded point (the certificate's subjectPublicKey bits).
        point: Vec<u8>,
    },
    /// Another key type, by algorithm OID.
    Other(String),
}

/// The kind of a key (Schlüsseltyp): what an error names of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA with its modulus length in bits.
    Rsa {
        /// Modulus length in bits.
        bits: usize,
    },
    /// EC on a curve.
    Ec {
        /// The curve.
        curve: Curve,
    },
    /// Another key type, by algorithm OID.
    Other {
        /// The algorithm OID.
        algorithm: String,
    },
}

impl fmt::Display for KeyKind {
    /// `RSA-3072`, `EC brainpoolP256r1` or `unsupported key <OID>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeyKind::Ec { curve } => write!(f, "EC {curve}"),
            KeyKind::Other { algorithm } => write!(f, "unsupported key {algorithm}"),
        }
    }
}

impl PublicKey {
    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match self {
            PublicKey::Rsa { bits, .. } => KeyKind::Rsa { bits: *bits },
            PublicKey::Ec { curve, .. } => KeyKind::Ec { curve: curve.clone() },
            PublicKey::Other(oid) => KeyKind::Other {
                algorithm: oid.clone(),
            },
        }
    }

    /// A short description such as `RSA-3072` or `EC brainpoolP256r1`.
    pub fn describe(&self) -> String {
        self.kind().to_string()
    }

    /// Verifies `signature` over `message` with this key, as the crate's
    /// verifiers do (TR 01201-3.4 §3.1.21): ECDSA signatures in DER.
    ///
    /// ```
    /// use demail::certificate::Certificate;
    /// use demail::crypto::{HashAlgorithm, SignatureScheme, SigningKey};
    ///
    /// let key = SigningKey::from_pkcs8_pem(include_str!("../tests/data/keys/p384.key.pem"))?;
    /// let certificate = Certificate::from_pem(include_str!("../tests/data/keys/p384.cert.pem"))?;
    /// let signature = key.sign(SignatureScheme::EcDsa, HashAlgorithm::Sha384, b"text")?;
    /// certificate.public_key.verify(SignatureScheme::EcDsa, HashAlgorithm::Sha384, b"text", &signature)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`CryptoError::BadSignature`], or [`CryptoError::KeyMismatch`] /
    /// [`CryptoError::Unsupported`] when the scheme does not fit the key.
    pub fn verify(
        &self,
        scheme: SignatureScheme,
        hash: HashAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        verify(self, scheme, hash, message, signature)
    }
}

/// Why a signature could not be checked or made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The key type does not fit the scheme (an EC key for `rsa`, ...).
    #[error("a {key} key cannot be used with {scheme}")]
    KeyMismatch {
        /// The key.
        key: KeyKind,
        /// The scheme of `a=`.
        scheme: &'static str,
    },
    /// No implementation for this combination.
    #[error("{scheme} with {hash} is not supported for a {key} key")]
    Unsupported {
        /// The scheme.
        scheme: &'static str,
        /// The hash.
        hash: &'static str,
        /// The key.
        key: KeyKind,
    },
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The private key could not be read.
    #[error("cannot read the private key")]
    BadKey(#[source] KeyError),
    /// The key is on a curve this build leaves out: a brainpool key without
    /// the cargo feature `brainpool` (docs/decisions.md D188).
    #[error("a key on {curve} needs the cargo feature `{feature}`")]
    NeedsFeature {
        /// The key's curve.
        curve: Curve,
        /// The cargo feature that adds it.
        feature: &'static str,
    },
    /// The signing operation failed.
    #[error("signing failed")]
    SigningFailed,
    /// The private key does not belong to the certificate: a signature made
    /// with it would not verify with the certificate written next to it
    /// (TR 01201-3.4 §3.1.21; docs/decisions.md D142).
    #[error(
        "the key{} does not belong to the certificate ({})",
        key.as_ref().map(|key| format!(" ({key})")).unwrap_or_default(),
        certificate.describe()
    )]
    CertificateMismatch {
        /// The private key's kind, when it is known without the device
        /// (`None` for a key whose public half is not at hand, as in an HSM).
        key: Option<KeyKind>,
        /// The certificate's public key.
        certificate: PublicKey,
    },
    /// The device holding the key (an HSM through PKCS#11, a remote
    /// signer) failed; the backend's own error is the source.
    #[error("the signing device failed")]
    Device(#[source] DeviceError),
}

/// Why a private key could not be read ([`CryptoError::BadKey`], and the
/// S/MIME decryption key's `SmimeError::BadKey`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text has no `BEGIN PRIVATE KEY` block.
    #[error("no PRIVATE KEY PEM block")]
    NoPemBlock,
    /// The DER is not a PKCS#8 `PrivateKeyInfo` (RFC 5208 §5).
    #[error("not a PKCS#8 PrivateKeyInfo")]
    NotPkcs8,
    /// A key type the crate cannot use.
    #[error("unsupported key algorithm {algorithm} {curve:?} (RSA or EC P-256/P-384/brainpool needed)")]
    Unsupported {
        /// The algorithm OID.
        algorithm: String,
        /// The curve for EC keys (`None` when the key names none).
        curve: Option<Curve>,
    },
    /// The PKCS#8 structure or the RSA/SEC1 key inside it does not decode.
    #[cfg(feature = "ecdsa-prehash")]
    #[error("malformed PKCS#8 key")]
    Pkcs8(#[source] p256::pkcs8::Error),
    /// ring refuses the RSA key (too small, inconsistent, badly encoded).
    #[error("the RSA key is refused")]
    Rsa(#[source] RingKeyRejected),
    /// ring refuses the P-256 or P-384 key (without feature `ecdsa-prehash`
    /// ring reads them: PKCS#8 v1 with the public key inside, D188).
    #[cfg(not(feature = "ecdsa-prehash"))]
    #[error("the EC key is refused")]
    Ec(#[source] RingKeyRejected),
}

/// ring's reason for refusing a key ([`KeyError::Rsa`]), such as
/// `TooSmall` or `InvalidEncoding`.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("{0}")]
pub struct RingKeyRejected(ring::error::KeyRejected);

impl PartialEq for RingKeyRejected {
    fn eq(&self, other: &Self) -> bool {
        // ring's reasons are static names; equal names, equal reasons.
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for RingKeyRejected {}

/// The error of a signing device, shared so that [`CryptoError`] stays
/// `Clone`; [`DeviceError::get`] and [`DeviceError::downcast_ref`] give the
/// backend's typed error (e.g. `pkcs11::Pkcs11Error`).
///
/// Two `DeviceError`s are equal when they are the same occurrence (the same
/// shared error), not when their texts match.
#[derive(Debug, Clone)]
pub struct DeviceError(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl DeviceError {
    /// Wraps a backend's error.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        DeviceError(Arc::new(error))
    }

    /// The backend's error.
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }

    /// The backend's error as its own type, if it is a `T`.
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for DeviceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for DeviceError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for DeviceError {}

/// Verifies `signature` over `message` with the given scheme and hash.
///
/// ring hashes `message` itself; only the RustCrypto paths (curves and
/// hashes ring lacks) hash it here, so the message is hashed once either
/// way and callers never hash it for the verifier (issue 13).
pub(crate) fn verify(
    key: &PublicKey,
    scheme: SignatureScheme,
    hash: HashAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let mismatch = || CryptoError::KeyMismatch {
        key: key.kind(),
        scheme: scheme.as_str(),
    };
    match (key, scheme) {
        (PublicKey::Rsa { der, .. }, SignatureScheme::Rsa | SignatureScheme::RsassaPss) => {
            let (_, algorithm) = ring_rsa(scheme, hash);
            ring_sig::UnparsedPublicKey::new(algorithm, der)
                .verify(message, signature)
                .map_err(|_| CryptoError::BadSignature)
        }
        (PublicKey::Ec { curve, point }, SignatureScheme::EcDsa) => {
            if let Some(algorithm) = ring_ecdsa_verification(curve, hash) {
                return ring_sig::UnparsedPublicKey::new(algorithm, point)
                    .verify(message, signature)
                    .map_err(|_| CryptoError::BadSignature);
            }
            if !prehash_ecdsa_supported(curve) {
                return Err(CryptoError::Unsupported {
                    scheme: scheme.as_str(),
                    hash: hash.as_str(),
                    key: key.kind(),
                });
            }
            verify_prehash_ecdsa(curve, point, &hash.digest(message), signature)
                .ok_or(CryptoError::BadSignature)
        }
        _ => Err(mismatch()),
    }
}

/// ring's RSA algorithms for `scheme` (`rsassa-pss`, otherwise PKCS#1
/// v1.5) and `hash`: the padding to sign with and the verification
/// algorithm (moduli of 2048 to 8192 bits; RFC 4056 §3 parameters for PSS).
fn ring_rsa(
    scheme: SignatureScheme,
    hash: HashAlgorithm,
) -> (
    &'static dyn ring_sig::RsaEncoding,
    &'static ring_sig::RsaParameters,
) {
    match (scheme, hash) {
        (SignatureScheme::RsassaPss, HashAlgorithm::Sha256) => {
            (&ring_sig::RSA_PSS_SHA256, &ring_sig::RSA_PSS_2048_8192_SHA256)
        }
        (SignatureScheme::RsassaPss, HashAlgorithm::Sha384) => {
            (&ring_sig::RSA_PSS_SHA384, &ring_sig::RSA_PSS_2048_8192_SHA384)
        }
        (SignatureScheme::RsassaPss, HashAlgorithm::Sha512) => {
            (&ring_sig::RSA_PSS_SHA512, &ring_sig::RSA_PSS_2048_8192_SHA512)
        }
        (_, HashAlgorithm::Sha256) => (&ring_sig::RSA_PKCS1_SHA256, &ring_sig::RSA_PKCS1_2048_8192_SHA256),
        (_, HashAlgorithm::Sha384) => (&ring_sig::RSA_PKCS1_SHA384, &ring_sig::RSA_PKCS1_2048_8192_SHA384),
        (_, HashAlgorithm::Sha512) => (&ring_sig::RSA_PKCS1_SHA512, &ring_sig::RSA_PKCS1_2048_8192_SHA512),
    }
}

fn ring_ecdsa_verification(
    curve: &Curve,
    hash: HashAlgorithm,
) -> Option<&'static dyn ring_sig::VerificationAlgorithm> {
    match (curve, hash) {
        (Curve::P256, HashAlgorithm::Sha256) => Some(&ring_sig::ECDSA_P256_SHA256_ASN1),
        (Curve::P256, HashAlgorithm::Sha384) => Some(&ring_sig::ECDSA_P256_SHA384_ASN1),
        (Curve::P384, HashAlgorithm::Sha256) => Some(&ring_sig::ECDSA_P384_SHA256_ASN1),
        (Curve::P384, HashAlgorithm::Sha384) => Some(&ring_sig::ECDSA_P384_SHA384_ASN1),
        _ => None,
    }
}

/// Evaluates `$body` (an `Option`) with `$C` the RustCrypto type of the
/// curve `$curve`; `None` for a curve the crate does not implement or this
/// build leaves out (features `ecdsa-prehash`, `brainpool`; D188).
macro_rules! with_curve {
    ($curve:expr, $C:ident => $body:expr) => {
        match $curve {
            #[cfg(feature = "ecdsa-prehash")]
            Curve::P256 => {
                type $C = p256::NistP256;
                $body
            }
            #[cfg(feature = "ecdsa-prehash")]
            Curve::P384 => {
                type $C = p384::NistP384;
                $body
            }
            #[cfg(feature = "brainpool")]
            Curve::BrainpoolP256r1 => {
                type $C = bp256::BrainpoolP256r1;
                $body
            }
            #[cfg(feature = "brainpool")]
            Curve::BrainpoolP384r1 => {
                type $C = bp384::BrainpoolP384r1;
                $body
            }
            _ => None,
        }
    };
}

/// Whether [`verify_prehash_ecdsa`] has the curve: P-256 and P-384 with
/// feature `ecdsa-prehash`, the brainpool curves with feature `brainpool`
/// (docs/decisions.md D188).
fn prehash_ecdsa_supported(curve: &Curve) -> bool {
    match curve {
        #[cfg(feature = "ecdsa-prehash")]
        Curve::P256 | Curve::P384 => true,
        #[cfg(feature = "brainpool")]
        Curve::BrainpoolP256r1 | Curve::BrainpoolP384r1 => true,
        _ => false,
    }
}

/// ECDSA verification over a prehash with RustCrypto; `None` when the key or
/// signature is malformed, the signature is wrong, or the curve unsupported
/// ([`prehash_ecdsa_supported`]).
fn verify_prehash_ecdsa(curve: &Curve, point: &[u8], digest: &[u8], signature: &[u8]) -> Option<()> {
    #[cfg(not(feature = "ecdsa-prehash"))]
    let _ = (point, digest, signature);
    with_curve!(curve, C => {
        let key = ecdsa::VerifyingKey::<C>::from_sec1_bytes(point).ok()?;
        let signature = ecdsa::Signature::<C>::from_der(signature).ok()?;
        key.verify_prehash(digest, &signature).ok()
    })
}

/// A raw ECDSA signature `r || s` (PKCS#11 §2.3.1, XML-DSig) as DER
/// `Ecdsa-Sig-Value` (RFC 5754 §3.3); `None` when its length does not fit
/// the curve or `r` or `s` is zero.
#[cfg(feature = "pkcs11")]
pub(crate) fn ecdsa_raw_to_der(curve: &Curve, raw: &[u8]) -> Option<Vec<u8>> {
    with_curve!(curve, C => {
        let signature = ecdsa::Signature::<C>::from_slice(raw).ok()?;
        Some(signature.to_der().as_bytes().to_vec())
    })
}

/// A provider's private signing key in memory, read from PKCS#8. The
/// signing functions take it as a [`Signer`](crate::signer::Signer) paired
/// with its certificate: [`CertifiedKey`](crate::signer::CertifiedKey).
pub struct SigningKey {
    inner: KeyInner,
}

enum KeyInner {
    Rsa(ring_sig::RsaKeyPair),
    #[cfg(feature = "ecdsa-prehash")]
    P256(p256::ecdsa::SigningKey, Option<ring_sig::EcdsaKeyPair>),
    #[cfg(feature = "ecdsa-prehash")]
    P384(p384::ecdsa::SigningKey, Option<ring_sig::EcdsaKeyPair>),
    /// P-256 or P-384 on ring alone (without feature `ecdsa-prehash`):
    /// signs with the curve's own hash only (docs/decisions.md D188).
    #[cfg(not(feature = "ecdsa-prehash"))]
    RingEc(Curve, ring_sig::EcdsaKeyPair),
    #[cfg(feature = "brainpool")]
    Bp256(ecdsa::SigningKey<bp256::BrainpoolP256r1>),
    #[cfg(feature = "brainpool")]
    Bp384(ecdsa::SigningKey<bp384::BrainpoolP384r1>),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kind", &self.describe())
            .finish_non_exhaustive()
    }
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";

impl SigningKey {
    /// Reads an unencrypted PKCS#8 private key in PEM (`BEGIN PRIVATE KEY`).
    ///
    /// # Errors
    /// [`CryptoError::BadKey`] when the PEM or key cannot be read.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        let der =
            crate::pem::pem_to_der(pem, "PRIVATE KEY").ok_or(CryptoError::BadKey(KeyError::NoPemBlock))?;
        Self::from_pkcs8_der(&der)
    }

    /// Reads an unencrypted PKCS#8 private key in DER: RSA (2048 bits or
    /// more), or EC on P-256, P-384, brainpoolP256r1 or brainpoolP384r1
    /// (feature `brainpool`). Without feature `ecdsa-prehash` ring reads the
    /// NIST keys, which wants PKCS#8 v1 with the public key in the
    /// `ECPrivateKey` (as `openssl genpkey` writes them).
    ///
    /// # Errors
    /// [`CryptoError::BadKey`] for other key types or malformed keys,
    /// [`CryptoError::NeedsFeature`] for a brainpool key without feature
    /// `brainpool`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        #[cfg(feature = "ecdsa-prehash")]
        let bad = |e| CryptoError::BadKey(KeyError::Pkcs8(e));
        let (algorithm, curve) = pkcs8_algorithm(der).ok_or(CryptoError::BadKey(KeyError::NotPkcs8))?;
        let inner = match (algorithm.as_str(), curve) {
            (OID_RSA, _) => KeyInner::Rsa(
                ring_sig::RsaKeyPair::from_pkcs8(der)
                    .map_err(|e| CryptoError::BadKey(KeyError::Rsa(RingKeyRejected(e))))?,
            ),
            #[cfg(not(feature = "ecdsa-prehash"))]
            (OID_EC, Some(curve @ (Curve::P256 | Curve::P384))) => {
                let key = ring_ecdsa_key(&curve, der)
                    .map_err(|e| CryptoError::BadKey(KeyError::Ec(RingKeyRejected(e))))?;
                KeyInner::RingEc(curve, key)
            }
            #[cfg(feature = "ecdsa-prehash")]
            (OID_EC, Some(Curve::P256)) => {
                use p256::pkcs8::DecodePrivateKey;
                let key = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(bad)?;
                KeyInner::P256(key, ring_ecdsa_key(&Curve::P256, der).ok())
            }
            #[cfg(feature = "ecdsa-prehash")]
            (OID_EC, Some(Curve::P384)) => {
                use p384::pkcs8::DecodePrivateKey;
                let key = p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(bad)?;
                KeyInner::P384(key, ring_ecdsa_key(&Curve::P384, der).ok())
            }
            #[cfg(feature = "brainpool")]
            (OID_EC, Some(Curve::BrainpoolP256r1)) => {
                use bp256::pkcs8::DecodePrivateKey;
                KeyInner::Bp256(
                    ecdsa::SigningKey::<bp256::BrainpoolP256r1>::from_pkcs8_der(der).map_err(bad)?,
                )
            }
            #[cfg(feature = "brainpool")]
            (OID_EC, Some(Curve::BrainpoolP384r1)) => {
                use bp384::pkcs8::DecodePrivateKey;
                KeyInner::Bp384(
                    ecdsa::SigningKey::<bp384::BrainpoolP384r1>::from_pkcs8_der(der).map_err(bad)?,
                )
            }
            #[cfg(not(feature = "brainpool"))]
            (OID_EC, Some(curve @ (Curve::BrainpoolP256r1 | Curve::BrainpoolP384r1))) => {
                return Err(CryptoError::NeedsFeature {
                    curve,
                    feature: "brainpool",
                });
            }
            (algorithm, curve) => {
                return Err(CryptoError::BadKey(KeyError::Unsupported {
                    algorithm: algorithm.to_owned(),
                    curve,
                }));
            }
        };
        Ok(SigningKey { inner })
    }

    /// The scheme this key signs with by default: `rsa` for RSA keys, `ec-dsa` for EC keys.
    pub fn default_scheme(&self) -> SignatureScheme {
        match &self.inner {
            KeyInner::Rsa(_) => SignatureScheme::Rsa,
            _ => SignatureScheme::EcDsa,
        }
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        let ec = |curve| KeyKind::Ec { curve };
        match &self.inner {
            KeyInner::Rsa(key) => KeyKind::Rsa {
                bits: key.public().modulus_len() * 8,
            },
            #[cfg(feature = "ecdsa-prehash")]
            KeyInner::P256(..) => ec(Curve::P256),
            #[cfg(feature = "ecdsa-prehash")]
            KeyInner::P384(..) => ec(Curve::P384),
            #[cfg(not(feature = "ecdsa-prehash"))]
            KeyInner::RingEc(curve, _) => ec(curve.clone()),
            #[cfg(feature = "brainpool")]
            KeyInner::Bp256(_) => ec(Curve::BrainpoolP256r1),
            #[cfg(feature = "brainpool")]
            KeyInner::Bp384(_) => ec(Curve::BrainpoolP384r1),
        }
    }

    /// A short description such as `RSA-3072` or `EC P-256`.
    pub fn describe(&self) -> String {
        self.kind().to_string()
    }

    /// Signs `message` with the given scheme and hash.
    ///
    /// # Errors
    /// [`CryptoError::KeyMismatch`] when the scheme does not fit the key,
    /// [`CryptoError::SigningFailed`] when the operation fails.
    pub fn sign(
        &self,
        scheme: SignatureScheme,
        hash: HashAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mismatch = || CryptoError::KeyMismatch {
            key: self.kind(),
            scheme: scheme.as_str(),
        };
        let rng = SystemRandom::new();
        match (&self.inner, scheme) {
            (KeyInner::Rsa(key), SignatureScheme::Rsa | SignatureScheme::RsassaPss) => {
                let (padding, _) = ring_rsa(scheme, hash);
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(padding, &rng, message, &mut signature)
                    .map_err(|_| CryptoError::SigningFailed)?;
                Ok(signature)
            }
            (KeyInner::Rsa(_), SignatureScheme::EcDsa) => Err(mismatch()),
            (_, SignatureScheme::EcDsa) => self.sign_ecdsa(hash, message, &rng),
            _ => Err(mismatch()),
        }
    }

    fn sign_ecdsa(
        &self,
        hash: HashAlgorithm,
        message: &[u8],
        rng: &SystemRandom,
    ) -> Result<Vec<u8>, CryptoError> {
        let ring_native = match (&self.inner, hash) {
            #[cfg(feature = "ecdsa-prehash")]
            (KeyInner::P256(_, Some(key)), HashAlgorithm::Sha256) => Some(key),
            #[cfg(feature = "ecdsa-prehash")]
            (KeyInner::P384(_, Some(key)), HashAlgorithm::Sha384) => Some(key),
            #[cfg(not(feature = "ecdsa-prehash"))]
            (KeyInner::RingEc(Curve::P256, key), HashAlgorithm::Sha256) => Some(key),
            #[cfg(not(feature = "ecdsa-prehash"))]
            (KeyInner::RingEc(Curve::P384, key), HashAlgorithm::Sha384) => Some(key),
            _ => None,
        };
        if let Some(key) = ring_native {
            let signature = key.sign(rng, message).map_err(|_| CryptoError::SigningFailed)?;
            return Ok(signature.as_ref().to_vec());
        }
        #[cfg(feature = "ecdsa-prehash")]
        let digest = hash.digest(message);
        #[cfg(feature = "ecdsa-prehash")]
        macro_rules! sign_with {
            ($key:expr, $sig:ty) => {{
                let signature: $sig = $key
                    .sign_prehash(&digest)
                    .map_err(|_| CryptoError::SigningFailed)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }};
        }
        match &self.inner {
            #[cfg(feature = "ecdsa-prehash")]
            KeyInner::P256(key, _) => sign_with!(key, p256::ecdsa::Signature),
            #[cfg(feature = "ecdsa-prehash")]
            KeyInner::P384(key, _) => sign_with!(key, p384::ecdsa::Signature),
            #[cfg(not(feature = "ecdsa-prehash"))]
            KeyInner::RingEc(..) => Err(CryptoError::Unsupported {
                scheme: SignatureScheme::EcDsa.as_str(),
                hash: hash.as_str(),
                key: self.kind(),
            }),
            #[cfg(feature = "brainpool")]
            KeyInner::Bp256(key) => sign_with!(key, bp256::r1::ecdsa::Signature),
            #[cfg(feature = "brainpool")]
            KeyInner::Bp384(key) => sign_with!(key, bp384::r1::ecdsa::Signature),
            KeyInner::Rsa(_) => Err(CryptoError::SigningFailed),
        }
    }

    /// The public key, in the form [`PublicKey`] uses.
    pub fn public_key(&self) -> PublicKey {
        match &self.inner {
            KeyInner::Rsa(key) => PublicKey::Rsa {
                der: key.public_key().as_ref().to_vec(),
                bits: key.public().modulus_len() * 8,
            },
            #[cfg(feature = "ecdsa-prehash")]
            KeyInner::P256(key, _) => PublicKey::Ec {
                curve: Curve::P256,
                point: key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            },
            #[cfg(feature = "ecdsa-prehash")]
            KeyInner::P384(key, _) => PublicKey::Ec {
                curve: Curve::P384,
                point: key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            },
            #[cfg(not(feature = "ecdsa-prehash"))]
            KeyInner::RingEc(curve, key) => PublicKey::Ec {
                curve: curve.clone(),
                point: key.public_key().as_ref().to_vec(),
            },
            #[cfg(feature = "brainpool")]
            KeyInner::Bp256(key) => PublicKey::Ec {
                curve: Curve::BrainpoolP256r1,
                point: key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            },
            #[cfg(feature = "brainpool")]
            KeyInner::Bp384(key) => PublicKey::Ec {
                curve: Curve::BrainpoolP384r1,
                point: key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            },
        }
    }
}

/// ring's ECDSA key pair for P-256 (signing with SHA-256) or P-384
/// (SHA-384), the pairs ring signs: the only EC signer without feature
/// `ecdsa-prehash`, the fast path of [`SigningKey::sign`] with it (when ring
/// reads the key; RustCrypto signs otherwise).
fn ring_ecdsa_key(curve: &Curve, der: &[u8]) -> Result<ring_sig::EcdsaKeyPair, ring::error::KeyRejected> {
    let algorithm = match curve {
        Curve::P384 => &ring_sig::ECDSA_P384_SHA384_ASN1_SIGNING,
        _ => &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
    };
    ring_sig::EcdsaKeyPair::from_pkcs8(algorithm, der, &SystemRandom::new())
}

/// The algorithm OID and, for EC keys, the curve of a PKCS#8 PrivateKeyInfo.
pub(crate) fn pkcs8_algorithm(der: &[u8]) -> Option<(String, Option<Curve>)> {
    use x509_parser::der_parser::ber::BerObjectContent;
    use x509_parser::der_parser::parse_der;
    let (_, info) = parse_der(der).ok()?;
    let BerObjectContent::Sequence(items) = &info.content else {
        return None;
    };
    let BerObjectContent::Sequence(algorithm) = &items.get(1)?.content else {
        return None;
    };
    let oid = algorithm.first()?.as_oid().ok()?.to_id_string();
    let curve = algorithm
        .get(1)
        .and_then(|p| p.as_oid().ok())
        .map(|c| Curve::from_oid(&c.to_id_string()));
    Some((oid, curve))
}

/// ECDSA verification over a prehash for rustls-webpki's path building, for
/// the curve/hash pairs ring lacks: brainpool-signed CA certificates (as
/// German qualified-signature CAs issue them) and ECDSA with SHA-512.
#[cfg(feature = "brainpool")]
#[derive(Debug)]
struct PrehashEcdsa {
    curve: Curve,
    hash: HashAlgorithm,
    public_key_alg: AlgorithmIdentifier,
    signature_alg: AlgorithmIdentifier,
}

#[cfg(feature = "brainpool")]
impl SignatureVerificationAlgorithm for PrehashEcdsa {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let digest = self.hash.digest(message);
        verify_prehash_ecdsa(&self.curve, public_key, &digest, signature).ok_or(InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg
    }
}

// DER contents of the AlgorithmIdentifiers (RFC 5480, RFC 5639, RFC 5758).
#[cfg(feature = "brainpool")]
const EC_BRAINPOOL_P256R1: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08,
    0x01, 0x01, 0x07,
];
#[cfg(feature = "brainpool")]
const EC_BRAINPOOL_P384R1: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08,
    0x01, 0x01, 0x0b,
];
#[cfg(feature = "brainpool")]
const ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
#[cfg(feature = "brainpool")]
const ECDSA_SHA384: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
#[cfg(feature = "brainpool")]
const ECDSA_SHA512: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];

macro_rules! prehash_ecdsa {
    ($name:ident, $curve:expr, $hash:expr, $key:expr, $sig:expr) => {
        #[cfg(feature = "brainpool")]
        static $name: PrehashEcdsa = PrehashEcdsa {
            curve: $curve,
            hash: $hash,
            public_key_alg: AlgorithmIdentifier::from_slice($key),
            signature_alg: AlgorithmIdentifier::from_slice($sig),
        };
    };
}

prehash_ecdsa!(
    BP256_SHA256,
    Curve::BrainpoolP256r1,
    HashAlgorithm::Sha256,
    EC_BRAINPOOL_P256R1,
    ECDSA_SHA256
);
prehash_ecdsa!(
    BP256_SHA384,
    Curve::BrainpoolP256r1,
    HashAlgorithm::Sha384,
    EC_BRAINPOOL_P256R1,
    ECDSA_SHA384
);
prehash_ecdsa!(
    BP256_SHA512,
    Curve::BrainpoolP256r1,
    HashAlgorithm::Sha512,
    EC_BRAINPOOL_P256R1,
    ECDSA_SHA512
);
prehash_ecdsa!(
    BP384_SHA256,
    Curve::BrainpoolP384r1,
    HashAlgorithm::Sha256,
    EC_BRAINPOOL_P384R1,
    ECDSA_SHA256
);
prehash_ecdsa!(
    BP384_SHA384,
    Curve::BrainpoolP384r1,
    HashAlgorithm::Sha384,
    EC_BRAINPOOL_P384R1,
    ECDSA_SHA384
);
prehash_ecdsa!(
    BP384_SHA512,
    Curve::BrainpoolP384r1,
    HashAlgorithm::Sha512,
    EC_BRAINPOOL_P384R1,
    ECDSA_SHA512
);

/// The algorithms accepted on certificate paths: rustls-webpki's (ring) plus
/// ECDSA on the brainpool curves.
pub(crate) fn chain_algorithms() -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    #[cfg_attr(not(feature = "brainpool"), allow(unused_mut))]
    let mut algorithms = webpki::ALL_VERIFICATION_ALGS.to_vec();
    #[cfg(feature = "brainpool")]
    algorithms.extend([
        &BP256_SHA256 as &dyn SignatureVerificationAlgorithm,
        &BP256_SHA384,
        &BP256_SHA512,
        &BP384_SHA256,
        &BP384_SHA384,
        &BP384_SHA512,
    ]);
    algorithms
}
