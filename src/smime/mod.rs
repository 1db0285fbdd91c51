//! S/MIME end-to-end protection (Clientseitige Verschlüsselung und Signatur,
//! TR 01201-3.4 §2.1.3; RFC 8551): [`protect`] replaces a De-Mail message's
//! content with an S/MIME entity, [`open`] removes it again and checks the
//! sender's signature, [`verify_signed_entity`] checks a client signature
//! on receipt (PVD FU Schritt 63–64, FC-01/FC-02/FC-03).
//!
//! What is protected: the MIME content, i.e. the body and the content
//! header fields (`Content-*`). What stays readable for the providers:
//! every other header field, in particular `From`, `To`, `Cc`, **`Subject`**,
//! `Date`, `Message-ID` and all `X-de-mail-*` fields, which routing,
//! confirmations and the integrity signature (§3.1.21) need. The subject
//! is not encrypted.
//!
//! Algorithms (RFC 8551 §2.7, RFC 5083/5084, RFC 8017, RFC 5753):
//! - content: AES-256-GCM in `AuthEnvelopedData` ([`Cipher::Aes256Gcm`],
//!   the default) or AES-256-CBC in `EnvelopedData` for older clients;
//! - key transport: RSAES-OAEP with SHA-256 (reading: SHA-1/256/384/512);
//!   RSA PKCS#1 v1.5 key transport is refused when opening (Marvin attack,
//!   docs/decisions.md D63);
//! - key agreement: ephemeral-static ECDH on P-256, P-384, brainpoolP256r1,
//!   brainpoolP384r1 with the X9.63 KDF (SHA-256, SHA-384 for 384-bit
//!   curves; reading also SHA-1/224/512) and AES key wrap;
//! - signatures: CMS `SignedData` with signed attributes, RSA PKCS#1 v1.5
//!   or ECDSA with SHA-256 (SHA-384 for 384-bit curves), detached
//!   (`multipart/signed`) or opaque (`signed-data`).
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::smime::{open, protect, DecryptionKey, OpenOptions, ProtectOptions};
//!
//! let message = std::fs::read("tests/data/e2e/draft.eml")?;
//! // An encryption certificate: key usage keyAgreement (RFC 8550 §4.4.2).
//! let cert = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/p256-enc.cert.pem")?)?;
//! let key = DecryptionKey::from_pkcs8_pem(&std::fs::read_to_string("tests/data/keys/p256-enc.key.pem")?)?;
//!
//! let protected = protect(&message, &ProtectOptions::new(vec![cert.clone()]))?;
//! assert!(!demail::protection::analyze(&protected)?.provider_can_read());
//!
//! let opened = open(&protected, &key, &cert, &OpenOptions::default())?;
//! assert_eq!(opened.report.content_encryption, "aes256-gcm");
//! assert!(opened.report.signatures.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod envelope;
mod mime;
mod oids;
mod signed;

use std::time::SystemTime;

use crate::certificate::{Certificate, CertificateError, DerError};
use crate::crypto::{CryptoError, PublicKey, SigningKey};
use crate::trust::{KeyPolicy, VerifyOptions};

pub use envelope::{DecryptionKey, RecipientEntry};
pub use signed::{SignatureFailure, SignatureReport};

/// The content encryption of the protected message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cipher {
    /// AES-256-GCM in `AuthEnvelopedData` (RFC 5083, RFC 5084),
    /// `smime-type=authEnveloped-data`.
    #[default]
    Aes256Gcm,
    /// AES-256-CBC in `EnvelopedData` (RFC 3565), `smime-type=enveloped-data`,
    /// for clients without `AuthEnvelopedData`.
    Aes256Cbc,
}

impl Cipher {
    /// `aes256-gcm` or `aes256-cbc`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Cipher::Aes256Gcm => "aes256-gcm",
            Cipher::Aes256Cbc => "aes256-cbc",
        }
    }

    /// Parses `aes256-gcm` or `aes256-cbc`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "aes256-gcm" => Some(Cipher::Aes256Gcm),
            "aes256-cbc" => Some(Cipher::Aes256Cbc),
            _ => None,
        }
    }
}

