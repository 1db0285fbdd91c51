//! Signing with a key in a hardware security module (HSM) through PKCS#11
//! (cargo feature `pkcs11`): the [`Pkcs11Signer`] backend of the
//! [`Signer`] trait.
//!
//! De-Mail providers keep their signing keys in HSMs (TR 01201-3.4 §3.1.21
//! signs the integrity field with the provider's key; §3.5 signs the
//! confirmations). [`Pkcs11Signer::open`] loads the module (the vendor's
//! shared library, e.g. SoftHSM2's `libsofthsm2.so`), logs in to the token
//! with the given label and PIN, finds the private key and its certificate by
//! label, and proves that they belong together ([`super::check_signer`]).
//! Signing supports:
//!
//! | scheme | mechanism | input sent to the token |
//! |---|---|---|
//! | `rsa` | `CKM_SHA256_RSA_PKCS`, `..._SHA384_...`, `..._SHA512_...` | the message |
//! | `rsassa-pss` | `CKM_SHA256_RSA_PKCS_PSS` etc., MGF1 with the same hash, salt = hash length | the message |
//! | `ec-dsa` | `CKM_ECDSA` | the hash of the message |
//!
//! ECDSA on P-256, P-384, brainpoolP256r1 and brainpoolP384r1; the token's
//! raw `r || s` is returned as DER `Ecdsa-Sig-Value` like every [`Signer`].
//! One logged-in session per signer, guarded by a mutex (docs/decisions.md
//! D143, D144); several signers may share a token when they are opened with
//! the same PIN (D180). The PIN is the caller's to supply; the CLI reads it from the
//! environment variable `DEMAIL_PKCS11_PIN`, never from the command line.
//!
//! ```no_run
//! use demail::signer::pkcs11::{Pkcs11Config, Pkcs11Signer};
//! use demail::crypto::HashAlgorithm;
//! use demail::signer::Signer;
//!
//! let config = Pkcs11Config::new("/usr/lib/softhsm/libsofthsm2.so", "provider", "signing-key");
//! let pin = std::env::var("DEMAIL_PKCS11_PIN")?;
//! let signer = Pkcs11Signer::open(&config, &pin)?;
//! let signature = signer.sign(signer.default_scheme(), HashAlgorithm::Sha256, b"message")?;
//! println!("{} signed {} bytes", signer.certificate().subject, signature.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use super::Signer;
use crate::certificate::{Certificate, CertificateError};
use crate::crypto::{
    CryptoError, Curve, DeviceError, HashAlgorithm, KeyKind, SignatureScheme, ecdsa_raw_to_der,
};

/// Where the key is: module, token and key label, and optionally the
/// certificate (by default the certificate object on the token with the
/// key's label).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pkcs11Config {
    /// The PKCS#11 module (shared library).
    pub module: PathBuf,
    /// The token's label (`CKA_LABEL` of the token, as `C_GetTokenInfo` gives it).
    pub token: String,
    /// The label of the private key (and of its certificate on the token).
    pub key: String,
    /// The key's certificate, when it is not on the token.
    pub certificate: Option<Certificate>,
}

impl Pkcs11Config {
    /// The key labelled `key` on the token labelled `token` in `module`, with
    /// the certificate of the same label on the token.
    pub fn new(module: impl Into<PathBuf>, token: impl Into<String>, key: impl Into<String>) -> Self {
        Pkcs11Config {
            module: module.into(),
            token: token.into(),
            key: key.into(),
            certificate: None,
        }
    }

    /// Uses `certificate` instead of looking for one on the token.
    #[must_use]
    pub fn certificate(mut self, certificate: Certificate) -> Self {
        self.certificate = Some(certificate);
        self
    }
}

/// The environment variable the PIN is read from by
/// [`Pkcs11Signer::open_with_env_pin`] (and by the CLI): never from the
/// command line, where other users of the machine could see it.
pub const PIN_VARIABLE: &str = "DEMAIL_PKCS11_PIN";

/// The smallest RSA modulus the signer accepts, as [`super::SigningKey`]
/// and the verifier's key policy (TR 01201-3.4 §3.1.21, TR 02102-1).
const MIN_RSA_BITS: usize = 2048;

