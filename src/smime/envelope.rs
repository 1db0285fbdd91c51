//! The encryption layer: CMS `AuthEnvelopedData` (AES-256-GCM, RFC 5083,
//! RFC 5084) and `EnvelopedData` (AES-CBC, RFC 5652 §6, RFC 3565), with
//! RSAES-OAEP key transport (RFC 8017, RFC 4055 §4) and ephemeral-static
//! ECDH key agreement (RFC 5753 §3.1) with the X9.63 KDF and AES key wrap
//! (RFC 3394).

use cms::authenveloped_data::AuthEnvelopedData;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo,
    KeyTransRecipientInfo, OriginatorIdentifierOrKey, OriginatorPublicKey, RecipientEncryptedKey,
    RecipientIdentifier, RecipientInfo, RecipientInfos,
};
use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Sequence, Tagged};
use ring::rand::{SecureRandom, SystemRandom};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::SmimeError;
use super::oids;
use crate::certificate::Certificate;
use crate::crypto::{Curve, PublicKey};

/// A recipient's private key for [`super::open`], read from PKCS#8.
pub struct DecryptionKey {
    inner: KeyInner,
    /// The public half as the certificate carries it (DER `RSAPublicKey` or
    /// the SEC 1 point), computed once.
    public: Vec<u8>,
}

enum KeyInner {
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    Bp256(bp256::r1::SecretKey),
    Bp384(bp384::r1::SecretKey),
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.inner {
            KeyInner::Rsa(_) => "RSA",
            KeyInner::P256(_) => "EC P-256",
            KeyInner::P384(_) => "EC P-384",
            KeyInner::Bp256(_) => "EC brainpoolP256r1",
            KeyInner::Bp384(_) => "EC brainpoolP384r1",
        };
        f.debug_struct("DecryptionKey")
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// Reads an unencrypted PKCS#8 private key in PEM (`BEGIN PRIVATE KEY`).
    ///
    /// # Errors
    /// [`SmimeError::BadKey`] when the PEM or key cannot be read.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, SmimeError> {
        let der = crate::pem::pem_to_der(pem, "PRIVATE KEY")
            .ok_or(SmimeError::BadKey(super::KeyError::NoPemBlock))?;
        Self::from_pkcs8_der(&der)
    }

    /// Reads an unencrypted PKCS#8 private key in DER: RSA, or EC on P-256,
    /// P-384, brainpoolP256r1 or brainpoolP384r1.
    ///
    /// # Errors
    /// [`SmimeError::BadKey`] for other key types or malformed keys.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, SmimeError> {
        use p256::pkcs8::DecodePrivateKey;
        let bad = |e: p256::pkcs8::Error| SmimeError::BadKey(super::KeyError::Pkcs8(e));
        let (algorithm, curve) =
            crate::crypto::pkcs8_algorithm(der).ok_or(SmimeError::BadKey(super::KeyError::NotPkcs8))?;
        let inner = match (algorithm.as_str(), curve) {
            ("1.2.840.113549.1.1.1", _) => {
                KeyInner::Rsa(Box::new(rsa::PrivateKey::from_pkcs8_der(der).map_err(bad)?))
            }
            ("1.2.840.10045.2.1", Some(Curve::P256)) => {
                KeyInner::P256(p256::SecretKey::from_pkcs8_der(der).map_err(bad)?)
            }
            ("1.2.840.10045.2.1", Some(Curve::P384)) => {
                KeyInner::P384(p384::SecretKey::from_pkcs8_der(der).map_err(bad)?)
            }
            ("1.2.840.10045.2.1", Some(Curve::BrainpoolP256r1)) => {
                KeyInner::Bp256(bp256::r1::SecretKey::from_pkcs8_der(der).map_err(bad)?)
            }
            ("1.2.840.10045.2.1", Some(Curve::BrainpoolP384r1)) => {
                KeyInner::Bp384(bp384::r1::SecretKey::from_pkcs8_der(der).map_err(bad)?)
            }
            (other, curve) => {
                return Err(SmimeError::BadKey(super::KeyError::Unsupported {
                    algorithm: other.to_owned(),
                    curve: curve.map(|c| c.name().to_owned()),
                }));
            }
        };
        let public = public_bytes(&inner);
        Ok(DecryptionKey { inner, public })
    }

    /// Whether this key is the private half of `certificate`'s key.
    fn matches(&self, certificate: &Certificate) -> bool {
        match (&self.inner, &certificate.public_key) {
            (KeyInner::Rsa(_), PublicKey::Rsa { der, .. }) => *der == self.public,
            (KeyInner::Rsa(_), _) | (_, PublicKey::Rsa { .. }) => false,
            (_, PublicKey::Ec { point, .. }) => *point == self.public,
            (_, PublicKey::Other(_)) => false,
        }
    }
}