/// How the sender's signature wraps the content (RFC 8551 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureForm {
    /// `multipart/signed` with a detached `application/pkcs7-signature`.
    #[default]
    Detached,
    /// `application/pkcs7-mime; smime-type=signed-data` with the content inside.
    Opaque,
}

/// The sender's key and certificate for the inner signature.
pub struct SenderSignature<'a> {
    /// The sender's private key.
    pub key: &'a SigningKey,
    /// The sender's certificate (included in the `SignedData`).
    pub certificate: &'a Certificate,
    /// Detached or opaque.
    pub form: SignatureForm,
}

/// What [`protect`] does.
pub struct ProtectOptions<'a> {
    /// The recipients' certificates (RSA or EC keys); at least one. Each
    /// must be valid now, meet [`ProtectOptions::key_policy`] and, when it
    /// has a key usage extension, assert keyEncipherment (RSA) or
    /// keyAgreement (EC) (RFC 8550 §4.4.2).
    pub recipients: Vec<Certificate>,
    /// Sign before encrypting (RFC 8551 §3.7: sign, then encrypt).
    pub sign: Option<SenderSignature<'a>>,
    /// The content encryption.
    pub cipher: Cipher,
    /// The key strength a recipient certificate must have (RSA length,
    /// approved curves; docs/decisions.md D66).
    pub key_policy: KeyPolicy,
}

impl ProtectOptions<'_> {
    /// Encrypt to `recipients` with AES-256-GCM, unsigned, under the
    /// default [`KeyPolicy`].
    pub fn new(recipients: Vec<Certificate>) -> Self {
        ProtectOptions {
            recipients,
            sign: None,
            cipher: Cipher::default(),
            key_policy: KeyPolicy::default(),
        }
    }
}

/// The inputs of [`open`] besides the message and the key.
#[derive(Default)]
pub struct OpenOptions<'a> {
    /// Trust anchors, time, key policy and status check for the inner
    /// signature (the same options as the integrity check).
    pub verify: VerifyOptions<'a>,
    /// Return content of an unauthenticated cipher (AES-CBC in
    /// `EnvelopedData`) even without a passing inner signature. Off by
    /// default: CBC is malleable, so such content may have been changed
    /// (docs/decisions.md D67).
    pub allow_unauthenticated: bool,
}

/// The result of [`open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The message with its content restored: every non-content header
    /// field of the protected message followed by the inner MIME entity.
    pub message: Vec<u8>,
    /// The inner MIME entity (content header fields and body), without the
    /// signature layer.
    pub entity: Vec<u8>,
    /// What was found.
    pub report: OpenReport,
}

/// Who could read the message, how it was encrypted and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct OpenReport {
    /// `aes256-gcm` or `aes256-cbc` (or `aes128-...`, `aes192-...` when
    /// another client chose them).
    pub content_encryption: &'static str,
    /// Whether the cipher itself authenticates the content (AES-GCM in
    /// `AuthEnvelopedData`: true; AES-CBC: false, the content is then only
    /// as trustworthy as a passing inner signature).
    pub content_authenticated: bool,
    /// Every recipient the content key was encrypted to.
    pub recipients: Vec<RecipientEntry>,
    /// The inner signatures (empty when the content was not signed).
    pub signatures: Vec<SignatureReport>,
}

/// Why a private key could not be read ([`SmimeError::BadKey`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text has no `BEGIN PRIVATE KEY` block.
    #[error("no PRIVATE KEY PEM block")]
    NoPemBlock,
    /// The DER is not a PKCS#8 `PrivateKeyInfo` (RFC 5208 §5).
    #[error("not a PKCS#8 PrivateKeyInfo")]
    NotPkcs8,
    /// A key type the crate cannot decrypt with.
    #[error("unsupported key algorithm {algorithm} {curve:?} (RSA or EC P-256/P-384/brainpool needed)")]
    Unsupported {
        /// The algorithm OID.
        algorithm: String,
        /// The curve name for EC keys.
        curve: Option<String>,
    },
    /// The PKCS#8 structure or the RSA/SEC1 key inside it does not decode.
    #[error("malformed PKCS#8 key: {0}")]
    Pkcs8(p256::pkcs8::Error),
}