/// Why a PKCS#11 signer could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The module could not be loaded or initialised.
    #[error("cannot load the PKCS#11 module {}", module.display())]
    Module {
        /// The module's path.
        module: PathBuf,
        /// The cause.
        #[source]
        source: CryptokiError,
    },
    /// No token with this label is present.
    #[error("no PKCS#11 token labelled {token:?}")]
    TokenNotFound {
        /// The token label looked for.
        token: String,
    },
    /// More than one token has this label; the signer refuses to guess.
    #[error("{count} PKCS#11 tokens are labelled {token:?}")]
    AmbiguousToken {
        /// The token label.
        token: String,
        /// How many tokens carry it.
        count: usize,
    },
    /// The PIN variable is not set (or not Unicode).
    #[error("the PIN variable {variable} is not set")]
    PinNotSet {
        /// The variable's name ([`PIN_VARIABLE`]).
        variable: &'static str,
    },
    /// The token rejected the PIN (`CKR_PIN_INCORRECT`).
    #[error("wrong PIN for the PKCS#11 token {token:?}")]
    WrongPin {
        /// The token label.
        token: String,
    },
    /// The PIN is locked after too many wrong attempts (`CKR_PIN_LOCKED`).
    #[error("the PIN of the PKCS#11 token {token:?} is locked")]
    PinLocked {
        /// The token label.
        token: String,
    },
    /// The token reports that the user is logged in already, and this
    /// process's earlier login to it (if the crate made one) was not with
    /// the PIN given now, which the token did not check: refused
    /// (docs/decisions.md D144, D180).
    #[error("already logged in to the PKCS#11 token {token:?} with another PIN")]
    AlreadyLoggedIn {
        /// The token label.
        token: String,
    },
    /// No private key with this label on the token.
    #[error("no private key labelled {key:?} on the PKCS#11 token {token:?}")]
    KeyNotFound {
        /// The token label.
        token: String,
        /// The key label looked for.
        key: String,
    },
    /// No certificate with the key's label on the token, and none was given.
    #[error("no certificate labelled {key:?} on the PKCS#11 token {token:?}")]
    CertificateNotFound {
        /// The token label.
        token: String,
        /// The label looked for.
        key: String,
    },
    /// More than one object of a kind carries the label; the signer refuses
    /// to guess.
    #[error("{count} {class} objects are labelled {key:?} on the PKCS#11 token {token:?}")]
    AmbiguousLabel {
        /// The token label.
        token: String,
        /// The label.
        key: String,
        /// `private key` or `certificate`.
        class: &'static str,
        /// How many objects carry it.
        count: usize,
    },
    /// The certificate on the token cannot be read.
    #[error("the certificate labelled {key:?} on the token cannot be read")]
    Certificate {
        /// The label.
        key: String,
        /// The cause.
        #[source]
        source: CertificateError,
    },
    /// The key is neither RSA of 2048 bits or more nor EC on a supported curve.
    #[error(
        "the key labelled {key:?} is {reason}, not RSA (2048 bits or more) or EC on P-256, P-384 or brainpool"
    )]
    UnsupportedKey {
        /// The label.
        key: String,
        /// What the token says of the key.
        reason: UnsupportedTokenKey,
    },
    /// The key does not belong to the certificate: a test signature made with
    /// it does not verify with the certificate's public key.
    #[error("the key labelled {key:?} does not belong to the certificate")]
    KeyCertificateMismatch {
        /// The label.
        key: String,
        /// The mismatch ([`CryptoError::CertificateMismatch`]).
        #[source]
        source: CryptoError,
    },
    /// The test signature of the key/certificate check could not be made or
    /// checked.
    #[error("cannot check the key labelled {key:?} against its certificate")]
    Check {
        /// The label.
        key: String,
        /// The cause.
        #[source]
        source: CryptoError,
    },
    /// A PKCS#11 call failed.
    #[error("the PKCS#11 token {token:?} failed")]
    Token {
        /// The token label.
        token: String,
        /// The failed call and its return value.
        #[source]
        source: CryptokiError,
    },
}

/// Why a key on the token cannot sign ([`Pkcs11Error::UnsupportedKey`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsupportedTokenKey {
    /// The key has no `CKA_KEY_TYPE`.
    #[error("a key without CKA_KEY_TYPE")]
    NoKeyType,
    /// An RSA key without `CKA_MODULUS`.
    #[error("an RSA key without CKA_MODULUS")]
    NoModulus,
    /// An EC key without `CKA_EC_PARAMS`.
    #[error("an EC key without CKA_EC_PARAMS")]
    NoEcParams,
    /// `CKA_EC_PARAMS` does not name a curve (RFC 5480 §2.1.1 `namedCurve`).
    #[error("an EC key on an unnamed curve")]
    UnnamedCurve,
    /// An RSA key below 2048 bits or an EC key on a curve the crate lacks.
    #[error("{0}")]
    Kind(KeyKind),
    /// Neither RSA nor EC.
    #[error("key type {0}")]
    KeyType(KeyType),
}