fn public_bytes(inner: &KeyInner) -> Vec<u8> {
    use rsa::pkcs1::EncodeRsaPublicKey;
    match inner {
        KeyInner::Rsa(key) => key
            .to_public_key()
            .to_pkcs1_der()
            .map(|der| der.as_bytes().to_vec())
            .unwrap_or_default(),
        KeyInner::P256(key) => key.public_key().to_sec1_bytes().to_vec(),
        KeyInner::P384(key) => key.public_key().to_sec1_bytes().to_vec(),
        KeyInner::Bp256(key) => key.public_key().to_sec1_bytes().to_vec(),
        KeyInner::Bp384(key) => key.public_key().to_sec1_bytes().to_vec(),
    }
}

/// One recipient the content key was encrypted to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RecipientEntry {
    /// `issuer=<DN>, serial=<hex>` or `ski=<hex>`.
    pub id: String,
    /// `rsaes-oaep`, `ecdh-x963-sha256+aes256-wrap`, ...
    pub key_management: String,
    /// Whether this is the entry of the certificate used to open.
    pub this_certificate: bool,
}

/// The decrypted content and what the envelope said.
pub(crate) struct Decrypted {
    pub(crate) content: Vec<u8>,
    pub(crate) content_encryption: &'static str,
    /// Whether the cipher authenticates the content (GCM yes, CBC no).
    pub(crate) authenticated: bool,
    pub(crate) recipients: Vec<RecipientEntry>,
}

/// GCMParameters (RFC 5084 §3.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct GcmParameters {
    nonce: OctetString,
    #[asn1(default = "default_icv_len")]
    icv_len: u8,
}

fn default_icv_len() -> u8 {
    12
}

/// ECC-CMS-SharedInfo (RFC 5753 §7.2), the X9.63 KDF's SharedInfo.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EccCmsSharedInfo {
    key_info: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    entity_u_info: Option<OctetString>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    supp_pub_info: OctetString,
}

const KEY_LEN: usize = 32;

fn asn1(structure: &'static str) -> impl Fn(der::Error) -> SmimeError {
    move |source| SmimeError::Asn1 { structure, source }
}

/// The parameters of `algorithm` decoded as `T`, `structure` naming them in
/// the error. Absent parameters, which the algorithms asked for here require
/// (the AES-CBC IV of RFC 3565, the GCMParameters of RFC 5084, the key wrap
/// algorithm of ECDH in RFC 5753), are an ASN.1 error of the same structure.
fn required_parameters<'a, T>(
    algorithm: &'a AlgorithmIdentifierOwned,
    structure: &'static str,
) -> Result<T, SmimeError>
where
    T: der::Choice<'a> + der::DecodeValue<'a, Error = der::Error>,
{
    algorithm
        .parameters
        .as_ref()
        .ok_or(SmimeError::Asn1 {
            structure,
            source: der::Error::from(der::ErrorKind::Failed),
        })?
        .decode_as()
        .map_err(asn1(structure))
}

fn random(bytes: &mut [u8]) -> Result<(), SmimeError> {
    SystemRandom::new().fill(bytes).map_err(|_| SmimeError::Random)
}

fn algorithm(oid: ObjectIdentifier, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters }
}

/// Encrypts `content` to every certificate and returns the DER `ContentInfo`.
pub(crate) fn encrypt(
    content: &[u8],
    recipients: &[Certificate],
    cipher: super::Cipher,
) -> Result<Vec<u8>, SmimeError> {
    let mut key = [0u8; KEY_LEN];
    random(&mut key)?;
    let infos = recipients
        .iter()
        .map(|cert| recipient_info(&key, cert))
        .collect::<Result<Vec<_>, _>>()?;
    let any_kari = infos.iter().any(|i| matches!(i, RecipientInfo::Kari(_)));
    let recip_infos = RecipientInfos::try_from(infos).map_err(asn1("RecipientInfos"))?;
    let info = match cipher {
        super::Cipher::Aes256Gcm => {
            let mut nonce = [0u8; 12];
            random(&mut nonce)?;
            let sealing = ring::aead::LessSafeKey::new(
                ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &key)
                    .map_err(|_| SmimeError::Encryption { step: "aes-gcm key" })?,
            );
            let mut data = content.to_vec();
            let tag = sealing
                .seal_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(nonce),
                    ring::aead::Aad::empty(),
                    &mut data,
                )
                .map_err(|_| SmimeError::Encryption { step: "aes-gcm seal" })?;
            let params = GcmParameters {
                nonce: OctetString::new(nonce.to_vec()).map_err(asn1("GCMParameters"))?,
                icv_len: 16,
            };
            let data = AuthEnvelopedData {
                version: CmsVersion::V0,
                originator_info: None,
                recip_infos,
                auth_encrypted_content_info: EncryptedContentInfo {
                    content_type: oids::DATA,
                    content_enc_alg: algorithm(
                        oids::AES256_GCM,
                        Some(Any::encode_from(&params).map_err(asn1("GCMParameters"))?),
                    ),
                    encrypted_content: Some(OctetString::new(data).map_err(asn1("EncryptedContent"))?),
                },
                auth_attrs: None,
                mac: OctetString::new(tag.as_ref().to_vec()).map_err(asn1("MessageAuthenticationCode"))?,
                unauth_attrs: None,
            };
            ContentInfo {
                content_type: oids::AUTH_ENVELOPED_DATA,
                content: Any::encode_from(&data).map_err(asn1("AuthEnvelopedData"))?,
            }
        }
        super::Cipher::Aes256Cbc => {
            use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
            let mut iv = [0u8; 16];
            random(&mut iv)?;
            let encrypted = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
                .encrypt_padded_vec::<Pkcs7>(content);
            let data = EnvelopedData {
                // RFC 5652 §6.1: 2 when a KeyAgreeRecipientInfo (version 3) is present.
                version: if any_kari { CmsVersion::V2 } else { CmsVersion::V0 },
                originator_info: None,
                recip_infos,
                encrypted_content: EncryptedContentInfo {
                    content_type: oids::DATA,
                    content_enc_alg: algorithm(
                        oids::AES256_CBC,
                        Some(
                            Any::encode_from(&OctetString::new(iv.to_vec()).map_err(asn1("IV"))?)
                                .map_err(asn1("IV"))?,
                        ),
                    ),
                    encrypted_content: Some(OctetString::new(encrypted).map_err(asn1("EncryptedContent"))?),
                },
                unprotected_attrs: None,
            };
            ContentInfo {
                content_type: oids::ENVELOPED_DATA,
                content: Any::encode_from(&data).map_err(asn1("EnvelopedData"))?,
            }
        }
    };
    info.to_der().map_err(asn1("ContentInfo"))
}