/// Why a message could not be protected or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmimeError {
    /// The input is not an RFC 5322 message (no header/body separator).
    #[error("not an e-mail message: no empty line ends the header section (RFC 5322 §2.1)")]
    NotAMessage,
    /// The message already carries `X-de-mail-integrity`: protecting would
    /// break the provider's integrity value.
    #[error(
        "the message carries X-de-mail-integrity; protect the draft before the provider signs it (TR 01201-3.4 §3.1.21)"
    )]
    AlreadySealed,
    /// [`ProtectOptions::recipients`] is empty.
    #[error("no recipient certificate given")]
    NoRecipients,
    /// A certificate could not be used.
    #[error("the {role} certificate is not usable: {source}")]
    Certificate {
        /// `recipient`, `signer` or `own`.
        role: &'static str,
        /// Why.
        source: CertificateError,
    },
    /// A recipient certificate's key usage extension does not allow the key
    /// management [`protect`] would use for it (RFC 8550 §4.4.2, RFC 5280
    /// §4.2.1.3; docs/decisions.md D66, D120).
    #[error(
        "the recipient certificate {subject} (serial {serial}) does not assert {required} in its key usage (RFC 8550 §4.4.2)"
    )]
    RecipientKeyUsage {
        /// The certificate's subject.
        subject: String,
        /// The certificate's serial number, hex with `:` separators.
        serial: String,
        /// The key usage bit the certificate lacks.
        required: RequiredKeyUsage,
    },
    /// A recipient certificate's key is neither RSA nor a supported curve.
    #[error("the recipient key {key} cannot receive S/MIME (RSA or EC P-256/P-384/brainpool needed)")]
    UnsupportedRecipientKey {
        /// The key, e.g. `EC secp521r1`.
        key: String,
    },
    /// The private key could not be read or is of an unsupported type.
    #[error("cannot read the private key: {0}")]
    BadKey(KeyError),
    /// The private key does not belong to the given certificate.
    #[error("the private key does not belong to the certificate {subject}")]
    KeyDoesNotMatchCertificate {
        /// The certificate's subject.
        subject: String,
    },
    /// The message content is not S/MIME encrypted.
    #[error("the message content is {content_type}, not S/MIME encrypted data (RFC 8551 §3.3)")]
    NotEncrypted {
        /// The content type found.
        content_type: String,
    },
    /// A CMS structure does not decode.
    #[error("malformed CMS {structure}: {source}")]
    Asn1 {
        /// Which structure.
        structure: &'static str,
        /// The DER/BER decoder's error.
        source: der::Error,
    },
    /// The base64 transfer encoding of the CMS object is broken.
    #[error("the S/MIME part is not valid base64")]
    Base64,
    /// An algorithm the crate does not implement or refuses.
    #[error("unsupported {role} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// `content encryption`, `key transport`, `key agreement`, `key wrap`...
        role: &'static str,
        /// The OID.
        oid: String,
    },
    /// RSA PKCS#1 v1.5 key transport (`rsaEncryption`), refused because its
    /// decryption is open to the Marvin attack (RUSTSEC-2023-0071).
    #[error(
        "RSA PKCS#1 v1.5 key transport is refused (Marvin attack); the sender must use RSAES-OAEP (RFC 8551 §2.3)"
    )]
    Pkcs1v15KeyTransport,
    /// No recipient entry names the given certificate: the message was
    /// encrypted to someone else.
    #[error("the message is not encrypted to {subject}; it is for {recipients:?}")]
    NotForThisRecipient {
        /// The certificate's subject.
        subject: String,
        /// The recipients named in the message.
        recipients: Vec<String>,
    },
    /// The content key could not be decrypted or unwrapped with the key.
    #[error("the content-encryption key does not decrypt with this key ({step})")]
    KeyDecryption {
        /// `rsaes-oaep` or `aes key unwrap`.
        step: &'static str,
    },
    /// The ciphertext was changed: the GCM tag does not verify or the CBC
    /// padding is broken.
    #[error("the encrypted content does not decrypt: {reason}")]
    ContentDecryption {
        /// `authentication tag mismatch`, or [`UNAUTHENTICATED_CONTENT`] for
        /// AES-CBC.
        reason: &'static str,
    },
    /// The inner signature layer is malformed (no boundary, no signature part).
    #[error("malformed S/MIME signature layer: {0}")]
    SignatureLayer(&'static str),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(CryptoError),
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Random,
    /// An encryption step of [`protect`] failed (not a randomness failure).
    #[error("encryption failed at {step}")]
    Encryption {
        /// `aes-gcm key`, `aes-gcm seal`, `rsaes-oaep encrypt` or `aes key wrap`.
        step: &'static str,
    },
    /// The only recipient entry for the certificate is of a kind the crate
    /// cannot open (RFC 5652 §6.2.3–§6.2.5).
    #[error("cannot open {kind} recipient info (KEK, password and other recipient infos are not supported)")]
    UnsupportedRecipientInfo {
        /// `kekri`, `pwri` or `ori`.
        kind: &'static str,
    },

    /// The input exceeds [`MAX_MESSAGE_BYTES`].
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

/// `{"code", "error_case": null, "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for SmimeError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code(), None, self, None)
    }
}