impl Pkcs11Error {
    /// The PKCS#11 return value (`CKR_*`) when a token call failed.
    pub fn return_value(&self) -> Option<RvError> {
        match self {
            Pkcs11Error::Module { source, .. } | Pkcs11Error::Token { source, .. } => match source {
                CryptokiError::Pkcs11(rv, _) => Some(*rv),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A private key on a PKCS#11 token with its certificate: a [`Signer`].
pub struct Pkcs11Signer {
    session: Mutex<Session>,
    key: ObjectHandle,
    kind: KeyKind,
    token: String,
    label: String,
    certificate: Certificate,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} key {:?} on PKCS#11 token {:?}",
            self.kind, self.label, self.token
        )
    }
}

impl Pkcs11Signer {
    /// Opens the key `config` names, logging in with `pin`, and checks that
    /// it belongs to its certificate.
    ///
    /// # Errors
    /// A [`Pkcs11Error`] naming the step that failed: the module, the token,
    /// the PIN, the key or certificate label, the key type, or the
    /// key/certificate check.
    pub fn open(config: &Pkcs11Config, pin: &str) -> Result<Self, Pkcs11Error> {
        let context = module(&config.module)?;
        let token = config.token.clone();
        let failed = |source| Pkcs11Error::Token {
            token: token.clone(),
            source,
        };
        let slot = find_token(&context, &config.token)?;
        let session = context.open_ro_session(slot).map_err(failed)?;
        login(&session, (&config.module, slot), &config.token, pin)?;
        let key = find_one(&session, ObjectClass::PRIVATE_KEY, config)?.ok_or_else(|| {
            Pkcs11Error::KeyNotFound {
                token: token.clone(),
                key: config.key.clone(),
            }
        })?;
        let kind = key_kind(&session, key, config)?;
        let certificate = match &config.certificate {
            Some(certificate) => certificate.clone(),
            None => token_certificate(&session, config)?,
        };
        let signer = Pkcs11Signer {
            session: Mutex::new(session),
            key,
            kind,
            token: config.token.clone(),
            label: config.key.clone(),
            certificate,
        };
        super::check_signer(&signer).map_err(|source| match source {
            CryptoError::CertificateMismatch { .. } => Pkcs11Error::KeyCertificateMismatch {
                key: config.key.clone(),
                source,
            },
            source => Pkcs11Error::Check {
                key: config.key.clone(),
                source,
            },
        })?;
        Ok(signer)
    }

    /// [`Pkcs11Signer::open`] with the PIN from the environment variable
    /// [`PIN_VARIABLE`] (`DEMAIL_PKCS11_PIN`).
    ///
    /// # Errors
    /// [`Pkcs11Error::PinNotSet`] when the variable is not set, otherwise as
    /// [`Pkcs11Signer::open`].
    pub fn open_with_env_pin(config: &Pkcs11Config) -> Result<Self, Pkcs11Error> {
        let pin = std::env::var(PIN_VARIABLE).map_err(|_| Pkcs11Error::PinNotSet {
            variable: PIN_VARIABLE,
        })?;
        Self::open(config, &pin)
    }

    /// The key as the token describes it, such as `RSA-3072` or `EC P-256`.
    pub fn describe(&self) -> String {
        self.kind.to_string()
    }

    fn device_error(&self, source: CryptokiError) -> CryptoError {
        CryptoError::Device(DeviceError::new(Pkcs11Error::Token {
            token: self.token.clone(),
            source,
        }))
    }

    fn token_sign(&self, mechanism: &Mechanism<'_>, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        // A poisoned lock only means another thread panicked while holding
        // it; the session itself carries no state between calls.
        let session = self
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        session
            .sign(mechanism, self.key, data)
            .map_err(|e| self.device_error(e))
    }
}

impl Signer for Pkcs11Signer {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn default_scheme(&self) -> SignatureScheme {
        match self.kind {
            KeyKind::Rsa { .. } => SignatureScheme::Rsa,
            _ => SignatureScheme::EcDsa,
        }
    }