/// The issuer and serial number of a certificate (RFC 5652 §10.2.4).
fn issuer_and_serial(cert: &Certificate) -> Result<(IssuerAndSerialNumber, Option<Vec<u8>>), SmimeError> {
    let parsed = x509_cert::Certificate::from_der(cert.der()).map_err(asn1("Certificate"))?;
    let tbs = parsed.tbs_certificate();
    let ski = tbs
        .get_extension::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, ski)| ski.0.as_bytes().to_vec());
    Ok((
        IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        },
        ski,
    ))
}

fn recipient_info(key: &[u8; KEY_LEN], cert: &Certificate) -> Result<RecipientInfo, SmimeError> {
    let (id, _) = issuer_and_serial(cert)?;
    match &cert.public_key {
        PublicKey::Rsa { der, .. } => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let public = rsa::PublicKey::from_pkcs1_der(der).map_err(|_| SmimeError::Certificate {
                role: "recipient",
                source: crate::certificate::CertificateError::Der(crate::certificate::DerError(
                    x509_parser::error::X509Error::InvalidSPKI,
                )),
            })?;
            let encrypted = public
                .oaep_encrypt::<sha2::Sha256>(key)
                .map_err(|_| SmimeError::Encryption {
                    step: "rsaes-oaep encrypt",
                })?;
            let params = rsa::pkcs1::RsaOaepParamsRef::new::<sha2::Sha256>();
            Ok(RecipientInfo::Ktri(KeyTransRecipientInfo {
                version: CmsVersion::V0,
                rid: RecipientIdentifier::IssuerAndSerialNumber(id),
                key_enc_alg: algorithm(
                    oids::RSAES_OAEP,
                    Some(Any::encode_from(&params).map_err(asn1("RSAES-OAEP-params"))?),
                ),
                enc_key: OctetString::new(encrypted).map_err(asn1("EncryptedKey"))?,
            }))
        }
        PublicKey::Ec { curve, point } => {
            let (kdf, ephemeral, wrapped) = ecdh_wrap(curve, point, key)?;
            Ok(RecipientInfo::Kari(KeyAgreeRecipientInfo {
                version: CmsVersion::V3,
                originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
                    algorithm: algorithm(oids::EC_PUBLIC_KEY, None),
                    public_key: BitString::from_bytes(&ephemeral).map_err(asn1("OriginatorPublicKey"))?,
                }),
                ukm: None,
                key_enc_alg: algorithm(
                    kdf,
                    Some(
                        Any::encode_from(&algorithm(oids::AES256_WRAP, None))
                            .map_err(asn1("KeyWrapAlgorithm"))?,
                    ),
                ),
                recipient_enc_keys: vec![RecipientEncryptedKey {
                    rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(id),
                    enc_key: OctetString::new(wrapped).map_err(asn1("EncryptedKey"))?,
                }],
            }))
        }
        PublicKey::Other(_) => Err(SmimeError::UnsupportedRecipientKey {
            key: cert.public_key.describe(),
        }),
    }
}