impl SmimeError {
    /// A stable snake_case identifier for reports.
    pub fn code(&self) -> &'static str {
        match self {
            SmimeError::NotAMessage => "not_a_message",
            SmimeError::AlreadySealed => "already_sealed",
            SmimeError::NoRecipients => "no_recipients",
            SmimeError::Certificate { .. } => "certificate",
            SmimeError::RecipientKeyUsage { .. } => "recipient_key_usage",
            SmimeError::UnsupportedRecipientKey { .. } => "unsupported_recipient_key",
            SmimeError::BadKey(_) => "bad_key",
            SmimeError::KeyDoesNotMatchCertificate { .. } => "key_does_not_match_certificate",
            SmimeError::NotEncrypted { .. } => "not_encrypted",
            SmimeError::Asn1 { .. } => "malformed_cms",
            SmimeError::Base64 => "bad_base64",
            SmimeError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            SmimeError::Pkcs1v15KeyTransport => "pkcs1v15_key_transport_refused",
            SmimeError::NotForThisRecipient { .. } => "not_for_this_recipient",
            SmimeError::KeyDecryption { .. } => "key_decryption_failed",
            SmimeError::ContentDecryption { .. } => "content_decryption_failed",
            SmimeError::SignatureLayer(_) => "malformed_signature_layer",
            SmimeError::Signing(_) => "signing_failed",
            SmimeError::Random => "random_failed",
            SmimeError::Encryption { .. } => "encryption_failed",
            SmimeError::UnsupportedRecipientInfo { .. } => "unsupported_recipient_info",
            SmimeError::TooLarge { .. } => "too_large",
        }
    }

    /// Whether the input itself is unreadable or malformed (CLI exit code
    /// 2) rather than refused by a check (exit code 1).
    pub fn is_unreadable_input(&self) -> bool {
        matches!(
            self,
            SmimeError::NotAMessage
                | SmimeError::Asn1 { .. }
                | SmimeError::Base64
                | SmimeError::SignatureLayer(_)
                | SmimeError::TooLarge { .. }
                | SmimeError::BadKey(_)
        )
    }
}

/// The reason of [`SmimeError::ContentDecryption`] for AES-CBC content that
/// has broken padding or no passing inner signature: one reason for both,
/// so that neither is an oracle (docs/decisions.md D67).
pub const UNAUTHENTICATED_CONTENT: &str =
    "unauthenticated (CBC) content: bad padding or no passing inner signature";