    fn sign(
        &self,
        scheme: SignatureScheme,
        hash: HashAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        match (&self.kind, scheme) {
            (KeyKind::Rsa { .. }, SignatureScheme::Rsa) => {
                self.token_sign(&rsa_pkcs1_mechanism(hash), message)
            }
            (KeyKind::Rsa { .. }, SignatureScheme::RsassaPss) => {
                self.token_sign(&rsa_pss_mechanism(hash), message)
            }
            (KeyKind::Ec { curve }, SignatureScheme::EcDsa) => {
                let raw = self.token_sign(&Mechanism::Ecdsa, &hash.digest(message))?;
                ecdsa_raw_to_der(curve, &raw).ok_or(CryptoError::SigningFailed)
            }
            _ => Err(CryptoError::KeyMismatch {
                key: self.kind.clone(),
                scheme: scheme.as_str(),
            }),
        }
    }
}

/// RSASSA-PKCS1-v1_5 with the token hashing (RFC 5754; PKCS#11 §2.1.7).
fn rsa_pkcs1_mechanism(hash: HashAlgorithm) -> Mechanism<'static> {
    match hash {
        HashAlgorithm::Sha256 => Mechanism::Sha256RsaPkcs,
        HashAlgorithm::Sha384 => Mechanism::Sha384RsaPkcs,
        HashAlgorithm::Sha512 => Mechanism::Sha512RsaPkcs,
    }
}

/// RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash
/// (RFC 4056 §3, as [`super::SigningKey`] signs; PKCS#11 §2.1.13).
fn rsa_pss_mechanism(hash: HashAlgorithm) -> Mechanism<'static> {
    let params = |hash_alg, mgf, s_len: u64| PkcsPssParams {
        hash_alg,
        mgf,
        s_len: s_len.into(),
    };
    match hash {
        HashAlgorithm::Sha256 => {
            Mechanism::Sha256RsaPkcsPss(params(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32))
        }
        HashAlgorithm::Sha384 => {
            Mechanism::Sha384RsaPkcsPss(params(MechanismType::SHA384, PkcsMgfType::MGF1_SHA384, 48))
        }
        HashAlgorithm::Sha512 => {
            Mechanism::Sha512RsaPkcsPss(params(MechanismType::SHA512, PkcsMgfType::MGF1_SHA512, 64))
        }
    }
}

/// The loaded modules of this process, by path: a module is loaded and
/// initialised once and stays loaded (docs/decisions.md D143).
fn module(path: &Path) -> Result<Pkcs11, Pkcs11Error> {
    static MODULES: OnceLock<Mutex<Vec<(PathBuf, Pkcs11)>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, context)) = modules.iter().find(|(p, _)| p == path) {
        return Ok(context.clone());
    }
    let failed = |source| Pkcs11Error::Module {
        module: path.to_owned(),
        source,
    };
    let context = Pkcs11::new(path).map_err(failed)?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CryptokiError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(source) => return Err(failed(source)),
    }
    modules.push((path.to_owned(), context.clone()));
    Ok(context)
}

/// The slot of the one token labelled `label`.
fn find_token(context: &Pkcs11, label: &str) -> Result<Slot, Pkcs11Error> {
    let failed = |source| Pkcs11Error::Token {
        token: label.to_owned(),
        source,
    };
    let mut found = Vec::new();
    for slot in context.get_slots_with_token().map_err(failed)? {
        let info = context.get_token_info(slot).map_err(failed)?;
        if info.label().trim_end() == label {
            found.push(slot);
        }
    }
    match found.as_slice() {
        [] => Err(Pkcs11Error::TokenNotFound {
            token: label.to_owned(),
        }),
        [slot] => Ok(*slot),
        _ => Err(Pkcs11Error::AmbiguousToken {
            token: label.to_owned(),
            count: found.len(),
        }),
    }
}