/// The KDF hash of dhSinglePass-stdDH-*kdf-scheme.
#[derive(Clone, Copy)]
enum KdfHash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl KdfHash {
    fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        Some(match oid {
            o if o == oids::ECDH_SHA1_KDF => KdfHash::Sha1,
            o if o == oids::ECDH_SHA224_KDF => KdfHash::Sha224,
            o if o == oids::ECDH_SHA256_KDF => KdfHash::Sha256,
            o if o == oids::ECDH_SHA384_KDF => KdfHash::Sha384,
            o if o == oids::ECDH_SHA512_KDF => KdfHash::Sha512,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            KdfHash::Sha1 => "sha1",
            KdfHash::Sha224 => "sha224",
            KdfHash::Sha256 => "sha256",
            KdfHash::Sha384 => "sha384",
            KdfHash::Sha512 => "sha512",
        }
    }

    /// X9.63 KDF (SEC 1 §3.6.1) as RFC 5753 §7.2 uses it.
    fn derive(self, secret: &[u8], shared_info: &[u8], out: &mut [u8]) -> Result<(), SmimeError> {
        use ansi_x963_kdf::derive_key_into;
        let result = match self {
            KdfHash::Sha1 => derive_key_into::<sha1::Sha1>(secret, shared_info, out),
            KdfHash::Sha224 => derive_key_into::<sha2::Sha224>(secret, shared_info, out),
            KdfHash::Sha256 => derive_key_into::<sha2::Sha256>(secret, shared_info, out),
            KdfHash::Sha384 => derive_key_into::<sha2::Sha384>(secret, shared_info, out),
            KdfHash::Sha512 => derive_key_into::<sha2::Sha512>(secret, shared_info, out),
        };
        result.map_err(|_| SmimeError::KeyDecryption { step: "x9.63 kdf" })
    }
}

/// The key-wrap key length of an AES key-wrap OID.
fn wrap_key_len(oid: ObjectIdentifier) -> Option<usize> {
    match oid {
        o if o == oids::AES128_WRAP => Some(16),
        o if o == oids::AES192_WRAP => Some(24),
        o if o == oids::AES256_WRAP => Some(32),
        _ => None,
    }
}

fn shared_info(
    wrap: ObjectIdentifier,
    ukm: Option<&OctetString>,
    key_len: usize,
) -> Result<Vec<u8>, SmimeError> {
    let bits = u32::try_from(key_len * 8).unwrap_or(u32::MAX);
    EccCmsSharedInfo {
        key_info: algorithm(wrap, None),
        entity_u_info: ukm.cloned(),
        supp_pub_info: OctetString::new(bits.to_be_bytes().to_vec()).map_err(asn1("ECC-CMS-SharedInfo"))?,
    }
    .to_der()
    .map_err(asn1("ECC-CMS-SharedInfo"))
}

/// Ephemeral-static ECDH to the recipient's point; returns the KDF scheme,
/// the ephemeral public point and the wrapped content key.
fn ecdh_wrap(
    curve: &Curve,
    point: &[u8],
    key: &[u8],
) -> Result<(ObjectIdentifier, Vec<u8>, Vec<u8>), SmimeError> {
    let unsupported = || SmimeError::UnsupportedRecipientKey {
        key: format!("EC {curve}"),
    };
    macro_rules! agree {
        ($curve:ty, $bytes:expr) => {{
            let public = p256::elliptic_curve::PublicKey::<$curve>::from_sec1_bytes(point)
                .map_err(|_| unsupported())?;
            let secret = loop {
                let mut bytes = [0u8; $bytes];
                random(&mut bytes)?;
                if let Ok(secret) = p256::elliptic_curve::SecretKey::<$curve>::from_slice(&bytes) {
                    break secret;
                }
            };
            let shared =
                p256::elliptic_curve::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
            let ephemeral = secret.public_key().to_sec1_bytes().to_vec();
            (shared.raw_secret_bytes().to_vec(), ephemeral)
        }};
    }
    let (kdf_oid, kdf, (z, ephemeral)) = match curve {
        Curve::P256 => (oids::ECDH_SHA256_KDF, KdfHash::Sha256, agree!(p256::NistP256, 32)),
        Curve::P384 => (oids::ECDH_SHA384_KDF, KdfHash::Sha384, agree!(p384::NistP384, 48)),
        Curve::BrainpoolP256r1 => (
            oids::ECDH_SHA256_KDF,
            KdfHash::Sha256,
            agree!(bp256::BrainpoolP256r1, 32),
        ),
        Curve::BrainpoolP384r1 => (
            oids::ECDH_SHA384_KDF,
            KdfHash::Sha384,
            agree!(bp384::BrainpoolP384r1, 48),
        ),
        Curve::Other(_) => return Err(unsupported()),
    };
    let mut kek = [0u8; 32];
    kdf.derive(&z, &shared_info(oids::AES256_WRAP, None, 32)?, &mut kek)?;
    let mut wrapped = vec![0u8; key.len() + 8];
    <aes_kw::KwAes256 as aes_kw::KeyInit>::new(&kek.into())
        .wrap_key(key, &mut wrapped)
        .map_err(|_| SmimeError::Encryption { step: "aes key wrap" })?;
    Ok((kdf_oid, ephemeral, wrapped))
}