/// Largest message [`protect`] and [`open`] accept (64 MiB, like
/// [`crate::protection::ProtectionLimits`]).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

fn check_size(message: &[u8]) -> Result<(), SmimeError> {
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(SmimeError::TooLarge {
            size: message.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    Ok(())
}

/// Replaces the content of `message` with an S/MIME entity for the
/// recipients: optionally signed by the sender, then encrypted (RFC 8551
/// §3.7). All other header fields stay byte for byte; a
/// `MIME-Version: 1.0` is added when missing.
///
/// # Errors
/// [`SmimeError::AlreadySealed`] when the message already has an integrity
/// value, [`SmimeError::NoRecipients`], certificate and key errors.
pub fn protect(message: &[u8], options: &ProtectOptions<'_>) -> Result<Vec<u8>, SmimeError> {
    check_size(message)?;
    let split = mime::split(message)?;
    if split.has_integrity {
        return Err(SmimeError::AlreadySealed);
    }
    if options.recipients.is_empty() {
        return Err(SmimeError::NoRecipients);
    }
    let now = SystemTime::now();
    for recipient in &options.recipients {
        recipient_usable(recipient, now, &options.key_policy)?;
    }
    let mut entity = mime::canonical_entity(&split);
    if let Some(sign) = &options.sign {
        entity = signed::sign_entity(&entity, sign, SystemTime::now())?;
    }
    let der = envelope::encrypt(&entity, &options.recipients, options.cipher)?;
    Ok(mime::protected_message(&split, &der, options.cipher))
}

/// RFC 8550 §4.4: a sender encrypts only to a certificate valid now whose
/// key meets `policy`: [`Certificate::check`] without its rule that the key
/// may sign (an encryption certificate need not), then the key usage for
/// encryption (docs/decisions.md D66, D120).
fn recipient_usable(
    certificate: &Certificate,
    time: SystemTime,
    policy: &KeyPolicy,
) -> Result<(), SmimeError> {
    let checked = match crate::trust::check_certificate(certificate, time, policy) {
        // Validity held (it is checked first); the key strength is next.
        Err(CertificateError::NoSignatureKeyUsage) => policy.check(&certificate.public_key),
        other => other,
    };
    checked.map_err(|source| SmimeError::Certificate {
        role: "recipient",
        source,
    })?;
    recipient_key_usage(certificate)
}

/// The key usage bit a recipient certificate must assert for the key
/// management [`protect`] uses with its key (RFC 8550 §4.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequiredKeyUsage {
    /// `keyEncipherment`, for RSA key transport (RSAES-OAEP).
    #[error("keyEncipherment")]
    KeyEncipherment,
    /// `keyAgreement`, for ECDH key agreement (RFC 5753).
    #[error("keyAgreement")]
    KeyAgreement,
}

/// RFC 8550 §4.4.2, RFC 5280 §4.2.1.3: when the key usage extension is
/// present, an RSA recipient key must assert keyEncipherment and an EC
/// recipient key keyAgreement; without the extension the key is not
/// restricted (docs/decisions.md D120). Other key types are refused later
/// as [`SmimeError::UnsupportedRecipientKey`].
fn recipient_key_usage(certificate: &Certificate) -> Result<(), SmimeError> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let required = match certificate.public_key {
        PublicKey::Rsa { .. } => RequiredKeyUsage::KeyEncipherment,
        PublicKey::Ec { .. } => RequiredKeyUsage::KeyAgreement,
        PublicKey::Other(_) => return Ok(()),
    };
    let malformed = |error: x509_parser::error::X509Error| SmimeError::Certificate {
        role: "recipient",
        source: CertificateError::Der(DerError(error)),
    };
    let (_, parsed) = X509Certificate::from_der(certificate.der()).map_err(|e| match e {
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => malformed(e),
        x509_parser::nom::Err::Incomplete(_) => malformed(x509_parser::error::X509Error::InvalidCertificate),
    })?;
    let Some(usage) = parsed.key_usage().map_err(malformed)? else {
        return Ok(());
    };
    let allowed = match required {
        RequiredKeyUsage::KeyEncipherment => usage.value.key_encipherment(),
        RequiredKeyUsage::KeyAgreement => usage.value.key_agreement(),
    };
    if allowed {
        Ok(())
    } else {
        Err(SmimeError::RecipientKeyUsage {
            subject: certificate.subject.clone(),
            serial: certificate.serial.clone(),
            required,
        })
    }
}