/// Logs the user in. PKCS#11 login state is per application and token, so a
/// token this process is logged in to already (by another signer) answers
/// `CKR_USER_ALREADY_LOGGED_IN` without checking the PIN. That answer is
/// taken as logged in only when this PIN is the one an earlier login of
/// this process to the same token succeeded with; another PIN, or a login
/// the crate did not make, is refused (docs/decisions.md D180).
fn login(
    session: &Session,
    (module, slot): (&Path, Slot),
    token: &str,
    pin: &str,
) -> Result<(), Pkcs11Error> {
    let proof = LoginRecord::of(module, slot, pin);
    match session.login(UserType::User, Some(&AuthPin::from(pin))) {
        Ok(()) => {
            proof.remember();
            Ok(())
        }
        Err(CryptokiError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) if proof.is_remembered() => Ok(()),
        Err(CryptokiError::Pkcs11(RvError::PinIncorrect, _)) => Err(Pkcs11Error::WrongPin {
            token: token.to_owned(),
        }),
        Err(CryptokiError::Pkcs11(RvError::PinLocked, _)) => Err(Pkcs11Error::PinLocked {
            token: token.to_owned(),
        }),
        Err(CryptokiError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Err(Pkcs11Error::AlreadyLoggedIn {
            token: token.to_owned(),
        }),
        Err(source) => Err(Pkcs11Error::Token {
            token: token.to_owned(),
            source,
        }),
    }
}

/// A successful login of this process: module, slot and a salted SHA-256
/// of the PIN (the PIN itself is not kept), so that a later signer on the
/// same token can show it knows the same PIN (D180).
#[derive(PartialEq, Eq)]
struct LoginRecord {
    module: PathBuf,
    slot: u64,
    pin_digest: Vec<u8>,
}

impl LoginRecord {
    /// The record a login with `pin` to `slot` of `module` makes.
    fn of(module: &Path, slot: Slot, pin: &str) -> Self {
        static SALT: OnceLock<[u8; 32]> = OnceLock::new();
        let salt = SALT.get_or_init(|| {
            let mut salt = [0; 32];
            // Without randomness the salt stays zero: the record is still
            // only compared within this process.
            let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt);
            salt
        });
        let mut salted = salt.to_vec();
        salted.extend_from_slice(pin.as_bytes());
        LoginRecord {
            module: module.to_owned(),
            slot: slot.id(),
            pin_digest: HashAlgorithm::Sha256.digest(&salted),
        }
    }

    fn logins() -> std::sync::MutexGuard<'static, Vec<LoginRecord>> {
        static LOGINS: OnceLock<Mutex<Vec<LoginRecord>>> = OnceLock::new();
        LOGINS
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps this record, replacing an older one of the same token.
    fn remember(self) {
        let mut logins = Self::logins();
        logins.retain(|known| (&known.module, known.slot) != (&self.module, self.slot));
        logins.push(self);
    }

    /// Whether the last successful login to this token was with this PIN.
    fn is_remembered(&self) -> bool {
        Self::logins().contains(self)
    }
}

/// The one object of `class` labelled `config.key`, if any.
fn find_one(
    session: &Session,
    class: ObjectClass,
    config: &Pkcs11Config,
) -> Result<Option<ObjectHandle>, Pkcs11Error> {
    let template = [
        Attribute::Class(class),
        Attribute::Label(config.key.as_bytes().to_vec()),
    ];
    let found = session
        .find_objects(&template)
        .map_err(|source| Pkcs11Error::Token {
            token: config.token.clone(),
            source,
        })?;
    match found.as_slice() {
        [] => Ok(None),
        [object] => Ok(Some(*object)),
        _ => Err(Pkcs11Error::AmbiguousLabel {
            token: config.token.clone(),
            key: config.key.clone(),
            class: if class == ObjectClass::CERTIFICATE {
                "certificate"
            } else {
                "private key"
            },
            count: found.len(),
        }),
    }
}

/// RSA with its modulus length, or EC with its curve (from `CKA_EC_PARAMS`,
/// a DER OID).
fn key_kind(session: &Session, key: ObjectHandle, config: &Pkcs11Config) -> Result<KeyKind, Pkcs11Error> {
    let unsupported = |reason| Pkcs11Error::UnsupportedKey {
        key: config.key.clone(),
        reason,
    };
    let Some(Attribute::KeyType(key_type)) = attribute(session, key, AttributeType::KeyType, config)? else {
        return Err(unsupported(UnsupportedTokenKey::NoKeyType));
    };
    let kind = if key_type == KeyType::RSA {
        let Some(Attribute::Modulus(modulus)) = attribute(session, key, AttributeType::Modulus, config)?
        else {
            return Err(unsupported(UnsupportedTokenKey::NoModulus));
        };
        let leading = modulus.iter().take_while(|&&b| b == 0).count();
        let significant = &modulus[leading..];
        let bits = significant
            .first()
            .map_or(0, |first| significant.len() * 8 - first.leading_zeros() as usize);
        KeyKind::Rsa { bits }
    } else if key_type == KeyType::EC {
        let Some(Attribute::EcParams(params)) = attribute(session, key, AttributeType::EcParams, config)?
        else {
            return Err(unsupported(UnsupportedTokenKey::NoEcParams));
        };
        let curve = ec_params_curve(&params).ok_or(unsupported(UnsupportedTokenKey::UnnamedCurve))?;
        KeyKind::Ec { curve }
    } else {
        return Err(unsupported(UnsupportedTokenKey::KeyType(key_type)));
    };
    match kind {
        KeyKind::Rsa { bits } if bits < MIN_RSA_BITS => Err(unsupported(UnsupportedTokenKey::Kind(kind))),
        KeyKind::Ec {
            curve: Curve::Other(_),
        } => Err(unsupported(UnsupportedTokenKey::Kind(kind))),
        kind => Ok(kind),
    }
}