/// Decodes the content of a `ContentInfo` as BER: openssl's `-stream`
/// output and other streaming writers use indefinite lengths and
/// constructed OCTET STRINGs (RFC 5652 §1.1 allows BER).
pub(crate) fn ber_decode<T: for<'a> Decode<'a, Error = der::Error>>(content: &Any) -> der::Result<T> {
    T::from_ber(&content.to_der()?)
}

/// The payload of a `ContentInfo`: enveloped or auth-enveloped.
enum Payload {
    Enveloped(EnvelopedData),
    AuthEnveloped(AuthEnvelopedData),
}

/// Decrypts a DER/BER `ContentInfo` with the recipient's key.
pub(crate) fn decrypt(der: &[u8], key: &DecryptionKey, cert: &Certificate) -> Result<Decrypted, SmimeError> {
    let info = ContentInfo::from_ber(der).map_err(asn1("ContentInfo"))?;
    let payload = match info.content_type {
        t if t == oids::AUTH_ENVELOPED_DATA => {
            Payload::AuthEnveloped(ber_decode(&info.content).map_err(asn1("AuthEnvelopedData"))?)
        }
        t if t == oids::ENVELOPED_DATA => {
            Payload::Enveloped(ber_decode(&info.content).map_err(asn1("EnvelopedData"))?)
        }
        other => {
            return Err(SmimeError::NotEncrypted {
                content_type: other.to_string(),
            });
        }
    };
    let recip_infos = match &payload {
        Payload::Enveloped(data) => &data.recip_infos,
        Payload::AuthEnveloped(data) => &data.recip_infos,
    };
    if !key.matches(cert) {
        return Err(SmimeError::KeyDoesNotMatchCertificate {
            subject: cert.subject.clone(),
        });
    }
    let (own_id, own_ski) = issuer_and_serial(cert)?;
    let mut recipients = Vec::new();
    let mut content_key = None;
    for info in recip_infos.0.iter() {
        for (entry, encrypted_key) in entries(info, &own_id, own_ski.as_deref()) {
            if entry.this_certificate && content_key.is_none() {
                content_key = Some(encrypted_key);
            }
            recipients.push(entry);
        }
    }
    let Some(unwrap) = content_key else {
        return Err(SmimeError::NotForThisRecipient {
            subject: cert.subject.clone(),
            recipients: recipients.into_iter().map(|r| r.id).collect(),
        });
    };
    let cek = unwrap.open(key)?;
    let (content, content_encryption) = match &payload {
        Payload::Enveloped(data) => decrypt_cbc(&cek, &data.encrypted_content)?,
        Payload::AuthEnveloped(data) => {
            let aad = auth_attrs_aad(data)?;
            decrypt_gcm(&cek, &data.auth_encrypted_content_info, data.mac.as_bytes(), &aad)?
        }
    };
    Ok(Decrypted {
        content,
        content_encryption,
        authenticated: matches!(payload, Payload::AuthEnveloped(_)),
        recipients,
    })
}

/// How to recover the content key from one recipient entry.
enum KeyUnwrap<'a> {
    Oaep {
        params: Option<&'a Any>,
        encrypted: &'a [u8],
    },
    Pkcs1v15,
    Ecdh {
        kari: &'a KeyAgreeRecipientInfo,
        wrapped: &'a [u8],
    },
    Unsupported {
        role: &'static str,
        oid: String,
    },
    /// KEK, password or other recipient info (RFC 5652 §6.2.3-§6.2.5).
    OtherKind(&'static str),
}