/// Decrypts a protected message with the recipient's key and certificate,
/// verifies an inner signature against [`OpenOptions::verify`], and returns
/// the restored message, the inner entity and a report.
///
/// With an authenticating cipher (AES-GCM) a signature that does not hold
/// is reported in [`OpenReport::signatures`], not as an error: the content
/// is still the recipient's to read. With AES-CBC the content is returned
/// only when every inner signature passes, or when
/// [`OpenOptions::allow_unauthenticated`] is set; otherwise
/// [`SmimeError::ContentDecryption`] with [`UNAUTHENTICATED_CONTENT`].
///
/// # Errors
/// [`SmimeError::NotEncrypted`], [`SmimeError::NotForThisRecipient`],
/// [`SmimeError::KeyDecryption`], [`SmimeError::ContentDecryption`] and
/// decoding errors.
pub fn open(
    message: &[u8],
    key: &DecryptionKey,
    certificate: &Certificate,
    options: &OpenOptions<'_>,
) -> Result<Opened, SmimeError> {
    check_size(message)?;
    let split = mime::split(message)?;
    let der = mime::encrypted_payload(&split)?;
    let decrypted = envelope::decrypt(&der, key, certificate)?;
    let senders = mime::sender_addresses(&split);
    let unwrapped = signed::unwrap_signatures(&decrypted.content, &senders, &options.verify);
    let (entity, signatures) = if decrypted.authenticated || options.allow_unauthenticated {
        unwrapped?
    } else {
        // CBC: only a passing signature vouches for the content; every
        // other outcome is one error, like broken padding (no oracle).
        match unwrapped {
            Ok((entity, signatures))
                if !signatures.is_empty() && signatures.iter().all(SignatureReport::passed) =>
            {
                (entity, signatures)
            }
            _ => {
                return Err(SmimeError::ContentDecryption {
                    reason: UNAUTHENTICATED_CONTENT,
                });
            }
        }
    };
    let message = mime::restored_message(&split, &entity);
    Ok(Opened {
        message,
        entity,
        report: OpenReport {
            content_encryption: decrypted.content_encryption,
            content_authenticated: decrypted.authenticated,
            recipients: decrypted.recipients,
            signatures,
        },
    })
}

/// Verifies the S/MIME signature of a signed MIME entity (`multipart/signed`
/// with `application/pkcs7-signature`, or `application/pkcs7-mime;
/// smime-type=signed-data`), as the protection report does on receipt
/// (PVD FU Schritt 63–64). `entity` is the part's header fields and body;
/// `senders` are the `From` and `Sender` addresses of the message that
/// carries it, one of which must be an e-mail address of the signer's
/// certificate (RFC 8550 §3; [`SignatureFailure::SignerAddressMismatch`]).
///
/// # Errors
/// [`SmimeError`] when the entity is not a signed S/MIME entity at all; a
/// signature that does not hold is a report with a [`SignatureFailure`].
pub fn verify_signed_entity(
    entity: &[u8],
    senders: &[String],
    options: &VerifyOptions<'_>,
) -> Result<Vec<SignatureReport>, SmimeError> {
    check_size(entity)?;
    signed::verify_entity(entity, senders, options)
}

/// The `From` and `Sender` addresses of a message, for
/// [`verify_signed_entity`].
pub(crate) fn message_senders(parsed: &mail_parser::Message<'_>) -> Vec<String> {
    mime::message_senders(parsed)
}