/// The attribute `kind` of `object`, `None` when the token has none.
fn attribute(
    session: &Session,
    object: ObjectHandle,
    kind: AttributeType,
    config: &Pkcs11Config,
) -> Result<Option<Attribute>, Pkcs11Error> {
    let attributes = session
        .get_attributes(object, &[kind])
        .map_err(|source| Pkcs11Error::Token {
            token: config.token.clone(),
            source,
        })?;
    Ok(attributes.into_iter().next())
}

/// The named curve of `CKA_EC_PARAMS` (an `ECParameters` choice, RFC 5480
/// §2.1.1: here only `namedCurve`).
fn ec_params_curve(params: &[u8]) -> Option<Curve> {
    let (rest, object) = x509_parser::der_parser::parse_der(params).ok()?;
    if !rest.is_empty() {
        return None;
    }
    Some(Curve::from_oid(&object.as_oid().ok()?.to_id_string()))
}

/// The certificate object labelled like the key.
fn token_certificate(session: &Session, config: &Pkcs11Config) -> Result<Certificate, Pkcs11Error> {
    let object = find_one(session, ObjectClass::CERTIFICATE, config)?.ok_or_else(|| {
        Pkcs11Error::CertificateNotFound {
            token: config.token.clone(),
            key: config.key.clone(),
        }
    })?;
    let der = match attribute(session, object, AttributeType::Value, config)? {
        Some(Attribute::Value(der)) => der,
        _ => Vec::new(),
    };
    Certificate::from_der(der).map_err(|source| Pkcs11Error::Certificate {
        key: config.key.clone(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5480 §2.1.1: only `namedCurve`; the OIDs of RFC 5480 and RFC 5639.
    #[test]
    fn ec_params_name_the_curve_and_nothing_else_is_accepted() {
        let p256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
        assert_eq!(ec_params_curve(&p256), Some(Curve::P256));
        let bp256 = [0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07];
        assert_eq!(ec_params_curve(&bp256), Some(Curve::BrainpoolP256r1));
        let mut trailing = p256.to_vec();
        trailing.push(0);
        assert_eq!(ec_params_curve(&trailing), None, "trailing bytes");
        assert_eq!(ec_params_curve(&[0x30, 0x00]), None, "explicit parameters");
        assert_eq!(ec_params_curve(&[0x05, 0x00]), None, "implicitCA (NULL)");
        assert_eq!(ec_params_curve(&[]), None);
    }

    /// PKCS#11 §2.3.1 `r || s` to RFC 5754 §3.3 DER, checked against
    /// RustCrypto's parser; a length that does not fit the curve is refused.
    #[test]
    fn raw_ecdsa_signature_becomes_der_of_the_curve_width() {
        let mut raw = vec![0u8; 64];
        raw[31] = 1; // r = 1
        raw[32] = 0x80; // s with the top bit set: DER needs a leading zero
        raw[63] = 2;
        let der = ecdsa_raw_to_der(&Curve::P256, &raw).unwrap();
        let parsed = p256::ecdsa::Signature::from_der(&der).unwrap();
        assert_eq!(parsed.to_bytes().as_slice(), raw.as_slice());
        assert_eq!(der[..2], [0x30, der.len() as u8 - 2]);
        assert_eq!(ecdsa_raw_to_der(&Curve::P256, &raw[..63]), None, "short");
        assert_eq!(ecdsa_raw_to_der(&Curve::P384, &raw), None, "P-384 needs 96 bytes");
        assert_eq!(ecdsa_raw_to_der(&Curve::P256, &[0; 64]), None, "r = s = 0");
        assert_eq!(ecdsa_raw_to_der(&Curve::Other("1.3.132.0.35".into()), &raw), None);
    }
}