fn describe_rid(id: &IssuerAndSerialNumber) -> String {
    format!(
        "issuer={}, serial={}",
        id.issuer,
        hex(id.serial_number.as_bytes())
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The recipient entries of one RecipientInfo, with the unwrap of each.
fn entries<'a>(
    info: &'a RecipientInfo,
    own: &IssuerAndSerialNumber,
    own_ski: Option<&[u8]>,
) -> Vec<(RecipientEntry, KeyUnwrap<'a>)> {
    let is_own_ski = |ski: &SubjectKeyIdentifier| own_ski == Some(ski.0.as_bytes());
    match info {
        RecipientInfo::Ktri(ktri) => {
            let (id, this) = match &ktri.rid {
                RecipientIdentifier::IssuerAndSerialNumber(id) => (describe_rid(id), id == own),
                RecipientIdentifier::SubjectKeyIdentifier(ski) => {
                    (format!("ski={}", hex(ski.0.as_bytes())), is_own_ski(ski))
                }
            };
            let oid = ktri.key_enc_alg.oid;
            let (name, unwrap) = if oid == oids::RSAES_OAEP {
                (
                    "rsaes-oaep".to_owned(),
                    KeyUnwrap::Oaep {
                        params: ktri.key_enc_alg.parameters.as_ref(),
                        encrypted: ktri.enc_key.as_bytes(),
                    },
                )
            } else if oid == oids::RSA_ENCRYPTION {
                ("rsa-pkcs1v15".to_owned(), KeyUnwrap::Pkcs1v15)
            } else {
                (
                    oid.to_string(),
                    KeyUnwrap::Unsupported {
                        role: "key transport",
                        oid: oid.to_string(),
                    },
                )
            };
            vec![(
                RecipientEntry {
                    id,
                    key_management: name,
                    this_certificate: this,
                },
                unwrap,
            )]
        }
        RecipientInfo::Kari(kari) => {
            let name = kari_name(kari);
            kari.recipient_enc_keys
                .iter()
                .map(|rek| {
                    let (id, this) = match &rek.rid {
                        KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(id) => {
                            (describe_rid(id), id == own)
                        }
                        KeyAgreeRecipientIdentifier::RKeyId(rkey) => (
                            format!("ski={}", hex(rkey.subject_key_identifier.0.as_bytes())),
                            is_own_ski(&rkey.subject_key_identifier),
                        ),
                    };
                    (
                        RecipientEntry {
                            id,
                            key_management: name.clone(),
                            this_certificate: this,
                        },
                        KeyUnwrap::Ecdh {
                            kari,
                            wrapped: rek.enc_key.as_bytes(),
                        },
                    )
                })
                .collect()
        }
        RecipientInfo::Kekri(_) => vec![other_entry("kekri")],
        RecipientInfo::Pwri(_) => vec![other_entry("pwri")],
        RecipientInfo::Ori(_) => vec![other_entry("ori")],
    }
}

fn other_entry<'a>(kind: &'static str) -> (RecipientEntry, KeyUnwrap<'a>) {
    (
        RecipientEntry {
            id: format!("({kind})"),
            key_management: kind.to_owned(),
            this_certificate: false,
        },
        KeyUnwrap::OtherKind(kind),
    )
}

fn kari_name(kari: &KeyAgreeRecipientInfo) -> String {
    let kdf = KdfHash::from_oid(kari.key_enc_alg.oid).map_or_else(
        || kari.key_enc_alg.oid.to_string(),
        |k| format!("ecdh-x963-{}", k.name()),
    );
    let wrap = kari
        .key_enc_alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<AlgorithmIdentifierOwned>().ok())
        .and_then(|w| wrap_key_len(w.oid))
        .map_or("?".to_owned(), |len| format!("aes{}-wrap", len * 8));
    format!("{kdf}+{wrap}")
}

impl KeyUnwrap<'_> {
    fn open(self, key: &DecryptionKey) -> Result<Vec<u8>, SmimeError> {
        match self {
            KeyUnwrap::Oaep { params, encrypted } => {
                let KeyInner::Rsa(rsa_key) = &key.inner else {
                    return Err(SmimeError::KeyDecryption {
                        step: "rsaes-oaep needs an RSA key",
                    });
                };
                oaep_decrypt(rsa_key, params, encrypted)
            }
            KeyUnwrap::Pkcs1v15 => Err(SmimeError::Pkcs1v15KeyTransport),
            KeyUnwrap::Ecdh { kari, wrapped } => ecdh_unwrap(key, kari, wrapped),
            KeyUnwrap::Unsupported { role, oid } => Err(SmimeError::UnsupportedAlgorithm { role, oid }),
            KeyUnwrap::OtherKind(kind) => Err(SmimeError::UnsupportedRecipientInfo { kind }),
        }
    }
}

fn oaep_decrypt(
    key: &rsa::PrivateKey,
    params: Option<&Any>,
    encrypted: &[u8],
) -> Result<Vec<u8>, SmimeError> {
    let unsupported = |oid: ObjectIdentifier| SmimeError::UnsupportedAlgorithm {
        role: "rsaes-oaep parameter",
        oid: oid.to_string(),
    };
    let params: rsa::pkcs1::RsaOaepParams<Any> = match params {
        Some(any) if any.tag() != der::Tag::Null => any.decode_as().map_err(asn1("RSAES-OAEP-params"))?,
        _ => rsa::pkcs1::RsaOaepParams::default(),
    };
    let hash = params.hash.oid;
    if params.mask_gen.oid != oids::MGF1 {
        return Err(unsupported(params.mask_gen.oid));
    }
    let mgf_hash = params.mask_gen.parameters.as_ref().map_or(oids::SHA1, |p| p.oid);
    if mgf_hash != hash {
        return Err(unsupported(mgf_hash));
    }
    let label_empty = params.p_source.oid == oids::P_SPECIFIED
        && params.p_source.parameters.as_ref().is_none_or(|p| {
            p.decode_as::<OctetString>()
                .is_ok_and(|l| l.as_bytes().is_empty())
        });
    if !label_empty {
        return Err(unsupported(params.p_source.oid));
    }
    let result = match hash {
        h if h == oids::SHA1 => key.oaep_decrypt::<sha1::Sha1>(encrypted),
        h if h == oids::SHA256 => key.oaep_decrypt::<sha2::Sha256>(encrypted),
        h if h == oids::SHA384 => key.oaep_decrypt::<sha2::Sha384>(encrypted),
        h if h == oids::SHA512 => key.oaep_decrypt::<sha2::Sha512>(encrypted),
        other => return Err(unsupported(other)),
    };
    let cek = result.map_err(|_| SmimeError::KeyDecryption { step: "rsaes-oaep" })?;
    Ok(cek)
}

fn ecdh_unwrap(
    key: &DecryptionKey,
    kari: &KeyAgreeRecipientInfo,
    wrapped: &[u8],
) -> Result<Vec<u8>, SmimeError> {
    let kdf = KdfHash::from_oid(kari.key_enc_alg.oid).ok_or_else(|| SmimeError::UnsupportedAlgorithm {
        role: "key agreement",
        oid: kari.key_enc_alg.oid.to_string(),
    })?;
    let wrap: AlgorithmIdentifierOwned = required_parameters(&kari.key_enc_alg, "KeyWrapAlgorithm")?;
    let kek_len = wrap_key_len(wrap.oid).ok_or_else(|| SmimeError::UnsupportedAlgorithm {
        role: "key wrap",
        oid: wrap.oid.to_string(),
    })?;
    let OriginatorIdentifierOrKey::OriginatorKey(originator) = &kari.originator else {
        return Err(SmimeError::UnsupportedAlgorithm {
            role: "key agreement originator (static-static ECDH)",
            oid: kari.key_enc_alg.oid.to_string(),
        });
    };
    let point = originator.public_key.as_bytes().unwrap_or_default();
    let wrong = || SmimeError::KeyDecryption {
        step: "ecdh: the originator key is not on the recipient's curve",
    };
    macro_rules! agree {
        ($secret:expr, $curve:ty) => {{
            let public =
                p256::elliptic_curve::PublicKey::<$curve>::from_sec1_bytes(point).map_err(|_| wrong())?;
            p256::elliptic_curve::ecdh::diffie_hellman($secret.to_nonzero_scalar(), public.as_affine())
                .raw_secret_bytes()
                .to_vec()
        }};
    }
    let z = match &key.inner {
        KeyInner::P256(secret) => agree!(secret, p256::NistP256),
        KeyInner::P384(secret) => agree!(secret, p384::NistP384),
        KeyInner::Bp256(secret) => agree!(secret, bp256::BrainpoolP256r1),
        KeyInner::Bp384(secret) => agree!(secret, bp384::BrainpoolP384r1),
        KeyInner::Rsa(_) => {
            return Err(SmimeError::KeyDecryption {
                step: "ecdh needs an EC key",
            });
        }
    };
    let mut kek = vec![0u8; kek_len];
    kdf.derive(&z, &shared_info(wrap.oid, kari.ukm.as_ref(), kek_len)?, &mut kek)?;
    let mut out = vec![0u8; wrapped.len().saturating_sub(8)];
    use aes_kw::KeyInit;
    let unwrap_failed = |_| SmimeError::KeyDecryption {
        step: "aes key unwrap",
    };
    macro_rules! unwrap_with {
        ($kw:ty) => {
            <$kw>::new_from_slice(&kek)
                .map_err(|_| wrong())?
                .unwrap_key(wrapped, &mut out)
                .map_err(unwrap_failed)?
                .len()
        };
    }
    let unwrapped = match kek_len {
        16 => unwrap_with!(aes_kw::KwAes128),
        24 => unwrap_with!(aes_kw::KwAes192),
        _ => unwrap_with!(aes_kw::KwAes256),
    };
    out.truncate(unwrapped);
    Ok(out)
}

fn encrypted_bytes(info: &EncryptedContentInfo) -> Result<&[u8], SmimeError> {
    if info.content_type != oids::DATA {
        return Err(SmimeError::UnsupportedAlgorithm {
            role: "encrypted content type",
            oid: info.content_type.to_string(),
        });
    }
    info.encrypted_content
        .as_ref()
        .map(OctetString::as_bytes)
        .ok_or(SmimeError::ContentDecryption {
            reason: "no encrypted content (detached content is not supported)",
        })
}

fn decrypt_cbc(cek: &[u8], info: &EncryptedContentInfo) -> Result<(Vec<u8>, &'static str), SmimeError> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let oid = info.content_enc_alg.oid;
    let iv: OctetString = required_parameters(&info.content_enc_alg, "AES-IV")?;
    let data = encrypted_bytes(info)?;
    // The same error as unauthenticated content without a passing
    // signature, so that padding is no oracle (docs/decisions.md D67).
    let bad_padding = SmimeError::ContentDecryption {
        reason: super::UNAUTHENTICATED_CONTENT,
    };
    let wrong_key = || SmimeError::KeyDecryption {
        step: "the content key has the wrong length",
    };
    macro_rules! cbc_decrypt {
        ($aes:ty, $name:expr) => {{
            let decryptor =
                cbc::Decryptor::<$aes>::new_from_slices(cek, iv.as_bytes()).map_err(|_| wrong_key())?;
            (
                decryptor
                    .decrypt_padded_vec::<Pkcs7>(data)
                    .map_err(|_| bad_padding)?,
                $name,
            )
        }};
    }
    Ok(match oid {
        o if o == oids::AES256_CBC => cbc_decrypt!(aes::Aes256, "aes256-cbc"),
        o if o == oids::AES192_CBC => cbc_decrypt!(aes::Aes192, "aes192-cbc"),
        o if o == oids::AES128_CBC => cbc_decrypt!(aes::Aes128, "aes128-cbc"),
        other => {
            return Err(SmimeError::UnsupportedAlgorithm {
                role: "content encryption",
                oid: other.to_string(),
            });
        }
    })
}

/// RFC 5083 §2.2: with authenticated attributes, the additional data of
/// the AEAD is their DER encoding with the SET OF tag (0x31) in place of
/// the IMPLICIT [1]; without them it is empty.
fn auth_attrs_aad(data: &AuthEnvelopedData) -> Result<Vec<u8>, SmimeError> {
    match &data.auth_attrs {
        Some(attrs) => attrs.to_der().map_err(asn1("AuthAttributes")),
        None => Ok(Vec::new()),
    }
}

fn decrypt_gcm(
    cek: &[u8],
    info: &EncryptedContentInfo,
    mac: &[u8],
    aad: &[u8],
) -> Result<(Vec<u8>, &'static str), SmimeError> {
    let oid = info.content_enc_alg.oid;
    let (algorithm, name) = match oid {
        o if o == oids::AES256_GCM => (&ring::aead::AES_256_GCM, "aes256-gcm"),
        o if o == oids::AES128_GCM => (&ring::aead::AES_128_GCM, "aes128-gcm"),
        other => {
            return Err(SmimeError::UnsupportedAlgorithm {
                role: "content encryption",
                oid: other.to_string(),
            });
        }
    };
    let params: GcmParameters = required_parameters(&info.content_enc_alg, "GCMParameters")?;
    // ring verifies 16-byte tags with 12-byte nonces only (RFC 5084 §3.2
    // recommends both); see docs/decisions.md D64.
    let nonce = ring::aead::Nonce::try_assume_unique_for_key(params.nonce.as_bytes()).map_err(|_| {
        SmimeError::UnsupportedAlgorithm {
            role: "aes-gcm nonce length",
            oid: oid.to_string(),
        }
    })?;
    if params.icv_len != 16 || mac.len() != 16 {
        return Err(SmimeError::UnsupportedAlgorithm {
            role: "aes-gcm tag length",
            oid: oid.to_string(),
        });
    }
    let key = ring::aead::UnboundKey::new(algorithm, cek).map_err(|_| SmimeError::KeyDecryption {
        step: "the content key has the wrong length",
    })?;
    let mut data = encrypted_bytes(info)?.to_vec();
    data.extend_from_slice(mac);
    let plain = ring::aead::LessSafeKey::new(key)
        .open_in_place(nonce, ring::aead::Aad::from(aad), &mut data)
        .map_err(|_| SmimeError::ContentDecryption {
            reason: "authentication tag mismatch",
        })?;
    let len = plain.len();
    data.truncate(len);
    Ok((data, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 5083 §2.2: a tag computed over DER(authAttrs) as AAD verifies
    // with the attributes and fails without them.
    #[test]
    fn gcm_tag_covers_the_der_of_auth_attrs() {
        let cek = [7u8; 32];
        let nonce = [9u8; 12];
        let mut values = der::asn1::SetOfVec::new();
        values
            .insert(Any::encode_from(&oids::DATA).expect("an OID"))
            .expect("one value");
        let mut attrs = der::asn1::SetOfVec::new();
        attrs
            .insert(x509_cert::attr::Attribute {
                oid: oids::CONTENT_TYPE,
                values,
            })
            .expect("one attribute");
        let aad = attrs.to_der().expect("DER");
        assert_eq!(aad[0], 0x31, "SET OF tag, not [1]");
        let key = ring::aead::LessSafeKey::new(
            ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &cek).expect("a key"),
        );
        let mut data = b"Content-Type: text/plain\r\n\r\nHallo".to_vec();
        let tag = key
            .seal_in_place_separate_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(&aad),
                &mut data,
            )
            .expect("sealed");
        let info = EncryptedContentInfo {
            content_type: oids::DATA,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: oids::AES256_GCM,
                parameters: Some(
                    Any::encode_from(&GcmParameters {
                        nonce: OctetString::new(nonce.to_vec()).expect("nonce"),
                        icv_len: 16,
                    })
                    .expect("params"),
                ),
            },
            encrypted_content: Some(OctetString::new(data).expect("content")),
        };
        let (plain, _) = decrypt_gcm(&cek, &info, tag.as_ref(), &aad).expect("opens with the AAD");
        assert_eq!(plain, b"Content-Type: text/plain\r\n\r\nHallo");
        assert!(matches!(
            decrypt_gcm(&cek, &info, tag.as_ref(), &[]),
            Err(SmimeError::ContentDecryption { .. })
        ));
    }
}
